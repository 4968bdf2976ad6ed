"""The asset checks, called alone (no run, no database) on frames written here, and the figures they
rest on: each is computed from the data, not by the stage code it checks."""

import json

import dagster as dg
import polars as pl
import pytest

from instructie_assets import checks
from instructie_assets.clients import ExportSettings, ProjectFiles, QualitySettings
from instructie_assets.core.filtering import FILTERED_SCHEMA

TEXT = "Douglas Adams was born in Cambridge. Adams, also Douglas Noel Adams, wrote books."


def triple(**kw) -> dict:
    base = {k: None for k in FILTERED_SCHEMA}
    return {**base, "paragraph_id": "p1", "article_id": "a1", "head": "Douglas Adams", "head_start": 0, "head_end": 13, "head_type": "human",
            "tail": "Cambridge", "tail_written": "Cambridge", "tail_start": 26, "tail_end": 35, "tail_type": "geographic_region",
            "relation": "place of birth", "relation_label": "place of birth", "property": "P19", "statement_kind": "item", "theme": "person",
            "language": "en", **kw}


def frame(*rows) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=FILTERED_SCHEMA)


PARAGRAPHS = pl.DataFrame({"paragraph_id": ["p1", "p2"], "text": [TEXT, "Another paragraph."]})


def context():
    return dg.build_asset_check_context()


def test_schema_check_flags_what_the_schema_does_not_allow():
    kept_ok = triple()
    wrong_property = triple(property="P20")  # place of birth comes from P19 only
    unlisted = triple(relation="educated at", relation_label="educated at", property="P69")
    wrong_type = triple(tail_type="human")
    alias_ok = triple(relation="alternative name", relation_label="alternative name", property="alias", statement_kind="alias", tail="Douglas Noel Adams",
                      tail_type="human")
    alias_wrong_type = triple(relation="alternative name", relation_label="alternative name", property="alias", statement_kind="alias",
                              head_type="organization", tail_type="organization")
    dropped = triple(relation="educated at", property="P69", drop_reason="schema")  # dropped rows are not judged
    # `place of death` comes from P20 in EN and P119 (place of burial, 墓地) in ZH
    death_en = triple(relation="place of death", relation_label="place of death", property="P20")
    death_zh_wrong = triple(relation="place of death", relation_label="墓地", property="P20", language="zh")
    death_zh_ok = triple(relation="place of death", relation_label="墓地", property="P119", language="zh")
    result = checks.schema_and_type_violations(project=ProjectFiles(), filtered_triples=frame(
        kept_ok, wrong_property, unlisted, wrong_type, alias_ok, alias_wrong_type, dropped, death_en, death_zh_wrong, death_zh_ok))
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert {k: v.value for k, v in result.metadata.items()} == {"schema_violations": 3, "type_violations": 2}
    assert checks.schema_and_type_violations(project=ProjectFiles(), filtered_triples=frame(kept_ok, alias_ok, dropped)).passed


def test_schema_check_does_not_call_the_filter():
    import ast
    from pathlib import Path

    import instructie_assets.core.quality as quality

    tree = ast.parse(Path(quality.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "instructie_assets.core.filtering" not in imported and "instructie_assets.core.matching" not in imported, imported


def test_spans_check_reads_the_text_at_the_offsets():
    quality = QualitySettings()
    ok = checks.spans_at_recorded_offsets(quality=quality, filtered_triples=frame(triple()), paragraphs=PARAGRAPHS)
    assert ok.passed and ok.metadata["head_share"].value == 1.0
    off = checks.spans_at_recorded_offsets(quality=quality, filtered_triples=frame(triple(), triple(tail_start=25, tail_end=34)),
                                           paragraphs=PARAGRAPHS)
    assert not off.passed and off.metadata["tail_share"].value == 0.5


def test_yield_check_warns_when_candidates_exist_but_none_is_kept():
    assert checks.yield_and_diversity(filtered_triples=frame(triple()), paragraphs=PARAGRAPHS).passed
    none_kept = checks.yield_and_diversity(filtered_triples=frame(triple(drop_reason="nli")), paragraphs=PARAGRAPHS)
    assert not none_kept.passed and none_kept.metadata["drop_rate_nli"].value == 1.0
    assert checks.yield_and_diversity(filtered_triples=frame(), paragraphs=PARAGRAPHS).passed


def test_nli_check_asks_whether_every_triple_that_reached_the_rule_has_a_score():
    scored = frame(triple(nli_score=0.9), triple(nli_score=0.2, drop_reason="nli"), triple(nli_score=0.8, drop_reason="sampling"),
                   triple(drop_reason="schema"))
    result = checks.nli_applied(context(), filtered_triples=scored)
    assert result.passed and result.metadata["eligible"].value == 3 and result.metadata["scored"].value == 3
    assert result.metadata["nli"].value == "(not reported)"  # called alone: no materialization to ask why
    unscored = checks.nli_applied(context(), filtered_triples=frame(triple(), triple(drop_reason="type")))
    assert not unscored.passed and unscored.metadata["eligible"].value == 1 and unscored.metadata["scored"].value == 0


def test_gold_check_scores_against_the_partitions_gold(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"text": TEXT, "relation": [{"head": "Douglas Adams", "relation": "place of birth", "tail": "Cambridge"},
                                                          {"head": "Douglas Adams", "relation": "occupation", "tail": "writer"}]}) + "\n")
    result = checks.gold_f1(quality=QualitySettings(gold=[str(gold)]), filtered_triples=frame(triple()), paragraphs=PARAGRAPHS)
    assert result.metadata["precision"].value == 1.0 and result.metadata["recall"].value == 0.5 and not result.passed  # F1 0.667 < 0.8
    assert checks.gold_f1(quality=QualitySettings(), filtered_triples=frame(triple()), paragraphs=PARAGRAPHS).metadata["gold"].value


@pytest.mark.parametrize("second_theme_text, repeated", [("Another text.", 0), ("Same text.", 1)])
def test_card_check_reads_the_exported_files(tmp_path, second_theme_text, repeated):
    for theme, text in (("person", "Same text."), ("works", second_theme_text)):
        (tmp_path / "en" / theme).mkdir(parents=True)
        (tmp_path / "en" / theme / "train.jsonl").write_text(json.dumps({"id": "x", "text": text}) + "\n")
        # instruction records repeat their text once per label chunk: not counted
        (tmp_path / "en" / theme / "train.instructions.jsonl").write_text((json.dumps({"id": "x", "input": text}) + "\n") * 2)
    result = checks.texts_unique_across_partitions(exports=ExportSettings(out_dir=str(tmp_path)))
    assert result.passed == (repeated == 0) and result.metadata["duplicated_texts"].value == {"en": repeated}
