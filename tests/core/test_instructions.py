"""Instruction records: splits, the prompt pool, output styles and options, round trips through the parser."""

import json

import polars as pl
import pytest

from instructie_assets.core.filtering import FILTERED_SCHEMA
from instructie_assets.core.instructions import (
    InstructionOptions, JSON_SCHEMA_FORMAT, build_records, text_record, prompt_index, render_output,
)
from instructie_assets.core.articles import PARAGRAPH_SCHEMA
from instructie_assets.core.output_formats import parse_output
from instructie_assets.core.schemas import load_project_config
from instructie_assets.paths import RESOURCE_DIR, SCHEMA_DIR

CONFIG = load_project_config(SCHEMA_DIR, RESOURCE_DIR)
PERSON = CONFIG.schemas["person"]


def paragraphs(n, language="en", start=0):
    rows = [(f"{language}:{i}:0", f"{language}:{i}", f"Q{i}", f"T{i}", 0, f"Person {i} was born in Town {i}. " * 8, 60, [], [], 0, "person", language)
            for i in range(start, start + n)]
    return pl.DataFrame(rows, schema=PARAGRAPH_SCHEMA, orient="row")


def triples(pids, drop_reason=None, language="en"):
    rows = []
    for pid in pids:
        i = pid.split(":")[1]
        row = {k: None for k in FILTERED_SCHEMA}
        row.update(triple_id=f"{pid}|t", paragraph_id=pid, article_id=pid.rsplit(":", 1)[0], head=f"Person {i}", head_start=0,
                   head_end=len(f"Person {i}"), head_type="human", relation="place of birth",
                   relation_label=PERSON.relation("place of birth").name(language), tail=f"Town {i}", tail_written=f"Town {i}",
                   tail_start=20 + len(i), tail_end=25 + 2 * len(i), tail_type="geographic_region", property="P19", source="item",
                   drop_reason=drop_reason, theme="person", language=language)
        rows.append(row)
    return pl.DataFrame(rows, schema=FILTERED_SCHEMA)


def test_splits_are_stable_when_articles_are_added():
    paras = paragraphs(60)
    before = build_records(triples(paras["paragraph_id"].to_list()), paras, PERSON, "en")
    more = pl.concat([paras, paragraphs(40, start=60)])
    after = build_records(triples(more["paragraph_id"].to_list()), more, PERSON, "en")
    old = dict(zip(before["article_id"], before["split"]))
    assert {a: s for a, s in zip(after["article_id"], after["split"]) if a in old} == old
    assert set(after["split"]) == {"train", "valid", "test"}
    # no article in two splits
    assert after.group_by("article_id").agg(pl.col("split").n_unique())["split"].max() == 1


def test_prompt_rotation_uses_all_sixteen_with_two_records_per_theme():
    used = {prompt_index(rank, theme, 12) for theme in range(12) for rank in range(2)}
    assert used == set(range(16))


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("format_id", [0, 1, 2, 3, JSON_SCHEMA_FORMAT])
@pytest.mark.parametrize("explicit_nan", [False, True])
def test_every_output_round_trips_through_the_parser(language, format_id, explicit_nan):
    labels = ["place of birth", "spouse", "occupation"] if language == "en" else ["出生地点", "配偶", "职业"]
    ts = [{"head": "Ada, Countess", "relation": labels[0], "tail": "London"}, {"head": "Ada, Countess", "relation": labels[2], "tail": "mathematician"}]
    text = "Ada, Countess of Lovelace, born in London, was a mathematician."
    out = render_output(ts, labels, format_id, language, explicit_nan)
    parsed = parse_output(out, set(labels), text)
    assert set(parsed.triples) == {(t["head"], t["relation"], t["tail"]) for t in ts}
    if explicit_nan and format_id != JSON_SCHEMA_FORMAT:
        assert "NAN" in out
    assert parse_output(render_output([], labels, format_id, language, explicit_nan), set(labels), text).triples == []


def test_negatives_in_train_only_and_sampled_paragraphs_are_not_negatives():
    paras = paragraphs(80)
    pids = paras["paragraph_id"].to_list()
    filtered = pl.concat([triples(pids[:40]), triples(pids[40:50], drop_reason="sampling")])
    records = build_records(filtered, paras, PERSON, "en")
    negatives = records.filter(pl.col("negative"))
    assert negatives.height > 0 and set(negatives["split"]) == {"train"}
    assert set(negatives["paragraph_id"]).isdisjoint(pids[40:50])  # sampled away: had triples, not a negative
    assert set(negatives["output"]) == {"NAN"} and all(json.loads(r) == [] for r in negatives["relations"])
    everywhere = build_records(filtered, paras, PERSON, "en", InstructionOptions(negatives="all"))
    assert everywhere.filter(pl.col("negative")).height == 30
    assert build_records(filtered, paras, PERSON, "en", InstructionOptions(negatives="none")).filter(pl.col("negative")).height == 0


def test_label_chunks_negative_labels_and_json_schema_style():
    paras = paragraphs(3)
    filtered = triples(paras["paragraph_id"].to_list())
    n_labels = len(PERSON.label_names("en"))
    chunked = build_records(filtered, paras, PERSON, "en", InstructionOptions(label_chunk_size=4))
    per_text = -(-n_labels // 4)
    assert chunked.height == 3 * per_text and set(chunked["chunk"]) == set(range(per_text))
    for r in chunked.to_dicts():
        chunk = json.loads(r["labels"])
        assert len(chunk) <= 4
        found = parse_output(r["output"], set(chunk), r["text"]).triples
        assert all(rel in chunk for _, rel, _ in found)
    assert sum(len(parse_output(r["output"], set(json.loads(r["labels"])), r["text"]).triples) for r in chunked.to_dicts()) == 3
    other = sorted({x for k, s in CONFIG.schemas.items() if k != "person" for x in s.label_names("en")})
    extra = build_records(filtered, paras, PERSON, "en", InstructionOptions(negative_labels=3), other_labels=other)
    for r in extra.to_dicts():
        listed = json.loads(r["labels"])
        assert len(listed) == n_labels + 3 and len(set(listed) - set(PERSON.label_names("en"))) == 3
    styled = build_records(filtered, paras, PERSON, "zh", InstructionOptions(style="json_schema"))
    for r in styled.to_dicts():
        instruction = json.loads(r["instruction"])
        assert set(instruction) == {"instruction", "schema", "input"} and instruction["input"] == r["text"]
        output = json.loads(r["output"])
        assert list(output) == instruction["schema"]  # every listed label, in the listed order


def test_text_record_layout_by_split():
    paras = paragraphs(30)
    records = build_records(triples(paras["paragraph_id"].to_list()), paras, PERSON, "en").to_dicts()
    train = next(r for r in records if r["split"] == "train")
    other = next(r for r in records if r["split"] != "train")
    t = text_record(train)
    assert list(t) == ["id", "cate", "text", "entity", "relation"]
    assert t["entity"][0]["entity_offset"] == t["relation"][0]["head_offset"]
    assert t["text"][slice(*t["relation"][0]["tail_offset"])] == t["relation"][0]["tail"]
    o = text_record(other)
    assert list(o) == ["id", "cate", "text", "relation"] and "head_offset" not in o["relation"][0]


def test_skipped_paragraphs_are_left_out():
    paras = paragraphs(5)
    pids = paras["paragraph_id"].to_list()
    records = build_records(triples(pids), paras, PERSON, "en", skip_paragraphs={pids[1]})
    assert pids[1] not in set(records["paragraph_id"]) and records.height == 4
