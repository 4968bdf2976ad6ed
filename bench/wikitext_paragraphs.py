"""BENCH wikitext-paragraphs: our wikitext -> paragraphs with link anchors vs the naive loop
`code = mwparserfromhell.parse(text); code.strip_code(); code.filter_wikilinks()` on generated
realistic pages (EN and ZH).

Gate: at least 99% of the baseline's running-text links become anchors (its article links that are
not inside a template, a <ref>, a file caption or a skipped section such as References or See also),
every anchor's text stands in its paragraph at its offsets, and no `{{`, `[[` or `<ref` is left in
any paragraph; the stage function (`paragraphs_of`, worker processes on all cores) keeps exactly the
paragraphs of 50-512 tokens. `ratio` is the stage's pages/s over the naive loop's (one process);
`single_process_ratio` is ours in one process. Also printed: the projected hours for the EN and ZH
dumps (about 6.8 M and 1.4 M articles) at the stage's measured rate on this machine.
"""

from __future__ import annotations

import sys
import time
from collections import Counter

import mwparserfromhell
import polars as pl
from mwparserfromhell.nodes import Heading, Tag, Template, Wikilink

from bench.common import machine, report
from bench.generate import wikipedia_pages
from instructie_assets.core.articles import ARTICLE_SCHEMA, paragraphs_of
from instructie_assets.core.wikitext import INTERLANGUAGE, count_tokens, SKIPPED_LINK_PREFIXES, SectionSkipper, normalize_title, split_paragraphs, wikitext_to_plain

ARTICLES = {"en": 6_800_000, "zh": 1_400_000}


def baseline(text: str) -> tuple[str, list]:
    code = mwparserfromhell.parse(text)
    return code.strip_code(), code.filter_wikilinks()


def running_text_links(text: str) -> Counter:
    """Targets of the links a reader sees in the article's prose (what anchors should cover)."""
    code = mwparserfromhell.parse(text)
    in_skipped_section: dict[int, bool] = {}
    sections = SectionSkipper()
    for node in code.nodes:
        if isinstance(node, Heading):
            sections.heading(node.level, node.title.strip_code())
        in_skipped_section[id(node)] = sections.skipping
    out: Counter = Counter()
    for link in code.filter_wikilinks():
        target = str(link.title).strip()
        prefix = target.lstrip(":").split(":", 1)[0].strip().lower() if ":" in target else ""
        if target.startswith("#") or (prefix and (prefix in SKIPPED_LINK_PREFIXES or INTERLANGUAGE.match(prefix))):
            continue
        ancestors = code.get_ancestors(link)
        top = ancestors[0] if ancestors else link
        if in_skipped_section.get(id(top)):
            continue
        if any(isinstance(a, Template) or (isinstance(a, Tag) and str(a.tag).lower() == "ref") or isinstance(a, Wikilink) for a in ancestors):
            continue  # inside a template, a reference, or a file caption
        out[normalize_title(target)] += 1
    return out


def ours(text: str, language: str):
    return split_paragraphs(wikitext_to_plain(text, simplify=language == "zh"))


def stage_frame(pages: list[str], language: str) -> pl.DataFrame:
    rows = [(f"{language}:{i}", i, f"T{i}", f"Q{i}", "bench", "", t, language) for i, t in enumerate(pages)]
    return pl.DataFrame(rows, schema=ARTICLE_SCHEMA, orient="row")


def main(pages_per_language: int = 1500) -> bool:
    rates, gate, coverage = {}, True, []
    for language in ("en", "zh"):
        pages = [t for _, _, t, redirect in wikipedia_pages(pages_per_language + pages_per_language // 9 + 1, language, seed=21) if redirect is None]
        pages = pages[:pages_per_language]
        start = time.perf_counter()
        for t in pages:
            baseline(t)
        base_s = time.perf_counter() - start
        start = time.perf_counter()
        results = [ours(t, language) for t in pages]
        single_s = time.perf_counter() - start
        # the stage as it runs: paragraphs_of on all cores (worker processes), token filter included
        frame = stage_frame(pages, language)
        start = time.perf_counter()
        staged = paragraphs_of(frame, "bench", language, workers=0)
        ours_s = time.perf_counter() - start
        kept = sum(1 for ps in results for p in ps if 50 <= count_tokens(p.text, language) <= 512)
        gate = gate and staged.height == kept
        rates[language] = (len(pages) / ours_s, len(pages) / base_s, len(pages) / single_s)
        expected = found = 0
        for t, paragraphs in zip(pages, results):
            want = running_text_links(t)
            got = Counter(a.target for p in paragraphs for a in p.anchors)
            expected += sum(want.values())
            found += sum((want & got).values())
            for p in paragraphs:
                if "{{" in p.text or "[[" in p.text or "<ref" in p.text or any(p.text[a.start:a.end] != a.text for a in p.anchors):
                    gate = False
        coverage.append(found / expected if expected else 1.0)
    gate = gate and min(coverage) >= 0.99
    ours_total = sum(pages_per_language / r[0] for r in rates.values())
    base_total = sum(pages_per_language / r[1] for r in rates.values())
    report(
        "wikitext-paragraphs", base_total / ours_total, gate, pages=2 * pages_per_language,
        ratio_en=rates["en"][0] / rates["en"][1], ratio_zh=rates["zh"][0] / rates["zh"][1],
        single_process_ratio=base_total / sum(pages_per_language / r[2] for r in rates.values()),
        ours_pages_per_s_en=rates["en"][0], ours_pages_per_s_zh=rates["zh"][0],
        baseline_pages_per_s_en=rates["en"][1], baseline_pages_per_s_zh=rates["zh"][1],
        link_coverage_en=coverage[0], link_coverage_zh=coverage[1],
        projected_hours_en=ARTICLES["en"] / rates["en"][0] / 3600, projected_hours_zh=ARTICLES["zh"] / rates["zh"][0] / 3600,
        machine=machine(),
    )
    return gate


if __name__ == "__main__":
    raise SystemExit(0 if main(int(sys.argv[1]) if len(sys.argv) > 1 else 1500) else 1)
