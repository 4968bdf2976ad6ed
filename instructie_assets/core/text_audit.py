"""A text audit of rendered paragraphs against their wikitext: how much debris a reader would see.

Each kind is counted on every paragraph a page yields (short ones included), judged from the
source with mwparserfromhell alone, so the audit does not trust the renderer it audits:

- `empty_brackets`: a bracket left empty or opened/closed by a bare separator by removed content
  ("Kristeva (; ; born", "罗思（Veronica Roth，）", "()").
- `orphan_separators`: two separators with nothing between them (", ,", "，、").
- `quote_debris`: bold/italic apostrophes left in the text ("The Star'''s").
- `markup_debris`: `{{`, `}}`, `[[`, `]]` or an HTML tag in the text.
- `glued_lists`: two consecutive source lines, one of them a list item, read as one run of text
  ("Pierre Berton Debra Black").
- `dropped_link_text`: a link in the page's running text whose displayed text is nowhere in the
  output (interwiki, wiktionary, interlanguage links included; lists and skipped sections excluded).
- `unknown_templates`: templates in the running text that the renderer dropped, by name.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable

import mwparserfromhell
from mwparserfromhell.nodes import Heading, Template, Wikilink

from instructie_assets.core.chinese import to_simplified

SEPARATORS = ";,，；、"
OPEN, CLOSE = "(（[【", ")）]】"
EMPTY_BRACKETS = re.compile(
    rf"[{re.escape(OPEN)}]\s*(?:[{SEPARATORS}:：]\s*)*[{re.escape(CLOSE)}]"  # (), ( ; ), （，）
    rf"|[{re.escape(OPEN)}]\s*[{SEPARATORS}]"  # (; born
    rf"|[{SEPARATORS}]\s*[{re.escape(CLOSE)}]"  # Roth，）
)
ORPHAN_SEPARATORS = re.compile(rf"[{SEPARATORS}]\s*[{SEPARATORS}]")
QUOTE_DEBRIS = re.compile(r"''")
MARKUP_DEBRIS = re.compile(r"\{\{|\}\}|\[\[|\]\]|</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
LIST_LINE = re.compile(r"^[ \t]*[*#;:]")
HIDDEN_LINK_PREFIXES = {"file", "image", "category", "文件", "檔案", "档案", "图像", "圖像", "分类", "分類"}
INTERLANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z]+)?$")
SKIPPED_SECTIONS = {
    "references", "external links", "see also", "notes", "further reading", "bibliography", "sources", "footnotes",
    "参考文献", "參考文獻", "参考资料", "參考資料", "外部链接", "外部連結", "参见", "參見", "注释", "註釋", "延伸阅读", "延伸閱讀", "脚注", "腳註",
}
KINDS = ("empty_brackets", "orphan_separators", "quote_debris", "markup_debris", "glued_lists", "dropped_link_text")

# render(wikitext, language) -> (every paragraph's text, or (text, anchor targets); templates dropped by name or None)
Render = Callable[[str, str], tuple[list, "Counter | None"]]


@dataclass
class AuditReport:
    pages: int = 0
    paragraphs: int = 0
    kept_paragraphs: int = 0
    # what the kept paragraphs offer the matcher: linked entities, and pairs of them in one paragraph
    # (each pair is a place a stated triple can be found: a proxy for candidate triples)
    kept_anchors: int = 0
    kept_anchor_pairs: int = 0
    counts: Counter = field(default_factory=Counter)
    unknown_templates: Counter = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, other: "AuditReport") -> None:
        self.pages += other.pages
        self.paragraphs += other.paragraphs
        self.kept_paragraphs += other.kept_paragraphs
        self.kept_anchors += other.kept_anchors
        self.kept_anchor_pairs += other.kept_anchor_pairs
        self.counts.update(other.counts)
        self.unknown_templates.update(other.unknown_templates)
        for k, v in other.examples.items():
            self.examples.setdefault(k, []).extend(v)

    def lines(self) -> list[str]:
        out = [f"pages={self.pages} paragraphs={self.paragraphs} kept_50_512={self.kept_paragraphs} "
               f"kept_anchors={self.kept_anchors} kept_anchor_pairs={self.kept_anchor_pairs}"]
        out += [f"{k}={self.counts.get(k, 0)}" for k in KINDS]
        top = ", ".join(f"{n} {c}" for n, c in self.unknown_templates.most_common(25))
        out.append(f"unknown_templates={sum(self.unknown_templates.values())} ({top})")
        return out


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def _strip(wikitext: str) -> str:
    return _norm(mwparserfromhell.parse(wikitext).strip_code())


def _kept_lines(wikitext: str) -> list[str]:
    """Source lines outside skipped sections, comments and refs removed."""
    text = re.sub(r"<!--.*?(?:-->|\Z)", "", wikitext, flags=re.S)
    text = re.sub(r"<ref\b[^>]*?/>|<ref\b[^>]*>.*?</ref\s*>", "", text, flags=re.S | re.I)
    lines, skipping = [], None
    for line in text.split("\n"):
        m = re.match(r"^(={1,6})\s*(.+?)\s*\1\s*$", line)
        if m:
            level, title = len(m.group(1)), _strip(m.group(2)).lower()
            if skipping is not None and level <= skipping:
                skipping = None
            if skipping is None and title in SKIPPED_SECTIONS:
                skipping = level
            lines.append("")
            continue
        lines.append("" if skipping is not None else line)
    return lines


def glued_lists(wikitext: str, texts: list[str], simplify: bool) -> list[str]:
    """Paragraphs (each once) that run a list item into the next line (or a line into a list item)."""
    lines = _kept_lines(wikitext)
    found = []
    for a, b in zip(lines, lines[1:]):
        if not (LIST_LINE.match(a) or LIST_LINE.match(b)) or a.strip().startswith(("{", "|", "!")) or b.strip().startswith(("{", "|", "!")):
            continue
        ta, tb = _strip(re.sub(r"^[ \t]*[*#;:]+", "", a)), _strip(re.sub(r"^[ \t]*[*#;:]+", "", b))
        if simplify:
            ta, tb = to_simplified(ta), to_simplified(tb)
        if len(ta) < 3 or len(tb) < 3:
            continue
        probe = ta[-12:] + " " + tb[:12]
        found += [t for t in texts if probe in t and t not in found]
    return found


def dropped_link_text(wikitext: str, texts: list[str], simplify: bool) -> list[str]:
    """Displayed texts of running-text links that the output lost: a text shown by n links must
    occur at least n times in the output."""
    joined = " ".join(texts)
    code = mwparserfromhell.parse("\n".join(line for line in _kept_lines(wikitext) if not LIST_LINE.match(line)))
    shown_counts: Counter = Counter()
    for node in code.nodes:
        if not isinstance(node, Wikilink):
            continue
        target = str(node.title).strip()
        prefix = target.split(":", 1)[0].strip().lower() if ":" in target else ""
        if prefix and not target.startswith(":") and (prefix in HIDDEN_LINK_PREFIXES or INTERLANGUAGE.match(prefix)):
            continue
        shown = _strip(str(node.text)) if node.text is not None else _norm(target.lstrip(":").split("#", 1)[0])
        if simplify:
            shown = to_simplified(shown)
        if len(shown) >= 2:
            shown_counts[shown] += 1
    return [s for s, n in shown_counts.items() for _ in range(max(0, n - joined.count(s)))]


def prose_templates(wikitext: str) -> Counter:
    """Templates at the top level of the running text (outside skipped sections), by name."""
    code = mwparserfromhell.parse("\n".join(_kept_lines(wikitext)))
    return Counter(str(t.name).strip().lower().replace("_", " ") for t in code.nodes if isinstance(t, Template))


def audit_page(wikitext: str, language: str, texts: list, dropped: Counter | None, min_tokens: int = 50,
               max_tokens: int = 512, rendered_names: set[str] | None = None) -> AuditReport:
    from instructie_assets.core.wikitext import count_tokens

    simplify = language == "zh"
    targets = [t[1] if isinstance(t, tuple) else [] for t in texts]
    texts = [t[0] if isinstance(t, tuple) else t for t in texts]
    r = AuditReport(pages=1, paragraphs=len(texts))
    for text, linked in zip(texts, targets):
        if min_tokens <= count_tokens(text, language) <= max_tokens:
            distinct = len(set(linked))
            r.kept_paragraphs += 1
            r.kept_anchors += len(linked)
            r.kept_anchor_pairs += distinct * (distinct - 1) // 2
    for kind, pattern in (("empty_brackets", EMPTY_BRACKETS), ("orphan_separators", ORPHAN_SEPARATORS),
                          ("quote_debris", QUOTE_DEBRIS), ("markup_debris", MARKUP_DEBRIS)):
        for t in texts:
            for m in pattern.finditer(t):
                r.counts[kind] += 1
                r.examples.setdefault(kind, []).append(t[max(0, m.start() - 40):m.end() + 40])
    glued = glued_lists(wikitext, texts, simplify)
    r.counts["glued_lists"] = len(glued)
    r.examples["glued_lists"] = [g[:160] for g in glued]
    lost = dropped_link_text(wikitext, texts, simplify)
    r.counts["dropped_link_text"] = len(lost)
    r.examples["dropped_link_text"] = lost
    if dropped is None:  # a renderer that does not report: every prose template it does not render
        dropped = Counter({n: c for n, c in prose_templates(wikitext).items() if n not in (rendered_names or set())})
    r.unknown_templates = Counter(dropped)
    return r


def audit_pages(pages: Iterable[tuple[str, str]], render: Render, **kwargs) -> AuditReport:
    """Audit (wikitext, language) pages rendered by `render`."""
    total = AuditReport()
    for wikitext, language in pages:
        texts, dropped = render(wikitext, language)
        total.add(audit_page(wikitext, language, texts, dropped, **kwargs))
    return total
