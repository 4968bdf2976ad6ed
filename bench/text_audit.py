"""BENCH text-audit: debris in the paragraphs of real Wikipedia pages (see core/text_audit.py).

    python -m bench.text_audit [DIR ...]

Pages: `*.txt` wikitext under `enwiki/` and `zhwiki/` of each DIR; by default the pages stored in
the project (tests/real_pages) and, when it exists, `$INSTRUCTIE_REAL_PAGES` (a folder laid
out the same way, such as the team's shared real-pages). Prints the counts per debris kind and per
folder, then one line `BENCH text-audit ratio=<kept paragraphs with merge_short / without> gate=...`:
the gate passes when no page shows empty brackets, quote debris, markup debris or glued lists.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bench.common import machine, report
from instructie_assets.core import wikitext as wt
from instructie_assets.core.text_audit import AuditReport, audit_pages

ROOT = Path(__file__).resolve().parents[1]
STORED = ROOT / "tests" / "real_pages"
GATED = ("empty_brackets", "quote_debris", "markup_debris", "glued_lists")


def page_sets(dirs: list[Path]) -> list[tuple[str, list[tuple[str, str]]]]:
    out = []
    for d in dirs:
        for language in ("en", "zh"):
            files = sorted((d / f"{language}wiki").glob("*.txt"))
            if files:
                out.append((f"{d.name}/{language}wiki", [(f.read_text(encoding="utf-8"), language) for f in files]))
    return out


def render(wikitext: str, language: str, merge_short: bool = False):
    plain = wt.wikitext_to_plain(wikitext, simplify=language == "zh")
    paragraphs = wt.split_paragraphs(plain)
    if merge_short and hasattr(wt, "merge_short_paragraphs"):
        paragraphs = wt.merge_short_paragraphs(paragraphs, language)
    return [(p.text, [a.target for a in p.anchors]) for p in paragraphs], getattr(plain, "dropped_templates", None)


def default_dirs() -> list[Path]:
    dirs = [STORED]
    shared = os.environ.get("INSTRUCTIE_REAL_PAGES")
    if shared and Path(shared).is_dir():
        dirs.append(Path(shared))
    return dirs


def main(argv: list[str] | None = None) -> bool:
    dirs = [Path(a) for a in argv or []] or default_dirs()
    total, merged_total = AuditReport(), AuditReport()
    rendered = getattr(wt, "RENDERED_TEMPLATES", set())
    for name, pages in page_sets(dirs):
        r = audit_pages(pages, render, rendered_names=rendered)
        m = audit_pages(pages, lambda t, lang: render(t, lang, merge_short=True), rendered_names=rendered)
        print(f"== {name}: " + " ".join(r.lines()[:-1]))
        print(f"   with merge_short: kept_50_512={m.kept_paragraphs} kept_anchors={m.kept_anchors} kept_anchor_pairs={m.kept_anchor_pairs}")
        print("   " + r.lines()[-1])
        for kind in GATED + ("orphan_separators", "dropped_link_text"):
            for example in r.examples.get(kind, [])[:3]:
                print(f"   {kind}: {example!r}")
        total.add(r)
        merged_total.add(m)
    gate = total.pages > 0 and all(total.counts.get(k, 0) == 0 for k in GATED)
    ratio = merged_total.kept_paragraphs / total.kept_paragraphs if total.kept_paragraphs else 0.0
    report("text-audit", ratio, gate, pages=total.pages, paragraphs=total.paragraphs, kept=total.kept_paragraphs,
           kept_with_merge_short=merged_total.kept_paragraphs, anchor_pairs=total.kept_anchor_pairs,
           anchor_pairs_with_merge_short=merged_total.kept_anchor_pairs,
           **{k: total.counts.get(k, 0) for k in GATED + ("orphan_separators", "dropped_link_text")},
           unknown_templates=sum(total.unknown_templates.values()), machine=machine())
    return gate


if __name__ == "__main__":
    raise SystemExit(0 if main(sys.argv[1:]) else 1)
