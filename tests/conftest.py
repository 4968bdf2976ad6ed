import os

# Tests never reach the network: hub ids fail at once instead of retrying.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import duckdb
import polars as pl
import pytest

from instructie_assets.core.articles import REDIRECT_SCHEMA
from instructie_assets.core.knowledge import InMemoryWikidata
from instructie_assets.duckdb_wikidata import DuckDBWikidata
from instructie_assets.core.wikidata import WikidataRows, extract_entity


def entity(qid, en=(), zh=(), sites=None, claims=None):
    """A Wikidata entity in the dump's JSON shape, from compact arguments."""
    def names(lang, values):
        return ({lang: {"language": lang, "value": values[0]}} if values else {}), ({lang: [{"language": lang, "value": v} for v in values[1:]]} if len(values) > 1 else {})

    en_l, en_a = names("en", list(en))
    zh_l, zh_a = names("zh", list(zh))
    statements = {}
    for prop, values in (claims or {}).items():
        for v in values:
            if v.startswith("Q"):
                dv = {"type": "wikibase-entityid", "value": {"id": v}}
            elif "T" in v:
                t, p = v.split("/")
                dv = {"type": "time", "value": {"time": t, "precision": int(p), "calendarmodel": "http://www.wikidata.org/entity/Q1985727"}}
            else:
                amount, unit = v.split(" ")
                dv = {"type": "quantity", "value": {"amount": amount, "unit": "1" if unit == "1" else f"http://www.wikidata.org/entity/{unit}"}}
            statements.setdefault(prop, []).append({"mainsnak": {"snaktype": "value", "property": prop, "datavalue": dv}, "rank": "normal"})
    return {"id": qid, "labels": {**en_l, **zh_l}, "aliases": {**en_a, **zh_a}, "claims": statements,
            "sitelinks": {k: {"site": k, "title": t} for k, t in (sites or {}).items()}}


def wikidata_tables(entities, redirects=()):
    """The ingested tables (TABLE_SCHEMAS frames) and the redirects frame of the given entities."""
    rows = WikidataRows()
    for e in entities:
        extract_entity(e, rows)
    return rows.frames(), pl.DataFrame(list(redirects), schema=REDIRECT_SCHEMA, orient="row")


@pytest.fixture
def make_store():
    """The in-memory Wikidata lookups holding the given entities and redirects."""

    def build(entities, redirects=()):
        tables, redirect_frame = wikidata_tables(entities, redirects)
        return InMemoryWikidata(tables, redirect_frame)

    return build


@pytest.fixture
def make_duckdb_store():
    """The DuckDB lookups over an in-memory DuckDB holding the given entities and redirects."""
    conns = []

    def build(entities, redirects=()):
        tables, redirect_frame = wikidata_tables(entities, redirects)
        conn = duckdb.connect()
        for name, frame in {**tables, "wikipedia_redirects": redirect_frame}.items():
            conn.register("_f", frame.to_arrow())
            conn.execute(f"CREATE TABLE main.{name} AS SELECT * FROM _f")
            conn.unregister("_f")
        conns.append(conn)
        return DuckDBWikidata(conn)

    yield build
    for c in conns:
        c.close()


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """The whole graph built on the sample corpus into an embedded lake (BuildOptions, with `.checks`)."""
    from instructie_assets.paths import SAMPLE_GOLD, SAMPLE_WIKIDATA, SAMPLE_WIKIPEDIA
    from instructie_assets.runner import BuildOptions, build

    root = tmp_path_factory.mktemp("e2e")
    options = BuildOptions(wikipedia=SAMPLE_WIKIPEDIA, wikidata=SAMPLE_WIKIDATA, db=str(root / "lake"), out_dir=str(root / "exports"),
                           gold=[str(p) for p in SAMPLE_GOLD.values()])
    options.checks = build(options, progress=False)
    return options


@pytest.fixture(scope="session")
def tiny_nli_dir(tmp_path_factory):
    from instructie_assets.tiny_models import build_tiny_nli

    texts = ["Douglas Adams was born in Cambridge.", "Paris is located in France.", "巴黎位于法国。", "道格拉斯·亚当斯出生于剑桥。"]
    return str(build_tiny_nli(tmp_path_factory.mktemp("tiny-nli"), texts))


@pytest.fixture(scope="session")
def tiny_ner_dir(tmp_path_factory):
    from instructie_assets.tiny_models import build_tiny_ner

    return str(build_tiny_ner(tmp_path_factory.mktemp("tiny-ner"), ["Douglas Adams was born in Cambridge.", "巴黎位于法国。"]))
