"""Exports of each theme x language partition as files in the InstructIE layout."""


import dagster as dg
import polars as pl

from instructie_assets.clients import ExportSettings
from instructie_assets.core.exports import write_partition_exports
from instructie_assets.partitions import theme_and_language, theme_language


@dg.asset(partitions_def=theme_language, group_name="exports", io_manager_key="null_io_manager")
def dataset_exports(context: dg.AssetExecutionContext, exports: ExportSettings, instruction_splits: pl.DataFrame) -> dg.MaterializeResult:
    """The partition's records as <out>/<language>/<theme>/<split>.jsonl (+ .instructions.jsonl)."""
    theme, language = theme_and_language(context)
    written = write_partition_exports(instruction_splits, exports.out_dir, theme, language)
    return dg.MaterializeResult(metadata={"files": dg.MetadataValue.json({k: str(v) for k, v in written.items()}), "records": instruction_splits.height})
