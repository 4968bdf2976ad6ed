"""Build the sample corpus in the real dump formats from the editable sources in src/.

    python resources/sample/build_sample.py        # rewrite the dumps and the gold files
    python resources/sample/build_sample.py --check  # fail if the shipped files are stale

Outputs (beside this file):
  enwiki-sample-pages-articles.xml.bz2, zhwiki-sample-pages-articles.xml.bz2
      MediaWiki export schema 0.10 with siteinfo (dbname enwiki/zhwiki; sitename and base say the texts
      are this sample's, written for it), one revision per page.
  wikidata-sample.json.gz
      The Wikidata JSON dump layout: `[`, one entity per line with a trailing comma, `]`.
  gold-en.jsonl, gold-zh.jsonl
      InstructIE records {"id","cate","text","relation"} for every sample article: the text is the
      article's qualifying paragraph as our wikitext reader renders it (read and checked by hand);
      the triples are the hand-written `gold` lists of src/*wiki.yaml.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import json
import sys
import uuid
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import yaml

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from instructie_assets.core.dataset_card import SAMPLE_SITENAME  # noqa: E402
from instructie_assets.core.schemas import load_project_config  # noqa: E402
from instructie_assets.core.wikitext import count_tokens, split_paragraphs, wikitext_to_plain  # noqa: E402

DATATYPE = {"wikibase-entityid": "wikibase-item", "time": "time", "quantity": "quantity"}


def _value(raw: str) -> tuple[str, object]:
    raw = str(raw)
    if raw.startswith("Q"):
        return "wikibase-entityid", {"entity-type": "item", "numeric-id": int(raw[1:]), "id": raw}
    if "T" in raw and "/" in raw:
        time, precision = raw.rsplit("/", 1)
        return "time", {
            "time": time, "timezone": 0, "before": 0, "after": 0, "precision": int(precision),
            "calendarmodel": "http://www.wikidata.org/entity/Q1985727",
        }
    amount, unit = raw.split(" ")
    return "quantity", {
        "amount": amount if amount[0] in "+-" else "+" + amount,
        "unit": "1" if unit == "1" else f"http://www.wikidata.org/entity/{unit}",
    }


def _statement(qid: str, prop: str, raw: str, rank: str) -> dict:
    kind, value = _value(raw)
    sid = uuid.uuid5(uuid.NAMESPACE_URL, f"{qid}/{prop}/{raw}/{rank}")
    return {
        "mainsnak": {"snaktype": "value", "property": prop, "datavalue": {"value": value, "type": kind}, "datatype": DATATYPE[kind]},
        "type": "statement",
        "id": f"{qid}${str(sid).upper()}",
        "rank": rank,
    }


def build_entity(qid: str, spec: dict, revid: int) -> dict:
    labels, aliases = {}, {}
    for lang in ("en", "zh", "zh-hant"):
        names = spec.get(lang) or []
        if names:
            labels[lang] = {"language": lang, "value": names[0]}
        if names[1:]:
            aliases[lang] = [{"language": lang, "value": a} for a in names[1:]]
    claims: dict[str, list] = {}
    for prop, values in (spec.get("claims") or {}).items():
        claims.setdefault(prop, []).extend(_statement(qid, prop, v, "normal") for v in values)
    for prop, values in (spec.get("deprecated") or {}).items():
        claims.setdefault(prop, []).extend(_statement(qid, prop, v, "deprecated") for v in values)
    sitelinks = {site: {"site": site, "title": title, "badges": []} for site, title in (spec.get("sites") or {}).items()}
    return {
        "type": "item", "id": qid, "labels": labels, "descriptions": {}, "aliases": aliases,
        "claims": claims, "sitelinks": sitelinks, "lastrevid": revid,
    }


def wikidata_dump() -> bytes:
    entities = yaml.safe_load((SRC / "entities.yaml").read_text(encoding="utf-8"))
    q42 = json.loads((SRC / "Q42-entitydata.json").read_text(encoding="utf-8"))["entities"]["Q42"]
    lines = [json.dumps(q42, ensure_ascii=False, separators=(",", ":"))]
    for i, (qid, spec) in enumerate(entities.items()):
        lines.append(json.dumps(build_entity(qid, spec, 2000000000 + i), ensure_ascii=False, separators=(",", ":")))
    return ("[\n" + ",\n".join(lines) + "\n]\n").encode("utf-8")


def xml_export(source: dict) -> bytes:
    """A MediaWiki export of `source["pages"]`. Its siteinfo names the sample (`sitename`, `base`) unless
    the source gives its own (the real-pages corpus names the Wikipedia its texts come from)."""
    dbname = source["dbname"]
    lang = dbname[: -len("wiki")]
    sitename = source.get("sitename", SAMPLE_SITENAME)
    base = source.get("base", f"resources/sample/src/{dbname}.yaml")
    out = io.StringIO()
    out.write(
        '<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.mediawiki.org/xml/export-0.10/ http://www.mediawiki.org/xml/export-0.10.xsd" '
        f'version="0.10" xml:lang="{lang}">\n'
        "  <siteinfo>\n"
        # The texts are written for this sample, not taken from Wikipedia: the siteinfo says so, and
        # the dataset card's source and licence line is derived from it.
        f"    <sitename>{escape(sitename)}</sitename>\n    <dbname>{dbname}</dbname>\n"
        f"    <base>{escape(base)}</base>\n"
        "    <generator>MediaWiki 1.42.0-wmf.16</generator>\n    <case>first-letter</case>\n"
        "    <namespaces>\n"
        '      <namespace key="0" case="first-letter" />\n'
        '      <namespace key="10" case="first-letter">Template</namespace>\n'
        '      <namespace key="14" case="first-letter">Category</namespace>\n'
        "    </namespaces>\n  </siteinfo>\n"
    )
    for page in source["pages"]:
        text = page.get("text") or (f"#REDIRECT [[{page['redirect']}]]" if page.get("redirect") else "")
        data = text.encode("utf-8")
        out.write("  <page>\n")
        out.write(f"    <title>{escape(page['title'])}</title>\n    <ns>{page.get('ns', 0)}</ns>\n    <id>{page['id']}</id>\n")
        if page.get("redirect"):
            out.write(f"    <redirect title={quoteattr(page['redirect'])} />\n")
        out.write(
            "    <revision>\n"
            f"      <id>{1100000000 + int(page['id'])}</id>\n"
            "      <timestamp>2024-02-01T00:00:00Z</timestamp>\n"
            "      <contributor>\n        <username>InstructieSample</username>\n        <id>1</id>\n      </contributor>\n"
            "      <model>wikitext</model>\n      <format>text/x-wiki</format>\n"
            f'      <text bytes="{len(data)}" xml:space="preserve">{escape(text)}</text>\n'
            f"      <sha1>{hashlib.sha1(data).hexdigest()}</sha1>\n"
            "    </revision>\n  </page>\n"
        )
    out.write("</mediawiki>\n")
    return out.getvalue().encode("utf-8")


def gold_records(source: dict, config) -> list[dict]:
    lang = source["dbname"][: -len("wiki")]
    records = []
    for page in source["pages"]:
        if "gold" not in page:
            continue
        schema = config.schemas[page["theme"]]
        paragraphs = [
            p for p in split_paragraphs(wikitext_to_plain(page["text"], simplify=lang == "zh"))
            if 50 <= count_tokens(p.text, lang) <= 512
        ]
        if len(paragraphs) != 1:
            raise SystemExit(f"{page['title']}: expected exactly one paragraph of 50-512 tokens, got {len(paragraphs)}")
        text = paragraphs[0].text
        relations = []
        for head, rel, tail in page["gold"]:
            head, tail = str(head), str(tail)
            relation = next((r for r in schema.relations if r.name(lang) == rel), None)
            if relation is None:
                raise SystemExit(f"{page['title']}: `{rel}` is not a relation of theme {page['theme']}")
            for surface in (head, tail):
                if surface not in text:
                    raise SystemExit(f"{page['title']}: gold surface {surface!r} is not in the paragraph")
            head_type = sorted(relation.head_types)[0]
            tail_type = sorted(relation.tail_types)[0]
            relations.append({
                "head": head,
                "head_type": config.taxonomy.name(head_type, lang) if head_type != "any" else "",
                "relation": rel,
                "tail": tail,
                "tail_type": config.taxonomy.name(tail_type, lang) if tail_type != "any" else "",
            })
        records.append({"id": hashlib.sha256(text.encode("utf-8")).hexdigest(), "cate": schema.cate(lang), "text": text, "relation": relations})
    return records


def outputs() -> dict[Path, bytes]:
    config = load_project_config(ROOT / "theme_schemas", ROOT / "resources")
    files: dict[Path, bytes] = {}
    files[HERE / "wikidata-sample.json.gz"] = gzip.compress(wikidata_dump(), mtime=0)
    for name in ("enwiki", "zhwiki"):
        source = yaml.safe_load((SRC / f"{name}.yaml").read_text(encoding="utf-8"))
        files[HERE / f"{name}-sample-pages-articles.xml.bz2"] = bz2.compress(xml_export(source))
        lang = name[:2]
        files[HERE / f"gold-{lang}.jsonl"] = "".join(
            json.dumps(r, ensure_ascii=False) + "\n" for r in gold_records(source, config)
        ).encode("utf-8")
    return files


def main(argv: list[str]) -> int:
    files = outputs()
    if "--check" in argv:
        stale = [p.name for p, data in files.items() if not p.exists() or p.read_bytes() != data]
        if stale:
            print("stale sample files (run resources/sample/build_sample.py):", ", ".join(stale))
            return 1
        return 0
    for path, data in files.items():
        path.write_bytes(data)
        print(f"wrote {path.relative_to(ROOT)} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
