"""The NLI filter: templates, the real transformers loading path with a tiny model, the filter rule."""


import polars as pl
import pytest

from instructie_assets.clients import NliSettings
from instructie_assets.core.filtering import FILTERED_SCHEMA, FilterOptions, filter_triples
from instructie_assets.core.matching import TRIPLE_SCHEMA
from instructie_assets.core.models import ModelLoadError, length_sorted_batches, load_pretrained
from instructie_assets.core.nli import LexicalNli, TransformersNli, load_nli_templates, nli_scores
from instructie_assets.core.schemas import SchemaError, load_project_config
from instructie_assets.paths import RESOURCE_DIR, SCHEMA_DIR

CONFIG = load_project_config(SCHEMA_DIR, RESOURCE_DIR)


def test_every_relation_of_every_theme_has_templates_in_both_languages():
    templates = load_nli_templates(RESOURCE_DIR / "nli_templates", CONFIG.schemas)
    for schema in CONFIG.schemas.values():
        for relation in schema.relations:
            for language in ("en", "zh"):
                h = templates.hypothesis(language, schema.key, relation.name("en"), "HEAD", "TAIL")
                assert "HEAD" in h and "TAIL" in h
    assert templates.hypothesis("en", "person", "place of birth", "Douglas Adams", "Cambridge") == "Douglas Adams was born in Cambridge."
    assert templates.hypothesis("zh", "person", "place of birth", "道格拉斯·亚当斯", "剑桥") == "道格拉斯·亚当斯出生于剑桥。"
    # a theme-specific form wins over the default
    assert templates.hypothesis("en", "natural_science", "product", "A", "B") != templates.hypothesis("en", "organization", "product", "A", "B")


def test_template_errors_name_file_and_relation(tmp_path):
    (tmp_path / "en.yaml").write_text('place of birth: "{head} was born in {tail}."\n', encoding="utf-8")
    (tmp_path / "zh.yaml").write_text('place of birth: "{head}出生于{tail}。"\n', encoding="utf-8")
    with pytest.raises(SchemaError, match=r"en.yaml: no NLI template for relation\(s\) .*date of birth"):
        load_nli_templates(tmp_path, CONFIG.schemas)
    (tmp_path / "en.yaml").write_text('place of birth: "{head} was born."\n', encoding="utf-8")
    with pytest.raises(SchemaError, match=r"en.yaml: `place of birth` \(default\) must contain"):
        load_nli_templates(tmp_path, {"person": CONFIG.schemas["person"]})


def test_length_sorted_batches_cover_every_index_once():
    lengths = [5, 1, 9, 3, 7, 2, 8]
    batches = list(length_sorted_batches(lengths, 3))
    assert sorted(i for b in batches for i in b) == list(range(7))
    assert [lengths[i] for i in batches[0]] == [9, 8, 7]


@pytest.mark.slow  # builds and loads a tiny transformers model (torch)
def test_transformers_nli_through_the_real_loading_path(tiny_nli_dir):
    model = TransformersNli(tiny_nli_dir, device="cpu", batch_size=2)
    pairs = [("Douglas Adams was born in Cambridge.", "Douglas Adams was born in Cambridge."),
             ("Paris is located in France.", "Paris is located in France."),
             ("巴黎位于法国。", "巴黎位于法国。"),
             ("Douglas Adams was born in Cambridge.", "Douglas Adams was born in Cambridge.")]
    calls = []
    run = model._run
    model._run = lambda batch: calls.append(len(batch)) or run(batch)
    scores = model.entailment(pairs)
    assert sum(calls) == 3  # the repeated pair ran once
    assert all(0.0 <= s <= 1.0 for s in scores) and scores[0] == scores[3]
    # batching and padding do not change the figures: each pair alone gives the same score
    single = TransformersNli(tiny_nli_dir, device="cpu", batch_size=1)
    assert single.entailment(pairs) == pytest.approx(scores, abs=1e-5)


def test_missing_weights_name_the_path_or_id(tmp_path):
    with pytest.raises(ModelLoadError, match=r"does-not-exist"):
        load_pretrained(str(tmp_path / "does-not-exist"), "sequence_classification", "cpu")
    with pytest.raises(ModelLoadError, match=r"'nobody/no-such-model' \(hub id\)"):
        load_pretrained("nobody/no-such-model", "sequence_classification", "cpu")
    model, status = NliSettings(model="nobody/no-such-model").load()
    assert model is None and status.startswith("not applied") and "nobody/no-such-model" in status
    assert NliSettings(model="none").load()[0] is None


def test_a_model_without_entailment_label_is_refused(tmp_path):
    from instructie_assets.tiny_models import build_tiny_classifier

    path = build_tiny_classifier(tmp_path / "clf", ["positive", "negative"], ["good", "bad"])
    with pytest.raises(ValueError, match="no `entailment` label"):
        TransformersNli(str(path), device="cpu")


def _candidate(triple_id, relation, prop, head, tail, head_type="human", tail_type="geographic_region"):
    row = {k: None for k in TRIPLE_SCHEMA}
    row.update(triple_id=triple_id, paragraph_id="p1", article_id="a1", head=head, head_start=0, head_end=len(head),
               head_type=head_type, relation=relation, tail=tail, tail_start=0, tail_end=len(tail), tail_type=tail_type,
               property=prop, rank="normal", statement_kind="item", evidence_start=0, evidence_kind="sentence",
               theme="person", language="en")
    return row


def test_nli_rule_scores_only_survivors_and_drops_below_threshold():
    candidates = pl.DataFrame([
        _candidate("t1", "place of birth", "P19", "Douglas Adams", "Cambridge"),
        _candidate("t2", "place of death", "P20", "Douglas Adams", "London"),
        _candidate("t3", "genre", "P136", "Douglas Adams", "comedy"),  # not in the person schema
    ], schema=TRIPLE_SCHEMA)
    text = "Douglas Adams was born in Cambridge and later moved to Santa Barbara."
    templates = load_nli_templates(RESOURCE_DIR / "nli_templates", CONFIG.schemas)
    seen = []

    def scorer(rows):
        seen.extend(r["triple_id"] for r in rows)
        return nli_scores(rows, {"p1": text}, LexicalNli(), templates, "en", "person")

    out = filter_triples(candidates, CONFIG.schemas["person"], "en", nli=scorer, options=FilterOptions(nli_threshold=0.8))
    reasons = dict(zip(out["triple_id"], out["drop_reason"]))
    assert seen == ["t1", "t2"]
    assert reasons == {"t1": None, "t2": "nli", "t3": "schema"}
    assert out.filter(pl.col("triple_id") == "t3")["nli_score"][0] is None
    # without a model nothing is scored and nothing is dropped for NLI
    plain = filter_triples(candidates, CONFIG.schemas["person"], "en", nli=None)
    assert plain["nli_score"].null_count() == 3 and "nli" not in plain["drop_reason"].to_list()
    assert list(out.columns) == list(FILTERED_SCHEMA)


def test_lexical_stand_in_in_both_languages():
    nli = LexicalNli()
    en, zh = nli.entailment([("Paris is in France.", "Paris is in France."), ("巴黎位于法国。", "巴黎位于德国。")])
    assert en == 1.0 and zh == pytest.approx(5 / 6)


def test_located_in_transitive_reduction_per_paragraph():
    from instructie_assets.core.matching import reduce_transitive

    def edge(pid, h, hq, t, tq, tid):
        row = _candidate(tid, "located in", "P131", h, t, "building", "geographic_region")
        row.update(paragraph_id=pid, head_qid=hq, tail_qid=tq)
        return row

    frame = pl.DataFrame([
        edge("p1", "King's College Chapel", "Q1", "Cambridge", "Q350", "a"),
        edge("p1", "Cambridge", "Q350", "England", "Q21", "b"),
        edge("p1", "King's College Chapel", "Q1", "England", "Q21", "shortcut"),
        edge("p1", "England", "Q21", "United Kingdom", "Q145", "c"),
        edge("p1", "King's College Chapel", "Q1", "United Kingdom", "Q145", "long-shortcut"),
        edge("p2", "国王学院礼拜堂", "Q1", "英格兰", "Q21", "no-chain-here"),  # Cambridge not in this paragraph
    ], schema=TRIPLE_SCHEMA)
    kept = reduce_transitive(frame, ("located in",))
    assert sorted(kept["triple_id"]) == ["a", "b", "c", "no-chain-here"]
    assert list(kept.columns) == list(TRIPLE_SCHEMA)


@pytest.mark.parametrize("language,written,refined", [
    ("en", "December 2009", "4 December 2009"),
    ("zh", "2009年12月", "2009年12月4日"),
])
def test_date_tail_as_written_or_refined_to_precision(language, written, refined):
    row = _candidate("d1", "date of birth", "P569", "Somebody", written, "human", "time")
    row.update(statement_kind="time", value="+2009-12-04T00:00:00Z/11", written_precision=10, language=language)
    frame = pl.DataFrame([row], schema=TRIPLE_SCHEMA)
    schema = CONFIG.schemas["person"]
    # by default a month does not stand for a day-precise date
    assert filter_triples(frame, schema, language)["drop_reason"][0] == "value_precision"
    as_written = filter_triples(frame, schema, language, options=FilterOptions(coarsest_date="month"))
    assert as_written["tail"][0] == written and as_written["tail_written"][0] == written and as_written["drop_reason"][0] is None
    out = filter_triples(frame, schema, language, options=FilterOptions(coarsest_date="month", refine_dates=True))
    assert out["tail"][0] == refined and out["tail_written"][0] == written and out["drop_reason"][0] is None
