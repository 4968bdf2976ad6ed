"""Generate dumps of any size in the real formats, for benchmarks and scale tests.

  python -m bench.generate wikidata  N OUT.json[.gz|.bz2]          N realistic entities, dump layout
  python -m bench.generate wikipedia N OUT.xml[.bz2] --language en [--multistream]

Entities look like real ones: labels, descriptions and aliases in dozens of languages (zh variants
included), 20-40 properties with item, time, quantity, string and coordinate values, qualifiers and
references, some deprecated statements, sitelinks (about 8-10 KB of JSON each). Pages look like real
articles: a short-description template, an infobox, bold lead, links with trails and pipes, refs,
a table, a file, categories, comments and sections.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import json
import random
import sys
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

LANGS = ["en", "de", "fr", "es", "it", "nl", "pl", "ru", "ja", "pt", "sv", "uk", "ca", "ar", "fa", "cs", "fi", "hu", "ko",
         "no", "ro", "tr", "vi", "he", "id", "da", "el", "bg", "sr", "sk", "zh", "zh-hans", "zh-hant", "zh-cn", "zh-tw"]
ITEM_PROPS = ["P31", "P17", "P131", "P279", "P27", "P19", "P20", "P69", "P106", "P108", "P159", "P361", "P527", "P50", "P57", "P175", "P176"]
TIME_PROPS = ["P569", "P570", "P571", "P577", "P580", "P585"]
QUANTITY_PROPS = ["P1082", "P2046", "P2048", "P2043", "P2067"]
STRING_PROPS = ["P214", "P227", "P244", "P213", "P646"]
SYL = ["ka", "lo", "mi", "ren", "tas", "vel", "dor", "an", "qui", "ber", "sto", "ne", "al", "ric", "mon", "tu", "har", "es"]
HANZI = "山河城州省江湖海门桥塔寺宫院楼站路线星云龙凤华东西南北京阳明光天安德信文武國際學會"


def name(rng: random.Random) -> str:
    return " ".join("".join(rng.choice(SYL) for _ in range(rng.randint(2, 3))).capitalize() for _ in range(rng.randint(1, 3)))


def zh_name(rng: random.Random) -> str:
    return "".join(rng.choice(HANZI) for _ in range(rng.randint(2, 5)))


def _snak(prop: str, kind: str, value) -> dict:
    datatype = {"wikibase-entityid": "wikibase-item", "time": "time", "quantity": "quantity", "string": "external-id",
                "globecoordinate": "globe-coordinate"}[kind]
    return {"snaktype": "value", "property": prop, "hash": hashlib.sha1(f"{prop}{value}".encode()).hexdigest(),
            "datavalue": {"value": value, "type": kind}, "datatype": datatype}


def _item(q: int) -> dict:
    return {"entity-type": "item", "numeric-id": q, "id": f"Q{q}"}


def _reference(rng: random.Random) -> dict:
    return {"hash": "%040x" % rng.getrandbits(160), "snaks": {
        "P248": [_snak("P248", "wikibase-entityid", _item(rng.randint(1, 10**7)))],
        "P813": [_snak("P813", "time", {"time": f"+20{rng.randint(10, 24)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T00:00:00Z", "timezone": 0,
                                         "before": 0, "after": 0, "precision": 11, "calendarmodel": "http://www.wikidata.org/entity/Q1985727"})],
    }, "snaks-order": ["P248", "P813"]}


def wikidata_entity(rng: random.Random, i: int, n: int) -> dict:
    qid = f"Q{1000 + i}"
    labels, descriptions, aliases = {}, {}, {}
    base = name(rng)
    for lang in rng.sample(LANGS, rng.randint(6, 24)):
        if lang.startswith("zh"):
            value = zh_name(rng)
        else:
            value = base if rng.random() < 0.7 else name(rng)
        labels[lang] = {"language": lang, "value": value}
        if rng.random() < 0.4:
            descriptions[lang] = {"language": lang, "value": f"{name(rng).lower()} of {name(rng)}"}
        if rng.random() < 0.2:
            aliases[lang] = [{"language": lang, "value": name(rng) if not lang.startswith("zh") else zh_name(rng)} for _ in range(rng.randint(1, 3))]
    claims: dict[str, list] = {}

    def add(prop: str, kind: str, value) -> None:
        rank = "deprecated" if rng.random() < 0.03 else ("preferred" if rng.random() < 0.1 else "normal")
        st = {"mainsnak": _snak(prop, kind, value), "type": "statement", "id": f"{qid}${rng.getrandbits(64):016X}", "rank": rank}
        if rng.random() < 0.3:
            st["qualifiers"] = {"P580": [_snak("P580", "time", {"time": "+2001-01-01T00:00:00Z", "timezone": 0, "before": 0, "after": 0,
                                                               "precision": 9, "calendarmodel": "http://www.wikidata.org/entity/Q1985727"})]}
            st["qualifiers-order"] = ["P580"]
        if rng.random() < 0.5:
            st["references"] = [_reference(rng)]
        claims.setdefault(prop, []).append(st)

    for prop in rng.sample(ITEM_PROPS, rng.randint(3, 8)):
        for _ in range(rng.randint(1, 2)):
            add(prop, "wikibase-entityid", _item(1000 + rng.randrange(n)))
    for prop in rng.sample(TIME_PROPS, rng.randint(1, 3)):
        precision = rng.choice([9, 10, 11, 11])
        add(prop, "time", {"time": f"+{rng.randint(1500, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T00:00:00Z", "timezone": 0,
                           "before": 0, "after": 0, "precision": precision, "calendarmodel": "http://www.wikidata.org/entity/Q1985727"})
    for prop in rng.sample(QUANTITY_PROPS, rng.randint(0, 2)):
        unit = rng.choice(["1", "http://www.wikidata.org/entity/Q11573", "http://www.wikidata.org/entity/Q712226"])
        add(prop, "quantity", {"amount": f"+{rng.randint(1, 10**6)}", "unit": unit})
    for prop in rng.sample(STRING_PROPS, rng.randint(1, 4)):
        add(prop, "string", str(rng.randint(10**6, 10**9)))
    if rng.random() < 0.3:
        add("P625", "globecoordinate", {"latitude": rng.uniform(-90, 90), "longitude": rng.uniform(-180, 180), "precision": 0.0001,
                                       "globe": "http://www.wikidata.org/entity/Q2"})
    if rng.random() < 0.05:
        claims.setdefault("P1448", []).append({"mainsnak": {"snaktype": "somevalue", "property": "P1448", "datatype": "monolingualtext"},
                                               "type": "statement", "id": f"{qid}$x", "rank": "normal"})
    sitelinks = {}
    for lang in rng.sample([l for l in LANGS if "-" not in l], rng.randint(0, 12)):
        site = f"{lang}wiki"
        sitelinks[site] = {"site": site, "title": labels.get(lang, {"value": base})["value"], "badges": []}
    return {"type": "item", "id": qid, "labels": labels, "descriptions": descriptions, "aliases": aliases,
            "claims": claims, "sitelinks": sitelinks, "lastrevid": 2000000000 + i, "modified": "2024-02-01T00:00:00Z"}


def wikidata_lines(n: int, seed: int = 0):
    rng = random.Random(seed)
    yield b"[\n"
    for i in range(n):
        line = json.dumps(wikidata_entity(rng, i, n), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        yield line + (b",\n" if i < n - 1 else b"\n")
    yield b"]\n"


def _open_out(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "wb", compresslevel=6)
    if path.suffix == ".bz2":
        return bz2.open(path, "wb", compresslevel=9)
    return open(path, "wb")


def write_wikidata_dump(path: str | Path, n: int, seed: int = 0) -> Path:
    path = Path(path)
    with _open_out(path) as fh:
        for line in wikidata_lines(n, seed):
            fh.write(line)
    return path


# ---------------------------------------------------------------------------------------------- wikipedia

def wikitext_page(rng: random.Random, title: str, language: str, titles: list[str]) -> str:
    def link() -> str:
        t = rng.choice(titles)
        r = rng.random()
        if r < 0.2:
            return f"[[{t}|{name(rng) if language == 'en' else zh_name(rng)}]]"
        if r < 0.3 and language == "en":
            return f"[[{t}]]s"
        if r < 0.35:
            return f"[[{t}#History|{t}]]"
        return f"[[{t}]]"

    def sentence() -> str:
        words = []
        for _ in range(rng.randint(8, 20)):
            r = rng.random()
            if r < 0.12:
                words.append(link())
            elif r < 0.15:
                words.append(f"''{name(rng)}''")
            elif r < 0.18:
                words.append(f'<ref name="r{rng.randint(1, 99)}">{{{{cite web|url=https://example.org/{rng.randint(1, 10**6)}|title={name(rng)}|'
                             f'publisher={name(rng)}|date={rng.randint(1990, 2024)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}|access-date=2024-01-01}}}}</ref>')
            else:
                words.append(rng.choice(["the", "of", "and", "in", "was", "is", "a", "to", "for", "with", "by", "on", "from"]) if language == "en"
                             else "".join(rng.choice("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也") for _ in range(rng.randint(1, 4))))
        sep = " " if language == "en" else ""
        return sep.join(words) + ("." if language == "en" else "。")

    def paragraph(k: int) -> str:
        return (" " if language == "en" else "").join(sentence() for _ in range(k))

    parts = [
        f"{{{{Short description|{name(rng)}}}}}",
        "{{Infobox settlement\n| name = " + title + "\n| image = Example.jpg\n| population = " + str(rng.randint(1000, 10**6)) +
        "\n| country = " + link() + "\n}}",
        f"'''{title}''' " + paragraph(rng.randint(3, 6)),
        "<!-- editors: keep this paragraph short -->",
        "[[File:Example.jpg|thumb|" + name(rng) + " " + link() + "]]",
        "== History ==",
        paragraph(rng.randint(4, 8)),
        paragraph(rng.randint(2, 5)),
        "=== Early period ===",
        paragraph(rng.randint(4, 9)),
        paragraph(rng.randint(3, 7)),
        "== Geography ==",
        paragraph(rng.randint(4, 8)),
        "{{Main|" + name(rng) + "}}",
        paragraph(rng.randint(3, 7)),
        "== Culture ==",
        paragraph(rng.randint(4, 9)),
        paragraph(rng.randint(3, 8)),
        "== Economy ==",
        paragraph(rng.randint(3, 8)),
        "{| class=\"wikitable\"\n|-\n! Year !! Value\n|-\n| 2001 || " + str(rng.randint(1, 999)) + "\n|}",
        "== See also ==",
        "* " + link() + "\n* " + link(),
        "== References ==",
        "{{Reflist}}",
        f"[[Category:{name(rng)}]]\n[[Category:{name(rng)}]]",
    ]
    return "\n\n".join(parts)


def _page_xml(page_id: int, title: str, text: str, redirect: str | None = None) -> str:
    data = text.encode("utf-8")
    red = f"    <redirect title={quoteattr(redirect)} />\n" if redirect else ""
    return (
        f"  <page>\n    <title>{escape(title)}</title>\n    <ns>0</ns>\n    <id>{page_id}</id>\n{red}"
        f"    <revision>\n      <id>{10**9 + page_id}</id>\n      <timestamp>2024-02-01T00:00:00Z</timestamp>\n"
        "      <contributor>\n        <username>Bench</username>\n        <id>1</id>\n      </contributor>\n"
        "      <model>wikitext</model>\n      <format>text/x-wiki</format>\n"
        f'      <text bytes="{len(data)}" xml:space="preserve">{escape(text)}</text>\n'
        f"      <sha1>{hashlib.sha1(data).hexdigest()}</sha1>\n    </revision>\n  </page>\n"
    )


def siteinfo(language: str) -> str:
    return (
        '<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/" version="0.10" xml:lang="' + language + '">\n'
        f"  <siteinfo>\n    <sitename>Wikipedia</sitename>\n    <dbname>{language}wiki</dbname>\n"
        f"    <base>https://{language}.wikipedia.org/wiki/Main_Page</base>\n    <generator>MediaWiki 1.42.0</generator>\n"
        "    <case>first-letter</case>\n    <namespaces>\n      <namespace key=\"0\" case=\"first-letter\" />\n"
        "    </namespaces>\n  </siteinfo>\n"
    )


def wikipedia_pages(n: int, language: str, seed: int = 0):
    """(page id, title, wikitext, redirect target or None); one page in ten is a redirect."""
    rng = random.Random(seed)
    titles = [f"{name(rng)} {i}" if language == "en" else f"{zh_name(rng)}{i}" for i in range(n)]
    for i, title in enumerate(titles):
        if i % 10 == 9:
            target = titles[rng.randrange(n)]
            yield i + 1, title, f"#REDIRECT [[{target}]]", target
        else:
            yield i + 1, title, wikitext_page(rng, title, language, titles), None


def write_wikipedia_dump(path: str | Path, n: int, language: str = "en", seed: int = 0, multistream: bool = False,
                         pages_per_stream: int = 100) -> Path:
    """An export-0.10 XML dump; with `multistream`, the layout of pages-articles-multistream.xml.bz2:
    the siteinfo header as its own bz2 stream, then one stream per `pages_per_stream` pages, the
    footer last, and the index `<name>-index.txt.bz2` of `offset:page_id:title` lines."""
    path = Path(path)
    pages = list(wikipedia_pages(n, language, seed))
    if not multistream:
        with _open_out(path) as fh:
            fh.write(siteinfo(language).encode("utf-8"))
            for pid, title, text, redirect in pages:
                fh.write(_page_xml(pid, title, text, redirect).encode("utf-8"))
            fh.write(b"</mediawiki>\n")
        return path
    index_lines, offset = [], 0
    with open(path, "wb") as fh:
        for chunk in [siteinfo(language).encode("utf-8")]:
            data = bz2.compress(chunk)
            fh.write(data)
            offset += len(data)
        for start in range(0, len(pages), pages_per_stream):
            group = pages[start:start + pages_per_stream]
            data = bz2.compress("".join(_page_xml(*p) for p in group).encode("utf-8"))
            index_lines += [f"{offset}:{pid}:{title}" for pid, title, _, _ in group]
            fh.write(data)
            offset += len(data)
        fh.write(bz2.compress(b"</mediawiki>\n"))
    index = multistream_index_path(path)
    index.write_bytes(bz2.compress(("\n".join(index_lines) + "\n").encode("utf-8")))
    return path


def multistream_index_path(path: Path) -> Path:
    name = path.name.replace(".xml.bz2", "")
    return path.with_name(f"{name}-index.txt.bz2")


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[0] not in ("wikidata", "wikipedia"):
        print(__doc__)
        return 2
    kind, n, out = argv[0], int(argv[1]), Path(argv[2])
    if kind == "wikidata":
        write_wikidata_dump(out, n)
    else:
        language = argv[argv.index("--language") + 1] if "--language" in argv else "en"
        write_wikipedia_dump(out, n, language, multistream="--multistream" in argv)
    print(f"wrote {out} ({out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
