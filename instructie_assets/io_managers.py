"""The IO manager of the stage tables: partitions of the DuckLake, in polars frames or in batches.

Writing a partition deletes its rows and inserts the new ones in one transaction (a run killed in
between leaves the previous rows), matches columns by name, creates the table even from no rows,
refuses to replace a non-empty partition with an empty one unless `allow_empty`, and runs the
transaction again when it conflicts with another run's commit to the same table (bounded; see
`storage.lake.write_transaction`). Reading a partition selects its rows by the asset's `partition_expr`.

Two shapes, chosen by the asset's annotations:

* `pl.DataFrame` in and out: the whole partition at once (`paragraphs`, the readers).
* `PartitionRows` in, `PartitionBatches` out: the stages after `paragraphs`. An input annotated
  `PartitionRows` is a handle that streams the partition in record batches of `batch_rows` rows, in
  the order the asset asks for (DuckDB sorts, spilling to disk past its memory limit); an asset
  returning `PartitionBatches` has written its rows batch by batch as Parquet files into a staging
  directory private to the step, and the IO manager swaps them in with the same one transaction. So the
  asset holds one batch (and whatever small state it keeps), never the partition.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import polars as pl

from instructie_assets.clients import DuckLakeResource
from instructie_assets.core.keyed_batches import merge_on_key, whole_key_batches
from instructie_assets.storage.duckdb_tables import replace_partition, replace_partition_from_parquet
from instructie_assets.storage.lake import storage_error, table_exists


def _partition_filter(partition_expr: dict[str, str] | str | None, keys: list) -> tuple[str, list]:
    """SQL condition and parameters selecting the rows of the given partition keys."""
    if partition_expr is None or not keys:
        return "true", []
    if isinstance(partition_expr, str):
        return f"{partition_expr} IN ({', '.join('?' * len(keys))})", [str(k) for k in keys]
    columns = sorted(partition_expr)
    keys = [k if hasattr(k, "keys_by_dimension") else dg.MultiPartitionKey(dict(zip(columns, str(k).split("|")))) for k in keys]
    tuples = [[k.keys_by_dimension[c] for c in columns] for k in keys]
    cond = " OR ".join("(" + " AND ".join(f"{partition_expr[c]} = ?" for c in columns) + ")" for _ in tuples)
    return f"({cond})", [v for t in tuples for v in t]


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


@dataclass
class PartitionRows:
    """The rows of one partition of a stage table, read in batches (never all at once)."""

    lake: DuckLakeResource
    table: str
    where: str
    params: list
    schema: str = "main"

    @property
    def batch_rows(self) -> int:
        return self.lake.batch_rows

    def _select(self, columns: list[str] | None, order_by: list[str]) -> str:
        cols = ", ".join(_quoted(c) for c in columns) if columns else "*"
        order = f" ORDER BY {', '.join(_quoted(c) for c in order_by)}" if order_by else ""
        return f"SELECT {cols} FROM {self.schema}.{self.table} WHERE {self.where}{order}"

    def batches(self, order_by: list[str], columns: list[str] | None = None, whole: str | None = None) -> Iterator[pl.DataFrame]:
        """The partition's rows sorted by `order_by`, `batch_rows` at a time (`columns` only, when
        given); with `whole`, cut so that no value of that column spans two batches (its rows wait for
        the next batch: `core.keyed_batches.whole_key_batches`)."""
        frames = self._frames(order_by, columns)
        return whole_key_batches(frames, whole, f"{self.table} ({self.where} {self.params})") if whole else frames

    def _frames(self, order_by: list[str], columns: list[str] | None) -> Iterator[pl.DataFrame]:
        with self.lake.get_connection() as conn:
            reader = conn.execute(self._select(columns, order_by), self.params).fetch_record_batch(self.batch_rows)
            for batch in reader:
                if batch.num_rows:
                    yield pl.from_arrow(batch)

    def empty(self, columns: list[str] | None = None) -> pl.DataFrame:
        """No rows, the columns (and types) of the table."""
        with self.lake.get_connection() as conn:
            return conn.execute(self._select(columns, []) + " LIMIT 0", self.params).pl()

    def count(self) -> int:
        with self.lake.get_connection() as conn:
            (n,) = conn.execute(f"SELECT count(*) FROM {self.schema}.{self.table} WHERE {self.where}", self.params).fetchone()
        return n


# An input annotated PartitionRows is given a handle by the IO manager; called directly (the checks in
# tests), a function may take the partition as a frame instead.
dg.make_python_type_usable_as_dagster_type(PartitionRows, dg.DagsterType(
    name="PartitionRows", typing_type=PartitionRows, description="a partition of a stage table, read in batches (or a polars frame)",
    type_check_fn=lambda _, value: isinstance(value, (PartitionRows, pl.DataFrame))))


def by_paragraph(rows: PartitionRows | pl.DataFrame, paragraphs: PartitionRows | pl.DataFrame, order_by: list[str],
                 columns: list[str]) -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
    """Batches of whole paragraphs of `rows` (sorted by `order_by`, paragraph id first), each with the
    `columns` of the partition's paragraphs of the batch (and of paragraphs without rows before it);
    every paragraph comes out once. Frames (a check called directly) are one batch."""
    if isinstance(rows, pl.DataFrame) and isinstance(paragraphs, pl.DataFrame):
        yield rows, paragraphs
        return
    yield from merge_on_key(rows.batches(order_by, whole="paragraph_id"), paragraphs.batches(["paragraph_id"], columns), "paragraph_id",
                            rows.empty(), paragraphs.empty(columns), what=rows.table)


def frames(rows: PartitionRows | pl.DataFrame, order_by: list[str] | None = None) -> Iterator[pl.DataFrame]:
    """The batches of a partition handle, or a frame as one batch (a check called directly)."""
    if isinstance(rows, pl.DataFrame):
        yield rows
    else:
        yield from rows.batches(order_by or [])


@dataclass
class PartitionBatches:
    """New rows of one partition, written batch by batch as Parquet files into a staging directory
    private to this step (`DuckLakeResource.staging`); the IO manager swaps them in (one transaction)
    and removes the directory. `columns`: the table's columns and types, in order."""

    lake: DuckLakeResource
    run_id: str
    name: str
    columns: dict[str, pl.DataType]
    files: list[str] = field(default_factory=list)
    rows: int = 0

    def __post_init__(self) -> None:
        self._stack = ExitStack()
        self.directory = Path(self._stack.enter_context(self.lake.staging(self.run_id, self.name)))
        # an asset that fails before returning never reaches the IO manager: its staging goes with it
        self._finalizer = weakref.finalize(self, self._stack.close)

    def write(self, frame: pl.DataFrame) -> None:
        if frame.is_empty():
            return
        path = self.directory / f"batch-{len(self.files):06d}.parquet"
        try:
            frame.select(list(self.columns)).cast(self.columns).write_parquet(path)
        except OSError as exc:
            raise storage_error(exc, f"staging {self.name}") from exc
        self.files.append(str(path))
        self.rows += frame.height

    def empty(self) -> pl.DataFrame:
        return pl.DataFrame(schema=self.columns)

    def close(self) -> None:
        """Remove the staged files (after the commit, or instead of it)."""
        self._finalizer()


class InstructieIOManager(dg.ConfigurableIOManager):
    """Stage tables (`main.<asset name>`) in the DuckLake of `lake`."""

    lake: DuckLakeResource
    schema_: str = "main"

    def handle_output(self, context: dg.OutputContext, obj: pl.DataFrame | PartitionBatches) -> None:
        if not isinstance(obj, (pl.DataFrame, PartitionBatches)):
            raise TypeError(f"{context.asset_key.to_user_string()}: the IO manager stores polars DataFrames or PartitionBatches, not {type(obj).__name__}")
        table = context.asset_key.path[-1]
        key: dict[str, object] = {}
        if context.has_asset_partitions:
            expr = context.definition_metadata.get("partition_expr")
            partition = context.asset_partition_key
            if isinstance(expr, dict):
                key = {column: partition.keys_by_dimension[dim] for dim, column in expr.items()}
            elif expr:
                key = {expr: str(partition)}
            else:
                raise ValueError(f"{table}: a partitioned asset needs `partition_expr` metadata to be stored")
        rows_of = ", ".join(f"{column}={value}" for column, value in key.items()) or "all rows"
        what = f"writing {table} ({rows_of}) to {self.lake.location().describe()}"
        with self.lake.get_connection() as conn:
            if isinstance(obj, PartitionBatches):
                try:
                    rows = replace_partition_from_parquet(conn, table, obj.files, obj.empty(), key, what, allow_empty=self.lake.allow_empty,
                                                          schema=self.schema_)
                finally:
                    obj.close()
            else:
                rows = replace_partition(conn, table, obj, key, what, allow_empty=self.lake.allow_empty, schema=self.schema_)
        context.add_output_metadata({"row_count": rows})

    def load_input(self, context: dg.InputContext) -> pl.DataFrame | PartitionRows:
        table = context.asset_key.path[-1]
        upstream = context.upstream_output
        expr = upstream.definition_metadata.get("partition_expr") if upstream is not None else None
        keys = list(context.asset_partition_keys) if context.has_asset_partitions else []
        where, params = _partition_filter(expr, keys)
        with self.lake.get_connection() as conn:
            if not table_exists(conn, table, self.schema_):
                raise ValueError(f"{table}: no such table in {self.lake.location().describe()}; materialize {table} first")
            if context.dagster_type.typing_type is PartitionRows:
                return PartitionRows(self.lake, table, where, params, self.schema_)
            return conn.execute(f"SELECT * FROM {self.schema_}.{table} WHERE {where}", params).pl()
