"""Wikipedia XML dumps to the text a reader sees, with exact link-anchor offsets, split into paragraphs.

Pages stream from a MediaWiki export (schema 0.10, `.xml` or `.xml.bz2`) through mwxml; wikitext
turns into plain text by walking mwparserfromhell's node tree, keeping each link's displayed
text with its character span and its target title normalised as MediaWiki does. Templates that
print running text are rendered from `resources/wikitext_templates.yaml`; the others are dropped
and counted by name. Bold and italic quotes are balanced line by line as MediaWiki does, list
items are kept apart from prose (dropped, or their own paragraphs), and brackets or separators
left empty by removed content are cleaned up, all with anchors kept exact.
"""

from __future__ import annotations

import bz2
import io
from bisect import bisect_left, bisect_right
import os
import re
import zlib
from collections import Counter
from functools import lru_cache
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from xml.etree.ElementTree import ParseError

import mwparserfromhell
import mwxml
from mwparserfromhell.nodes import Comment, ExternalLink, Heading, HTMLEntity, Tag, Template, Text, Wikilink

from instructie_assets.core.chinese import to_simplified
from instructie_assets.core.dumpfiles import DumpFormatError, open_binary
from instructie_assets.core.parallel import ordered_map
from instructie_assets.core.template_rendering import TemplateTable, default_template_table, render_template

# Link namespaces whose targets are not articles (EN and ZH spellings, case-insensitive): no anchor.
SKIPPED_LINK_PREFIXES = (
    "file", "image", "media", "category", "template", "wikipedia", "help", "portal", "special",
    "wikt", "wiktionary", "commons", "文件", "檔案", "档案", "图像", "圖像", "分类", "分類", "模板",
    "维基百科", "維基百科", "帮助", "幫助", "主题", "主題",
    "s", "wikisource", "q", "wikiquote", "b", "wikibooks", "n", "wikinews", "v", "wikiversity", "voy",
    "wikivoyage", "species", "wikispecies", "d", "wikidata", "m", "meta", "mw", "w", "user", "talk",
)
# Links that render nothing in the text unless written with a leading colon: images, categories.
HIDDEN_LINK_PREFIXES = {"file", "image", "category", "文件", "檔案", "档案", "图像", "圖像", "分类", "分類"}
INTERLANGUAGE = re.compile(r"^:?[a-z]{2,3}(-[a-z]+)?$")
# Inline tags whose contents are running text; every other tag (ref, table, gallery, math...) is dropped.
INLINE_TAGS = {"b", "i", "u", "s", "small", "big", "span", "abbr", "sub", "sup", "em", "strong", "font", "nowiki", "q"}
LIST_TAGS = {"li", "dd", "dt"}
LIST_MARKERS = {"*", "#", ";", ":"}
SKIPPED_SECTIONS = {
    "references", "external links", "see also", "notes", "further reading", "bibliography", "sources", "footnotes",
    "参考文献", "參考文獻", "参考资料", "參考資料", "外部链接", "外部連結", "参见", "參見", "注释", "註釋", "延伸阅读", "延伸閱讀", "脚注", "腳註",
}
DISAMBIGUATION_TEMPLATES = {
    "disambiguation", "disambig", "dab", "disamb", "hndis", "geodis", "set index article",
    "消歧义", "消歧義", "disambig-cn",
}
# Paragraph kinds: running text, a list item (kept only with keep_lists), an indented line (`:`).
PROSE, LIST_ITEM, INDENTED = "prose", "list", "indented"


class SectionSkipper:
    """Whether the text after each heading is in a skipped section (References, See also, ...):
    skipping lasts until a heading of the same or a higher level."""

    def __init__(self) -> None:
        self.level: int | None = None

    def heading(self, level: int, title: str) -> bool:
        if self.level is not None and level <= self.level:
            self.level = None
        if self.level is None and title.strip().lower() in SKIPPED_SECTIONS:
            self.level = level
        return self.level is not None

    @property
    def skipping(self) -> bool:
        return self.level is not None


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    text: str
    target: str


@dataclass
class PlainText:
    text: str
    anchors: list[Anchor]
    bold: list[tuple[int, int]]
    # templates dropped from the running text because the template table does not render them
    dropped_templates: Counter = field(default_factory=Counter)
    # offsets where a (kept) section starts, and the spans of list items and indented lines
    section_starts: list[int] = field(default_factory=list)
    blocks: list[tuple[int, int, str]] = field(default_factory=list)


@dataclass
class Page:
    page_id: int
    title: str
    namespace: int
    redirect: str | None
    text: str
    qid: str | None = None  # given by the dump itself (Enterprise HTML dumps), else looked up by title
    redirected_from: tuple[str, ...] = ()  # redirect titles the dump lists with the article (Enterprise HTML dumps)


@dataclass
class Paragraph:
    index: int
    text: str
    anchors: list[Anchor] = field(default_factory=list)
    bold: list[tuple[int, int]] = field(default_factory=list)
    section: int = 0  # number of kept section headings before it (0: the lead)
    kind: str = PROSE


def normalize_title(title: str) -> str:
    """MediaWiki title normalisation: `_` to space, drop `#section`, collapse spaces, first letter upper."""
    t = title.split("#", 1)[0].replace("_", " ")
    if "  " in t or "\t" in t or "\n" in t or "\u3000" in t or "\xa0" in t:
        t = re.sub(r"\s+", " ", t)
    t = t.strip().lstrip(":")
    return t[:1].upper() + t[1:] if t else t


def _template_name(tpl: Template) -> str:
    return str(tpl.name).strip().lower().replace("_", " ")


_QUOTE_RUN = re.compile(r"('{2,})")
# Quotes the parser could not pair, and brackets of broken markup ("[[File:x|thumb]], caption]]").
_QUOTE_DEBRIS = re.compile(r"''+|\[\[|\]\]|\{\{|\}\}")


def _without_debris(text: str) -> str:
    if "''" in text or "[[" in text or "]]" in text or "{{" in text or "}}" in text:
        return _QUOTE_DEBRIS.sub("", text)
    return text


def balance_quotes(line: str) -> str:
    """One line's bold/italic apostrophes as MediaWiki reads them (Parser::doQuotes): a run of 4 is an
    apostrophe and bold, more than 5 are apostrophes and bold italic, an odd bold count with an odd
    italic count turns one bold run into an apostrophe and italics, and what is still open at the end
    of the line is closed there. The result parses into balanced bold/italic tags."""
    if "''" not in line:
        return line
    arr = _QUOTE_RUN.split(line)
    italics = bold = 0
    for i in range(1, len(arr), 2):
        n = len(arr[i])
        if n == 4:
            arr[i - 1] += "&#39;"  # an entity: an apostrophe the parser cannot take for markup
            arr[i] = "'''"
        elif n > 5:
            arr[i - 1] += "&#39;" * (n - 5)
            arr[i] = "'''''"
        n = len(arr[i])
        italics += n in (2, 5)
        bold += n in (3, 5)
    if italics % 2 and bold % 2:
        single = multi = space = -1
        for i in range(1, len(arr), 2):
            if len(arr[i]) != 3:
                continue
            x1, x2 = arr[i - 1][-1:], arr[i - 1][-2:-1]
            if x1 == " ":
                space = i if space == -1 else space
            elif x2 == " ":
                single = i
                break
            elif multi == -1:
                multi = i
        pick = single if single > -1 else multi if multi > -1 else space
        if pick > -1:
            arr[pick - 1] += "&#39;"
            arr[pick] = "''"
    state: list[str] = []
    for i in range(1, len(arr), 2):
        n = len(arr[i])
        if n == 5:
            state = ["b", "i"] if not state else ([] if len(state) == 2 else ["i" if state[0] == "b" else "b"])
            continue
        mark = "i" if n == 2 else "b"
        if mark in state:
            state.remove(mark)
        else:
            state.append(mark)
    return "".join(arr) + "".join("''" if s == "i" else "'''" for s in reversed(state))


class _Emitter:
    def __init__(self, simplify: bool, language: str, table: TemplateTable, keep_lists: bool):
        self.parts: list[str] = []
        self.length = 0
        self.anchors: list[Anchor] = []
        self.bold: list[tuple[int, int]] = []
        self.simplify = simplify
        self.language = language
        self.table = table
        self.keep_lists = keep_lists
        self.dropped: Counter = Counter()
        self.section_starts: list[int] = []
        self.blocks: list[tuple[int, int, str]] = []

    def emit(self, s: str) -> None:
        if not s:
            return
        if self.simplify:
            s = to_simplified(s)
        self.parts.append(s)
        self.length += len(s)

    def _keeps(self, marker: str) -> bool:
        return marker == ":" or self.keep_lists

    def _close_block(self, marker: str, start: int) -> None:
        if self._keeps(marker) and self.length > start:
            self.blocks.append((start, self.length, INDENTED if marker == ":" else LIST_ITEM))
        self.emit("\n\n")

    def walk(self, nodes) -> None:
        sections = SectionSkipper()
        item: str | None = None  # the first list marker of the line being read (*, #, ;, :)
        item_start = 0
        for i, node in enumerate(nodes):
            kind = type(node)
            if kind is Heading:
                if item is not None:
                    self._close_block(item, item_start)
                    item = None
                skipping = sections.heading(node.level, node.title.strip_code())
                self.emit("\n\n")
                if not skipping:
                    self.section_starts.append(self.length)
                continue
            if sections.level is not None:  # in a skipped section
                continue
            if kind is Tag and node.wiki_markup in LIST_MARKERS and str(node.tag).lower() in LIST_TAGS:
                if item is None:  # a list line starts: it never runs into the prose around it
                    item = node.wiki_markup
                    self.emit("\n\n")
                    item_start = self.length
                continue
            if item is None:
                self.walk_node(node, nodes, i)
                continue
            if kind is Text and "\n" in node.value:
                head, tail = str(node.value).split("\n", 1)
                if self._keeps(item):
                    self.emit(_without_debris(head))
                self._close_block(item, item_start)
                item = None
                self.emit(_without_debris(tail))
            elif self._keeps(item):
                self.walk_node(node, nodes, i)
        if item is not None:
            self._close_block(item, item_start)

    def walk_node(self, node, siblings, i) -> None:
        if isinstance(node, Text):
            self.emit(_without_debris(str(node.value)))  # quotes the parser could not pair
        elif isinstance(node, Wikilink):
            self.link(node, siblings, i)
        elif isinstance(node, Template):
            self.template(node)
        elif isinstance(node, HTMLEntity):
            self.emit(node.normalize())
        elif isinstance(node, Tag):
            tag = str(node.tag).lower()
            if node.wiki_markup in ("'''", "''"):
                start = self.length
                if node.contents is not None:
                    self.walk(node.contents.nodes)
                if node.wiki_markup == "'''":
                    self.bold.append((start, self.length))
            elif tag == "br":
                self.emit(" ")
            elif tag in LIST_TAGS:  # an HTML list item: apart from the prose, kept only with keep_lists
                if self.keep_lists and node.contents is not None:
                    self.emit("\n\n")
                    start = self.length
                    self.walk(node.contents.nodes)
                    self._close_block("*", start)
            elif tag in ("ul", "ol", "dl"):
                self.emit("\n\n")
                if self.keep_lists and node.contents is not None:
                    self.walk(node.contents.nodes)
            elif tag in INLINE_TAGS and node.contents is not None:
                self.walk(node.contents.nodes)
        elif isinstance(node, ExternalLink):
            if node.title is not None:
                self.walk(node.title.nodes)
        elif isinstance(node, Comment):
            return
        # Arguments and anything else render nothing.

    def template(self, node: Template) -> None:
        rendering = render_template(node, self.language, self.table)
        if rendering is None:
            name = _template_name(node)
            if not self.table.ignored(name):
                self.dropped[name] += 1
            return
        start = self.length
        if rendering.wikitext and _MARKUP.search(rendering.text):
            self.walk(mwparserfromhell.parse(rendering.text).nodes)
        else:
            self.emit(rendering.text)
        if rendering.link and self.length > start:
            self.anchors.append(Anchor(start, self.length, "", normalize_title(rendering.link)))

    def link(self, node: Wikilink, siblings, i) -> None:
        target = str(node.title).strip()
        bare = target.lstrip(":")
        prefix = bare.split(":", 1)[0].strip().lower() if ":" in bare else ""
        if prefix and not target.startswith(":") and (prefix in HIDDEN_LINK_PREFIXES or INTERLANGUAGE.match(prefix)):
            return  # an image, a category, or a link to the same article in another language: no text
        article = not prefix or not (prefix in SKIPPED_LINK_PREFIXES or INTERLANGUAGE.match(prefix))
        start = self.length
        if node.text is not None:
            self.walk(node.text.nodes)
        else:
            shown = target.split("#", 1)[0] if not target.startswith("#") else target[1:]
            shown = shown.lstrip(":") if article else shown[1:] if shown.startswith(":") else shown
            self.emit(mwparserfromhell.parse(shown).strip_code() if _MARKUP.search(shown) else shown)
        # Link trail: [[cat]]s displays as one link "cats".
        if i + 1 < len(siblings) and isinstance(siblings[i + 1], Text):
            m = re.match(r"[a-z]+", str(siblings[i + 1].value))
            if m:
                trail = m.group(0)
                self.emit(trail)
                siblings[i + 1].value = str(siblings[i + 1].value)[len(trail):]
        end = self.length
        if article and end > start and not target.startswith("#"):
            self.anchors.append(Anchor(start, end, "", normalize_title(target)))  # text filled in by result()

    def result(self) -> PlainText:
        text = "".join(self.parts)
        plain = PlainText(text, self.anchors, self.bold, self.dropped, self.section_starts, self.blocks)
        return clean_debris(plain)


# Debris that removed content leaves behind: brackets holding nothing but separators, separators
# just inside a bracket, and runs of separators. Whitespace here never crosses a line.
_SEP = ";,，；、"
_WS = r"[^\S\n]"
_EMPTY_BRACKETS = re.compile(rf"\({_WS}*(?:[{_SEP}:：]{_WS}*)*\)|（{_WS}*(?:[{_SEP}:：]{_WS}*)*）")
_SEP_AFTER_OPEN = re.compile(rf"[(（]({_WS}*(?:[{_SEP}]{_WS}*)+)")
_SEP_BEFORE_CLOSE = re.compile(rf"[{_SEP}](?:{_WS}*[{_SEP}])*{_WS}*(?=[)）])")
_SEP_RUN = re.compile(rf"[{_SEP}]((?:{_WS}*[{_SEP}])+)")
_SEP_AT_LINE_START = re.compile(rf"^{_WS}*[{_SEP}](?:{_WS}*[{_SEP}])*{_WS}*", re.M)


def _debris_spans(text: str) -> list[tuple[int, int]]:
    """Spans to delete, of the first kind of debris found (deleting one kind can reveal another)."""
    def widened(start: int, end: int) -> tuple[int, int]:  # with the spaces before it
        while start > 0 and text[start - 1] in " \t":
            start -= 1
        return start, end

    for pattern, group, widen in ((_EMPTY_BRACKETS, 0, True), (_SEP_AFTER_OPEN, 1, False), (_SEP_BEFORE_CLOSE, 0, True),
                                  (_SEP_RUN, 1, False), (_SEP_AT_LINE_START, 0, False)):
        spans = []
        for m in pattern.finditer(text):
            start, end = m.span(group)
            if end > start:
                spans.append(widened(start, end) if widen else (start, end))
        if spans:
            merged: list[tuple[int, int]] = []
            for start, end in spans:  # widening can make neighbours touch
                if merged and start <= merged[-1][1]:
                    merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
                else:
                    merged.append((start, end))
            return merged
    return []


def delete_spans(plain: PlainText, spans: list[tuple[int, int]]) -> PlainText:
    """The text without the given (sorted, disjoint) spans; anchors, bold spans, sections and blocks
    moved with it (an anchor inside a deleted span shrinks, one left empty goes)."""
    if not spans:
        return plain
    text = plain.text
    starts = [s for s, _ in spans]
    removed_before = [0]
    for s, e in spans:
        removed_before.append(removed_before[-1] + (e - s))

    def new(x: int) -> int:
        k = bisect_right(starts, x) - 1
        if k < 0:
            return x
        s, e = spans[k]
        return s - removed_before[k] if x < e else x - removed_before[k + 1]

    out = "".join(text[a:b] for a, b in zip([0] + [e for _, e in spans], starts + [len(text)]))
    anchors = []
    for a in plain.anchors:
        s, e = new(a.start), new(a.end)
        if e > s:
            anchors.append(Anchor(s, e, "", a.target))
    bold = [(new(s), new(e)) for s, e in plain.bold if new(e) > new(s)]
    blocks = [(new(s), new(e), k) for s, e, k in plain.blocks if new(e) > new(s)]
    return PlainText(out, anchors, bold, plain.dropped_templates, [new(x) for x in plain.section_starts], blocks)


def clean_debris(plain: PlainText) -> PlainText:
    """Remove empty brackets and orphan separators (until none is left); fill in the anchor texts."""
    for _ in range(8):
        spans = _debris_spans(plain.text)
        if not spans:
            break
        plain = delete_spans(plain, spans)
    text = plain.text
    plain.anchors = [Anchor(a.start, a.end, text[a.start:a.end], a.target) for a in plain.anchors]
    return plain


_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_REF = re.compile(r"<ref\b[^>]*?/>|<ref\b[^>]*>.*?</ref\s*>", re.S | re.I)
_BRACES = re.compile(r"\{\{|\}\}")
_TABLE_EDGE = re.compile(r"^[ \t]*(\{\||\|\})", re.M)
_HEADING = re.compile(r"^(={1,6})[ \t]*(.+?)[ \t]*\1[ \t]*$", re.M)
_TEMPLATE_NAME = re.compile(r"\{\{\s*([^|{}\n]*)")
_MARKUP = re.compile(r"['{}\[\]<>&]")


def _drop_balanced(text: str, edges: re.Pattern, is_open, keep=lambda span: False) -> str:
    """Remove outermost balanced spans (templates, tables) unless `keep(span)`; unbalanced text stays."""
    out, depth, start, last = [], 0, 0, 0
    for m in edges.finditer(text):
        if is_open(m):
            if depth == 0:
                start = m.start()
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                span = text[start:m.end()]
                if not keep(span):
                    out.append(text[last:start])
                    last = m.end()
    out.append(text[last:])
    return "".join(out)


def _skip_sections(text: str) -> str:
    out, last, sections = [], 0, SectionSkipper()
    for m in _HEADING.finditer(text):
        raw = m.group(2)
        was_skipping = sections.skipping
        now = sections.heading(len(m.group(1)), mwparserfromhell.parse(raw).strip_code() if _MARKUP.search(raw) else raw)
        if was_skipping and not now:
            last = m.start()
        elif now and not was_skipping:
            out.append(text[last:m.start()])
    if not sections.skipping:
        out.append(text[last:])
    return "".join(out)


def prestrip(wikitext: str, table: TemplateTable | None = None) -> str:
    """Cut what renders no running text before the full parse: comments, <ref>s, the templates the
    table ignores (infoboxes, citations, navigation...), tables, and skipped sections (References,
    See also, ...). The plain text, anchors and dropped-template counts come out the same as without
    it; the parser just has far less to build."""
    table = table or default_template_table()
    text = _COMMENT.sub("", wikitext)
    text = _REF.sub("", text)
    text = _drop_balanced(
        text, _BRACES, lambda m: m.group() == "{{",
        keep=lambda span: (m := _TEMPLATE_NAME.match(span)) is not None and not table.ignored(m.group(1).strip().lower().replace("_", " ")),
    )
    text = _drop_balanced(text, _TABLE_EDGE, lambda m: m.group(1) == "{|")
    return _skip_sections(text)


def wikitext_to_plain(wikitext: str, simplify: bool = False, strip_first: bool = True, language: str | None = None,
                      keep_lists: bool = False, table: TemplateTable | None = None) -> PlainText:
    """The text a reader sees of an article, with its link anchors and bold spans (exact offsets).

    `language` (en, zh; default zh with `simplify`, else en) picks the template renderings. With
    `simplify` (Chinese) every emitted piece is converted to Simplified script on its own, so anchor
    offsets stay exact after conversion. List items are dropped unless `keep_lists` (then each is
    its own paragraph); indented `:` lines are always their own paragraphs. `strip_first=False`
    parses the page as it is (the slow reference the tests compare `prestrip` against).
    """
    table = table or default_template_table()
    language = language or ("zh" if simplify else "en")
    if "''" in wikitext:
        wikitext = "\n".join(balance_quotes(line) for line in wikitext.split("\n"))
    em = _Emitter(simplify, language, table, keep_lists)
    em.walk(mwparserfromhell.parse(prestrip(wikitext, table) if strip_first else wikitext).nodes)
    return em.result()


def is_disambiguation(wikitext: str) -> bool:
    """A top-level disambiguation template. The full parse runs only for the rare page whose text
    names one at all (this is called for every page of the dump)."""
    names = {m.group(1).strip().lower().replace("_", " ") for m in _TEMPLATE_NAME.finditer(wikitext)}
    if not names & DISAMBIGUATION_TEMPLATES:
        return False
    for tpl in mwparserfromhell.parse(wikitext).filter_templates(recursive=False):
        if _template_name(tpl) in DISAMBIGUATION_TEMPLATES:
            return True
    return False


PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")
SPACE_RUN = re.compile(r"\s+")


def split_paragraphs(plain: PlainText) -> list[Paragraph]:
    """Paragraphs at blank lines; whitespace runs collapsed to one space, ends trimmed; anchors and
    bold spans remapped into each paragraph (exact offsets); each paragraph knows its section and
    whether it is running text, a list item or an indented line."""
    text = plain.text
    bounds: list[tuple[int, int]] = []
    pos = 0
    for m in PARAGRAPH_BREAK.finditer(text):
        bounds.append((pos, m.start()))
        pos = m.end()
    bounds.append((pos, len(text)))
    anchors = sorted(plain.anchors, key=lambda a: a.start)
    anchor_starts = [a.start for a in anchors]
    block_starts = [b[0] for b in plain.blocks]
    out: list[Paragraph] = []
    for ps, pe in bounds:
        chunk = text[ps:pe]
        para = SPACE_RUN.sub(" ", chunk).strip()
        if not para:
            continue
        # old offset -> new offset: every whitespace run keeps one space, except a leading run (none)
        runs = [(m.start(), m.end()) for m in SPACE_RUN.finditer(chunk)]
        starts = [r[0] for r in runs]
        removed_before: list[int] = []  # characters removed by the runs before run i
        total = 0
        for i, (rs, re_) in enumerate(runs):
            removed_before.append(total)
            total += (re_ - rs) - (0 if rs == 0 else 1)

        def new_pos(x: int) -> int:
            i = bisect_right(starts, x) - 1
            if i < 0:
                return x
            rs, re_ = runs[i]
            keep = 0 if rs == 0 else 1
            if x < re_:  # inside the run: the kept space (or nothing) stands for all of it
                return rs - removed_before[i] + min(x - rs, keep)
            return x - removed_before[i] - ((re_ - rs) - keep)

        def remap(s: int, e: int) -> tuple[int, int] | None:
            if s < ps or e > pe:
                return None
            ns, ne = min(new_pos(s - ps), len(para)), min(new_pos(e - ps), len(para))
            while ns < ne and para[ns] == " ":
                ns += 1
            while ne > ns and para[ne - 1] == " ":
                ne -= 1
            return (ns, ne) if ne > ns else None

        found = []
        for a in anchors[bisect_left(anchor_starts, ps):]:
            if a.start >= pe:
                break
            span = remap(a.start, a.end)
            if span:
                found.append(Anchor(span[0], span[1], para[span[0]:span[1]], a.target))
        bold = [span for s, e in plain.bold if (span := remap(s, e))]
        k = bisect_right(block_starts, ps + (len(chunk) - len(chunk.lstrip()))) - 1
        kind = plain.blocks[k][2] if k >= 0 and plain.blocks[k][1] >= pe - (len(chunk) - len(chunk.rstrip())) else PROSE
        section = bisect_right(plain.section_starts, ps)
        out.append(Paragraph(len(out), para, found, bold, section, kind))
    return out


def merge_short_paragraphs(paragraphs: list[Paragraph], language: str, min_tokens: int = 50, max_tokens: int = 512,
                           tokenizer: str = "") -> list[Paragraph]:
    """Runs of consecutive running-text paragraphs of one section merged while the merged paragraph
    is under `min_tokens` and the next still fits in `max_tokens` (so short leads are not lost); list
    items and indented lines are never merged. Anchors and bold spans move with their text; the
    merged paragraph keeps the index of its first part."""
    joiner = "" if language == "zh" else " "
    out: list[Paragraph] = []
    for p in paragraphs:
        last = out[-1] if out else None
        if (last is not None and last.kind == PROSE and p.kind == PROSE and last.section == p.section
                and count_tokens(last.text, language, tokenizer) < min_tokens
                and count_tokens(last.text + joiner + p.text, language, tokenizer) <= max_tokens):
            shift = len(last.text) + len(joiner)
            out[-1] = Paragraph(
                last.index, last.text + joiner + p.text,
                last.anchors + [Anchor(a.start + shift, a.end + shift, a.text, a.target) for a in p.anchors],
                last.bold + [(s + shift, e + shift) for s, e in p.bold], last.section, PROSE,
            )
        else:
            out.append(p)
    return out


def count_tokens(text: str, language: str, tokenizer: str = "") -> int:
    """EN: whitespace-separated words; ZH: non-space characters; with `tokenizer` (a Hugging Face
    tokenizer's hub id or local directory) its token count, special tokens excluded."""
    if tokenizer:
        return len(_hf_tokenizer(tokenizer)(text, add_special_tokens=False)["input_ids"])
    if language == "zh":
        return sum(1 for ch in text if not ch.isspace())
    return len(text.split())


@lru_cache(maxsize=4)
def _hf_tokenizer(name: str):
    from transformers import AutoTokenizer

    from instructie_assets.core.models import ModelLoadError

    try:
        return AutoTokenizer.from_pretrained(name)
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"cannot load tokenizer {name!r}: {str(exc).splitlines()[0]}") from exc


def dump_language(path: str | Path) -> str:
    """Language of a Wikipedia dump from its siteinfo dbname (enwiki -> en), or of an Enterprise HTML
    dump from its records' `is_part_of`; read once per file version."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{p}: no such dump file")
    return _dump_language(str(p), p.stat().st_mtime_ns)


@lru_cache(maxsize=256)
def _dump_language(path: str, _mtime_ns: int) -> str:
    from instructie_assets.core.html_dumps import enterprise_dump_language, is_enterprise_dump

    if is_enterprise_dump(path):
        return enterprise_dump_language(path)
    with open_binary(path) as fh:
        try:
            dump = mwxml.Dump.from_file(fh)
        except (ParseError, Exception) as exc:  # mwxml raises plain exceptions on a bad header
            raise DumpFormatError(path, None, None, f"not a MediaWiki XML export ({exc})") from exc
        dbname = dump.site_info.dbname or ""
    if not dbname.endswith("wiki"):
        raise DumpFormatError(path, None, None, f"siteinfo dbname {dbname!r} is not a Wikipedia")
    return dbname[: -len("wiki")]


@dataclass(frozen=True)
class SiteInfo:
    """Which wiki a dump's pages come from: its <siteinfo> (the dataset card says what the texts are from it)."""

    sitename: str
    dbname: str
    base: str
    generator: str


def read_siteinfo(path: str | Path) -> SiteInfo:
    """The siteinfo of a MediaWiki XML export, or its counterpart from an Enterprise HTML dump's first
    record (only the head of the file is read; cached per file version)."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{p}: no such dump file")
    return _read_siteinfo(str(p), p.stat().st_mtime_ns)


@lru_cache(maxsize=256)
def _read_siteinfo(path: str, _mtime_ns: int) -> SiteInfo:
    from instructie_assets.core.html_dumps import enterprise_siteinfo, is_enterprise_dump

    if is_enterprise_dump(path):
        return enterprise_siteinfo(path)
    with open_binary(path) as fh:
        try:
            site = mwxml.Dump.from_file(fh).site_info
        except (ParseError, Exception) as exc:  # mwxml raises plain exceptions on a bad header
            raise DumpFormatError(path, None, None, f"not a MediaWiki XML export ({exc})") from exc
        return SiteInfo(site.name or "", site.dbname or "", site.base or "", site.generator or "")


class _CountingReader(io.RawIOBase):
    """Passes bytes through to the XML parser and remembers how far it got, for error positions."""

    def __init__(self, fh):
        self.fh, self.bytes, self.lines = fh, 0, 1

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        data = self.fh.read(len(buf))
        n = len(data)
        buf[:n] = data
        self.bytes += n
        self.lines += data.count(b"\n")
        return n


def _line_start_byte(path: str | Path, line: int) -> int | None:
    """Byte offset (in the decompressed stream) where a line starts: read again, only on errors."""
    try:
        with open_binary(path) as fh:
            offset = 0
            for n, raw in enumerate(fh, start=1):
                if n == line:
                    return offset
                offset += len(raw)
    except Exception:  # the file is broken anyway; the line number still stands
        return None
    return None


def _pages_of(dump) -> Iterator[Page]:
    for page in dump:
        if page.namespace != 0:
            for _ in page:
                pass
            continue
        text = ""
        for rev in page:
            text = rev.text or ""
        redirect = normalize_title(page.redirect) if page.redirect else None
        yield Page(int(page.id), normalize_title(page.title), 0, redirect, text)


def iter_pages(path: str | Path, threads: int = 1) -> Iterator[Page]:
    """Pages of namespace 0 (articles and redirects), latest revision each.

    A multistream dump with its index beside it (`...-multistream-index.txt.bz2`) is read in
    parallel, groups of streams on `threads` processes; any other dump streams through mwxml (bz2
    blocks decoded on `threads` cores). An Enterprise HTML dump (detected from its content) yields
    its articles' rendered HTML as the page text and their QIDs. Bad input raises DumpFormatError
    naming file, line and byte."""
    from instructie_assets.core.html_dumps import is_enterprise_dump, iter_enterprise_pages

    if is_enterprise_dump(path):
        yield from iter_enterprise_pages(path)
        return
    index = multistream_index_for(path)
    if index is not None and threads > 1:
        yield from iter_multistream_pages(path, index, workers=threads)
        return
    with open_binary(path, threads) as raw:
        fh = _CountingReader(raw)
        try:
            yield from _pages_of(mwxml.Dump.from_file(io.BufferedReader(fh, 1 << 16)))
        except ParseError as exc:
            line, col = getattr(exc, "position", (None, None))
            start = _line_start_byte(path, line) if line else None
            raise DumpFormatError(path, line, None if start is None else start + (col or 0), f"malformed XML: {exc}") from exc
        except (EOFError, OSError, RuntimeError, zlib.error) as exc:
            raise DumpFormatError(path, fh.lines, fh.bytes, f"truncated or corrupt archive ({exc})") from exc
        except UnicodeDecodeError as exc:
            raise DumpFormatError(path, fh.lines, fh.bytes, f"invalid UTF-8 ({exc.reason})") from exc
        except AssertionError as exc:  # mwxml asserts the root element
            raise DumpFormatError(path, 1, 0, "not a MediaWiki XML export (no <mediawiki> root)") from exc


# ------------------------------------------------------------------------------ multistream dumps

def multistream_index_for(path: str | Path) -> Path | None:
    """`x-pages-articles-multistream.xml.bz2` -> `x-pages-articles-multistream-index.txt.bz2` if present."""
    p = Path(path)
    if not p.name.endswith(".xml.bz2"):
        return None
    index = p.with_name(p.name[: -len(".xml.bz2")] + "-index.txt.bz2")
    return index if index.exists() else None


def read_multistream_index(index: str | Path) -> list[int]:
    """Sorted distinct byte offsets of the page streams (lines `offset:page_id:title`)."""
    offsets: set[int] = set()
    with open_binary(index) as fh:
        for n, raw in enumerate(fh, start=1):
            head = raw.split(b":", 1)[0].strip()
            if not head:
                continue
            if not head.isdigit():
                raise DumpFormatError(index, n, None, f"not an index line: {raw[:60]!r}")
            offsets.add(int(head))
    return sorted(offsets)


def stream_ranges(path: str | Path, offsets: list[int]) -> list[tuple[int, int]]:
    """Byte range of every page stream (the last ends where the footer stream starts, or at the end)."""
    bounds = offsets + [Path(path).stat().st_size]
    return [(bounds[i], bounds[i + 1]) for i in range(len(offsets))]


def group_ranges(ranges: list[tuple[int, int]], group_size: int = 50) -> list[tuple[int, int]]:
    """Consecutive stream ranges merged into work units of `group_size` streams."""
    return [(ranges[i][0], ranges[min(i + group_size, len(ranges)) - 1][1]) for i in range(0, len(ranges), group_size)]


def _header(path: str | Path, first_offset: int) -> bytes:
    with open(path, "rb") as fh:
        head = fh.read(first_offset)
    return bz2.decompress(head)


def parse_stream_group(path: str, header: bytes, start: int, end: int) -> list[Page]:
    """Pages of the bz2 streams in [start, end) of a multistream dump (runs in a worker process)."""
    with open(path, "rb") as fh:
        fh.seek(start)
        raw = fh.read(end - start)
    try:
        body = bz2.decompress(raw)
    except (OSError, EOFError, ValueError) as exc:
        raise DumpFormatError(path, None, start, f"corrupt bz2 stream in bytes {start}-{end} ({exc})") from exc
    if body.rstrip().endswith(b"</mediawiki>"):  # the last group may carry the footer
        body = body.rstrip()[: -len(b"</mediawiki>")]
    doc = header + body + b"</mediawiki>\n"
    try:
        return list(_pages_of(mwxml.Dump.from_file(io.BytesIO(doc))))
    except ParseError as exc:
        line, col = getattr(exc, "position", (0, 0))
        line_in_group = max(1, line - header.count(b"\n"))
        raise DumpFormatError(path, None, start, f"malformed XML in the streams at bytes {start}-{end}, line {line_in_group} of them (column {col}): {exc}") from exc


def iter_multistream_pages(
    path: str | Path, index: str | Path, workers: int = 0, shard: tuple[int, int] = (0, 1), group_size: int = 50
) -> Iterator[Page]:
    """Pages of a multistream dump, stream groups decoded and parsed on `workers` processes, in dump
    order; `shard=(k, n)` keeps the k-th of n contiguous runs of groups (one machine's part)."""
    path = str(path)
    offsets = read_multistream_index(index)
    if not offsets:
        return
    header = _header(path, offsets[0])
    ranges = stream_ranges(path, offsets)
    k, n = shard
    per = -(-len(ranges) // n)
    groups = group_ranges(ranges[k * per:(k + 1) * per], group_size)
    workers = workers or os.cpu_count() or 1
    for pages in ordered_map(parse_stream_group, ((path, header, start, end) for start, end in groups), workers):
        yield from pages
