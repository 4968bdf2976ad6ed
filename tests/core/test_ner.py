"""The optional NER mention finder: BIO merging, the transformers path with a tiny model, mentions."""

import polars as pl
import pytest

from instructie_assets.clients import NerSettings
from instructie_assets.core.mentions import find_mentions
from instructie_assets.core.ner import EntitySpan, PatternNer, TransformersNer, bio_spans
from tests.conftest import entity
from tests.core.test_identify_and_match import WORLD, paragraph


def test_bio_spans_merge_tokens_into_character_spans():
    offsets = [(0, 0), (0, 7), (8, 13), (14, 17), (18, 24), (25, 30), (0, 0)]
    labels = ["O", "B-PER", "I-PER", "O", "I-LOC", "B-LOC", "O"]
    scores = [1.0, 0.9, 0.7, 1.0, 0.6, 0.8, 1.0]
    spans = bio_spans(offsets, labels, scores)
    assert spans == [EntitySpan(0, 13, "PER", pytest.approx(0.8)), EntitySpan(18, 24, "LOC", 0.6), EntitySpan(25, 30, "LOC", 0.8)]
    # bare labels (no B-/I-) continue while the type is the same
    assert bio_spans([(0, 2), (2, 4), (5, 6)], ["ORG", "ORG", "O"], [1, 1, 1]) == [EntitySpan(0, 4, "ORG", 1.0)]


@pytest.mark.slow  # builds and loads a tiny transformers model (torch)
def test_transformers_ner_through_the_real_loading_path(tiny_ner_dir):
    texts = ["Douglas Adams was born in Cambridge.", "巴黎位于法国。", " ".join(["Douglas Adams was born in Cambridge."] * 30)]
    model = TransformersNer(tiny_ner_dir, device="cpu", batch_size=2, max_length=32, stride=8)  # long text: several windows
    spans = model.spans(texts)
    assert len(spans) == 3 and any(spans)
    for text, found in zip(texts, spans):
        for s in found:
            assert 0 <= s.start < s.end <= len(text) and text[s.start:s.end].strip() and s.label in {"PER", "LOC", "ORG", "MISC"}
    assert spans[2][-1].end > 200  # the windows reach the end of the long text
    single = TransformersNer(tiny_ner_dir, device="cpu", batch_size=1, max_length=32, stride=8).spans(texts)
    assert [[(s.start, s.end, s.label) for s in f] for f in single] == [[(s.start, s.end, s.label) for s in f] for f in spans]
    assert [s.score for f in single for s in f] == pytest.approx([s.score for f in spans for s in f], abs=1e-5)


def test_ner_settings_report_off_and_unloadable():
    assert NerSettings().load() == (None, "not applied: no NER model configured (model: none)")
    model, status = NerSettings(model="nobody/no-such-ner").load()
    assert model is None and "nobody/no-such-ner" in status


def test_ner_spans_become_mentions_only_with_a_wikidata_label(make_store):
    world = WORLD + [entity("Q7191", en=["Nobel Prize"], zh=["诺贝尔奖"])]
    store = make_store(world)
    text = "Douglas Adams never won the Nobel Prize, nor the Galactic Award of Zorgon."
    paras = paragraph(text, [])
    ner = PatternNer({"MISC": r"(?:Nobel Prize|Galactic Award)"})
    spans = dict(zip(paras["paragraph_id"], ner.spans(paras["text"].to_list())))
    without = find_mentions(paras, store, "en")
    with_ner = find_mentions(paras, store, "en", ner_spans=spans)
    assert "Nobel Prize" not in without["surface"].to_list()
    row = with_ner.filter(pl.col("surface") == "Nobel Prize").row(0, named=True)
    assert row["mention_source"] == "ner" and row["candidate_qids"] == ["Q7191"]
    assert "Galactic Award" not in with_ner["surface"].to_list()  # no label: no mention
