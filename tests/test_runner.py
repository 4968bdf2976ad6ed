"""The runner holds no graph knowledge: it runs the jobs the Definitions hold, in the asset graph's
order, one run per selected partition, and every run carries its job's name."""

import gzip
import json

import dagster as dg
import pytest

from instructie_assets import jobs, runner
from instructie_assets.storage.lake import lake_cursor, lake_location
from instructie_assets.runner import BuildOptions, build, build_plan, ingest_wikidata_shard, job_order
from tests.assets.corpus import ENTITIES, write_dump


@pytest.fixture(scope="module")
def dumps(tmp_path_factory):
    root = tmp_path_factory.mktemp("runner-dumps")
    wikidata = root / "wikidata-test.json.gz"
    with gzip.open(wikidata, "wt", encoding="utf-8") as fh:
        fh.write("[\n" + ",\n".join(json.dumps(e) for e in ENTITIES) + "\n]\n")
    return write_dump(root / "enwiki-test-pages-articles.xml.bz2"), str(wikidata)


def options(tmp_path, dumps, **kw) -> BuildOptions:
    wikipedia, wikidata = dumps
    return BuildOptions(wikipedia=[wikipedia], wikidata=wikidata, db=str(tmp_path / "lake"), out_dir=str(tmp_path / "out"),
                        nli_model="none", **kw)


def test_the_order_comes_from_the_graph_not_from_a_list(tmp_path, dumps, monkeypatch):
    o = options(tmp_path, dumps, themes=["person", "works"])
    defs = runner._definitions(o)
    expected = ["ingest_wikidata", "refresh_articles", "refresh_paragraphs", "find_duplicate_texts", "refresh_stages", "refresh_dataset_card"]
    assert job_order(defs, jobs.BUILD_JOBS) == expected
    monkeypatch.setattr(runner, "BUILD_JOBS", tuple(reversed(jobs.BUILD_JOBS)))
    plan = build_plan(defs, o, ["en"])
    assert [name for name, _ in plan] == expected
    assert [[str(k) for k in keys] for _, keys in plan] == [
        ["0-of-1"], ["en"], ["en|person", "en|works"], ["en"], ["en|person", "en|works"], ["None"]]
    o.skip_wikidata, o.stop_after = True, "dumps"
    assert [name for name, _ in build_plan(defs, o, ["en"])] == ["refresh_articles"]


@pytest.mark.slow
def test_a_build_from_the_dumps_runs_named_jobs_in_order(tmp_path, dumps, monkeypatch):
    """runner.build end to end on the written corpus, from its Wikidata JSON dump and Wikipedia XML
    (tests/assets runs the same plan with the lookups in memory)."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    checks = build(options(tmp_path, dumps, themes=["person", "geographic_location"]), progress=False)
    with dg.DagsterInstance.get() as instance:
        runs = sorted(instance.get_runs(), key=lambda r: instance.get_run_record_by_id(r.run_id).create_timestamp)
        named = [(r.job_name, r.tags.get("dagster/partition", "")) for r in runs]
    assert named == [
        ("ingest_wikidata", "0-of-1"), ("refresh_articles", "en"),
        ("refresh_paragraphs", "en|geographic_location"), ("refresh_paragraphs", "en|person"), ("find_duplicate_texts", "en"),
        ("refresh_stages", "en|geographic_location"), ("refresh_stages", "en|person"), ("refresh_dataset_card", ""),
    ]
    assert {(c.partition, c.check) for c in checks if c.check == "schema_and_type_violations"} == {
        ("en|geographic_location", "schema_and_type_violations"), ("en|person", "schema_and_type_violations")}
    con = lake_cursor(lake_location(str(tmp_path / "lake")))
    try:
        assert con.execute("SELECT paragraph_id, kept_paragraph_id FROM main.duplicate_texts").fetchall() == [("en:102:1", "en:101:2")]
        assert con.execute("SELECT count(*) FROM main.filtered_triples WHERE drop_reason IS NULL").fetchone() == (11,)
    finally:
        con.close()


def test_one_wikidata_shard_without_environment_variables(tmp_path, dumps, monkeypatch):
    monkeypatch.delenv("INSTRUCTIE_WIKIDATA_SHARDS", raising=False)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    ingest_wikidata_shard(options(tmp_path, dumps), "1-of-2")
    con = lake_cursor(lake_location(str(tmp_path / "lake")))
    try:
        shards, labels = con.execute("SELECT list_sort(list(DISTINCT shard)), count(*) FROM main.wikidata_labels").fetchone()
    finally:
        con.close()
    assert shards == [1] and 0 < labels < len(ENTITIES)  # every second entity line
    with pytest.raises(runner.BuildError, match="K-of-N"):
        ingest_wikidata_shard(options(tmp_path, dumps), "2-of-two")
