"""Dump-level assets: the narrow Wikidata tables and each language's articles and redirects."""


import dagster as dg
from dagster_duckdb import DuckDBResource
from tqdm import tqdm

from instructie_assets.clients import DumpSources, ProjectFiles
from instructie_assets.core.articles import read_articles
from instructie_assets.core.knowledge import WikidataStore
from instructie_assets.core.wikidata import read_wikidata_dump
from instructie_assets.partitions import language_partitions

WIKIDATA_TABLES = {
    "wikidata_labels": "One label or alias of an item in en or zh (Simplified).",
    "wikidata_sitelinks": "One enwiki/zhwiki sitelink of an item.",
    "wikidata_item_claims": "One item-valued statement (deprecated rank dropped).",
    "wikidata_time_claims": "One time-valued statement with its precision and calendar.",
    "wikidata_quantity_claims": "One quantity statement with its amount and unit QID.",
}


@dg.multi_asset(
    outs={name: dg.AssetOut(description=desc, group_name="wikidata") for name, desc in WIKIDATA_TABLES.items()},
    description="Stream the Wikidata JSON dump into narrow tables.",
)
def wikidata_tables(context: dg.AssetExecutionContext, dumps: DumpSources):
    with tqdm(desc="wikidata", unit="B", unit_scale=True, disable=None) as bar:
        last = [0]

        def progress(byte: int) -> None:
            bar.update(byte - last[0])
            last[0] = byte

        rows = read_wikidata_dump(dumps.wikidata, tolerant=dumps.tolerant, progress=progress)
    frames = rows.frames()
    for name, frame in frames.items():
        meta = {"rows": frame.height, "entities": rows.entities, "dump": dumps.wikidata}
        if name == "wikidata_labels":
            meta["skipped_lines"] = len(rows.skipped)
            if rows.skipped:
                meta["skipped"] = dg.MetadataValue.md("\n".join(f"- {s}" for s in rows.skipped[:50]))
        yield dg.Output(frame, output_name=name, metadata=meta)


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
    deps=["wikidata_sitelinks", "wikidata_item_claims"],
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
