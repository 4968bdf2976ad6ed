"""The six KG2Instruction stages, partitioned by theme x language; thin wrappers over core."""

from collections import Counter

from collections import Counter

import dagster as dg
import polars as pl
from instructie_assets.clients import DuckLakeResource

from instructie_assets.clients import DumpSources, NerSettings, NliSettings, ProjectFiles, QualitySettings, ThemeClassifierSettings
from instructie_assets.config import FilterConfig, ParagraphConfig, SplitConfig
from instructie_assets.core.articles import ARTICLE_SCHEMA, paragraphs_of
from instructie_assets.core.disambiguation import resolve_mentions
from instructie_assets.core.filtering import drop_counts, filter_triples
from instructie_assets.core.instructions import InstructionOptions, build_records
from instructie_assets.duckdb_wikidata import DuckDBWikidata
from instructie_assets.core.matching import TRANSITIVE_RELATIONS, match_triples, reduce_transitive
from instructie_assets.core.mentions import find_mentions, mention_counts
from instructie_assets.core.nli import nli_scores
from instructie_assets.core.quality import gold_scores, partition_yield, schema_violations, spans_at_offsets
from instructie_assets.partitions import THEME_LANGUAGE_EXPR, THEMES, theme_and_language, theme_language

STAGE = dict(partitions_def=theme_language, metadata={"partition_expr": THEME_LANGUAGE_EXPR}, group_name="kg2instruction")
BY_LANGUAGE_MAPPING = dg.MultiToSingleDimensionPartitionMapping(partition_dimension_name="language")


def wikidata_deps(*names: str) -> list[dg.AssetDep]:
    """A stage reads the Wikidata tables of every shard."""
    return [dg.AssetDep(n, partition_mapping=dg.AllPartitionMapping()) for n in names]


def preview(df: pl.DataFrame, columns: list[str], n: int = 5) -> dg.MetadataValue:
    if df.is_empty():
        return dg.MetadataValue.md("(empty)")
    head = df.select(columns).head(n)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in head.iter_rows():
        lines.append("| " + " | ".join(str(v).replace("|", "\\|").replace("\n", " ")[:80] for v in row) + " |")
    return dg.MetadataValue.md("\n".join(lines))


@dg.asset(deps=[dg.AssetDep("articles", partition_mapping=BY_LANGUAGE_MAPPING)], **STAGE)
def paragraphs(
    context: dg.AssetExecutionContext, config: ParagraphConfig, duckdb: DuckLakeResource, dumps: DumpSources,
    project: ProjectFiles, theme_classifier: ThemeClassifierSettings,
) -> pl.DataFrame:
    """One paragraph of 50-512 tokens of an article of this theme, with its link anchors and offsets."""
    theme, language = theme_and_language(context)
    classifier, status = None, "articles' themes"
    if theme_classifier.mode == "per_paragraph":
        classifier, status = theme_classifier.load(project.load().schemas)
    counted = [0]
    # the theme's articles (every article, when paragraphs are classified one by one) in batches,
    # so the wikitext of a large theme is never all in memory
    where, params = ("language = ?", [language]) if classifier else ("language = ? AND theme = ?", [language, theme])
    with duckdb.get_connection() as conn:
        reader = conn.execute(f"SELECT {', '.join(ARTICLE_SCHEMA)} FROM main.articles WHERE {where} ORDER BY article_id", params).fetch_record_batch(2000)

        def batches():
            for batch in reader:
                articles = pl.from_arrow(batch)
                counted[0] += articles.height
                yield articles.with_columns(pl.lit(theme).alias("theme")) if classifier else articles

        dropped: Counter = Counter()
        df = paragraphs_of(batches(), theme, language, config.min_tokens, config.max_tokens, workers=dumps.workers, tokenizer=config.tokenizer,
                           keep_lists=config.keep_lists, merge_short=config.merge_short, dropped_templates=dropped)
    if classifier and df.height:
        verdicts = classifier.classify(df["text"].to_list())
        df = df.filter(pl.Series([t == theme and s >= theme_classifier.min_score for t, s in verdicts]))
    context.add_output_metadata({"rows": df.height, "articles": counted[0], "themes_from": status,
                                 # templates in running text the wikitext reader does not render (add the
                                 # frequent ones to resources/wikitext_templates.yaml)
                                 "dropped_templates": dg.MetadataValue.json(dict(dropped.most_common(50))),
                                 "dropped_template_uses": sum(dropped.values()),
                                 "preview": preview(df, ["paragraph_id", "title", "n_tokens", "text"])})
    return df


@dg.asset(deps=[dg.AssetDep("wikipedia_redirects", partition_mapping=BY_LANGUAGE_MAPPING),
                *wikidata_deps("wikidata_labels", "wikidata_time_claims", "wikidata_quantity_claims")], **STAGE)
def entity_mentions(context: dg.AssetExecutionContext, duckdb: DuckLakeResource, ner: NerSettings, paragraphs: pl.DataFrame) -> pl.DataFrame:
    """One mention (span, surface, mention source, candidate QIDs or value statements, drop reason) in a paragraph."""
    _, language = theme_and_language(context)
    model, ner_status = ner.load()
    spans = None
    if model is not None and paragraphs.height:
        ids, texts = paragraphs["paragraph_id"].to_list(), paragraphs["text"].to_list()
        spans = dict(zip(ids, model.spans(texts)))
    counts: Counter = Counter()
    with duckdb.get_connection() as conn:
        df = find_mentions(paragraphs, DuckDBWikidata(conn), language, ner_spans=spans, counts=counts)
    context.add_output_metadata({"rows": df.height, "ner": ner_status,
                                 "ner_spans": sum(len(v) for v in spans.values()) if spans else 0, **mention_counts(df, counts),
                                 "preview": preview(df, ["paragraph_id", "surface", "mention_source", "candidate_qids", "drop_reason"])})
    return df


@dg.asset(deps=wikidata_deps("wikidata_item_claims", "wikidata_sitelinks"), **STAGE)
def resolved_entities(
    context: dg.AssetExecutionContext, duckdb: DuckLakeResource, project: ProjectFiles, entity_mentions: pl.DataFrame, paragraphs: pl.DataFrame
) -> pl.DataFrame:
    """One mention resolved to a QID (or a value) with its coarse type, score and runner-up."""
    _, language = theme_and_language(context)
    with duckdb.get_connection() as conn:
        df = resolve_mentions(entity_mentions, paragraphs, DuckDBWikidata(conn), project.load().taxonomy, language)
    ambiguous = df.filter(pl.col("n_candidates") > 1).height if df.height else 0
    by_type = {k: int(v) for k, v in df.group_by("coarse_type").len().iter_rows()} if df.height else {}
    context.add_output_metadata({"rows": df.height, "ambiguous": ambiguous, "by_type": dg.MetadataValue.json(by_type), "preview": preview(df, ["surface", "qid", "coarse_type", "score", "runner_up"])})
    return df


@dg.asset(deps=wikidata_deps("wikidata_item_claims", "wikidata_labels"), **STAGE)
def candidate_triples(
    context: dg.AssetExecutionContext, duckdb: DuckLakeResource, project: ProjectFiles, resolved_entities: pl.DataFrame,
    paragraphs: pl.DataFrame,
) -> pl.DataFrame:
    """One Wikidata statement (or alias pair) between entities/values of a paragraph, with lineage."""
    theme, language = theme_and_language(context)
    config = project.load()
    with duckdb.get_connection() as conn:
        matched = match_triples(resolved_entities, paragraphs, DuckDBWikidata(conn), config.schemas[theme], config.relation_map, language,
                                config.relation_cues)
    df = reduce_transitive(matched, TRANSITIVE_RELATIONS)
    by_kind = {k: int(v) for k, v in df.group_by("statement_kind").len().iter_rows()} if df.height else {}
    by_evidence = {k: int(v) for k, v in df.group_by("evidence_kind").len().iter_rows()} if df.height else {}
    context.add_output_metadata({"rows": df.height, "transitive_shortcuts_dropped": matched.height - df.height,
                                 "by_statement_kind": dg.MetadataValue.json(by_kind), "by_evidence_kind": dg.MetadataValue.json(by_evidence),
                                 "preview": preview(df, ["head", "relation", "tail", "property", "statement_kind", "evidence_kind"])})
    return df


FILTER_CHECKS = [
    dg.AssetCheckSpec("schema_and_type_violations", asset="filtered_triples", blocking=True,
                      description="Kept triples whose relation, property or head/tail types the theme schema does not allow; must be 0."),
    dg.AssetCheckSpec("spans_at_offsets", asset="filtered_triples",
                      description="Share of kept heads and tails found in the paragraph text at their recorded offsets."),
    dg.AssetCheckSpec("yield_and_diversity", asset="filtered_triples",
                      description="Triples per paragraph, drop rate by reason, distinct label combinations; warns when candidates exist but none is kept."),
    dg.AssetCheckSpec("nli_applied", asset="filtered_triples",
                      description="Warns when no NLI model scored the triples (none configured or not loadable)."),
    dg.AssetCheckSpec("gold_f1", asset="filtered_triples",
                      description="Micro P/R/F1 of kept triples against the configured gold records of this partition's paragraphs."),
]


@dg.asset(check_specs=FILTER_CHECKS, **STAGE)
def filtered_triples(
    context: dg.AssetExecutionContext, config: FilterConfig, project: ProjectFiles, quality: QualitySettings, nli: NliSettings,
    candidate_triples: pl.DataFrame, paragraphs: pl.DataFrame,
):
    """One candidate triple with its drop reason (null when kept): schema, type, mention, value, evidence, duplicate, NLI, sampling."""
    theme, language = theme_and_language(context)
    project_config = project.load()
    schema = project_config.schemas[theme]
    model, nli_status = nli.load()
    scorer = None
    if model is not None:
        templates = project.nli_templates(project_config)
        texts = dict(paragraphs.select("paragraph_id", "text").iter_rows())
        scorer = lambda rows: nli_scores(rows, texts, model, templates, language, theme, config.nli_premise)  # noqa: E731
    df = filter_triples(candidate_triples, schema, language, nli=scorer, options=config.options())
    if model is None:
        context.log.warning(f"filtered_triples {theme}/{language}: NLI {nli_status}")
    scored = df.filter(pl.col("nli_score").is_not_null())
    yield dg.Output(df, metadata={
        "rows": df.height, **drop_counts(df), "nli_applied": model is not None, "nli": nli_status,
        "nli_scored": scored.height, "nli_threshold": config.nli_threshold,
        "preview": preview(df.filter(pl.col("drop_reason").is_null()), ["head", "relation_label", "tail", "property"]),
    })
    yield dg.AssetCheckResult(
        check_name="nli_applied", passed=model is not None, severity=dg.AssetCheckSeverity.WARN,
        metadata={"nli": nli_status, "scored": scored.height,
                  "mean_entailment": round(float(scored["nli_score"].mean()), 4) if scored.height else None},
    )
    yield from filter_check_results(df, paragraphs, schema, quality)


def filter_check_results(df: pl.DataFrame, paragraphs: pl.DataFrame, schema, quality: QualitySettings):
    violations = schema_violations(df, schema)
    yield dg.AssetCheckResult(
        check_name="schema_and_type_violations", passed=sum(violations.values()) == 0,
        severity=dg.AssetCheckSeverity.ERROR, metadata={f"{k}_violations": v for k, v in violations.items()},
    )
    spans = spans_at_offsets(df, paragraphs)
    yield dg.AssetCheckResult(
        check_name="spans_at_offsets", severity=dg.AssetCheckSeverity.WARN,
        passed=min(spans["head_share"], spans["tail_share"]) >= quality.offset_share_floor,
        metadata={**spans, "floor": quality.offset_share_floor},
    )
    figures = partition_yield(df, paragraphs)
    yield dg.AssetCheckResult(
        check_name="yield_and_diversity", severity=dg.AssetCheckSeverity.WARN,
        passed=df.height == 0 or figures.kept_triples > 0, metadata=figures.as_dict(),
    )
    scores = gold_scores(df, paragraphs, quality.gold_records()) if quality.gold else None
    if scores is None:
        yield dg.AssetCheckResult(check_name="gold_f1", passed=True, metadata={"gold": "none for this partition"})
    else:
        yield dg.AssetCheckResult(
            check_name="gold_f1", severity=dg.AssetCheckSeverity.WARN, passed=scores.f1 >= quality.gold_f1_floor,
            metadata={"precision": round(scores.precision, 4), "recall": round(scores.recall, 4), "f1": round(scores.f1, 4),
                      "gold_records": scores.records, "gold_triples": scores.gold, "predicted": scores.predicted,
                      "floor": quality.gold_f1_floor},
        )


@dg.asset(**STAGE)
def instruction_splits(
    context: dg.AssetExecutionContext, config: SplitConfig, project: ProjectFiles, duckdb: DuckLakeResource,
    filtered_triples: pl.DataFrame, paragraphs: pl.DataFrame,
) -> pl.DataFrame:
    """One instruction record (paragraph, instruction, output) in its train/valid/test split."""
    theme, language = theme_and_language(context)
    if config.style not in ("pool", "json_schema") or config.negatives not in ("train", "all", "none"):
        raise ValueError(f"SplitConfig: style must be pool|json_schema and negatives train|all|none (got {config.style!r}, {config.negatives!r})")
    project_config = project.load()
    schemas = project_config.schemas
    total = config.train + config.valid + config.test
    options = InstructionOptions(
        ratios=(config.train / total, config.valid / total, config.test / total), seed=config.seed, style=config.style,
        negatives=config.negatives, explicit_nan=config.explicit_nan, negative_labels=config.negative_labels,
        label_chunk_size=config.label_chunk_size,
    )
    # Identical texts appear once across all partitions: the paragraph with the smallest id keeps it.
    with duckdb.get_connection() as conn:
        conn.register("_mine", paragraphs.select("paragraph_id", "text").to_arrow())
        taken = {pid for (pid,) in conn.execute(
            "SELECT m.paragraph_id FROM _mine m JOIN main.paragraphs p ON p.text = m.text AND p.language = ? "
            "WHERE p.paragraph_id < m.paragraph_id GROUP BY m.paragraph_id", [language]).fetchall()}
        conn.unregister("_mine")
    other_labels = sorted({label for key, sch in schemas.items() if key != theme for label in sch.label_names(language)})
    df = build_records(
        filtered_triples, paragraphs, schemas[theme], language, options, theme_index=THEMES.index(theme), n_themes=len(THEMES),
        other_labels=other_labels, skip_paragraphs=taken,
        type_names={k: project_config.taxonomy.name(k, language) for k in project_config.taxonomy.keys},
    )
    by_split = {k: int(v) for k, v in df.group_by("split").len().iter_rows()} if df.height else {}
    context.add_output_metadata({
        "rows": df.height, "by_split": dg.MetadataValue.json(by_split), "negatives": int(df["negative"].sum()) if df.height else 0,
        "duplicate_texts_skipped": len(taken), "style": config.style,
        "preview": preview(df, ["split", "instruction", "output"]),
    })
    return df
