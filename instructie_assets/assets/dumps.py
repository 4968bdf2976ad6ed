"""Dump-level assets: the narrow Wikidata tables and each language's articles and redirects."""

import shutil
from pathlib import Path


import dagster as dg
from dagster_duckdb import DuckDBResource
from tqdm import tqdm

from instructie_assets.clients import DumpSources, ProjectFiles
from instructie_assets.core.articles import read_articles
from instructie_assets.core.knowledge import WikidataStore
from instructie_assets.core.duckdb_tables import StagedTableWriter
from instructie_assets.core.wikidata import TABLE_SCHEMAS, ingest_wikidata, staged_parquet
from instructie_assets.partitions import language_partitions, parse_shard, wikidata_shards

WIKIDATA_TABLES = {
    "wikidata_labels": "One label or alias of an item in en or zh (Simplified).",
    "wikidata_sitelinks": "One enwiki/zhwiki sitelink of an item.",
    "wikidata_item_claims": "One item-valued statement (deprecated rank dropped).",
    "wikidata_time_claims": "One time-valued statement with its precision and calendar.",
    "wikidata_quantity_claims": "One quantity statement with its amount and unit QID.",
}


@dg.multi_asset(
    specs=[dg.AssetSpec(name, description=desc, group_name="wikidata", partitions_def=wikidata_shards) for name, desc in WIKIDATA_TABLES.items()],
    partitions_def=wikidata_shards,
    description="Stream one shard of the Wikidata JSON dump into the narrow tables (staged, swapped in at the end).",
)
def wikidata_tables(context: dg.AssetExecutionContext, dumps: DumpSources, duckdb: DuckDBResource):
    shard = parse_shard(context.partition_key)
    with duckdb.get_connection() as conn:
        (db_file,) = conn.execute("SELECT file FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    staging = Path(db_file or ".").resolve().parent / ".instructie_staging" / f"wikidata-{context.partition_key}"
    with tqdm(desc=f"wikidata shard {context.partition_key}", unit=" entities", disable=None) as bar:
        def progress(entities: int, byte: int) -> None:
            bar.update(entities - bar.n)
            bar.set_postfix_str(f"{byte / 1e9:.2f} GB read", refresh=False)

        stats = ingest_wikidata(dumps.wikidata, staging, shard=shard, workers=dumps.workers, tolerant=dumps.tolerant, progress=progress)
    # The tables change only here, in one transaction per shard: a failed or killed run leaves them as they were.
    with duckdb.get_connection() as conn:
        writer = StagedTableWriter(conn, TABLE_SCHEMAS, "shard", shard[0])
        writer.begin()
        try:
            writer.write_parquet({name: staged_parquet(staging, name) for name in TABLE_SCHEMAS})
            writer.commit()
        except BaseException:
            writer.abort()
            raise
    shutil.rmtree(staging, ignore_errors=True)
    for name in WIKIDATA_TABLES:
        meta = {"rows": stats.rows[name], "entities": stats.entities, "dump": dumps.wikidata, "shard": context.partition_key}
        if name == "wikidata_labels":
            meta["skipped_lines"] = len(stats.skipped)
            if stats.skipped:
                meta["skipped"] = dg.MetadataValue.md("\n".join(f"- {s}" for s in stats.skipped[:50]))
        yield dg.MaterializeResult(asset_key=name, metadata=meta)


@dg.multi_asset(
    outs={
        "articles": dg.AssetOut(
            description="One Wikipedia article (namespace 0, not a redirect or disambiguation page) with its QID and theme.",
            metadata={"partition_expr": "language"}, group_name="wikipedia",
        ),
        "wikipedia_redirects": dg.AssetOut(
            description="One redirect title -> target title.", metadata={"partition_expr": "language"}, group_name="wikipedia",
        ),
    },
    partitions_def=language_partitions,
    deps=[dg.AssetDep(k, partition_mapping=dg.AllPartitionMapping()) for k in ("wikidata_sitelinks", "wikidata_item_claims")],
)
def wikipedia_articles(context: dg.AssetExecutionContext, dumps: DumpSources, project: ProjectFiles, duckdb: DuckDBResource):
    language = context.partition_key
    paths = dumps.wikipedia_for(language)
    config = project.load()
    with duckdb.get_connection() as conn, tqdm(desc=f"{language}wiki pages", unit=" pages", disable=None) as bar:
        articles, redirects, counts = read_articles(paths, language, WikidataStore(conn), config, progress=bar.update)
    themed = articles.filter(articles["theme"].is_not_null())
    yield dg.Output(
        articles,
        output_name="articles",
        metadata={
            "dumps": ", ".join(paths), "articles": articles.height, "with_theme": themed.height, **counts,
            "by_theme": dg.MetadataValue.json({k: int(v) for k, v in themed.group_by("theme").len().iter_rows()}),
        },
    )
    yield dg.Output(redirects, output_name="wikipedia_redirects", metadata={"rows": redirects.height})
