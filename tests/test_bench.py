"""The benchmarks' correctness gates on small inputs (speed itself is measured by `make bench`)."""

from bench.common import report
from bench.gazetteer import article_sets, run_regime
from instructie_assets.core.gazetteer import Gazetteer


def test_gazetteer_matches_equal_regex_alternation_on_generated_articles():
    for language in ("en", "zh"):
        result = run_regime(article_sets(language, articles=5, per_article=50, chars=800, seed=7), language == "en")
        assert result["same"] and result["matches"] > 0


def test_gazetteer_boundaries_and_leftmost_longest():
    g = Gazetteer([("New York", 1), ("New York City", 2), ("York", 3), ("Yorkshire", 4)], word_boundaries=True)
    text = "New York City and Yorkshire, not Yorkshires or NewYork."
    assert g.leftmost_longest(text) == [(0, 13, "New York City"), (18, 27, "Yorkshire")]
    assert {(s, e) for s, e, _, _ in g.occurrences(text)} == {(0, 8), (0, 13), (4, 8), (18, 27)}
    zh = Gazetteer([("北京", 1), ("北京大学", 2)], word_boundaries=False)
    assert zh.leftmost_longest("他在北京大学读书，住在北京。") == [(2, 6, "北京大学"), (11, 13, "北京")]
    assert len(Gazetteer([], True)) == 0 and Gazetteer([], True).leftmost_longest("x") == []


def test_report_line_format(capsys):
    line = report("demo", 3.14159, True, pairs=512, rate=1234.5)
    assert line == "BENCH demo ratio=3.14 gate=pass pairs=512 rate=1234"
    assert capsys.readouterr().out.strip() == line
