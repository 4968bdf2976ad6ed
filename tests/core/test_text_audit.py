"""The text audit: it finds each kind of debris, and real pages come out with none."""

import os
from collections import Counter
from pathlib import Path

import pytest

from bench.text_audit import GATED, STORED, page_sets, render
from instructie_assets.core.text_audit import audit_page, audit_pages


def test_the_audit_finds_each_kind_of_debris():
    wikitext = ("'''X''' ({{Frob}}; {{Frob}}; born 1941) is [[A]], and [[wikt:b|bee]].\n"
                "Columnists:\n*[[Pierre Berton]]\n*Debra Black\n")
    texts = ["X (; ; born 1941) is A, , and The Star'''s {{x}}", "Columnists: Pierre Berton Debra Black"]
    r = audit_page(wikitext, "en", texts, Counter({"frob": 2}))
    assert r.counts["empty_brackets"] == 1 and r.counts["orphan_separators"] == 2
    assert r.counts["quote_debris"] == 1 and r.counts["markup_debris"] == 2  # `{{` and `}}`
    assert r.counts["glued_lists"] == 1
    assert r.examples["dropped_link_text"] == ["bee"]
    assert r.unknown_templates == {"frob": 2}
    zh = audit_page("'''甲'''（{{Frob}}，）是城市。", "zh", ["甲（，）是城市。"], None)
    assert zh.counts["empty_brackets"] == 1 and zh.unknown_templates == {"frob": 1}


def _audit(directory: Path):
    sets = page_sets([directory])
    assert sets, f"no pages under {directory}"
    return [(name, audit_pages(pages, render)) for name, pages in sets]


def test_stored_real_pages_render_without_debris():
    for name, report in _audit(STORED):
        assert report.pages >= 3, name
        assert {k: report.counts.get(k, 0) for k in GATED + ("orphan_separators", "dropped_link_text")} == dict.fromkeys(
            GATED + ("orphan_separators", "dropped_link_text"), 0), (name, report.examples)


def test_shared_real_pages_render_without_debris():
    shared = Path(os.environ.get("INSTRUCTIE_REAL_PAGES") or Path(__file__).resolve().parents[3] / "shared" / "real-pages")
    if not (shared / "enwiki").is_dir():
        pytest.skip(f"no real pages at {shared} (set INSTRUCTIE_REAL_PAGES)")
    for name, report in _audit(shared):
        assert {k: report.counts.get(k, 0) for k in GATED} == dict.fromkeys(GATED, 0), (name, report.examples)
