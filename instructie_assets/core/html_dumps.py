"""Wikimedia Enterprise HTML dumps: rendered articles, read into the same pages, text and anchors as
the XML dumps.

A dump is a `.tar.gz` archive of NDJSON files (`enwiki-NS0-<date>-ENTERPRISE-HTML.json.tar.gz`),
one JSON object a line: `name` (the title), `identifier` (the page id), `namespace.identifier`,
`main_entity.identifier` (the Wikidata QID), `is_part_of.identifier` (`enwiki`), `in_language`,
`article_body.html` (Parsoid HTML: every template already expanded) and `article_body.wikitext`.
The newer "structured contents" snapshots (`sections` of `has_parts` paragraphs with their `links`,
no `article_body`) are read too. A plain `.ndjson` (optionally `.gz`/`.bz2`) of such lines is
accepted as well. Pages are parsed with lxml (libxml2's HTML parser) and read with the element
rules mwparserfromhtml uses for these dumps (infoboxes, navigation, notes, message boxes, citations,
media, categories, inline cleanup tags are not running text).
"""

from __future__ import annotations

import io
import json
import tarfile
import zlib
from collections import Counter
from pathlib import Path
from typing import IO, Iterator
from urllib.parse import unquote, urlparse

import lxml.html
from lxml import etree

from instructie_assets.core.chinese import to_simplified
from instructie_assets.core.dumpfiles import DumpFormatError, open_binary
from instructie_assets.core.wikitext import (
    INDENTED, LIST_ITEM, Anchor, Page, PlainText, SectionSkipper, SiteInfo, clean_debris, normalize_title,
)

# Elements that print no running text.
SKIPPED_NAMES = {"style", "script", "link", "meta", "table", "figure", "figcaption", "img", "audio", "video", "math",
                 "blockquote", "gallery", "noscript", "template", "head", "title", "base", "caption", "object", "iframe"}
# Classes of what is not running text: navigation, notes, message and info boxes, citations and
# references, hidden and print-excluded parts, edit links (the ones mwparserfromhtml classifies too).
SKIPPED_CLASSES = {"noprint", "mw-editsection", "navbox", "hatnote", "infobox", "metadata", "reflist", "refbegin",
                   "mw-references-wrap", "references", "shortdescription", "Z3988", "mw-empty-elt", "thumb", "gallery",
                   "sistersitebox", "side-box", "ambox", "mbox-small", "mw-ref", "reference", "mw-cite-backlink",
                   "ilh-comment", "ilh-lang", "ext-phonos", "mw-reflink-text", "quotebox", "toc", "mw-jump-link", "dmbox",
                   "navigation-not-searchable", "portalbox", "sister-box", "sidebar"}
SKIPPED_TYPEOF = ("mw:Extension/ref", "mw:Extension/references", "mw:Extension/math", "mw:File", "mw:Image", "mw:Extension/gallery")
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
BOLD = {"b", "strong"}
INLINE_WRAPPERS = {"span", "a", "i", "em", "small", "big", "sub", "sup", "u", "s", "abbr", "q", "font", "bdi", "bdo",
                   "cite", "var", "dfn", "mark", "time", "data", "code", "tt", "kbd", "samp", "del", "ins", "body", "html"}
NON_ARTICLE_NAMESPACES = {
    "file", "image", "media", "category", "template", "wikipedia", "help", "portal", "special", "user", "talk", "module",
    "draft", "mediawiki", "wp", "文件", "檔案", "档案", "图像", "圖像", "分类", "分類", "模板", "维基百科", "維基百科",
    "帮助", "幫助", "主题", "主題", "user talk", "wikipedia talk", "category talk", "template talk", "file talk", "help talk",
}


def is_html(source: str) -> bool:
    """A page source that is rendered HTML (from an Enterprise dump) rather than wikitext."""
    head = source.lstrip()[:20].lower()
    return head.startswith("<!doctype html") or head.startswith("<html")


def _skip(el) -> bool:
    """Elements that are not running text: infoboxes, navigation (role), notes and hatnotes (role),
    message boxes (`*mbox`), citations and references, media, math, categories, inline cleanup tags
    ([citation needed]: a <sup> holding a link out of the article namespace), hidden parts."""
    if el.tag in SKIPPED_NAMES:
        return True
    classes = (el.get("class") or "").split()
    if any(c in SKIPPED_CLASSES or c.endswith("mbox") for c in classes):
        return True
    if el.get("role") in ("navigation", "note"):
        return True
    typeof = el.get("typeof") or ""
    if typeof and any(t in typeof for t in SKIPPED_TYPEOF):
        return True
    if "display:none" in (el.get("style") or "").replace(" ", ""):
        return True
    if el.tag == "sup":
        for a in el.iter("a"):
            if "mw:WikiLink" in (a.get("rel") or "") and ":" in (a.get("href") or "").removeprefix("https:") and a.get("title"):
                return True
    return False


def _link_title(el) -> str:
    href = el.get("href") or ""
    if href.startswith("./"):
        return unquote(href[2:].split("?", 1)[0])
    return el.get("title") or ""


class _HtmlEmitter:
    def __init__(self, simplify: bool, keep_lists: bool):
        self.parts: list[str] = []
        self.length = 0
        self.anchors: list[Anchor] = []
        self.bold: list[tuple[int, int]] = []
        self.section_starts: list[int] = []
        self.blocks: list[tuple[int, int, str]] = []
        self.simplify, self.keep_lists = simplify, keep_lists
        self.sections = SectionSkipper()

    def emit(self, s: str | None) -> None:
        if not s or self.sections.skipping:
            return
        if self.simplify:
            s = to_simplified(s)
        self.parts.append(s)
        self.length += len(s)

    def block(self, el, kind: str) -> None:
        self.emit("\n\n")
        start = self.length
        self.walk(el)
        if self.length > start:
            self.blocks.append((start, self.length, kind))
        self.emit("\n\n")

    def walk(self, el) -> None:
        """The element's own text and children (each child followed by its tail, which belongs here)."""
        self.emit(el.text)
        for child in el:
            self.element(child)
            self.emit(child.tail)

    def element(self, el) -> None:
        tag = el.tag
        if not isinstance(tag, str):  # comments, processing instructions
            return
        if tag in HEADINGS:
            skipping = self.sections.heading(HEADINGS[tag], el.text_content())
            self.emit("\n\n")
            if not skipping:
                self.section_starts.append(self.length)
            return
        if tag == "section" or (tag == "div" and "mw-heading" in (el.get("class") or "")):
            for child in el:  # a section's own loose text is whitespace; its tails stay in the flow
                self.element(child)
                self.emit(child.tail)
            return
        if self.sections.skipping or _skip(el):
            return
        if tag in ("ul", "ol"):
            self.emit("\n\n")
            if self.keep_lists:
                for li in el:
                    if li.tag == "li":
                        self.block(li, LIST_ITEM)
            return
        if tag == "dl":
            self.emit("\n\n")
            for item in el:
                if item.tag == "dd":  # an indented line (`:`) is its own paragraph
                    self.block(item, INDENTED)
                elif item.tag == "dt" and self.keep_lists:
                    self.block(item, LIST_ITEM)
            return
        if tag == "br":
            self.emit(" ")
            return
        if tag == "a" and "mw:WikiLink" in (el.get("rel") or ""):
            self.link(el)
            return
        if tag in ("p", "div", "center"):
            self.emit("\n\n")
            self.walk(el)
            self.emit("\n\n")
            return
        if tag in BOLD:
            start = self.length
            self.walk(el)
            self.bold.append((start, self.length))
            return
        if tag in INLINE_WRAPPERS:
            self.walk(el)
        # any other element (forms, widgets) prints nothing

    def link(self, el) -> None:
        start = self.length
        self.walk(el)
        if "Interwiki" in (el.get("rel") or "") or self.length == start or (el.get("href") or "").startswith("#"):
            return
        title = _link_title(el)
        prefix = title.split(":", 1)[0].replace("_", " ").strip().lower() if ":" in title else ""
        if prefix in NON_ARTICLE_NAMESPACES:
            return
        target = normalize_title(title)
        if target:
            self.anchors.append(Anchor(start, self.length, "", target))

    def result(self) -> PlainText:
        plain = PlainText("".join(self.parts), self.anchors, self.bold, Counter(), self.section_starts, self.blocks)
        return clean_debris(plain)


def html_to_plain(html: str, language: str, keep_lists: bool = False) -> PlainText:
    """The text a reader sees of a rendered article (Parsoid HTML), with anchors of its wiki links."""
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return PlainText("", [], [])
    body = root.find("body")
    em = _HtmlEmitter(language == "zh", keep_lists)
    em.walk(body if body is not None else root)
    return em.result()


# ------------------------------------------------------------------------------ structured contents

def structured_to_html(record: dict) -> str:
    """A structured-contents record (`sections` of `has_parts`) as minimal Parsoid-like HTML: one <p>
    per paragraph with its links at the first occurrences of their texts, lists as lists, one
    <section> and heading per section. So both layouts go through one reader."""
    base = (record.get("is_part_of") or {}).get("url") or ""
    out = [f'<!DOCTYPE html><html><head><base href="{_esc(base.replace("https:", ""))}/wiki/"/></head><body>']

    def paragraph(part: dict) -> str:
        value = str(part.get("value") or "")
        pieces, pos = [], 0
        for link in part.get("links") or []:
            text, url = str(link.get("text") or ""), str(link.get("url") or "")
            at = value.find(text, pos) if text else -1
            if at < 0 or "/wiki/" not in url:
                continue
            title = unquote(url.split("/wiki/", 1)[1])
            pieces.append(_esc(value[pos:at]))
            pieces.append(f'<a rel="mw:WikiLink" href="./{_esc(title)}" title="{_esc(title.replace("_", " "))}">{_esc(text)}</a>')
            pos = at + len(text)
        pieces.append(_esc(value[pos:]))
        return "".join(pieces)

    def parts(items: list, level: int) -> None:
        for part in items or []:
            kind = part.get("type")
            if kind == "section":
                out.append("<section>")
                name = str(part.get("name") or "")
                if level > 1 or name.lower() not in ("abstract", ""):
                    out.append(f"<h{min(level + 1, 6)}>{_esc(name)}</h{min(level + 1, 6)}>")
                parts(part.get("has_parts") or [], level + 1)
                out.append("</section>")
            elif kind == "paragraph":
                out.append(f"<p>{paragraph(part)}</p>")
            elif kind == "list":
                out.append("<ul>" + "".join(f"<li>{paragraph(item)}</li>" for item in part.get("has_parts") or []) + "</ul>")
            elif part.get("has_parts"):
                parts(part["has_parts"], level)

    parts(record.get("sections") or [], 1)
    out.append("</body></html>")
    return "".join(out)


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# ------------------------------------------------------------------------------ the dump files

def _head(path: str | Path) -> bytes:
    try:
        with open_binary(path) as fh:
            return fh.read(1024)
    except (EOFError, zlib.error, DumpFormatError):
        return b""
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        return b""


def _is_tar(head: bytes) -> bool:
    return len(head) > 262 and head[257:262] == b"ustar"


def is_enterprise_dump(path: str | Path) -> bool:
    """An Enterprise dump (a tar of NDJSON, or NDJSON itself) rather than a MediaWiki XML export,
    judged from the decompressed content, not the name."""
    head = _head(path)
    return _is_tar(head) or head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def _ndjson_streams(path: str | Path) -> Iterator[tuple[str, IO[bytes]]]:
    """(name, stream) of each NDJSON file of the dump."""
    tar_archive = _is_tar(_head(path))
    fh = open_binary(path)
    try:
        if tar_archive:
            with tarfile.open(fileobj=fh, mode="r|") as tar:
                for member in tar:
                    if member.isfile():
                        stream = tar.extractfile(member)
                        if stream is not None:
                            yield f"{Path(path).name}:{member.name}", stream
        else:
            yield Path(path).name, fh
    finally:
        fh.close()


def _record_page(record: dict, where: str, line: int) -> Page | None:
    try:
        namespace = int((record.get("namespace") or {}).get("identifier", 0))
        title = normalize_title(str(record["name"]))
        page_id = int(record["identifier"])
    except (KeyError, TypeError, ValueError) as exc:
        raise DumpFormatError(where, line, None, f"not an Enterprise article record (missing or bad {exc})") from exc
    if namespace != 0:
        return None
    body = record.get("article_body") or {}
    html = body.get("html") if isinstance(body, dict) else None
    if not html and record.get("sections") is not None:
        html = structured_to_html(record)
    if not html:
        raise DumpFormatError(where, line, None, f"record {title!r} has neither article_body.html nor sections")
    qid = (record.get("main_entity") or {}).get("identifier") or None
    redirects = tuple(normalize_title(str(r["name"])) for r in record.get("redirects") or [] if isinstance(r, dict) and r.get("name"))
    return Page(page_id, title, 0, None, html, qid=str(qid) if qid else None, redirected_from=redirects)


def iter_enterprise_pages(path: str | Path) -> Iterator[Page]:
    """Namespace-0 articles of an Enterprise HTML (or structured contents) dump, QIDs from the records.
    Bad lines raise DumpFormatError naming the file, the NDJSON member, the line and its byte."""
    try:
        for where, stream in _ndjson_streams(path):
            offset = 0
            for n, raw in enumerate(stream, start=1):
                line_start, offset = offset, offset + len(raw)
                if not raw.strip():
                    continue
                try:
                    record = json.loads(raw)
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    raise DumpFormatError(where, n, line_start, f"malformed JSON line ({exc})") from exc
                if not isinstance(record, dict):
                    raise DumpFormatError(where, n, line_start, "a line is not a JSON object")
                page = _record_page(record, where, n)
                if page is not None:
                    yield page
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise DumpFormatError(path, None, None, f"truncated or corrupt archive ({exc})") from exc
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise DumpFormatError(path, None, None, f"truncated or corrupt archive ({exc})") from exc


def _first_record(path: str | Path) -> tuple[str, int, dict]:
    """The first record of an Enterprise dump, with where it stands (member, line)."""
    for where, stream in _ndjson_streams(path):
        for n, raw in enumerate(stream, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise DumpFormatError(where, n, None, f"not an Enterprise article record ({exc})") from exc
            if not isinstance(record, dict) or not isinstance(record.get("is_part_of") or {}, dict):
                raise DumpFormatError(where, n, None, "not an Enterprise article record (not an object with is_part_of)")
            return where, n, record
    raise DumpFormatError(path, None, None, "no records in this dump")


def enterprise_dump_language(path: str | Path) -> str:
    """Language of an Enterprise dump from its first record's `is_part_of` (enwiki -> en)."""
    where, n, record = _first_record(path)
    dbname = str((record.get("is_part_of") or {}).get("identifier") or "")
    if not dbname.endswith("wiki"):
        raise DumpFormatError(where, n, None, f"is_part_of {dbname!r} is not a Wikipedia")
    return dbname[: -len("wiki")]


def enterprise_siteinfo(path: str | Path) -> SiteInfo:
    """Which wiki an Enterprise dump's articles come from, from its first record (`is_part_of`, `url`),
    in the shape of an XML dump's siteinfo (the dataset card says what the texts are from it)."""
    _, _, record = _first_record(path)
    part = record.get("is_part_of") or {}
    url = urlparse(str(record.get("url") or ""))
    base = f"{url.scheme}://{url.netloc}/" if url.netloc else ""
    return SiteInfo(str(part.get("name") or ""), str(part.get("identifier") or ""), base, "Wikimedia Enterprise HTML dump")


def write_enterprise_dump(path: str | Path, records: list[dict], member: str = "namespace_0_0.ndjson") -> Path:
    """Write records as an Enterprise dump: a gzipped tar holding one NDJSON file (tests, samples)."""
    path = Path(path)
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo(member)
        info.size = len(data)
        info.mtime = 0
        tar.addfile(info, io.BytesIO(data))
    return path

