import json

import polars as pl
import pytest

from instructie_assets.core.filtering import keep_probability, seeded_uniform
from instructie_assets.core.instructions import FORMATS, TEMPLATES, assign_split, serialize
from instructie_assets.core.evaluation import triple_prf
from instructie_assets.core.values import render_quantity, render_time, unit_words


def test_date_forms_by_precision():
    assert render_time("+2009-12-04T00:00:00Z", 11, "en")[:2] == ["4 December 2009", "December 4, 2009"]
    assert "Dec. 2009" in render_time("+2009-12-04T00:00:00Z", 11, "en")
    assert render_time("+2009-12-00T00:00:00Z", 10, "en") == ["December 2009", "Dec. 2009", "2009"]
    assert render_time("+2009-12-04T00:00:00Z", 11, "zh") == ["2009年12月4日", "2009年12月", "2009年"]
    assert render_time("+1632-00-00T00:00:00Z", 9, "zh") == ["1632年"]


def test_quantity_with_unit_alias():
    words = unit_words("Q11573", "en", ["metre", "m"])
    forms = render_quantity("+330", words, "en")
    assert "330 metres" in forms and "330 m" in forms and "330m" in forms
    assert "3,755,251" in render_quantity("+3755251", [], "en")
    assert "8848.86米" in render_quantity("+8848.86", unit_words("Q11573", "zh", ["米"]), "zh")


def test_sampling_is_seeded_and_falls_with_frequency():
    assert keep_probability(10, 100, 0.5) == 1.0
    assert keep_probability(400, 100, 0.5) == pytest.approx(0.5)
    assert seeded_uniform(1, "a") == seeded_uniform(1, "a") != seeded_uniform(2, "a")


def test_split_is_stable_by_article():
    ratios = (0.8, 0.1, 0.1)
    splits = {f"en:{i}": assign_split(f"en:{i}", ratios, 42) for i in range(2000)}
    assert {assign_split(a, ratios, 42) for a in list(splits)[:5]} <= set(splits.values())
    assert all(assign_split(a, ratios, 42) == s for a, s in splits.items())
    share = sum(s == "train" for s in splits.values()) / len(splits)
    assert 0.75 < share < 0.85


def test_sixteen_distinct_prompts_per_language():
    for lang in ("en", "zh"):
        prompts = {t.format(labels="[a, b]", format=f) for t in TEMPLATES[lang] for f in FORMATS[lang]}
        assert len(prompts) == 16


def test_output_formats():
    t = [{"head": "Paris", "relation": "located in", "tail": "France"}]
    assert serialize(t, 0, "en") == "(Paris,located in,France)"
    assert serialize(t, 1, "en") == "head is Paris, relation is located in, tail is France"
    assert serialize(t, 2, "en") == "located in: Paris, France"
    assert json.loads(serialize(t, 3, "en")) == t


def test_micro_f1_by_hand():
    gold = [{"id": "a", "text": "x", "relation": [{"head": "A", "relation": "r", "tail": "B"}, {"head": "A", "relation": "r", "tail": "C"}]},
            {"id": "b", "text": "y", "relation": [{"head": "D", "relation": "s", "tail": "E"}]}]
    pred = [{"id": "a", "text": "x", "relation": [{"head": "A", "relation": "r", "tail": "B"}, {"head": "A ", "relation": "r", "tail": "Z"}]}]
    prf = triple_prf(gold, pred)  # tp=1, predicted=2, gold=3 (record b had no prediction: its triple is a miss)
    assert (prf.true_positives, prf.predicted, prf.gold) == (1, 2, 3)
    assert prf.f1 == pytest.approx(2 * 0.5 * (1 / 3) / (0.5 + 1 / 3))


def test_quality_figures_catch_violations_and_offsets():
    from instructie_assets.core.filtering import FILTERED_SCHEMA
    from instructie_assets.core.quality import gold_scores, partition_yield, schema_violations, spans_at_offsets
    from instructie_assets.core.schemas import load_project_config
    from instructie_assets.paths import RESOURCE_DIR, SCHEMA_DIR

    schema = load_project_config(SCHEMA_DIR, RESOURCE_DIR).schemas["person"]
    text = "Douglas Adams was born in Cambridge."
    base = {k: None for k in FILTERED_SCHEMA}

    def row(**kw):
        return {**base, "paragraph_id": "p1", "article_id": "a1", "head": "Douglas Adams", "head_start": 0, "head_end": 13,
                "head_type": "human", "tail": "Cambridge", "tail_written": "Cambridge", "tail_start": 26, "tail_end": 35, "tail_type": "geographic_region",
                "relation": "place of birth", "relation_label": "place of birth", "property": "P19", "statement_kind": "item", **kw}

    filtered = pl.DataFrame([
        row(),
        row(tail_type="human", triple_id="bad-type"),  # kept although its tail type is not allowed
        row(relation="place of death", relation_label="place of death", property="P20", tail_start=25, triple_id="off-by-one"),
        row(drop_reason="schema", relation="genre"),
    ], schema=FILTERED_SCHEMA)
    paragraphs = pl.DataFrame({"paragraph_id": ["p1", "p2"], "text": [text, "Another paragraph."]})
    assert schema_violations(filtered, schema) == {"schema": 0, "type": 1}
    spans = spans_at_offsets(filtered, paragraphs)
    assert spans["head_share"] == 1.0 and spans["tail_share"] == pytest.approx(2 / 3)
    y = partition_yield(filtered, paragraphs)
    assert (y.paragraphs, y.paragraphs_with_triples, y.kept_triples, y.label_combinations) == (2, 1, 3, 1)
    assert y.drop_rates["schema"] == 0.25
    gold = [{"text": text, "relation": [{"head": "Douglas Adams", "relation": "place of birth", "tail": "Cambridge"}]}]
    scores = gold_scores(filtered, paragraphs, gold)
    assert (scores.true_positives, scores.predicted, scores.gold) == (1, 2, 1)
    assert gold_scores(filtered, paragraphs, [{"text": "not here", "relation": []}]) is None
