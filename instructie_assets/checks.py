"""Asset checks: thin wrappers over core.quality, each one a function that can be run alone.

They run in the same job as the asset they check (the one of its group) and read the materialized
partition through the IO manager, so they see what downstream assets and users see. The figures are
computed from the data, independently of the stage code that produced it.
"""


import dagster as dg
import polars as pl

from instructie_assets.clients import ExportSettings, ProjectFiles, QualitySettings
from instructie_assets.core.quality import gold_scores, nli_coverage, partition_yield, repeated_exported_texts, schema_violations, spans_at_offsets
from instructie_assets.partitions import theme_language

FILTERED = dict(asset="filtered_triples", partitions_def=theme_language)
WITH_PARAGRAPHS = {"paragraphs": dg.AssetIn("paragraphs")}


@dg.asset_check(**FILTERED, blocking=True,
                description="Kept triples whose relation, property or head/tail types the theme schema does not allow; must be 0.")
def schema_and_type_violations(project: ProjectFiles, filtered_triples: pl.DataFrame) -> dg.AssetCheckResult:
    schemas = project.load().schemas
    violations = {"schema": 0, "type": 0}
    for (theme,), rows in filtered_triples.group_by(["theme"]):  # every row names its theme
        for kind, n in schema_violations(rows, schemas[theme]).items():
            violations[kind] += n
    return dg.AssetCheckResult(passed=sum(violations.values()) == 0, severity=dg.AssetCheckSeverity.ERROR,
                               metadata={f"{k}_violations": v for k, v in violations.items()})


@dg.asset_check(**FILTERED, additional_ins=WITH_PARAGRAPHS, name="spans_at_offsets",
                description="Share of kept heads and tails found in the paragraph text at their recorded offsets.")
def spans_at_recorded_offsets(quality: QualitySettings, filtered_triples: pl.DataFrame, paragraphs: pl.DataFrame) -> dg.AssetCheckResult:
    spans = spans_at_offsets(filtered_triples, paragraphs)
    return dg.AssetCheckResult(passed=min(spans["head_share"], spans["tail_share"]) >= quality.offset_share_floor,
                               severity=dg.AssetCheckSeverity.WARN, metadata={**spans, "floor": quality.offset_share_floor})


@dg.asset_check(**FILTERED, additional_ins=WITH_PARAGRAPHS,
                description="Triples per paragraph, drop rate by reason, distinct label combinations; warns when candidates exist but none is kept.")
def yield_and_diversity(filtered_triples: pl.DataFrame, paragraphs: pl.DataFrame) -> dg.AssetCheckResult:
    figures = partition_yield(filtered_triples, paragraphs)
    return dg.AssetCheckResult(passed=filtered_triples.height == 0 or figures.kept_triples > 0,
                               severity=dg.AssetCheckSeverity.WARN, metadata=figures.as_dict())


@dg.asset_check(**FILTERED, description="Warns when the triples that reach the NLI rule carry no entailment score (no model configured or loadable).")
def nli_applied(context: dg.AssetCheckExecutionContext, filtered_triples: pl.DataFrame) -> dg.AssetCheckResult:
    coverage = nli_coverage(filtered_triples)
    return dg.AssetCheckResult(
        passed=coverage.scored == coverage.eligible, severity=dg.AssetCheckSeverity.WARN,
        metadata={"nli": reported_metadata(context, "filtered_triples", "nli") or "(not reported)", "scored": coverage.scored,
                  "eligible": coverage.eligible, "mean_entailment": coverage.mean_entailment},
    )


@dg.asset_check(**FILTERED, additional_ins=WITH_PARAGRAPHS,
                description="Micro P/R/F1 of kept triples against the configured gold records of this partition's paragraphs.")
def gold_f1(quality: QualitySettings, filtered_triples: pl.DataFrame, paragraphs: pl.DataFrame) -> dg.AssetCheckResult:
    scores = gold_scores(filtered_triples, paragraphs, quality.gold_records()) if quality.gold else None
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
