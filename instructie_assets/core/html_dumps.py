"""Wikimedia Enterprise HTML dumps: rendered articles, read into the same pages, text and anchors as
the XML dumps.

A dump is a `.tar.gz` archive of NDJSON files (`enwiki-NS0-<date>-ENTERPRISE-HTML.json.tar.gz`),
one JSON object a line: `name` (the title), `identifier` (the page id), `namespace.identifier`,
`main_entity.identifier` (the Wikidata QID), `is_part_of.identifier` (`enwiki`), `in_language`,
`article_body.html` (Parsoid HTML: every template already expanded) and `article_body.wikitext`.
The newer "structured contents" snapshots (`sections` of `has_parts` paragraphs with their `links`,
no `article_body`) are read too. A plain `.ndjson` (optionally `.gz`/`.bz2`) of such lines is
accepted as well. Pages are parsed with mwparserfromhtml's element rules (infoboxes, navigation,
notes, message boxes, citations, media, categories) on BeautifulSoup.
"""

from __future__ import annotations

import io
import json
import tarfile
import zlib
from collections import Counter
from pathlib import Path
from typing import IO, Iterator
from urllib.parse import unquote

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment as HtmlComment, Doctype, ProcessingInstruction
from mwparserfromhtml.parse.elements import (
    Category, Citation, Heading, InlineCleanup, Infobox, Math, Media, Messagebox, Navigation, Note, Reference, Wikilink,
)

from instructie_assets.core.chinese import to_simplified
from instructie_assets.core.dumpfiles import DumpFormatError, open_binary
from instructie_assets.core.wikitext import (
    INDENTED, LIST_ITEM, Anchor, Page, PlainText, SectionSkipper, clean_debris, normalize_title,
)

# Elements that print no running text (besides what mwparserfromhtml classifies).
SKIPPED_NAMES = {"style", "script", "link", "meta", "table", "figure", "figcaption", "img", "audio", "video", "math",
                 "blockquote", "gallery", "noscript", "template", "head", "title", "base", "caption"}
SKIPPED_CLASSES = {"noprint", "mw-editsection", "navbox", "hatnote", "infobox", "metadata", "reflist", "refbegin",
                   "mw-references-wrap", "references", "shortdescription", "Z3988", "mw-empty-elt", "thumb", "gallery",
                   "sistersitebox", "side-box", "ambox", "mbox-small", "mw-ref", "reference", "mw-cite-backlink",
                   "ilh-comment", "ilh-lang", "ext-phonos", "mw-reflink-text", "quotebox", "toc", "mw-jump-link"}
INLINE_WRAPPERS = {"span", "a", "b", "strong", "i", "em", "small", "big", "sub", "sup", "u", "s", "abbr", "q", "font",
                   "bdi", "bdo", "cite", "var", "dfn", "mark", "time", "data", "code", "tt", "kbd", "samp", "del", "ins",
                   "section", "p", "div", "center", "body", "html"}


def is_html(source: str) -> bool:
    """A page source that is rendered HTML (from an Enterprise dump) rather than wikitext."""
    head = source.lstrip()[:20].lower()
    return head.startswith("<!doctype html") or head.startswith("<html")


def _skip(tag: Tag) -> bool:
    if tag.name in SKIPPED_NAMES:
        return True
    classes = tag.get("class") or []
    if any(c in SKIPPED_CLASSES for c in classes):
        return True
    if "display:none" in (tag.get("style") or "").replace(" ", ""):
        return True
    return (Infobox.is_infobox(tag) or Navigation.is_navigation(tag) or Note.is_note(tag) or Messagebox.is_message_box(tag)
            or Citation.is_citation(tag) or Reference.is_reference(tag) or Media.is_media(tag) or Math.is_math(tag)
            or Category.is_category(tag) or InlineCleanup.is_inline_cleanup(tag))


def _link_title(tag: Tag) -> str:
    href = tag.get("href") or ""
    if href.startswith("./"):
        return unquote(href[2:].split("?", 1)[0])
    return tag.get("title") or ""


class _HtmlEmitter:
    def __init__(self, simplify: bool, keep_lists: bool, wiki: str):
        self.parts: list[str] = []
        self.length = 0
        self.anchors: list[Anchor] = []
        self.bold: list[tuple[int, int]] = []
        self.section_starts: list[int] = []
        self.blocks: list[tuple[int, int, str]] = []
        self.simplify, self.keep_lists, self.wiki = simplify, keep_lists, wiki
        self.sections = SectionSkipper()

    def emit(self, s: str) -> None:
        if not s:
            return
        if self.simplify:
            s = to_simplified(s)
        self.parts.append(s)
        self.length += len(s)

    def block(self, tag: Tag, kind: str) -> None:
        self.emit("\n\n")
        start = self.length
        self.walk(tag)
        if self.length > start:
            self.blocks.append((start, self.length, kind))
        self.emit("\n\n")

    def walk(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, (HtmlComment, Doctype, ProcessingInstruction)):
                continue
            if isinstance(child, NavigableString):
                if not self.sections.skipping:
                    self.emit(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            if Heading.is_heading(child):
                skipping = self.sections.heading(int(child.name[1]), child.get_text())
                self.emit("\n\n")
                if not skipping:
                    self.section_starts.append(self.length)
                continue
            if child.name == "section" or (child.name == "div" and "mw-heading" in (child.get("class") or [])):
                self.walk(child)
                continue
            if self.sections.skipping or _skip(child):
                continue
            name = child.name
            if name in ("ul", "ol"):
                self.emit("\n\n")
                if self.keep_lists:
                    for li in child.find_all("li", recursive=False):
                        self.block(li, LIST_ITEM)
                continue
            if name == "dl":
                self.emit("\n\n")
                for item in child.find_all(["dd", "dt"], recursive=False):
                    if item.name == "dd":  # an indented line (`:`) is its own paragraph
                        self.block(item, INDENTED)
                    elif self.keep_lists:
                        self.block(item, LIST_ITEM)
                continue
            if name == "br":
                self.emit(" ")
                continue
            if name == "a" and Wikilink.is_wikilink(child):
                self.link(child)
                continue
            if name in ("p", "div", "center"):
                self.emit("\n\n")
                self.walk(child)
                self.emit("\n\n")
                continue
            if name in ("b", "strong"):
                start = self.length
                self.walk(child)
                self.bold.append((start, self.length))
                continue
            if name in INLINE_WRAPPERS:
                self.walk(child)
            # any other element (forms, iframes, unknown widgets) prints nothing

    def link(self, tag: Tag) -> None:
        start = self.length
        self.walk(tag)
        rel = " ".join(tag.get("rel") or [])
        if "Interwiki" in rel or self.length == start:
            return
        link = Wikilink(tag, self.wiki)
        if link.namespace_id != 0:
            return
        title = normalize_title(_link_title(tag))
        if title and not (tag.get("href") or "").startswith("#"):
            self.anchors.append(Anchor(start, self.length, "", title))

    def result(self) -> PlainText:
        plain = PlainText("".join(self.parts), self.anchors, self.bold, Counter(), self.section_starts, self.blocks)
        return clean_debris(plain)


def html_to_plain(html: str, language: str, keep_lists: bool = False) -> PlainText:
    """The text a reader sees of a rendered article (Parsoid HTML), with anchors of its wiki links."""
    soup = BeautifulSoup(html, "html.parser")
    base = soup.find("base")
    wiki = (base.get("href") or "").split(".")[0].strip("/") if base is not None else language
    em = _HtmlEmitter(language == "zh", keep_lists, wiki or language)
    em.walk(soup.body or soup)
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


def enterprise_dump_language(path: str | Path) -> str:
    """Language of an Enterprise dump from its first record's `is_part_of` (enwiki -> en)."""
    for where, stream in _ndjson_streams(path):
        for n, raw in enumerate(stream, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
                dbname = str(((record.get("is_part_of") or {}).get("identifier")) or "")
            except (json.JSONDecodeError, UnicodeDecodeError, AttributeError) as exc:
                raise DumpFormatError(where, n, None, f"not an Enterprise article record ({exc})") from exc
            if not dbname.endswith("wiki"):
                raise DumpFormatError(where, n, None, f"is_part_of {dbname!r} is not a Wikipedia")
            return dbname[: -len("wiki")]
    raise DumpFormatError(path, None, None, "no records in this dump")


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

