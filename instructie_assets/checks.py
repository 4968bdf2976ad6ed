"""Asset checks: thin wrappers over core.quality, each one a function that can be run alone.

They run in the same job as the asset they check (the one of its group) and read the materialized
partition through the IO manager, so they see what downstream assets and users see; they read it in
batches (`PartitionRows`, the figures added up by `core.quality.PartitionTally`), so a check holds one
batch, never the partition. Called directly, they take frames. The figures are
computed from the data, independently of the stage code that produced it.
"""

import warnings

import dagster as dg
import polars as pl

from instructie_assets.clients import ExportSettings, ProjectFiles, QualitySettings
from instructie_assets.core.quality import PartitionTally, nli_coverage, repeated_exported_texts, schema_violations
from instructie_assets.io_managers import PartitionRows, by_paragraph, frames
from instructie_assets.partitions import theme_language

# Partitioned checks are "preview" in Dagster 1.13, which we pin; the warning tells a user nothing they can act on.
warnings.filterwarnings("ignore", message="Specifying a partitions_def on an AssetCheckSpec", category=dg.PreviewWarning)
FILTERED = dict(asset="filtered_triples", partitions_def=theme_language)
WITH_PARAGRAPHS = {"paragraphs": dg.AssetIn("paragraphs")}


@dg.asset_check(**FILTERED, blocking=True,
                description="Kept triples whose relation, property or head/tail types the theme schema does not allow; must be 0.")
def schema_and_type_violations(project: ProjectFiles, filtered_triples: PartitionRows) -> dg.AssetCheckResult:
    schemas = project.load().schemas
    violations = {"schema": 0, "type": 0}
    for batch in frames(filtered_triples):
        for (theme,), rows in batch.group_by(["theme"]):  # every row names its theme
            for kind, n in schema_violations(rows, schemas[theme]).items():
                violations[kind] += n
    return dg.AssetCheckResult(passed=sum(violations.values()) == 0, severity=dg.AssetCheckSeverity.ERROR,
                               metadata={f"{k}_violations": v for k, v in violations.items()})


@dg.asset_check(**FILTERED, additional_ins=WITH_PARAGRAPHS, name="spans_at_offsets",
                description="Share of kept heads and tails found in the paragraph text at their recorded offsets.")
def spans_at_recorded_offsets(quality: QualitySettings, filtered_triples: PartitionRows, paragraphs: PartitionRows) -> dg.AssetCheckResult:
    spans = tally(filtered_triples, paragraphs).spans()
    return dg.AssetCheckResult(passed=min(spans["head_share"], spans["tail_share"]) >= quality.offset_share_floor,
                               severity=dg.AssetCheckSeverity.WARN, metadata={**spans, "floor": quality.offset_share_floor})


@dg.asset_check(**FILTERED, additional_ins=WITH_PARAGRAPHS,
                description="Triples per paragraph, drop rate by reason, distinct label combinations; warns when candidates exist but none is kept.")
def yield_and_diversity(filtered_triples: PartitionRows, paragraphs: PartitionRows) -> dg.AssetCheckResult:
    counted = tally(filtered_triples, paragraphs)
    figures = counted.yield_figures()
    return dg.AssetCheckResult(passed=counted.candidates == 0 or figures.kept_triples > 0,
                               severity=dg.AssetCheckSeverity.WARN, metadata=figures.as_dict())


@dg.asset_check(**FILTERED, description="Warns when the triples that reach the NLI rule carry no entailment score (no model configured or loadable).")
def nli_applied(context: dg.AssetCheckExecutionContext, filtered_triples: PartitionRows) -> dg.AssetCheckResult:
    coverage = nli_coverage(frames(filtered_triples))
    return dg.AssetCheckResult(
        passed=coverage.scored == coverage.eligible, severity=dg.AssetCheckSeverity.WARN,
        metadata={"nli": reported_metadata(context, "filtered_triples", "nli") or "(not reported)", "scored": coverage.scored,
                  "eligible": coverage.eligible, "mean_entailment": coverage.mean_entailment},
    )


@dg.asset_check(**FILTERED, additional_ins=WITH_PARAGRAPHS,
                description="Micro P/R/F1 of kept triples against the configured gold records of this partition's paragraphs.")
def gold_f1(quality: QualitySettings, filtered_triples: PartitionRows, paragraphs: PartitionRows) -> dg.AssetCheckResult:
    scores = tally(filtered_triples, paragraphs, quality.gold_records()).gold_scores() if quality.gold else None
    if scores is None:
        return dg.AssetCheckResult(passed=True, metadata={"gold": "none for this partition"})
    return dg.AssetCheckResult(
        passed=scores.f1 >= quality.gold_f1_floor, severity=dg.AssetCheckSeverity.WARN,
        metadata={"precision": round(scores.precision, 4), "recall": round(scores.recall, 4), "f1": round(scores.f1, 4),
                  "gold_records": scores.records, "gold_triples": scores.gold, "predicted": scores.predicted,
                  "floor": quality.gold_f1_floor},
    )


@dg.asset_check(asset="dataset_card", description="No text appears in two exported records of one language (read from the files).")
def texts_unique_across_partitions(exports: ExportSettings) -> dg.AssetCheckResult:
    repeated = repeated_exported_texts(exports.out_dir)
    return dg.AssetCheckResult(passed=not any(repeated.values()), metadata={"duplicated_texts": dg.MetadataValue.json(repeated)})


CHECKS = [schema_and_type_violations, spans_at_recorded_offsets, yield_and_diversity, nli_applied, gold_f1, texts_unique_across_partitions]


def tally(filtered_triples: PartitionRows | pl.DataFrame, paragraphs: PartitionRows | pl.DataFrame, gold: list[dict] = ()) -> PartitionTally:
    """The partition's figures, added up over batches of whole paragraphs with their texts."""
    counted = PartitionTally(gold_records=list(gold))
    for batch, texts in by_paragraph(filtered_triples, paragraphs, ["paragraph_id"], ["paragraph_id", "text"]):
        counted.add(batch, texts)
    return counted


def reported_metadata(context: dg.AssetCheckExecutionContext, asset: str, key: str):
    """A figure the checked asset reported about its latest materialization of this partition (why,
    not whether: the checks decide from the data); None when called outside a run."""
    try:
        instance = context.instance
        partitions = [context.partition_key] if context.has_partition_key else None
    except Exception:  # a check invoked directly: no run, no partition
        return None
    records = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=partitions), limit=1).records
    if not records or records[0].asset_materialization is None:
        return None
    value = records[0].asset_materialization.metadata.get(key)
    return getattr(value, "value", value)
