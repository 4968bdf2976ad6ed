"""Exports of each theme x language partition as files in the InstructIE layout, and the data card."""


import base64
from pathlib import Path

import dagster as dg
import polars as pl
from instructie_assets.clients import DuckLakeResource

from instructie_assets.clients import ExportSettings, ProjectFiles
from instructie_assets.core.dataset_card import card_markdown, instances_chart, write_card_files
from instructie_assets.core.exports import remove_stale_exports, write_partition_exports
from instructie_assets.core.schemas import LANGUAGES
from instructie_assets.partitions import THEMES, theme_and_language, theme_language


@dg.asset(partitions_def=theme_language, group_name="exports", io_manager_key="null_io_manager")
def dataset_exports(context: dg.AssetExecutionContext, exports: ExportSettings, instruction_splits: pl.DataFrame) -> dg.MaterializeResult:
    """The partition's records as <out>/<language>/<theme>/<split>.jsonl, .instructions.jsonl and Parquet."""
    theme, language = theme_and_language(context)
    written = write_partition_exports(instruction_splits, exports.out_dir, theme, language)
    return dg.MaterializeResult(metadata={"files": dg.MetadataValue.json({k: str(v) for k, v in written.items()}), "records": instruction_splits.height})


@dg.asset(
    deps=[dg.AssetDep("dataset_exports", partition_mapping=dg.AllPartitionMapping())], group_name="exports",
    check_specs=[dg.AssetCheckSpec("texts_unique_across_partitions", asset="dataset_card",
                                   description="No text appears in two exported records of one language.")],
)
def dataset_card(context: dg.AssetExecutionContext, exports: ExportSettings, project: ProjectFiles, duckdb: DuckLakeResource):
    """The export directory's README.md (a Hugging Face dataset card with counts, label frequencies and
    drop counts), instances.png (instances per theme and language) and schema_<lang>.json."""
    with duckdb.get_connection() as conn:
        counts = {(t, l, s): n for t, l, s, n in conn.execute(
            "SELECT theme, language, split, count(*) FROM main.instruction_splits WHERE chunk = 0 GROUP BY ALL").fetchall()}
        instruction_counts = {(t, l, s): n for t, l, s, n in conn.execute(
            "SELECT theme, language, split, count(*) FROM main.instruction_splits GROUP BY ALL").fetchall()}
        freq_rows = conn.execute(
            "SELECT language, relation_label, count(*) AS n FROM main.filtered_triples WHERE drop_reason IS NULL "
            "GROUP BY ALL ORDER BY language, n DESC, relation_label").fetchall()
        drop_rows = conn.execute(
            "SELECT language, coalesce(drop_reason, 'kept'), count(*) FROM main.filtered_triples GROUP BY ALL").fetchall()
        duplicated = conn.execute(
            "SELECT language, count(*) FROM (SELECT language, record_id FROM main.instruction_splits WHERE chunk = 0 "
            "GROUP BY language, record_id HAVING count(*) > 1) GROUP BY language").fetchall()
    # rows of themes that no longer exist stay in the tables, but are not part of the dataset
    counts = {k: n for k, n in counts.items() if k[0] in THEMES}
    instruction_counts = {k: n for k, n in instruction_counts.items() if k[0] in THEMES}
    label_frequencies: dict[str, list[tuple[str, int]]] = {}
    for lang, label, n in freq_rows:
        label_frequencies.setdefault(lang, []).append((label, n))
    label_frequencies = {k: v[:20] for k, v in label_frequencies.items()}
    drops: dict[str, dict[str, int]] = {}
    for lang, reason, n in drop_rows:
        drops.setdefault(lang, {})[reason] = n
    schemas = project.load().schemas
    cate_of = {k: s.cate("en") for k, s in schemas.items()}
    out = Path(exports.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # exports of themes that no longer exist would be read as part of the dataset (`<lang>/*/train.jsonl`)
    stale_removed, stale_kept = remove_stale_exports(out, THEMES, list(LANGUAGES))
    for name in stale_removed:
        context.log.warning(f"removed the exports of {name}: its theme no longer exists (no theme_schemas/ file)")
    for name in stale_kept:
        context.log.warning(f"{out / name}: exports of a theme that no longer exists, kept because it holds other files: remove it")
    chart = out / "instances.png"
    instances_chart(counts, THEMES, cate_of, chart)
    markdown = card_markdown(counts, instruction_counts, label_frequencies, drops, THEMES, cate_of)
    languages = sorted({lang for _, lang, _ in counts})
    files = write_card_files(out, markdown, schemas, languages)
    image = base64.b64encode(chart.read_bytes()).decode("ascii")
    yield dg.MaterializeResult(metadata={
        "files": dg.MetadataValue.json({k: str(v) for k, v in {**files, "instances.png": chart}.items()}),
        "texts": sum(counts.values()), "instructions": sum(instruction_counts.values()),
        "stale_exports_removed": dg.MetadataValue.json(stale_removed), "stale_exports_kept": dg.MetadataValue.json(stale_kept),
        "chart": dg.MetadataValue.md(f"![Instances per theme and language](data:image/png;base64,{image})"),
        "card": dg.MetadataValue.md(markdown.split("---", 2)[-1]),
    })
    yield dg.AssetCheckResult(check_name="texts_unique_across_partitions", passed=not duplicated,
                              metadata={"duplicated_texts": dg.MetadataValue.json({lang: n for lang, n in duplicated})})
