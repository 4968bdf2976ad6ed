"""The sample corpus as Wikimedia Enterprise HTML dumps, for the graph-level format test.

Each sample page becomes a record in the real layout whose HTML follows Parsoid's structure: one
<section> per section with its heading, <p> paragraphs, <a rel="mw:WikiLink"> links, <b> bold, and
the furniture a real page has around the text (an infobox table, citation marks, a hatnote, a
References section, category links). The text inside is the wikitext reader's rendering of the
page, so the graph built from these dumps must equal the graph built from the XML dumps; the HTML
reader itself is checked against real records in tests/core/test_enterprise_html.py.
"""

from __future__ import annotations

import gzip
import html
import json
from pathlib import Path

import yaml

from instructie_assets.core.html_dumps import write_enterprise_dump
from instructie_assets.core.wikitext import is_disambiguation, split_paragraphs, wikitext_to_plain
from instructie_assets.paths import SAMPLE_DIR

REF = ('<sup about="#mwt9" class="mw-ref reference" rel="dc:references" typeof="mw:Extension/ref" '
       'data-mw=\'{"name":"ref","attrs":{}}\'><a href="#cite_note-1"><span class="mw-reflink-text">[1]</span></a></sup>')


def _paragraph_html(p) -> str:
    marks: list[tuple[int, int, str]] = []  # (offset, order, markup): closings before openings at one offset
    for a in p.anchors:
        href = html.escape(a.target.replace(" ", "_"), quote=True)
        marks += [(a.start, 2, f'<a rel="mw:WikiLink" href="./{href}" title="{html.escape(a.target, quote=True)}">'), (a.end, 0, "</a>")]
    for s, e in p.bold:
        marks += [(s, 1, "<b>"), (e, 1, "</b>")]
    out, pos = [], 0
    for offset, _, markup in sorted(marks, key=lambda m: (m[0], m[1])):
        out.append(html.escape(p.text[pos:offset], quote=False))
        out.append(markup)
        pos = offset
    out.append(html.escape(p.text[pos:], quote=False))
    return "".join(out)


def page_html(title: str, wikitext: str, language: str) -> str:
    paragraphs = split_paragraphs(wikitext_to_plain(wikitext, language=language))  # original script: the reader simplifies
    disambiguation = '<meta property="mw:PageProp/disambiguation"/>' if is_disambiguation(wikitext) else ""
    parts = [f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"/><base href="//{language}.wikipedia.org/wiki/"/><title>{html.escape(title)}</title>{disambiguation}</head>'
             f'<body class="mw-content-ltr parsoid-body mediawiki mw-parser-output"><section data-mw-section-id="0">'
             '<div role="note" class="hatnote navigation-not-searchable">For other uses, see <a rel="mw:WikiLink" href="./Elsewhere" title="Elsewhere">Elsewhere</a>.</div>'
             f'<table class="infobox vcard"><tbody><tr><th>{html.escape(title)}</th></tr></tbody></table>']
    section = 0
    for p in paragraphs:
        while section < p.section:
            section += 1
            parts.append(f'</section><section data-mw-section-id="{section}"><h2 id="s{section}">Section {section}</h2>')
        parts.append(f"<p>{_paragraph_html(p)}{REF}</p>\n")
    parts.append('</section><section data-mw-section-id="99"><h2 id="References">References</h2><div class="reflist"><ol class="mw-references references">'
                 '<li id="cite_note-1"><span class="mw-reference-text">A source.</span></li></ol></div>'
                 '<link rel="mw:PageProp/Category" href="./Category:Sample"/></section></body></html>')
    return "".join(parts)


def write_sample_html_dumps(out_dir: Path) -> tuple[list[str], list[str]]:
    """enwiki and zhwiki Enterprise HTML dumps of the sample corpus: the articles, each with its QID
    (from the sample's sitelinks) and the redirects to it, as the dumps carry them. Returns the dump
    paths and the titles of the one-line articles added for redirect targets the sample lacks."""
    src = SAMPLE_DIR / "src"
    qid_of = {}
    with gzip.open(SAMPLE_DIR / "wikidata-sample.json.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            line = line.strip().rstrip(",")
            if line.startswith("{"):
                entity = json.loads(line)
                qid_of.update({(site, link["title"]): entity["id"] for site, link in (entity.get("sitelinks") or {}).items()})
    paths, stubs = [], []
    for name in ("enwiki", "zhwiki"):
        source = yaml.safe_load((src / f"{name}.yaml").read_text(encoding="utf-8"))
        language = name[:2]
        records = []
        redirects: dict[str, list[str]] = {}  # the dumps list each article's redirects in its record
        for page in source["pages"]:
            if page.get("redirect"):
                redirects.setdefault(page["redirect"], []).append(page["title"])
        for page in source["pages"]:
            if not page.get("text") or page.get("redirect") or page.get("ns", 0) != 0:
                continue
            qid = qid_of.get((name, page["title"]))
            records.append({
                "name": page["title"], "identifier": page["id"], "version": {"identifier": 1100000000 + int(page["id"])},
                "url": f"https://{language}.wikipedia.org/wiki/{page['title'].replace(' ', '_')}",
                "namespace": {"name": "Article", "identifier": 0}, "in_language": {"identifier": language},
                **({"main_entity": {"identifier": qid, "url": f"https://www.wikidata.org/entity/{qid}"}} if qid else {}),
                "redirects": [{"name": r, "url": f"https://{language}.wikipedia.org/wiki/{r.replace(' ', '_')}"} for r in redirects.get(page["title"], [])],
                "is_part_of": {"name": "Wikipedia", "identifier": name},
                "article_body": {"html": page_html(page["title"], page["text"], language), "wikitext": page["text"]},
            })
        # A real dump holds every article, so every redirect's target; the sample does not: the targets
        # it lacks become one-line articles that carry their redirects (and hold no paragraph).
        present = {r["name"] for r in records}
        for i, (target, titles) in enumerate(sorted(redirects.items())):
            if target in present:
                continue
            qid = qid_of.get((name, target))
            records.append({
                "name": target, "identifier": 900000000 + i, "namespace": {"identifier": 0}, "in_language": {"identifier": language},
                **({"main_entity": {"identifier": qid}} if qid else {}),
                "redirects": [{"name": t} for t in titles], "is_part_of": {"identifier": name},
                "article_body": {"html": f'<!DOCTYPE html>\n<html><head><base href="//{language}.wikipedia.org/wiki/"/></head><body><section><p>{html.escape(target)}.</p></section></body></html>'},
            })
            stubs.append(target)
        paths.append(str(write_enterprise_dump(out_dir / f"{name}-NS0-20240201-ENTERPRISE-HTML.json.tar.gz", records)))
    return paths, stubs
