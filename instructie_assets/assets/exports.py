"""Exports of each theme x language partition as files in the InstructIE layout, and the data card."""


import base64
from pathlib import Path

import dagster as dg
import polars as pl

from instructie_assets.clients import DuckLakeResource, DumpSources, ExportSettings, ProjectFiles
from instructie_assets.core.dataset_card import card_markdown, instances_chart, write_card_files
from instructie_assets.core.dumpfiles import DumpFormatError
from instructie_assets.core.exports import PartitionExportWriter, remove_stale_exports
from instructie_assets.io_managers import PartitionRows
from instructie_assets.core.schemas import LANGUAGES
from instructie_assets.core.wikitext import dump_language, read_siteinfo
from instructie_assets.jobs import DATASET_CARD, KG2INSTRUCTION
from instructie_assets.partitions import THEMES, theme_and_language, theme_language


@dg.asset(partitions_def=theme_language, group_name=KG2INSTRUCTION, io_manager_key="null_io_manager")
def dataset_exports(context: dg.AssetExecutionContext, exports: ExportSettings, instruction_splits: PartitionRows) -> dg.MaterializeResult:
    """The partition's records as <out>/<language>/<theme>/<split>.jsonl, .instructions.jsonl and Parquet."""
    theme, language = theme_and_language(context)
    writer = PartitionExportWriter(exports.out_dir, theme, language)
    records = 0
    try:
        for batch in instruction_splits.batches(["text_id", "chunk"]):
            writer.add(batch)
            records += batch.height
        written = writer.close()
    finally:
        writer.abort()
    return dg.MaterializeResult(metadata={"files": dg.MetadataValue.json({k: str(v) for k, v in written.items()}), "records": records})


@dg.asset(
    deps=[dg.AssetDep(name, partition_mapping=dg.AllPartitionMapping()) for name in ("dataset_exports", "instruction_splits", "filtered_triples")],
    group_name=DATASET_CARD,
)
def dataset_card(context: dg.AssetExecutionContext, exports: ExportSettings, project: ProjectFiles, duckdb: DuckLakeResource,
                 dumps: DumpSources) -> dg.MaterializeResult:
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
    sources: dict[str, list] = {}
    for path in dumps.wikipedia:  # the card says what the texts are from the dumps' siteinfo
        try:
            sources.setdefault(dump_language(path), []).append(read_siteinfo(path))
        except (OSError, ValueError, DumpFormatError) as exc:
            context.log.warning(f"dataset_card: cannot read the siteinfo of {path} ({exc}); its texts' source is left unknown")
    markdown = card_markdown(counts, instruction_counts, label_frequencies, drops, THEMES, cate_of, sources=sources)
    languages = sorted({lang for _, lang, _ in counts})
    files = write_card_files(out, markdown, schemas, languages)
    image = base64.b64encode(chart.read_bytes()).decode("ascii")
    return dg.MaterializeResult(metadata={
        "files": dg.MetadataValue.json({k: str(v) for k, v in {**files, "instances.png": chart}.items()}),
        "texts": sum(counts.values()), "instructions": sum(instruction_counts.values()),
        "stale_exports_removed": dg.MetadataValue.json(stale_removed), "stale_exports_kept": dg.MetadataValue.json(stale_kept),
        "chart": dg.MetadataValue.md(f"![Instances per theme and language](data:image/png;base64,{image})"),
        "card": dg.MetadataValue.md(markdown.split("---", 2)[-1]),
    })
