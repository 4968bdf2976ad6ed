import os

# Tests never reach the network: hub ids fail at once instead of retrying.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# Runs go to an ephemeral instance unless a test sets DAGSTER_HOME itself (never the user's instance).
os.environ.pop("DAGSTER_HOME", None)

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


def recorded_check_outcomes(home):
    """The asset check results of every run recorded in a Dagster instance, as `runner.build` returns them."""
    import dagster as dg

    from instructie_assets.runner import CheckOutcome

    outcomes = []
    with dg.DagsterInstance.from_config(str(home)) as instance:
        for run in instance.get_runs():
            for entry in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
                e = entry.dagster_event.event_specific_data
                outcomes.append(CheckOutcome(str(run.tags.get("dagster/partition")), e.check_name, e.passed, e.severity.value,
                                             {k: v.value for k, v in e.metadata.items()}))
    return outcomes


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """The whole graph built on the sample corpus into an embedded lake by `instructie demo` as `make demo`
    runs it: in a fresh directory without DAGSTER_HOME, so its runs go to the default ./.dagster_home (what
    `make dev` opens). BuildOptions with `.checks` (read back from that instance), `.home`, `.stdout`, `.stderr`."""
    import subprocess
    import sys

    from instructie_assets.paths import SAMPLE_GOLD, SAMPLE_WIKIDATA, SAMPLE_WIKIPEDIA
    from instructie_assets.runner import BuildOptions

    root = tmp_path_factory.mktemp("e2e")
    db, out = root / "data" / "instructie", root / "data" / "exports"
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "INSTRUCTIE_NLI_MODEL")}
    demo = subprocess.run([sys.executable, "-m", "instructie_assets.cli", "demo", "--db", str(db), "--out", str(out)],
                          cwd=root, env=env, capture_output=True, text=True, timeout=1800)
    assert demo.returncode == 0, demo.stderr[-4000:]
    options = BuildOptions(wikipedia=SAMPLE_WIKIPEDIA, wikidata=SAMPLE_WIKIDATA, db=str(db), out_dir=str(out),
                           gold=[str(p) for p in SAMPLE_GOLD.values()])
    options.home, options.stdout, options.stderr = root / ".dagster_home", demo.stdout, demo.stderr
    options.checks = recorded_check_outcomes(options.home)
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
