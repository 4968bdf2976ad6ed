"""The six KG2Instruction stages, partitioned by theme x language; thin wrappers over core."""

from collections import Counter

import dagster as dg
import polars as pl

from instructie_assets.clients import DuckLakeResource, DumpSources, NerSettings, NliSettings, ProjectFiles, ThemeClassifierSettings, WikidataSource
from instructie_assets.config import FilterConfig, ParagraphConfig, SplitConfig
from instructie_assets.core.articles import ARTICLE_SCHEMA, paragraphs_of
from instructie_assets.core.disambiguation import resolve_mentions
from instructie_assets.core.filtering import drop_counts, filter_triples
from instructie_assets.core.instructions import InstructionOptions, build_records
from instructie_assets.core.matching import TRANSITIVE_RELATIONS, match_triples, reduce_transitive
from instructie_assets.core.mentions import find_mentions, mention_counts
from instructie_assets.core.nli import nli_scores
from instructie_assets.jobs import DUPLICATE_TEXTS, KG2INSTRUCTION, PARAGRAPHS
from instructie_assets.partitions import THEME_LANGUAGE_EXPR, THEMES, language_partitions, theme_and_language, theme_language

STAGE = dict(partitions_def=theme_language, metadata={"partition_expr": THEME_LANGUAGE_EXPR}, group_name=KG2INSTRUCTION)
BY_LANGUAGE_MAPPING = dg.MultiToSingleDimensionPartitionMapping(partition_dimension_name="language")


def wikidata_deps(*names: str) -> list[dg.AssetDep]:
    """A stage reads the Wikidata tables of every shard (which tables: the lookups it makes, see
    duckdb_wikidata.TABLES_OF_LOOKUP; tests/assets checks each stage's lookups against these)."""
    return [dg.AssetDep(n, partition_mapping=dg.AllPartitionMapping()) for n in names]


def language_deps(*names: str) -> list[dg.AssetDep]:
    """A stage reads the rows of its own language of a language-partitioned asset."""
    return [dg.AssetDep(n, partition_mapping=BY_LANGUAGE_MAPPING) for n in names]


def preview(df: pl.DataFrame, columns: list[str], n: int = 5) -> dg.MetadataValue:
    if df.is_empty():
        return dg.MetadataValue.md("(empty)")
    head = df.select(columns).head(n)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in head.iter_rows():
        lines.append("| " + " | ".join(str(v).replace("|", "\\|").replace("\n", " ")[:80] for v in row) + " |")
    return dg.MetadataValue.md("\n".join(lines))


@dg.asset(deps=language_deps("articles"), **{**STAGE, "group_name": PARAGRAPHS})
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


@dg.asset(deps=[*language_deps("wikipedia_redirects"), *wikidata_deps(
    "wikidata_sitelinks", "wikidata_labels", "wikidata_item_claims", "wikidata_time_claims", "wikidata_quantity_claims")], **STAGE)
def entity_mentions(context: dg.AssetExecutionContext, wikidata: WikidataSource, ner: NerSettings, paragraphs: pl.DataFrame) -> pl.DataFrame:
    """One mention (span, surface, mention source, candidate QIDs or value statements, drop reason) in a paragraph."""
    _, language = theme_and_language(context)
    model, ner_status = ner.load()
    spans = None
    if model is not None and paragraphs.height:
        ids, texts = paragraphs["paragraph_id"].to_list(), paragraphs["text"].to_list()
        spans = dict(zip(ids, model.spans(texts)))
    counts: Counter = Counter()
    with wikidata.lookups() as lookups:
        df = find_mentions(paragraphs, lookups, language, ner_spans=spans, counts=counts)
    context.add_output_metadata({"rows": df.height, "ner": ner_status,
                                 "ner_spans": sum(len(v) for v in spans.values()) if spans else 0, **mention_counts(df, counts),
                                 "preview": preview(df, ["paragraph_id", "surface", "mention_source", "candidate_qids", "drop_reason"])})
    return df


@dg.asset(deps=wikidata_deps("wikidata_item_claims", "wikidata_labels", "wikidata_sitelinks"), **STAGE)
def resolved_entities(
    context: dg.AssetExecutionContext, wikidata: WikidataSource, project: ProjectFiles, entity_mentions: pl.DataFrame, paragraphs: pl.DataFrame
) -> pl.DataFrame:
    """One mention resolved to a QID (or a value) with its coarse type, score and runner-up."""
    _, language = theme_and_language(context)
    with wikidata.lookups() as lookups:
        df = resolve_mentions(entity_mentions, paragraphs, lookups, project.load().taxonomy, language)
    ambiguous = df.filter(pl.col("n_candidates") > 1).height if df.height else 0
    by_type = {k: int(v) for k, v in df.group_by("coarse_type").len().iter_rows()} if df.height else {}
    context.add_output_metadata({"rows": df.height, "ambiguous": ambiguous, "by_type": dg.MetadataValue.json(by_type), "preview": preview(df, ["surface", "qid", "coarse_type", "score", "runner_up"])})
    return df


@dg.asset(deps=wikidata_deps("wikidata_item_claims", "wikidata_labels"), **STAGE)
def candidate_triples(
    context: dg.AssetExecutionContext, wikidata: WikidataSource, project: ProjectFiles, resolved_entities: pl.DataFrame,
    paragraphs: pl.DataFrame,
) -> pl.DataFrame:
    """One Wikidata statement (or alias pair) between entities/values of a paragraph, with lineage."""
    theme, language = theme_and_language(context)
    config = project.load()
    with wikidata.lookups() as lookups:
        matched = match_triples(resolved_entities, paragraphs, lookups, config.schemas[theme], config.relation_map, language)
    df = reduce_transitive(matched, TRANSITIVE_RELATIONS)
    by_kind = {k: int(v) for k, v in df.group_by("statement_kind").len().iter_rows()} if df.height else {}
    by_evidence = {k: int(v) for k, v in df.group_by("evidence_kind").len().iter_rows()} if df.height else {}
    context.add_output_metadata({"rows": df.height, "transitive_shortcuts_dropped": matched.height - df.height,
                                 "by_statement_kind": dg.MetadataValue.json(by_kind), "by_evidence_kind": dg.MetadataValue.json(by_evidence),
                                 "preview": preview(df, ["head", "relation", "tail", "property", "statement_kind", "evidence_kind"])})
    return df


@dg.asset(**STAGE)
def filtered_triples(
    context: dg.AssetExecutionContext, config: FilterConfig, project: ProjectFiles, nli: NliSettings,
    candidate_triples: pl.DataFrame, paragraphs: pl.DataFrame,
) -> pl.DataFrame:
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
    context.add_output_metadata({
        "rows": df.height, **drop_counts(df), "nli_applied": model is not None, "nli": nli_status,
        "nli_scored": scored.height, "nli_threshold": config.nli_threshold,
        "preview": preview(df.filter(pl.col("drop_reason").is_null()), ["head", "relation_label", "tail", "property"]),
    })
    return df


DUPLICATE_TEXTS_SCHEMA = {"paragraph_id": pl.String, "theme": pl.String, "kept_paragraph_id": pl.String, "kept_theme": pl.String, "language": pl.String}


@dg.asset(deps=[dg.AssetDep("paragraphs", partition_mapping=BY_LANGUAGE_MAPPING)], partitions_def=language_partitions,
          metadata={"partition_expr": "language"}, group_name=DUPLICATE_TEXTS)
def duplicate_texts(context: dg.AssetExecutionContext, duckdb: DuckLakeResource) -> pl.DataFrame:
    """One paragraph whose text a paragraph with a smaller id holds already (in any theme of its
    language): identical texts are exported once, by the paragraph with the smallest id."""
    language = context.partition_key
    with duckdb.get_connection() as conn:
        df = conn.execute(
            "SELECT paragraph_id, theme, kept_paragraph_id, kept_theme, language FROM ("
            " SELECT paragraph_id, theme, language, first_value(paragraph_id) OVER w AS kept_paragraph_id,"
            " first_value(theme) OVER w AS kept_theme FROM main.paragraphs WHERE language = ?"
            " WINDOW w AS (PARTITION BY text ORDER BY paragraph_id, theme))"
            " WHERE paragraph_id <> kept_paragraph_id ORDER BY paragraph_id, theme", [language]).pl()
    df = df.cast(DUPLICATE_TEXTS_SCHEMA).select(list(DUPLICATE_TEXTS_SCHEMA))
    by_theme = {k: int(v) for k, v in df.group_by("theme").len().sort("theme").iter_rows()} if df.height else {}
    context.add_output_metadata({"rows": df.height, "by_theme": dg.MetadataValue.json(by_theme),
                                 "preview": preview(df, ["paragraph_id", "theme", "kept_paragraph_id", "kept_theme"])})
    return df


@dg.asset(ins={"duplicate_texts": dg.AssetIn(partition_mapping=BY_LANGUAGE_MAPPING)}, **STAGE)
def instruction_splits(
    context: dg.AssetExecutionContext, config: SplitConfig, project: ProjectFiles,
    filtered_triples: pl.DataFrame, paragraphs: pl.DataFrame, duplicate_texts: pl.DataFrame,
) -> pl.DataFrame:
    """One instruction record (paragraph, instruction, output) in its train/valid/test split."""
    theme, language = theme_and_language(context)
    project_config = project.load()
    schemas = project_config.schemas
    total = config.train + config.valid + config.test
    options = InstructionOptions(
        ratios=(config.train / total, config.valid / total, config.test / total), seed=config.seed, style=config.style,
        negatives=config.negatives, explicit_nan=config.explicit_nan, negative_labels=config.negative_labels,
        label_chunk_size=config.label_chunk_size,
    )
    # identical texts appear once across all partitions of the language (duplicate_texts)
    taken = set(duplicate_texts.filter(pl.col("theme") == theme)["paragraph_id"].to_list())
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
