"""Theme classification: fallback and override rules, label mapping, the balanced training split."""

import pytest

from instructie_assets.core.articles import classify_themes
from instructie_assets.core.theme_classifier import KeywordThemeClassifier, accuracy_by_theme, label_to_theme, training_split

WIKITEXT = {
    "castle": "'''Bran Castle''' is a castle near Brașov. The castle was built in 1388 as a fortress on the border between Transylvania and Wallachia, and the castle towers over the valley.",
    "comet": "'''Comet X''' is a comet of the Solar System. The comet orbits the Sun every 76 years; the comet was seen by many astronomers who watched the comet.",
}
KEYWORDS = KeywordThemeClassifier({"building": ["castle", "tower"], "astronomical_object": ["comet", "orbit"]})


def article(name, theme=None, reason="type other maps to no theme"):
    return {"wikitext": WIKITEXT[name], "theme": theme, "theme_reason": reason}


def test_fallback_classifies_only_articles_without_a_theme():
    rows = [article("castle"), article("comet", "building", "class Q12518 -> building")]
    assert classify_themes(rows, "en", KEYWORDS.classify, "keywords") == 1
    assert rows[0]["theme"] == "building" and rows[0]["theme_reason"].startswith("classifier keywords: building (")
    assert rows[1]["theme"] == "building" and rows[1]["theme_reason"] == "class Q12518 -> building"  # Wikidata's theme stands


def test_override_replaces_and_keeps_the_previous_reason():
    rows = [article("comet", "building", "class Q12518 -> building")]
    assert classify_themes(rows, "en", KEYWORDS.classify, "keywords", override=True) == 1
    assert rows[0]["theme"] == "astronomical_object" and rows[0]["theme_reason"].endswith("; was: class Q12518 -> building")


def test_low_scores_change_nothing():
    rows = [article("castle")]
    assert classify_themes(rows, "en", lambda texts: [("building", 0.3)] * len(texts), "m", min_score=0.5) == 0
    assert rows[0]["theme"] is None


def test_labels_may_be_keys_or_cate_names():
    themes = {"person": {"Person", "人物"}, "building": {"Building", "建筑结构"}}
    assert label_to_theme({0: "人物", 1: "building"}, themes) == {0: "person", 1: "building"}
    with pytest.raises(ValueError, match="'Planet' is not a theme"):
        label_to_theme({0: "Planet"}, themes)


def test_training_split_is_balanced_and_held_out_by_article():
    rows = [{"paragraph_id": f"{lang}:{t}:{i}:0", "article_id": f"{lang}:{t}:{i}", "text": f"text {i}", "theme": t, "language": lang}
            for lang in ("en", "zh") for t in ("person", "building") for i in range(50)]
    train, valid = training_split(rows, size=80, themes=["person", "building"], languages=["en", "zh"], seed=1, valid_share=0.2)
    assert len(train) + len(valid) == 80  # 20 per theme x language
    cells = {(r["label"], r["language"]) for r in train}
    assert cells == {("person", "en"), ("person", "zh"), ("building", "en"), ("building", "zh")}
    assert 5 <= len(valid) <= 30
    assert not {r["paragraph_id"] for r in train} & {r["paragraph_id"] for r in valid}
    assert training_split(rows, 80, ["person", "building"], ["en", "zh"], seed=1, valid_share=0.2) == (train, valid)


def test_accuracy_by_theme():
    assert accuracy_by_theme(["a", "a", "b"], ["a", "b", "b"]) == {"a": 0.5, "b": 1.0}
