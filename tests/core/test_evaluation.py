"""Evaluation: output formats read back, error types, F1 by hand, ROUGE-2, the CLI."""

import json

import pytest

from instructie_assets.cli import main
from instructie_assets.core.evaluation import classify_error, evaluate, read_jsonl
from instructie_assets.core.output_formats import parse_output, serialize

EN_TRIPLES = [
    {"head": "Paris, Texas", "relation": "located in", "tail": "Lamar County"},
    {"head": "Paris, Texas", "relation": "country", "tail": "United States"},
]
EN_TEXT = "Paris, Texas is a city in Lamar County, in the United States."
ZH_TRIPLES = [{"head": "巴黎", "relation": "国家", "tail": "法国"}, {"head": "巴黎", "relation": "位于", "tail": "法兰西岛"}]
ZH_TEXT = "巴黎是法国的首都，位于法兰西岛大区。"


@pytest.mark.parametrize("fmt", ["tuple", "natural", "relation", "json", "schema_json", 0, 1, 2, 3])
@pytest.mark.parametrize("language,triples,text", [("en", EN_TRIPLES, EN_TEXT), ("zh", ZH_TRIPLES, ZH_TEXT)])
def test_every_format_round_trips(fmt, language, triples, text):
    written = serialize(triples, fmt, language)
    parsed = parse_output(written, labels={t["relation"] for t in triples}, text=text)
    expected = {(t["head"], t["relation"], t["tail"]) for t in triples}
    assert set(parsed.triples) == expected
    names = {0: "tuple", 1: "natural", 2: "relation", 3: "json"}
    assert parsed.format == names.get(fmt, fmt)


def test_literal_outputs_of_each_format():
    assert parse_output("(Paris,capital of,France)").triples == [("Paris", "capital of", "France")]
    assert parse_output("Head is Paris, relation is capital of, tail is France").triples == [("Paris", "capital of", "France")]
    assert parse_output("capital of: Paris, France").triples == [("Paris", "capital of", "France")]
    assert parse_output('[{"head": "Paris", "relation": "capital of", "tail": "France"}]').triples == [("Paris", "capital of", "France")]
    assert parse_output('{"capital of": [{"subject": "Paris", "object": "France"}], "country": []}').triples == [("Paris", "capital of", "France")]
    # ZH with full-width punctuation as the pool writes it
    assert parse_output("头实体是巴黎，关系是首都，尾实体是法国").triples == [("巴黎", "首都", "法国")]
    assert parse_output("首都：巴黎，法国").triples == [("巴黎", "首都", "法国")]
    assert parse_output("（巴黎，首都，法国）").triples == [("巴黎", "首都", "法国")]


def test_commas_inside_names_use_labels_and_text():
    # without help the first comma splits; the known label and the text pick the right split
    parsed = parse_output("(Paris, Texas,located in,Lamar County, Texas)", labels={"located in"}, text="Paris, Texas lies in Lamar County, Texas.")
    assert parsed.triples == [("Paris, Texas", "located in", "Lamar County, Texas")]
    parsed = parse_output("located in: Paris, Texas, Lamar County", labels={"located in"}, text=EN_TEXT)
    assert parsed.triples == [("Paris, Texas", "located in", "Lamar County")]


@pytest.mark.parametrize("output", ["", "   ", "NAN", "nan", "I'm sorry, I cannot help with that request.", "无法回答。", "(NAN,located in,NAN)", "located in: NAN", '{"located in": []}', "[]"])
def test_nan_empty_and_refusals_give_no_triples(output):
    assert parse_output(output, labels={"located in"}).triples == []


def test_mixed_lines_keep_the_parsable_ones():
    parsed = parse_output("Here are the triples:\n(Paris,capital of,France)\nNAN\nThat is all.")
    assert parsed.triples == [("Paris", "capital of", "France")]
    assert parsed.format == "tuple" and parsed.unparsed_lines == 2


GOLD = {("Douglas Adams", "place of birth", "Cambridge"), ("Douglas Adams", "educated at", "St John's College")}
TEXT = "Douglas Adams was born in Cambridge and studied at St John's College, Cambridge."


@pytest.mark.parametrize("pred,kind", [
    (("Douglas Adams", "place of birth", "London"), "entity_mismatch"),  # only the tail differs
    (("Adams Family", "place of birth", "Cambridge"), "entity_mismatch"),  # only the head differs
    (("Douglas Adams", "employer", "BBC"), "spurious_relation"),  # relation absent from this record's gold
    (("Douglas Adams", "educated at", "St John's College, Cambridge"), "boundary_mismatch"),  # tail overlaps
    (("Adams", "place of birth", "Cambridge"), "boundary_mismatch"),  # head contained in the gold head
    (("Richard Dawkins", "place of birth", "Nairobi"), "incongruent"),  # head and tail wrong
])
def test_error_types(pred, kind):
    assert classify_error(pred, GOLD, TEXT) == kind


def test_boundary_mismatch_by_overlapping_spans_in_the_text():
    # neither string contains the other, but their spans in the text overlap
    gold = {("Saint John's College", "founded by", "Margaret Beaufort")}
    text = "Saint John's College was founded by Lady Margaret Beaufort in 1511."
    assert classify_error(("Saint John's", "founded by", "Lady Margaret"), gold, text) == "boundary_mismatch"


def test_f1_by_hand_and_score():
    gold = [
        {"id": "a", "cate": "Person", "text": "A text", "relation": [
            {"head": "A", "relation": "r1", "tail": "B"}, {"head": "A", "relation": "r2", "tail": "C"}, {"head": "A", "relation": "r3", "tail": "D"}]},
        {"id": "b", "cate": "Event", "text": "B text", "relation": [{"head": "E", "relation": "r1", "tail": "F"}]},
        {"id": "c", "cate": "Event", "text": "C text", "relation": [{"head": "G", "relation": "r1", "tail": "H"}]},
    ]
    preds = [
        # tp 2 (one duplicate counted once), 1 wrong: (A, r1, X) -> entity mismatch
        {"id": "a", "output": "(A,r1,B)\n(A,r2,C)\n(A,r2,C)\n(A,r1,X)"},
        # record b: one wrong, relation absent from its gold
        {"id": "b", "relation": [{"head": "E", "relation": "r9", "tail": "F"}]},
        # record c: no prediction at all -> its gold triple is a miss
    ]
    report = evaluate(gold, preds)
    o = report.overall
    assert (o.true_positives, o.predicted, o.gold) == (2, 4, 5)
    assert o.precision == pytest.approx(2 / 4) and o.recall == pytest.approx(2 / 5)
    assert o.f1 == pytest.approx(2 * 0.5 * 0.4 / 0.9)
    assert o.errors == {"entity_mismatch": 1, "spurious_relation": 1}
    assert report.formats == {"tuple": 1, "instructie": 1, "missing": 1}
    d = report.as_dict()
    assert d["score"] == pytest.approx(0.5 * d["f1"] + 0.5 * d["rouge2"])
    assert d["errors"]["entity_mismatch"]["share"] == pytest.approx(1 / 4)
    assert d["by_theme"]["Event"]["gold"] == 2 and d["by_theme"]["Person"]["true_positives"] == 2


def test_rouge2_on_english_and_chinese():
    en_gold = [{"id": "e", "text": EN_TEXT, "relation": EN_TRIPLES}]
    perfect = evaluate(en_gold, [{"id": "e", "output": serialize(EN_TRIPLES, "natural", "en")}])
    assert perfect.overall.rouge2 == pytest.approx(1.0)
    # articles and punctuation do not count
    shuffled = evaluate(en_gold, [{"id": "e", "output": "(The Paris Texas, located in, Lamar County)"}])
    assert 0 < shuffled.overall.rouge2 < 1
    zh_gold = [{"id": "z", "text": ZH_TEXT, "relation": ZH_TRIPLES}]
    assert evaluate(zh_gold, [{"id": "z", "output": serialize(ZH_TRIPLES, "relation", "zh")}]).overall.rouge2 == pytest.approx(1.0)
    half = evaluate(zh_gold, [{"id": "z", "output": "国家：巴黎，法国"}])
    assert 0 < half.overall.rouge2 < 1
    # both empty agree; a missing prediction scores 0
    empty = [{"id": "n", "text": "Nothing here.", "relation": []}]
    assert evaluate(empty, [{"id": "n", "output": "NAN"}]).overall.rouge2 == 1.0
    assert evaluate(empty, []).overall.rouge2 == 0.0


def test_pairing_by_text_when_ids_are_absent():
    gold = [{"text": "Paris is in France.", "relation": [{"head": "Paris", "relation": "country", "tail": "France"}]}]
    pred = [{"input": "Paris  is in France.", "output": "(Paris,country,France)"}]
    assert evaluate(gold, pred).overall.true_positives == 1


def test_cli_evaluate_json_and_plot(tmp_path, capsys):
    gold = tmp_path / "gold.jsonl"
    pred = tmp_path / "pred.jsonl"
    gold.write_text(json.dumps({"id": "a", "cate": "Person", "text": "A", "relation": [{"head": "A", "relation": "r", "tail": "B"}]}) + "\n")
    pred.write_text(json.dumps({"id": "a", "output": "(A,r,B)\n(A,r,C)"}) + "\n")
    assert main(["evaluate", "--gold", str(gold), "--pred", str(pred), "--by", "theme", "--json", "--plot", str(tmp_path / "e.png")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["precision"] == pytest.approx(50.0) and out["recall"] == pytest.approx(100.0)
    assert set(out) >= {"precision", "recall", "f1", "rouge2", "score", "errors", "by_theme"}
    assert (tmp_path / "e.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["evaluate", "--gold", str(gold), "--pred", str(pred), "--by", "theme"]) == 0
    assert "Person" in capsys.readouterr().out


def test_bad_jsonl_names_file_line_and_byte(tmp_path, capsys):
    bad = tmp_path / "pred.jsonl"
    bad.write_text('{"id": "a"}\n{not json\n')
    with pytest.raises(ValueError, match=r"pred.jsonl: line 2 \(byte 12\)"):
        read_jsonl(bad)
    assert main(["evaluate", "--gold", str(bad), "--pred", str(bad)]) == 1
    assert "line 2" in capsys.readouterr().err


def test_label_chunks_of_one_text_are_one_prediction():
    gold = [{"id": "a", "text": "A and B", "relation": [{"head": "A", "relation": "r1", "tail": "B"}, {"head": "A", "relation": "r2", "tail": "C"}]}]
    preds = [{"id": "a", "output": "(A,r1,B)"}, {"id": "a", "output": "(A,r2,C)"}, {"id": "a", "output": "NAN"}]
    report = evaluate(gold, preds)
    assert (report.overall.true_positives, report.overall.predicted) == (2, 2)
    assert report.overall.rouge2 == pytest.approx(1.0)
