"""The six KG2Instruction stages, partitioned by theme x language; thin wrappers over core."""

from collections import Counter

import dagster as dg
import polars as pl
from instructie_assets.clients import DuckLakeResource

from instructie_assets.clients import DumpSources, NerSettings, NliSettings, ProjectFiles, QualitySettings, ThemeClassifierSettings
from instructie_assets.config import FilterConfig, ParagraphConfig, SplitConfig
from instructie_assets.core.articles import ARTICLE_SCHEMA, paragraphs_of
from instructie_assets.core.disambiguation import RESOLVED_SCHEMA, resolve_mentions
from instructie_assets.core.filtering import FILTERED_SCHEMA, drop_counts, label_combinations, sample_paragraphs, tag_triples
from instructie_assets.core.instructions import RECORD_SCHEMA, InstructionOptions, build_records
from instructie_assets.core.keyed_batches import merge_on_key
from instructie_assets.duckdb_wikidata import DuckDBWikidata
from instructie_assets.core.matching import TRANSITIVE_RELATIONS, TRIPLE_SCHEMA, match_triples, reduce_transitive
from instructie_assets.core.mentions import MENTION_SCHEMA, find_mentions, mention_counts
from instructie_assets.core.nli import nli_scores
from instructie_assets.core.quality import PartitionTally
from instructie_assets.io_managers import PartitionBatches, PartitionRows
from instructie_assets.partitions import THEME_LANGUAGE_EXPR, THEMES, theme_and_language, theme_language

STAGE = dict(partitions_def=theme_language, metadata={"partition_expr": THEME_LANGUAGE_EXPR}, group_name="kg2instruction")
BY_LANGUAGE_MAPPING = dg.MultiToSingleDimensionPartitionMapping(partition_dimension_name="language")


def wikidata_deps(*names: str) -> list[dg.AssetDep]:
    """A stage reads the Wikidata tables of every shard."""
    return [dg.AssetDep(n, partition_mapping=dg.AllPartitionMapping()) for n in names]


def preview(df: pl.DataFrame | None, columns: list[str], n: int = 5) -> dg.MetadataValue:
    if df is None or df.is_empty():
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
def entity_mentions(context: dg.AssetExecutionContext, duckdb: DuckLakeResource, ner: NerSettings, paragraphs: PartitionRows) -> PartitionBatches:
    """One mention (span, surface, mention source, candidate QIDs or value statements, drop reason) in a paragraph."""
    _, language = theme_and_language(context)
    model, ner_status = ner.load()
    out = PartitionBatches(duckdb, context.run_id, "entity_mentions", MENTION_SCHEMA)
    counts: Counter = Counter()
    figures = mention_counts(pl.DataFrame(schema=MENTION_SCHEMA), counts)
    ner_spans, first = 0, None
    with duckdb.get_connection() as conn:
        store = DuckDBWikidata(conn)
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


@dg.asset(deps=wikidata_deps("wikidata_item_claims", "wikidata_sitelinks"), **STAGE)
def resolved_entities(
    context: dg.AssetExecutionContext, duckdb: DuckLakeResource, project: ProjectFiles, entity_mentions: PartitionRows, paragraphs: PartitionRows
) -> PartitionBatches:
    """One mention resolved to a QID (or a value) with its coarse type, score and runner-up."""
    _, language = theme_and_language(context)
    taxonomy = project.load().taxonomy
    out = PartitionBatches(duckdb, context.run_id, "resolved_entities", RESOLVED_SCHEMA)
    ambiguous, by_type, first = 0, Counter(), None
    with duckdb.get_connection() as conn:
        store = DuckDBWikidata(conn)
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
    context: dg.AssetExecutionContext, duckdb: DuckLakeResource, project: ProjectFiles, resolved_entities: PartitionRows,
    paragraphs: PartitionRows,
) -> PartitionBatches:
    """One Wikidata statement (or alias pair) between entities/values of a paragraph, with lineage."""
    theme, language = theme_and_language(context)
    config = project.load()
    out = PartitionBatches(duckdb, context.run_id, "candidate_triples", TRIPLE_SCHEMA)
    shortcuts, by_kind, by_evidence, first = 0, Counter(), Counter(), None
    with duckdb.get_connection() as conn:
        store = DuckDBWikidata(conn)
        for resolved, texts in by_paragraph(resolved_entities, paragraphs, ["paragraph_id", "mention_id"], ["paragraph_id", "text", "article_qid"]):
            if resolved.is_empty():
                continue
            matched = match_triples(resolved, texts, store, config.schemas[theme], config.relation_map, language)
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
    duckdb: DuckLakeResource, candidate_triples: PartitionRows, paragraphs: PartitionRows,
):
    """One candidate triple with its drop reason (null when kept): schema, type, mention, value, evidence, duplicate, NLI, sampling."""
    theme, language = theme_and_language(context)
    project_config = project.load()
    schema = project_config.schemas[theme]
    options = config.options()
    model, nli_status = nli.load()
    templates = project.nli_templates(project_config) if model is not None else None
    out = PartitionBatches(duckdb, context.run_id, "filtered_triples", FILTERED_SCHEMA)
    tally = PartitionTally(schema, quality.gold_records() if quality.gold else [])
    frequency: Counter = Counter()
    scored, score_sum, drops, first = 0, 0.0, Counter(), None
    # Label-centric sampling counts label combinations over the whole partition: pass 1 tags every
    # batch with every other rule (NLI included) into private staging and counts the combinations;
    # pass 2 samples each staged batch with the partition's counts.
    with duckdb.staging(context.run_id, "filtered_triples-tagged") as tagged_dir:
        tagged_files = []
        # candidate triples of a paragraph in the order candidate_triples wrote them (the duplicate rule keeps the first)
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
        staged = (pl.read_parquet(path) for path in tagged_files)
        texts = paragraphs.batches(["paragraph_id"], ["paragraph_id", "text"])
        for tagged, paras in merge_on_key(staged, texts, "paragraph_id", pl.DataFrame(schema=FILTERED_SCHEMA), paragraphs.empty(["paragraph_id", "text"])):
            df = sample_paragraphs(tagged, frequency, options)
            out.write(df)
            tally.add(df, paras)
            scores = df["nli_score"].drop_nulls()
            scored, score_sum = scored + scores.len(), score_sum + float(scores.sum() or 0.0)
            drops.update({k: int(v) for k, v in drop_counts(df).items()})
            kept_rows = df.filter(pl.col("drop_reason").is_null())
            first = first if first is not None and first.height else kept_rows
    if model is None:
        context.log.warning(f"filtered_triples {theme}/{language}: NLI {nli_status}")
    yield dg.Output(out, metadata={
        "rows": out.rows, **{k: drops.get(k, 0) for k in drop_counts(pl.DataFrame(schema=FILTERED_SCHEMA))},
        "nli_applied": model is not None, "nli": nli_status, "nli_scored": scored, "nli_threshold": config.nli_threshold,
        "preview": preview(first, ["head", "relation_label", "tail", "property"]),
    })
    yield dg.AssetCheckResult(
        check_name="nli_applied", passed=model is not None, severity=dg.AssetCheckSeverity.WARN,
        metadata={"nli": nli_status, "scored": scored, "mean_entailment": round(score_sum / scored, 4) if scored else None},
    )
    yield from filter_check_results(tally, quality)


def filter_check_results(tally: PartitionTally, quality: QualitySettings):
    violations = tally.violations
    yield dg.AssetCheckResult(
        check_name="schema_and_type_violations", passed=sum(violations.values()) == 0,
        severity=dg.AssetCheckSeverity.ERROR, metadata={f"{k}_violations": v for k, v in violations.items()},
    )
    spans = {k: v for k, v in tally.spans().items() if k in ("triples", "head_share", "tail_share")}
    yield dg.AssetCheckResult(
        check_name="spans_at_offsets", severity=dg.AssetCheckSeverity.WARN,
        passed=min(spans["head_share"], spans["tail_share"]) >= quality.offset_share_floor,
        metadata={**spans, "floor": quality.offset_share_floor},
    )
    figures = tally.yield_figures()
    yield dg.AssetCheckResult(
        check_name="yield_and_diversity", severity=dg.AssetCheckSeverity.WARN,
        passed=tally.candidates == 0 or figures.kept_triples > 0, metadata=figures.as_dict(),
    )
    scores = tally.gold_scores() if quality.gold else None
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
    filtered_triples: PartitionRows, paragraphs: PartitionRows,
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
    # Identical texts appear once across all partitions: the paragraph with the smallest id keeps it.
    # The join runs in DuckDB; Python holds the ids of this partition's duplicated paragraphs only.
    with duckdb.get_connection() as conn:
        taken = {pid for (pid,) in conn.execute(
            "SELECT m.paragraph_id FROM main.paragraphs m JOIN main.paragraphs p ON p.text = m.text AND p.language = m.language "
            "WHERE m.theme = ? AND m.language = ? AND p.paragraph_id < m.paragraph_id GROUP BY m.paragraph_id", [theme, language]).fetchall()}
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


def by_paragraph(rows: PartitionRows, paragraphs: PartitionRows, order_by: list[str], columns: list[str]):
    """Batches of whole paragraphs of `rows` (sorted by `order_by`, paragraph id first), each with the
    `columns` of the partition's paragraphs of the batch (and of paragraphs without rows before it)."""
    return merge_on_key(rows.batches(order_by, whole="paragraph_id"), paragraphs.batches(["paragraph_id"], columns), "paragraph_id",
                        rows.empty(), paragraphs.empty(columns), what=rows.table)


def added(total: dict, part: dict) -> dict:
    """`total` + `part`, numbers summed key by key (nested dicts too)."""
    out = dict(total)
    for k, v in part.items():
        out[k] = added(out.get(k, {}), v) if isinstance(v, dict) else out.get(k, 0) + v
    return out
