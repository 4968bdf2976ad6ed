"""Dump-level assets: the narrow Wikidata tables and each language's articles and redirects."""

import os

import polars as pl


import dagster as dg
from tqdm import tqdm

from instructie_assets.clients import DuckLakeResource, DumpSources, ProjectFiles, ThemeClassifierSettings, WikidataSource
from instructie_assets.core.articles import ARTICLE_SCHEMA, REDIRECT_SCHEMA, ingest_articles
from instructie_assets.storage.duckdb_tables import StagedTableWriter
from instructie_assets.core.wikidata import SHARD_COLUMN, TABLE_SCHEMAS, ingest_wikidata, staged_parquet
from instructie_assets.jobs import WIKIDATA, WIKIPEDIA
from instructie_assets.partitions import language_partitions, parse_shard, wikidata_shard_partitions

WIKIDATA_TABLES = {
    "wikidata_labels": "One label or alias of an item in en or zh (Simplified).",
    "wikidata_sitelinks": "One enwiki/zhwiki sitelink of an item.",
    "wikidata_item_claims": "One item-valued statement (deprecated rank dropped).",
    "wikidata_time_claims": "One time-valued statement with its precision and calendar.",
    "wikidata_quantity_claims": "One quantity statement with its amount and unit QID.",
}


def wikidata_tables_asset(shards: int) -> dg.AssetsDefinition:
    """The Wikidata tables, partitioned into `shards` shards of the dump (`K-of-N`)."""
    partitions = wikidata_shard_partitions(shards)
    return dg.multi_asset(
        specs=[dg.AssetSpec(name, description=desc, group_name=WIKIDATA, partitions_def=partitions) for name, desc in WIKIDATA_TABLES.items()],
        partitions_def=partitions, name="wikidata_tables",
        description="Stream one shard of the Wikidata JSON dump into the narrow tables (staged, swapped in at the end).",
    )(wikidata_tables)


def wikidata_tables(context: dg.AssetExecutionContext, dumps: DumpSources, duckdb: DuckLakeResource):
    shard = parse_shard(context.partition_key)
    # staging private to this run (named by its run id, removed by it); the tables change only at the
    # commit, in one transaction per shard: a failed or killed run leaves them as they were
    with duckdb.staging(context.run_id, f"wikidata-{context.partition_key}") as staging:
        with tqdm(desc=f"wikidata shard {context.partition_key}", unit=" entities", disable=None) as bar:
            def progress(entities: int, byte: int) -> None:
                bar.update(entities - bar.n)
                bar.set_postfix_str(f"{byte / 1e9:.2f} GB read", refresh=False)

            stats = ingest_wikidata(dumps.wikidata, staging / "blocks", shard=shard, workers=dumps.workers, tolerant=dumps.tolerant,
                                    progress=progress)
        with duckdb.get_connection() as conn:
            writer = StagedTableWriter(conn, TABLE_SCHEMAS, SHARD_COLUMN, shard[0], staging_dir=staging / "batches", allow_empty=duckdb.allow_empty,
                                       what=f"writing the Wikidata tables (shard {context.partition_key}) to {duckdb.location().describe()}")
            writer.begin()
            try:
                writer.add_files({name: staged_parquet(staging / "blocks", name) for name in TABLE_SCHEMAS})
                writer.commit()
            except BaseException:
                writer.abort()
                raise
    for name in WIKIDATA_TABLES:
        meta = {"rows": stats.rows[name], "entities": stats.entities, "dump": dumps.wikidata, "shard": context.partition_key}
        if name == "wikidata_labels":
            meta["skipped_lines"] = len(stats.skipped)
            if stats.skipped:
                meta["skipped"] = dg.MetadataValue.md("\n".join(f"- {s}" for s in stats.skipped[:50]))
        if name.endswith("_claims"):  # statements that could not be read: skipped alone, their entities kept
            meta["skipped_statements"] = stats.problems
            if stats.problems:
                meta["skipped_statement_kinds"] = dg.MetadataValue.json(dict(stats.problem_kinds.most_common()))
                meta["skipped_statements_first"] = dg.MetadataValue.md("\n".join(f"- {s}" for s in stats.problem_examples))
            if stats.unknown_value_types:
                meta["unknown_value_types"] = dg.MetadataValue.json(dict(stats.unknown_value_types.most_common()))
        yield dg.MaterializeResult(asset_key=name, metadata=meta)


ARTICLE_TABLES = {"articles": ARTICLE_SCHEMA, "wikipedia_redirects": REDIRECT_SCHEMA}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            "articles", group_name=WIKIPEDIA, partitions_def=language_partitions,
            description="One Wikipedia article (namespace 0, not a redirect or disambiguation page) with its QID and theme.",
            deps=[dg.AssetDep(k, partition_mapping=dg.AllPartitionMapping()) for k in ("wikidata_sitelinks", "wikidata_item_claims")],
        ),
        dg.AssetSpec("wikipedia_redirects", group_name=WIKIPEDIA, partitions_def=language_partitions,
                     description="One redirect title -> target title."),
    ],
    partitions_def=language_partitions,
)
def wikipedia_articles(
    context: dg.AssetExecutionContext, dumps: DumpSources, project: ProjectFiles, duckdb: DuckLakeResource, wikidata: WikidataSource,
    theme_classifier: ThemeClassifierSettings,
):
    """Stream each language's dumps into the tables in batches; the language's rows are swapped in at the end."""
    language = context.partition_key
    paths = dumps.wikipedia_for(language)
    config = project.load()
    classifier, classifier_status = (None, "per paragraph (in `paragraphs`)") if theme_classifier.mode == "per_paragraph" else theme_classifier.load(config.schemas)
    with duckdb.staging(context.run_id, f"wikipedia-{language}") as staging, duckdb.get_connection() as conn, wikidata.lookups() as lookups:
        writer = StagedTableWriter(conn, ARTICLE_TABLES, "language", language, key_dtype=pl.String, staging_dir=staging,
                                   allow_empty=duckdb.allow_empty, what=f"writing the {language} articles and redirects to {duckdb.location().describe()}")
        writer.begin()
        try:
            with tqdm(desc=f"{language}wiki pages", unit=" pages", disable=None) as bar:
                counts = ingest_articles(
                    paths, language, lookups, config, writer.write, threads=dumps.workers or os.cpu_count() or 1, progress=bar.update,
                    classify=classifier.classify if classifier else None, classifier_name=classifier.name if classifier else "",
                    override=theme_classifier.mode == "override", min_score=theme_classifier.min_score,
                )
            writer.commit()
        except BaseException:
            writer.abort()
            raise
        by_theme = dict(conn.execute("SELECT theme, count(*) FROM main.articles WHERE language = ? AND theme IS NOT NULL GROUP BY theme ORDER BY theme",
                                     [language]).fetchall())
    yield dg.MaterializeResult(asset_key="articles", metadata={
        "dumps": ", ".join(paths), **counts, "by_theme": dg.MetadataValue.json({k: int(v) for k, v in by_theme.items()}),
        "theme_classifier": classifier_status,
    })
    yield dg.MaterializeResult(asset_key="wikipedia_redirects", metadata={"rows": counts["redirects"]})
