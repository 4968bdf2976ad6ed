"""Wikimedia Enterprise HTML dumps: the same pages, text, anchors and graph as the XML dumps.

Fixtures (tests/enterprise_html/, see its README): two real records of the enwiki HTML dump
(William Clark (inventor), Mike Potts) with their HTML and wikitext, and records written by us in
the same layout whose HTML follows Parsoid's rendering of the templates they use (EN, ZH), and a
structured-contents record.
"""

import bz2
import gzip
import json
from pathlib import Path

import polars as pl
import pytest

from instructie_assets.core.articles import ingest_articles, paragraphs_of
from instructie_assets.core.dumpfiles import DumpFormatError
from instructie_assets.core.html_dumps import (
    html_to_plain, is_enterprise_dump, iter_enterprise_pages, structured_to_html, write_enterprise_dump,
)
from instructie_assets.core.knowledge import InMemoryWikidata
from instructie_assets.core.schemas import load_project_config
from instructie_assets.core.wikitext import dump_language, iter_pages, split_paragraphs, wikitext_to_plain
from instructie_assets.paths import RESOURCE_DIR, SCHEMA_DIR
from tests.conftest import entity, wikidata_tables

FIXTURES = Path(__file__).resolve().parents[1] / "enterprise_html"


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def facts(paragraphs):
    return [(p.text, [(a.text, a.target) for a in p.anchors], [p.text[s:e] for s, e in p.bold], p.section) for p in paragraphs]


def xml_export(records: list[dict], dbname: str) -> bytes:
    from xml.sax.saxutils import escape

    pages = "".join(
        f"  <page>\n    <title>{escape(r['name'])}</title>\n    <ns>0</ns>\n    <id>{r['identifier']}</id>\n"
        f"    <revision>\n      <id>{r['version']['identifier']}</id>\n      <text xml:space=\"preserve\">{escape(r['article_body']['wikitext'])}</text>\n"
        "    </revision>\n  </page>\n" for r in records)
    return (f'<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/" version="0.10">\n  <siteinfo>\n    <dbname>{dbname}</dbname>\n'
            f"  </siteinfo>\n{pages}</mediawiki>\n").encode("utf-8")


def test_a_real_record_gives_the_same_paragraphs_from_its_html_and_its_wikitext():
    for name in ("enwiki-william-clark.json", "enwiki-mike-potts.json"):
        record = load(name)
        from_html = split_paragraphs(html_to_plain(record["article_body"]["html"], "en"))
        from_wikitext = split_paragraphs(wikitext_to_plain(record["article_body"]["wikitext"]))
        assert facts(from_html) == facts(from_wikitext), name
    clark = split_paragraphs(html_to_plain(load("enwiki-william-clark.json")["article_body"]["html"], "en"))
    assert len(clark) == 6 and clark[0].text == "William Clark (17 March 1821 – 22 January 1880) was an English civil engineer and inventor."
    assert [(a.text, a.target) for a in clark[0].anchors] == [("English", "England"), ("civil engineer", "Civil engineer"), ("inventor", "Inventor")]
    assert not any("Dictionary of National Biography" in p.text or "[1]" in p.text for p in clark)  # references section, citation marks


def test_rendered_templates_give_the_same_facts_in_both_formats_en_and_zh():
    kristeva = load("enwiki-julia-kristeva-written.json")
    html = split_paragraphs(html_to_plain(kristeva["article_body"]["html"], "en"))
    wiki = split_paragraphs(wikitext_to_plain(kristeva["article_body"]["wikitext"]))
    assert [f[1:] for f in facts(html)] == [f[1:] for f in facts(wiki)]  # anchors, bold, sections
    assert html[0].text == wiki[0].text.replace("5 kilometres", "5 kilometres (3.1 mi)")  # convert prints the conversion too
    assert html[1].text == wiki[1].text
    assert html[0].text.startswith("Julia Kristeva (French: [kʁisteva]; Bulgarian: Юлия Кръстева; born 24 June 1941) is a")
    assert "University Paris Diderot, 5 kilometres" in html[0].text and "[fr]" not in html[0].text  # the noprint [fr] is not text
    tanner = load("zhwiki-vaino-tanner-written.json")
    zh_html = split_paragraphs(html_to_plain(tanner["article_body"]["html"], "zh"))
    zh_wiki = split_paragraphs(wikitext_to_plain(tanner["article_body"]["wikitext"], simplify=True))
    assert facts(zh_html) == facts(zh_wiki)
    assert zh_html[0].text.startswith("韦伊诺·坦内尔（芬兰语：Väinö Tanner，1881年3月12日—1966年4月19日），芬兰稳健政治领袖")


def test_structured_contents_read_like_the_html():
    structured = split_paragraphs(html_to_plain(structured_to_html(load("enwiki-william-clark-structured-written.json")), "en"))
    html = split_paragraphs(html_to_plain(load("enwiki-william-clark.json")["article_body"]["html"], "en"))
    assert len(structured) == 2  # the References list is dropped
    assert facts(structured)[0] == facts(html)[0][:2] + ([], 0)  # the structured layout has no bold
    assert html[1].text.startswith(structured[1].text) and [(a.text, a.target) for a in structured[1].anchors] == [
        (a.text, a.target) for a in html[1].anchors][:3]


@pytest.fixture()
def both_dumps(tmp_path):
    en = [load("enwiki-william-clark.json"), load("enwiki-julia-kristeva-written.json"), load("enwiki-mike-potts.json")]
    xml = tmp_path / "enwiki-20240301-pages-articles.xml.bz2"
    xml.write_bytes(bz2.compress(xml_export(en, "enwiki")))
    html = write_enterprise_dump(tmp_path / "enwiki-NS0-20240301-ENTERPRISE-HTML.json.tar.gz", en)
    return xml, html


def test_the_format_is_detected_from_the_file_and_pages_carry_their_qids(both_dumps, tmp_path):
    xml, html = both_dumps
    assert not is_enterprise_dump(xml) and is_enterprise_dump(html)
    assert dump_language(xml) == dump_language(html) == "en"
    renamed = tmp_path / "dump.xml.gz"  # detection reads the content, not the name
    renamed.write_bytes(gzip.compress(b"".join(json.dumps(load("zhwiki-vaino-tanner-written.json"), ensure_ascii=False).encode() + b"\n" for _ in [0])))
    assert is_enterprise_dump(renamed) and dump_language(renamed) == "zh"
    pages = list(iter_pages(html))
    assert [(p.page_id, p.title, p.qid) for p in pages] == [
        (13924699, "William Clark (inventor)", "Q8006833"), (16541, "Julia Kristeva", "Q159876"), (31967453, "Mike Potts", "Q6848433")]
    assert pages[1].redirected_from == ("Kristeva",)
    assert [p.title for p in iter_pages(xml)] == [p.title for p in pages]


def _store(sitelinks: bool = True) -> InMemoryWikidata:
    sites = {"Q8006833": "William Clark (inventor)", "Q159876": "Julia Kristeva", "Q6848433": "Mike Potts"}
    people = {"Q8006833", "Q159876"}
    tables, redirects = wikidata_tables([
        entity(q, en=[t], sites={"enwiki": t} if sitelinks else None, claims={"P31": ["Q5"]} if q in people else None)
        for q, t in sites.items()])
    return InMemoryWikidata(tables, redirects)


def _ingest(path, store) -> tuple[pl.DataFrame, pl.DataFrame, dict]:
    written: dict[str, list] = {"articles": [], "wikipedia_redirects": []}
    counts = ingest_articles([str(path)], "en", store, load_project_config(SCHEMA_DIR, RESOURCE_DIR),
                             lambda frames: [written[k].append(v) for k, v in frames.items()])
    return pl.concat(written["articles"]), pl.concat(written["wikipedia_redirects"]), counts


def test_both_formats_build_the_same_articles_and_paragraphs(both_dumps):
    xml, html = both_dumps
    a_xml, _, c_xml = _ingest(xml, _store())
    a_html, redirects, c_html = _ingest(html, _store(sitelinks=False))  # no sitelinks needed: the records carry the QIDs
    keys = ["article_id", "page_id", "title", "qid", "theme", "theme_reason", "language"]
    assert a_xml.select(keys).to_dicts() == a_html.select(keys).to_dicts()
    assert a_html["theme"].to_list() == ["person", "person"] and c_xml["disambiguation"] == c_html["disambiguation"] == 1
    assert redirects.rows() == [("Kristeva", "Julia Kristeva", "en")]
    p_xml = paragraphs_of(a_xml, "person", "en", min_tokens=10)
    p_html = paragraphs_of(a_html, "person", "en", min_tokens=10)
    assert p_xml["paragraph_id"].to_list() == p_html["paragraph_id"].to_list() and p_html.height == 8
    pairs = lambda frame: [[(a["text"], a["target"]) for a in anchors] for anchors in frame["anchors"]]  # noqa: E731
    assert pairs(p_xml) == pairs(p_html) and p_html["article_qid"].to_list() == p_xml["article_qid"].to_list()
    differs = [(x, h) for x, h in zip(p_xml["text"], p_html["text"]) if x != h]
    assert differs == [(differs[0][0], differs[0][0].replace("5 kilometres", "5 kilometres (3.1 mi)"))]  # convert only


def test_bad_enterprise_dumps_name_file_member_line_and_byte(tmp_path):
    good = json.dumps(load("enwiki-mike-potts.json"))
    path = tmp_path / "enwiki-NS0-bad.json.tar.gz"
    write_enterprise_dump(path, [])
    import io
    import tarfile

    data = (good + "\n" + good[: len(good) // 2] + "\n").encode()
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("enwiki_namespace_0_0.ndjson")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(DumpFormatError) as err:
        list(iter_enterprise_pages(path))
    assert err.value.line == 2 and err.value.byte == len(good) + 1
    assert str(err.value).startswith("enwiki-NS0-bad.json.tar.gz:enwiki_namespace_0_0.ndjson: line 2 (byte ")
    cut = tmp_path / "enwiki-NS0-cut.json.tar.gz"
    whole = write_enterprise_dump(tmp_path / "whole.tar.gz", [load("enwiki-william-clark.json")] * 20).read_bytes()
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DumpFormatError, match="enwiki-NS0-cut.json.tar.gz: truncated or corrupt archive"):
        list(iter_enterprise_pages(cut))
    missing = tmp_path / "enwiki-NS0-nobody.ndjson"
    missing.write_text(json.dumps({"name": "X", "identifier": 1, "namespace": {"identifier": 0}}) + "\n")
    with pytest.raises(DumpFormatError, match="line 1: record 'X' has neither article_body.html nor sections"):
        list(iter_enterprise_pages(missing))


def test_a_dump_without_articles_fails_naming_the_file(tmp_path):
    store = _store()
    empty_html = write_enterprise_dump(tmp_path / "enwiki-NS0-empty.json.tar.gz", [])
    talk = dict(load("enwiki-mike-potts.json"), namespace={"identifier": 1})
    only_talk = write_enterprise_dump(tmp_path / "enwiki-NS0-talk.json.tar.gz", [talk])
    no_pages = tmp_path / "enwiki-empty-pages-articles.xml"
    no_pages.write_bytes(xml_export([], "enwiki"))
    for path in (only_talk, no_pages):
        with pytest.raises(DumpFormatError, match=f"{path.name}: no articles in this dump"):
            _ingest(path, store)
    with pytest.raises(DumpFormatError, match=f"{empty_html.name}: no records in this dump"):
        dump_language(empty_html)
