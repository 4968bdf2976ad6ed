"""The six KG2Instruction stages, partitioned by theme x language; thin wrappers over core."""

import warnings
from collections import Counter

import dagster as dg
import polars as pl

from instructie_assets.clients import DuckLakeResource, DumpSources, NerSettings, NliSettings, ProjectFiles, ThemeClassifierSettings, WikidataSource
from instructie_assets.config import FilterConfig, ParagraphConfig, SplitConfig
from instructie_assets.core.articles import ARTICLE_SCHEMA, paragraphs_of
from instructie_assets.core.disambiguation import RESOLVED_SCHEMA, resolve_mentions
from instructie_assets.core.filtering import FILTERED_SCHEMA, drop_counts, label_combinations, sample_paragraphs, tag_triples
from instructie_assets.core.instructions import RECORD_SCHEMA, InstructionOptions, build_records
from instructie_assets.core.keyed_batches import merge_on_key
from instructie_assets.core.matching import TRANSITIVE_RELATIONS, TRIPLE_SCHEMA, match_triples, reduce_transitive
from instructie_assets.core.mentions import MENTION_SCHEMA, find_mentions, mention_counts
from instructie_assets.core.nli import nli_scores
from instructie_assets.io_managers import PartitionBatches, PartitionRows, by_paragraph
from instructie_assets.jobs import DUPLICATE_TEXTS, KG2INSTRUCTION, PARAGRAPHS
from instructie_assets.partitions import THEME_LANGUAGE_EXPR, THEMES, language_partitions, theme_and_language, theme_language

STAGE = dict(partitions_def=theme_language, metadata={"partition_expr": THEME_LANGUAGE_EXPR}, group_name=KG2INSTRUCTION)
with warnings.catch_warnings():  # beta in Dagster 1.13, which we pin: the warning tells a user nothing they can act on
    warnings.simplefilter("ignore", dg.BetaWarning)
    BY_LANGUAGE_MAPPING = dg.MultiToSingleDimensionPartitionMapping(partition_dimension_name="language")


def wikidata_deps(*names: str) -> list[dg.AssetDep]:
    """A stage reads the Wikidata tables of every shard (which tables: the lookups it makes, see
    duckdb_wikidata.TABLES_OF_LOOKUP; tests/assets checks each stage's lookups against these)."""
    return [dg.AssetDep(n, partition_mapping=dg.AllPartitionMapping()) for n in names]


def language_deps(*names: str) -> list[dg.AssetDep]:
    """A stage reads the rows of its own language of a language-partitioned asset."""
    return [dg.AssetDep(n, partition_mapping=BY_LANGUAGE_MAPPING) for n in names]


def preview(df: pl.DataFrame | None, columns: list[str], n: int = 5) -> dg.MetadataValue:
    if df is None or df.is_empty():
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
def entity_mentions(
    context: dg.AssetExecutionContext, duckdb: DuckLakeResource, wikidata: WikidataSource, ner: NerSettings, paragraphs: PartitionRows,
) -> PartitionBatches:
    """One mention (span, surface, mention source, candidate QIDs or value statements, drop reason) in a paragraph."""
    _, language = theme_and_language(context)
    model, ner_status = ner.load()
    out = PartitionBatches(duckdb, context.run_id, "entity_mentions", MENTION_SCHEMA)
    counts: Counter = Counter()
    figures = mention_counts(pl.DataFrame(schema=MENTION_SCHEMA), counts)
    ner_spans, first = 0, None
    with wikidata.lookups() as store:
        # whole articles per batch: an article's names are searched for in all its paragraphs
        for batch in paragraphs.batches(["article_id", "paragraph_index"], whole="article_id"):
            spans = None
            if model is not None:
                spans = dict(zip(batch["paragraph_id"].to_list(), model.spans(batch["text"].to_list())))
                ner_spans += sum(len(v) for v in spans.values())
            df = find_mentions(batch, store, language, ner_spans=spans, counts=counts)
            out.write(df)
            figures = added(figures, mention_counts(df, Counter()))
            first = first if first is not None and first.height else df
    figures.update(overlapped=int(counts.get("overlapped", 0)), unresolved=int(counts.get("unresolved", 0)))
    context.add_output_metadata({"rows": out.rows, "ner": ner_status, "ner_spans": ner_spans, **figures,
                                 "preview": preview(first, ["paragraph_id", "surface", "mention_source", "candidate_qids", "drop_reason"])})
    return out


@dg.asset(deps=wikidata_deps("wikidata_item_claims", "wikidata_labels", "wikidata_sitelinks"), **STAGE)
def resolved_entities(
    context: dg.AssetExecutionContext, duckdb: DuckLakeResource, wikidata: WikidataSource, project: ProjectFiles,
    entity_mentions: PartitionRows, paragraphs: PartitionRows,
) -> PartitionBatches:
    """One mention resolved to a QID (or a value) with its coarse type, score and runner-up."""
    _, language = theme_and_language(context)
    taxonomy = project.load().taxonomy
    out = PartitionBatches(duckdb, context.run_id, "resolved_entities", RESOLVED_SCHEMA)
    ambiguous, by_type, first = 0, Counter(), None
    with wikidata.lookups() as store:
        for mentions, texts in by_paragraph(entity_mentions, paragraphs, ["paragraph_id", "mention_id"], ["paragraph_id", "text"]):
            if mentions.is_empty():
                continue
            df = resolve_mentions(mentions, texts, store, taxonomy, language)
            out.write(df)
            ambiguous += df.filter(pl.col("n_candidates") > 1).height
            by_type.update({k: int(v) for k, v in df.group_by("coarse_type").len().iter_rows()})
            first = first if first is not None and first.height else df
    context.add_output_metadata({"rows": out.rows, "ambiguous": ambiguous, "by_type": dg.MetadataValue.json(dict(sorted(by_type.items()))),
                                 "preview": preview(first, ["surface", "qid", "coarse_type", "score", "runner_up"])})
    return out


@dg.asset(deps=wikidata_deps("wikidata_item_claims", "wikidata_labels"), **STAGE)
def candidate_triples(
    context: dg.AssetExecutionContext, duckdb: DuckLakeResource, wikidata: WikidataSource, project: ProjectFiles, resolved_entities: PartitionRows,
    paragraphs: PartitionRows,
) -> PartitionBatches:
    """One Wikidata statement (or alias pair) between entities/values of a paragraph, with lineage."""
    theme, language = theme_and_language(context)
    config = project.load()
    out = PartitionBatches(duckdb, context.run_id, "candidate_triples", TRIPLE_SCHEMA)
    shortcuts, by_kind, by_evidence, first = 0, Counter(), Counter(), None
    with wikidata.lookups() as store:
        for resolved, texts in by_paragraph(resolved_entities, paragraphs, ["paragraph_id", "mention_id"], ["paragraph_id", "text", "article_qid"]):
            if resolved.is_empty():
                continue
            matched = match_triples(resolved, texts, store, config.schemas[theme], config.relation_map, language,
                                           config.relation_cues)
            df = reduce_transitive(matched, TRANSITIVE_RELATIONS)
            out.write(df)
            shortcuts += matched.height - df.height
            by_kind.update({k: int(v) for k, v in df.group_by("statement_kind").len().iter_rows()})
            by_evidence.update({k: int(v) for k, v in df.group_by("evidence_kind").len().iter_rows()})
            first = first if first is not None and first.height else df
    context.add_output_metadata({"rows": out.rows, "transitive_shortcuts_dropped": shortcuts,
                                 "by_statement_kind": dg.MetadataValue.json(dict(sorted(by_kind.items()))),
                                 "by_evidence_kind": dg.MetadataValue.json(dict(sorted(by_evidence.items()))),
                                 "preview": preview(first, ["head", "relation", "tail", "property", "statement_kind", "evidence_kind"])})
    return out



@dg.asset(**STAGE)
def filtered_triples(
    context: dg.AssetExecutionContext, config: FilterConfig, project: ProjectFiles, nli: NliSettings, duckdb: DuckLakeResource,
    candidate_triples: PartitionRows, paragraphs: PartitionRows,
) -> PartitionBatches:
    """One candidate triple with its drop reason (null when kept): schema, type, mention, value, evidence, duplicate, NLI, sampling."""
    theme, language = theme_and_language(context)
    project_config = project.load()
    schema = project_config.schemas[theme]
    options = config.options()
    model, nli_status = nli.load()
    templates = project.nli_templates(project_config) if model is not None else None
    out = PartitionBatches(duckdb, context.run_id, "filtered_triples", FILTERED_SCHEMA)
    frequency: Counter = Counter()
    scored, drops, first = 0, Counter(), None
    # Label-centric sampling counts label combinations over the whole partition: pass 1 tags every
    # batch with every other rule (NLI included) into private staging and counts the combinations;
    # pass 2 samples each staged batch with the partition's counts.
    with duckdb.staging(context.run_id, "filtered_triples-tagged") as tagged_dir:
        tagged_files = []
        # a paragraph's candidates in the order candidate_triples wrote them (the duplicate rule keeps the first)
        for candidates, texts in by_paragraph(candidate_triples, paragraphs, ["paragraph_id", "rowid"], ["paragraph_id", "text"]):
            if candidates.is_empty():
                continue
            scorer = None
            if model is not None:
                batch_texts = dict(texts.iter_rows())
                scorer = lambda rows, t=batch_texts: nli_scores(rows, t, model, templates, language, theme, config.nli_premise)  # noqa: E731
            tagged = tag_triples(candidates, schema, language, nli=scorer, options=options)
            frequency.update(label_combinations(tagged).values())
            path = tagged_dir / f"tagged-{len(tagged_files):06d}.parquet"
            tagged.write_parquet(path)
            tagged_files.append(path)
        for path in tagged_files:
            df = sample_paragraphs(pl.read_parquet(path), frequency, options)
            out.write(df)
            scored += df["nli_score"].drop_nulls().len()
            drops.update(drop_counts(df))
            kept_rows = df.filter(pl.col("drop_reason").is_null())
            first = first if first is not None and first.height else kept_rows
    if model is None:
        context.log.warning(f"filtered_triples {theme}/{language}: NLI {nli_status}")
    context.add_output_metadata({
        "rows": out.rows, **{k: drops.get(k, 0) for k in drop_counts(pl.DataFrame(schema=FILTERED_SCHEMA))},
        "nli_applied": model is not None, "nli": nli_status, "nli_scored": scored, "nli_threshold": config.nli_threshold,
        "label_combinations": len(frequency), "preview": preview(first, ["head", "relation_label", "tail", "property"]),
    })
    return out


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
    context: dg.AssetExecutionContext, config: SplitConfig, project: ProjectFiles, duckdb: DuckLakeResource,
    filtered_triples: PartitionRows, paragraphs: PartitionRows, duplicate_texts: PartitionRows,
) -> PartitionBatches:
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
    # identical texts appear once across all partitions of the language (duplicate_texts): the ids of
    # this partition's duplicated paragraphs are the only per-paragraph state held
    taken: set[str] = set()
    for batch in duplicate_texts.batches(["paragraph_id", "theme"], ["paragraph_id", "theme"]):
        taken.update(batch.filter(pl.col("theme") == theme)["paragraph_id"].to_list())
    other_labels = sorted({label for key, sch in schemas.items() if key != theme for label in sch.label_names(language)})
    type_names = {k: project_config.taxonomy.name(k, language) for k in project_config.taxonomy.keys}
    out = PartitionBatches(duckdb, context.run_id, "instruction_splits", RECORD_SCHEMA)
    by_split, negatives, first = Counter(), 0, None
    # paragraphs in id order (the prompts rotate with the record's rank in the partition), each batch
    # with its paragraphs' filtered triples
    triples = filtered_triples.batches(["paragraph_id", "rowid"])
    merged = merge_on_key(paragraphs.batches(["paragraph_id"], ["paragraph_id", "article_id", "text"]), triples, "paragraph_id",
                          paragraphs.empty(["paragraph_id", "article_id", "text"]), filtered_triples.empty())
    for batch, filtered in merged:
        if batch.is_empty():
            continue  # triples of paragraphs that are no longer there
        df = build_records(
            filtered, batch, schemas[theme], language, options, theme_index=THEMES.index(theme), n_themes=len(THEMES),
            other_labels=other_labels, skip_paragraphs=taken, type_names=type_names, first_rank=out.rows,
        )
        out.write(df)
        by_split.update({k: int(v) for k, v in df.group_by("split").len().iter_rows()})
        negatives += int(df["negative"].sum()) if df.height else 0
        first = first if first is not None and first.height else df
    context.add_output_metadata({
        "rows": out.rows, "by_split": dg.MetadataValue.json(dict(by_split)), "negatives": negatives,
        "duplicate_texts_skipped": len(taken), "style": config.style,
        "preview": preview(first, ["split", "instruction", "output"]),
    })
    return out


def added(total: dict, part: dict) -> dict:
    """`total` + `part`, numbers summed key by key (nested dicts too)."""
    out = dict(total)
    for k, v in part.items():
        out[k] = added(out.get(k, {}), v) if isinstance(v, dict) else out.get(k, 0) + v
    return out

