"""A partition written in batches through the IO manager's staging (PartitionBatches) and read back in
batches (PartitionRows): one transaction per partition, the other partitions untouched, empty refused,
the staging removed, the batches in the asked order with no key split."""

import polars as pl
import pytest

from instructie_assets.clients import DuckLakeResource
from instructie_assets.io_managers import PartitionBatches, PartitionRows
from instructie_assets.storage.duckdb_tables import replace_partition_from_parquet
from instructie_assets.storage.lake import EmptyReplacementError, close_shared

COLUMNS = {"paragraph_id": pl.String, "value": pl.Int64, "theme": pl.String}


def frame(theme, pids, values):
    return pl.DataFrame({"value": values, "paragraph_id": pids, "theme": [theme] * len(values)})  # columns in another order


def commit(lake, batches: PartitionBatches, theme, allow_empty=False):
    with lake.get_connection() as conn:
        try:
            return replace_partition_from_parquet(conn, "t", batches.files, batches.empty(), {"theme": theme}, f"writing t ({theme})",
                                                  allow_empty=allow_empty)
        finally:
            batches.close()


def test_batches_replace_one_partition_and_read_back_in_order(tmp_path):
    lake = DuckLakeResource(db=str(tmp_path / "lake"), batch_rows=2)
    try:
        for theme, n in (("a", 7), ("b", 3)):
            out = PartitionBatches(lake, "run-1", f"t-{theme}", COLUMNS)
            for i in range(0, n, 3):
                out.write(frame(theme, [f"p{j // 2}" for j in range(i, min(n, i + 3))], list(range(i, min(n, i + 3)))))
            assert out.directory.exists() and len(out.files) == (n + 2) // 3
            staging = out.directory
            assert commit(lake, out, theme) == n
            assert not staging.exists()  # removed after the commit
        out = PartitionBatches(lake, "run-2", "t-a", COLUMNS)
        out.write(frame("a", ["p9"], [100]))
        commit(lake, out, "a")
        with lake.get_connection() as conn:
            assert sorted(conn.execute("SELECT theme, paragraph_id, value FROM main.t").fetchall()) == \
                [("a", "p9", 100), ("b", "p0", 0), ("b", "p0", 1), ("b", "p1", 2)]
        # nothing where rows are: refused, and the rows stay
        with pytest.raises(EmptyReplacementError, match=r"writing t \(b\): the new rows are empty but 3 rows"):
            commit(lake, PartitionBatches(lake, "run-3", "t-b", COLUMNS), "b")
        rows = PartitionRows(lake, "t", "theme = ?", ["b"])
        assert rows.count() == 3 and rows.empty().columns == ["paragraph_id", "value", "theme"]
        batches = list(rows.batches(["paragraph_id", "value"], whole="paragraph_id"))
        assert [b["value"].to_list() for b in batches] == [[0, 1], [2]]  # two rows a batch, p0 never split
        assert pl.concat(list(rows.batches(["value"], ["value"])))["value"].to_list() == [0, 1, 2]
        commit(lake, PartitionBatches(lake, "run-4", "t-b", COLUMNS), "b", allow_empty=True)
        assert rows.count() == 0
    finally:
        close_shared()
