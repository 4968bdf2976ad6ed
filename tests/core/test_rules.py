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
    """The split is sha256(seed:split:article_id) against the cumulative ratios (README), computed here
    from the formula: [0, 0.8) train, [0.8, 0.9) valid, [0.9, 1) test."""
    import hashlib

    ratios = (0.8, 0.1, 0.1)

    def expected(article_id: str, seed: int = 42) -> str:
        u = int.from_bytes(hashlib.sha256(f"{seed}:split:{article_id}".encode()).digest()[:8], "big") / 2**64
        return "train" if u < 0.8 else "valid" if u < 0.9 else "test"

    articles = [f"en:{i}" for i in range(2000)]
    splits = {a: assign_split(a, ratios, 42) for a in articles}
    assert splits == {a: expected(a) for a in articles}
    assert {a: assign_split(a, ratios, 7) for a in articles[:200]} == {a: expected(a, 7) for a in articles[:200]}  # the seed counts
    counts = {s: sum(v == s for v in splits.values()) for s in ("train", "valid", "test")}
    assert 1500 < counts["train"] < 1700 and 150 < counts["valid"] < 250 and 150 < counts["test"] < 250, counts
    # known articles of the one-asset tests' corpus, one per split
    assert [assign_split(a, ratios, 42) for a in ("en:101", "en:113", "en:114")] == ["train", "valid", "test"]


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
                "relation": "place of birth", "relation_label": "place of birth", "property": "P19", "statement_kind": "item", "language": "en", **kw}

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


def test_schema_rule_per_language_and_type_rule():
    """The schema rule reads the relation's properties in the triple's language; the type rule drops a
    listed statement whose head or tail type the relation does not allow (alias pairs too)."""
    from instructie_assets.core.filtering import schema_reason
    from instructie_assets.core.schemas import load_project_config
    from instructie_assets.paths import RESOURCE_DIR, SCHEMA_DIR

    schema = load_project_config(SCHEMA_DIR, RESOURCE_DIR).schemas["person"]
    row = {"relation": "place of birth", "property": "P19", "statement_kind": "item", "head_type": "human", "tail_type": "geographic_region",
           "language": "en"}
    assert schema_reason(row, schema) is None
    assert schema_reason({**row, "tail_type": "human"}, schema) == "type"
    assert schema_reason({**row, "property": "P20"}, schema) == "schema"
    death = {**row, "relation": "place of death", "property": "P20"}
    assert schema_reason(death, schema, "en") is None and schema_reason(death, schema, "zh") == "schema"  # ZH: P119 (墓地)
    alias = {**row, "relation": "alternative name", "property": "alias", "statement_kind": "alias", "tail_type": "human"}
    assert schema_reason(alias, schema) is None and schema_reason({**alias, "head_type": "organization", "tail_type": "organization"}, schema) == "type"
