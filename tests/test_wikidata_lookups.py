"""The two implementations of `WikidataLookups` answer every lookup identically (the in-memory one
stands in for DuckDB in the stage tests, so it must not drift), on the sample's real-format dump."""

import gzip

import orjson
import pytest

from instructie_assets.core.knowledge import InMemoryWikidata
from instructie_assets.paths import SAMPLE_WIKIDATA
from tests.conftest import entity


def sample_entities():
    with gzip.open(SAMPLE_WIKIDATA, "rb") as fh:
        for line in fh:
            line = line.strip().rstrip(b",")
            if line.startswith(b"{"):
                yield orjson.loads(line)


# a class cycle (A subclass of B subclass of A) and a deep chain, which the walk must bound
CLASS_TRAPS = [
    entity("Q900001", en=["A class"], claims={"P279": ["Q900002"]}),
    entity("Q900002", en=["B class"], claims={"P279": ["Q900001", "Q900003"]}),
    entity("Q900003", en=["C class"], claims={"P279": ["Q900004"]}),
    entity("Q900004", en=["D class"]),
    entity("Q900005", en=["thing"], claims={"P31": ["Q900001"]}),
]
REDIRECTS = [("UK", "United Kingdom", "en"), ("英國", "英国", "zh"), ("Adams", "Douglas Adams", "en")]


@pytest.fixture(scope="module")
def both(request):
    from tests.conftest import wikidata_tables
    import duckdb
    from instructie_assets.duckdb_wikidata import DuckDBWikidata

    entities = list(sample_entities()) + CLASS_TRAPS
    tables, redirects = wikidata_tables(entities, REDIRECTS)
    conn = duckdb.connect()
    for name, frame in {**tables, "wikipedia_redirects": redirects}.items():
        conn.register("_f", frame.to_arrow())
        conn.execute(f"CREATE TABLE main.{name} AS SELECT * FROM _f")
        conn.unregister("_f")
    request.addfinalizer(conn.close)
    return InMemoryWikidata(tables, redirects), DuckDBWikidata(conn), tables


def test_every_lookup_agrees(both):
    memory, db, tables = both
    qids = sorted(set(tables["wikidata_labels"]["qid"].to_list()))
    assert len(qids) > 150
    sample = qids[::3] + ["Q900005", "Q999999999"]
    surfaces = sorted(set(tables["wikidata_labels"]["text"].to_list()))[::2] + ["no such name"]
    titles = sorted(set(tables["wikidata_sitelinks"]["title"].to_list())) + ["No such page"]
    for language in ("en", "zh"):
        assert memory.labels(sample, language) == db.labels(sample, language)
        assert memory.qids_for_surfaces(surfaces, language) == db.qids_for_surfaces(surfaces, language)
        assert memory.redirects(language, ["UK", "英國", "Adams", "Paris"]) == db.redirects(language, ["UK", "英國", "Adams", "Paris"])
    for site in ("enwiki", "zhwiki"):
        assert memory.sitelink_qids(site, titles) == db.sitelink_qids(site, titles)
        assert memory.sitelinked(site, sample) == db.sitelinked(site, sample)
    for both_directions in (False, True):
        assert memory.item_claims(sample, both_directions).sort("subject", "property", "object", "rank").equals(
            db.item_claims(sample, both_directions).sort("subject", "property", "object", "rank"))
    assert memory.time_claims(qids).sort(["subject", "property", "time"]).equals(db.time_claims(qids).sort(["subject", "property", "time"]))
    assert memory.quantity_claims(qids).sort(["subject", "property", "amount_text"]).equals(
        db.quantity_claims(qids).sort(["subject", "property", "amount_text"]))
    for depth in (1, 2, 5):
        assert memory.class_walk(sample, depth).equals(db.class_walk(sample, depth))


def test_class_walk_is_bounded_and_keeps_the_smallest_depth(both):
    memory, db, _ = both
    for store in (memory, db):
        walk = store.class_walk(["Q900005"], 3).rows()
        # P31 step to A (1), P279 to B (2), then C (3); A again through the cycle keeps depth 1; D is at 4 > 3
        assert walk == [("Q900005", "Q900001", 1), ("Q900005", "Q900002", 2), ("Q900005", "Q900003", 3)]
        assert store.class_walk(["Q900005"], 1).rows() == [("Q900005", "Q900001", 1)]


def test_values_are_bound_not_formatted(both):
    memory, db, _ = both
    injected = "en' OR '1'='1"
    assert db.labels(["Q42"], "en")["Q42"][0] == ("Douglas Adams", "label")
    assert db.sitelink_qids("enwiki", ["Douglas Adams"]) == {"Douglas Adams": "Q42"}
    assert db.labels(["Q42"], injected) == {} == memory.labels(["Q42"], injected)
    assert db.sitelink_qids("enwiki' OR '1'='1", ["Douglas Adams"]) == {}
    with pytest.raises(ValueError):
        type(db)(db.conn, schema='main"; DROP TABLE x; --')
