"""What the command line checks before any run: themes, languages, dumps, project files, targets."""

import bz2
import gzip
import os
import shutil
from pathlib import Path

import pytest

from instructie_assets.preflight import (
    check_build, check_database_target, check_lake, check_model_option, check_project_files, check_wikidata_dump, check_wikipedia_dump, check_writable_dir,
    resolve_languages, resolve_themes,
)
from instructie_assets.core.schemas import load_project_config
from instructie_assets.paths import RESOURCE_DIR, SAMPLE_WIKIDATA, SAMPLE_WIKIPEDIA, SCHEMA_DIR

EN, ZH = SAMPLE_WIKIPEDIA


@pytest.fixture(scope="module")
def schemas():
    return load_project_config(SCHEMA_DIR, RESOURCE_DIR).schemas


def relabelled_dump(tmp_path: Path, dbname: str) -> str:
    """The EN sample with another wiki's dbname in its siteinfo."""
    xml = bz2.decompress(Path(EN).read_bytes()).replace(b"<dbname>enwiki</dbname>", f"<dbname>{dbname}</dbname>".encode())
    path = tmp_path / f"{dbname}-sample-pages-articles.xml.bz2"
    path.write_bytes(bz2.compress(xml))
    return str(path)


def test_themes_by_key_cate_and_chinese_name(schemas):
    keys, problems = resolve_themes(["Person", "人物", "person", "Geographic_Location", "geographic location", "Astronomy", "组织"], schemas)
    assert problems == []
    # schema order, each once
    assert keys == ["astronomical_object", "geographic_location", "organization", "person"]


def test_unknown_theme_lists_the_valid_ones_and_the_closest(schemas):
    keys, problems = resolve_themes(["persn", "Person"], schemas)
    assert keys == ["person"]
    (problem,) = problems
    line = str(problem)
    assert "\n" not in line and line.startswith("--theme: unknown theme 'persn' (did you mean person?)")
    assert "person (Person, 人物)" in line and "works (Works, 作品)" in line and line.count("(") >= len(schemas)


def test_languages():
    assert resolve_languages(["zh", "EN", "en"]) == (["en", "zh"], [])
    langs, problems = resolve_languages(["fr"])
    assert langs == [] and [str(p) for p in problems] == ["--language: unknown language 'fr'; instructie builds: en, zh"]


def test_sample_dumps_pass_with_their_siteinfo():
    assert check_wikipedia_dump(ZH) == ("zh", None)
    assert check_wikidata_dump(SAMPLE_WIKIDATA) is None


def test_a_wiki_we_do_not_build_is_an_error(tmp_path):
    language, problem = check_wikipedia_dump(relabelled_dump(tmp_path, "dewiki"))
    assert language is None and "a dewiki dump (language 'de'); instructie builds: enwiki, zhwiki" in str(problem)
    _, problem = check_wikipedia_dump(relabelled_dump(tmp_path, "enwiktionary"))
    assert "is not a Wikipedia" in str(problem)


def test_dump_paths_and_formats(tmp_path):
    assert "no such file" in str(check_wikipedia_dump(str(tmp_path / "missing.xml.bz2"))[1])
    assert "is a directory" in str(check_wikipedia_dump(str(tmp_path))[1])
    fake_bz2 = tmp_path / "enwiki.xml.bz2"
    fake_bz2.write_bytes(gzip.compress(b"<mediawiki/>"))
    assert "named .bz2 but not a bz2 archive" in str(check_wikipedia_dump(str(fake_bz2))[1])
    json_as_xml = tmp_path / "latest-all.xml"
    json_as_xml.write_text('[\n{"id": "Q1"},\n]\n')
    assert "a JSON array, not a Wikipedia dump (a Wikidata dump goes to --wikidata)" in str(check_wikipedia_dump(str(json_as_xml))[1])
    assert "a JSON array, not a Wikipedia dump" in str(check_wikipedia_dump(SAMPLE_WIKIDATA)[1])
    not_xml = tmp_path / "enwiki.xml"
    not_xml.write_text("hello")
    assert "not a MediaWiki XML export" in str(check_wikipedia_dump(str(not_xml))[1])
    # a Wikipedia dump given as --wikidata, by name and by content
    assert "not a Wikidata JSON dump by its name" in str(check_wikidata_dump(EN))
    xml_as_json = tmp_path / "wikidata.json.bz2"
    xml_as_json.write_bytes(bz2.compress(b"<mediawiki>"))
    assert "an XML file, not a Wikidata JSON dump" in str(check_wikidata_dump(str(xml_as_json)))
    garbage = tmp_path / "wikidata.json"
    garbage.write_text("hello")
    assert "not a Wikidata JSON dump (starts with b'hello'" in str(check_wikidata_dump(str(garbage)))
    truncated = tmp_path / "wikidata.json.gz"
    truncated.write_bytes(gzip.compress(b'[\n{"id": "Q1"},\n' * 1000)[:30])
    assert check_wikidata_dump(str(truncated)) is not None


def test_targets(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert "exists and is not a directory" in str(check_writable_dir(str(a_file), "--out"))
    assert "is a file, so the directory cannot be created" in str(check_writable_dir(str(a_file / "out"), "--out"))
    assert check_writable_dir(str(tmp_path / "new" / "deeper"), "--out") is None
    assert "GB needed" in str(check_writable_dir(str(tmp_path), "--out", need_bytes=1 << 62))
    # --db names a lake directory: a file there (an old DuckDB database) is refused, a new directory is fine
    assert "is a file; the database is now a DuckLake directory" in str(check_database_target(str(a_file)))
    assert "no such database" in str(check_database_target(str(tmp_path / "lake"), must_exist=True))
    assert check_database_target(str(tmp_path / "data" / "lake")) is None
    assert "is a file, so the directory cannot be created" in str(check_database_target(str(a_file / "lake")))
    assert not (tmp_path / "data").exists()  # checked, not created
    # a PostgreSQL catalog needs a shared data path
    assert "needs a shared data path" in str(check_database_target("postgres:dbname=x host=127.0.0.1", data_path=""))
    assert check_database_target("postgres:dbname=x host=127.0.0.1", data_path=str(tmp_path / "shared")) is None


def test_the_lake_opens_only_when_checked_last(tmp_path):
    """check_lake creates an embedded lake and says when it lacks a table a command needs; check_build
    leaves the lake alone (the command line calls check_lake once nothing else is wrong)."""
    assert check_lake(str(tmp_path / "lake")) == []
    assert (tmp_path / "lake" / "catalog.sqlite").is_file()
    assert check_database_target(str(tmp_path / "lake"), must_exist=True) is None
    (problem,) = check_lake(str(tmp_path / "lake"), needs_table="wikidata_labels")
    assert str(problem) == f"--db: {tmp_path / 'lake'}: holds no table wikidata_labels (build or ingest into it first)"
    plan = check_build([EN], SAMPLE_WIKIDATA, str(tmp_path / "other"), str(tmp_path / "out"), SCHEMA_DIR, RESOURCE_DIR)
    assert plan.problems == [] and not (tmp_path / "other").exists()
    # a PostgreSQL catalog that is not there: one line naming it, the password never printed
    (problem,) = check_lake("postgres:dbname=x host=127.0.0.1 port=9 password=secret connect_timeout=2", str(tmp_path / "shared"))
    assert problem.option == "--db" and "cannot open the lake postgres:" in problem.message and "secret" not in problem.message
    assert "\n" not in problem.message


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_directory(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert "is not writable" in str(check_writable_dir(str(locked / "out"), "--out"))
    finally:
        locked.chmod(0o700)


def test_broken_project_files_name_the_file(tmp_path):
    schema_dir = tmp_path / "schemas"
    shutil.copytree(SCHEMA_DIR, schema_dir)
    (schema_dir / "person.yaml").write_text((schema_dir / "person.yaml").read_text(encoding="utf-8").replace("tail_types: [geographic_region]", "tail_types: [alien]", 1), encoding="utf-8")
    schemas, problems = check_project_files(schema_dir, RESOURCE_DIR)
    assert schemas == {} and len(problems) == 1
    assert "person.yaml" in str(problems[0]) and "alien" in str(problems[0]) and "\n" not in str(problems[0])


def test_check_build_reports_every_problem_at_once(tmp_path):
    plan = check_build([EN, relabelled_dump(tmp_path, "dewiki"), str(tmp_path / "nope.xml.bz2")], EN, str(tmp_path / "lake"),
                       str(tmp_path / "out"), SCHEMA_DIR, RESOURCE_DIR, themes=["Persn"], languages=["fr"], gold=[str(tmp_path / "gold.jsonl")])
    options = [p.option for p in plan.problems]
    assert options == ["--theme", "--language", "--wikipedia", "--wikipedia", "--wikidata", "--gold"], plan.problems


def test_check_build_resolves_what_it_will_build(tmp_path):
    plan = check_build([EN, ZH], SAMPLE_WIKIDATA, str(tmp_path / "lake"), str(tmp_path / "out"), SCHEMA_DIR, RESOURCE_DIR)
    assert plan.problems == [] and plan.languages == ["en", "zh"] and len(plan.themes) == 12
    assert plan.dump_languages == {EN: "en", ZH: "zh"}
    plan = check_build([EN], SAMPLE_WIKIDATA, str(tmp_path / "lake"), str(tmp_path / "out"), SCHEMA_DIR, RESOURCE_DIR, themes=["人物"])
    assert plan.problems == [] and plan.languages == ["en"] and plan.themes == ["person"]
    # a language no dump holds is a missing dump, not a silent skip
    plan = check_build([EN], SAMPLE_WIKIDATA, str(tmp_path / "lake"), str(tmp_path / "out"), SCHEMA_DIR, RESOURCE_DIR, languages=["zh"])
    assert [str(p) for p in plan.problems] == ["--language: zh: no --wikipedia dump of zhwiki given (given: enwiki)"]
    plan = check_build([EN, EN], SAMPLE_WIKIDATA, str(tmp_path / "lake"), str(tmp_path / "out"), SCHEMA_DIR, RESOURCE_DIR)
    assert [p.option for p in plan.problems] == ["--wikipedia"] and "given twice" in str(plan.problems[0])
    # --skip-wikidata: the Wikidata path is not read, the database must exist
    plan = check_build([EN], "ignored", str(tmp_path / "lake"), str(tmp_path / "out"), SCHEMA_DIR, RESOURCE_DIR, skip_wikidata=True)
    assert [p.option for p in plan.problems] == ["--db"]


def test_model_options(tmp_path):
    assert check_model_option("MoritzLaurer/mDeBERTa-v3-base-mnli-xnli", "--nli-model") is None  # a hub id: the loader's business
    assert check_model_option("none", "--nli-model") is None and check_model_option(None, "--nli-model") is None
    assert str(check_model_option(str(tmp_path / "nli"), "--nli-model")) == f"--nli-model: {tmp_path / 'nli'}: no such model directory"
    (tmp_path / "nli").mkdir()
    assert "not a model directory (no config.json)" in str(check_model_option(str(tmp_path / "nli"), "--nli-model"))
    (tmp_path / "nli" / "config.json").write_text("{}")
    assert check_model_option(str(tmp_path / "nli"), "--nli-model") is None
    assert "no such model directory" in str(check_model_option("models/theme/classifier", "--theme-model"))


def test_enterprise_html_dumps_pass_and_their_language_counts(tmp_path):
    import json

    from instructie_assets.core.html_dumps import write_enterprise_dump

    record = json.loads((Path(__file__).resolve().parent / "enterprise_html" / "enwiki-mike-potts.json").read_text(encoding="utf-8"))
    en = write_enterprise_dump(tmp_path / "enwiki-NS0-20240201-ENTERPRISE-HTML.json.tar.gz", [record])
    assert check_wikipedia_dump(str(en)) == ("en", None)
    de = write_enterprise_dump(tmp_path / "dewiki-NS0-20240201-ENTERPRISE-HTML.json.tar.gz", [{**record, "is_part_of": {"identifier": "dewiki"}}])
    assert "a dewiki dump (language 'de')" in str(check_wikipedia_dump(str(de))[1])
