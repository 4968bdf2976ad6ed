"""The stages after `paragraphs` read and write in batches of `batch_rows`: built with batches of 3 rows
(an article's, a paragraph's rows spread over many record batches), every table and export file is
the default build's, row for row."""

from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from instructie_assets.storage.lake import copy_lake, lake_cursor, lake_location
from instructie_assets.definitions import ASSETS, build_resources
from instructie_assets.partitions import THEMES, theme_language_key
from instructie_assets.paths import SAMPLE_WIKIDATA, SAMPLE_WIKIPEDIA

STAGES = ["entity_mentions", "resolved_entities", "candidate_triples", "filtered_triples", "instruction_splits", "dataset_exports"]
TABLES = STAGES[:-1]

pytestmark = pytest.mark.slow  # both tests start from the whole sample built by `instructie demo` (2-3 min on 2 cores)


def rows(db: str, table: str, where: str = "true") -> list[tuple]:
    con = lake_cursor(lake_location(db))
    try:
        return con.execute(f"SELECT * FROM main.{table} WHERE {where} ORDER BY ALL").fetchall()
    finally:
        con.close()


def files(out: Path) -> dict[str, object]:
    found = {}
    for path in sorted(out.rglob("*")):
        if path.is_file() and path.parent.parent.parent == out:  # <out>/<language>/<theme>/<file>
            name = str(path.relative_to(out))
            found[name] = pl.read_parquet(path) if path.suffix == ".parquet" else path.read_bytes()
    return found


def materialize(db: str, out: str, batch_rows: int, selection: list[str], keys: list, run_config: dict | None = None) -> None:
    resources = build_resources(db, SAMPLE_WIKIPEDIA, SAMPLE_WIKIDATA, out, nli_model="none", batch_rows=batch_rows)
    instance = dg.DagsterInstance.ephemeral()
    for key in keys:
        result = dg.materialize(ASSETS, selection=selection, resources=resources, instance=instance, partition_key=key,
                                run_config=run_config or {}, raise_on_error=False)
        failures = [e.step_failure_data.error.to_string() for e in result.all_events if e.is_step_failure]
        assert result.success, "".join(failures)[-3000:]


def test_tiny_batches_build_what_the_default_build_builds(built, tmp_path):
    db, out = str(tmp_path / "lake"), tmp_path / "exports"
    copy_lake(built.db, db)
    for table in TABLES:  # so that nothing below could pass by leaving the copied rows alone
        con = lake_cursor(lake_location(db))
        try:
            con.execute(f"DELETE FROM main.{table}")
        finally:
            con.close()
    keys = [theme_language_key(t, lang) for lang in ("en", "zh") for t in THEMES]
    materialize(db, str(out), 3, STAGES, keys)
    for table in TABLES:
        default = rows(built.db, table)
        assert len(default) > 40, table
        assert rows(db, table) == default, table
    default_files = files(Path(built.out_dir))
    assert len(default_files) == 12 * 2 * len(THEMES)
    batched = files(out)
    assert batched.keys() == default_files.keys()
    for name, content in default_files.items():
        assert content.equals(batched[name]) if isinstance(content, pl.DataFrame) else content == batched[name], name


def test_label_centric_sampling_counts_the_whole_partition_whatever_the_batch(built, tmp_path):
    """creature|en has two paragraphs of one label combination: with a threshold of 1 each is kept with
    p = 1/2 when the combination is counted over the partition (one is sampled away with this seed),
    with p = 1 if each batch counted its own. Batches of 3 rows sample exactly as one batch does."""
    key = [theme_language_key("creature", "en")]
    config = {"ops": {"filtered_triples": {"config": {"sampling_threshold": 1, "sampling_exponent": 1.0}}}}
    where = "theme = 'creature' AND language = 'en'"
    results = []
    for batch_rows in (100_000, 3):
        db = str(tmp_path / f"lake-{batch_rows}")
        copy_lake(built.db, db)
        materialize(db, str(tmp_path / "unused"), batch_rows, ["filtered_triples"], key, config)
        results.append(rows(db, "filtered_triples", where))
    reasons = [r[-3] for r in results[0]]
    assert "sampling" in reasons and None in reasons  # one paragraph sampled away, one kept
    assert results[1] == results[0]
