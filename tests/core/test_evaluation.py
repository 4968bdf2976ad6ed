"""Evaluation: output formats read back, error types, F1 by hand, ROUGE-2, the CLI."""

import json

import pytest

from instructie_assets.cli import main
from instructie_assets.core.evaluation import EvaluationError, RecordFile, classify_error, evaluate, read_jsonl
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
    empty = [{"id": "n", "text": "Nothing here.", "relation": []}] + en_gold
    nothing = {"id": "e", "output": serialize(EN_TRIPLES, "natural", "en")}
    assert evaluate(empty, [{"id": "n", "output": "NAN"}, nothing]).overall.rouge2 == 1.0
    assert evaluate(empty, [nothing]).overall.rouge2 == 0.5


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


# ---- pairing -----------------------------------------------------------------------------------------

PAIR_GOLD = [
    {"id": "g1", "cate": "Building", "text": "The Eiffel Tower is in Paris.", "relation": [{"head": "Eiffel Tower", "relation": "located in", "tail": "Paris"}]},
    {"id": "g2", "cate": "Building", "text": "The Taj Mahal is in Agra.", "relation": [{"head": "Taj Mahal", "relation": "located in", "tail": "Agra"}]},
]


def test_predictions_without_ids_pair_by_text_against_gold_with_ids():
    # DeepKE's {input, output} layout against our exports: was F1 0, every triple spurious, no warning
    preds = [{"input": "The Eiffel Tower  is in Paris.", "output": "(Eiffel Tower,located in,Paris)"},
             {"input": "The Taj Mahal is in Agra.", "output": "(Taj Mahal,located in,Agra)"}]
    report = evaluate(PAIR_GOLD, preds)
    assert (report.pairing, report.pairing_note) == ("text", "ids in the gold file only")
    assert report.overall.true_positives == 2 and report.warnings() == []
    with_ids = [dict(p, id=f"x{i}") for i, p in enumerate(preds)]
    gold_without = [{k: v for k, v in g.items() if k != "id"} for g in PAIR_GOLD]
    report = evaluate(gold_without, with_ids)
    assert (report.pairing, report.pairing_note, report.overall.true_positives) == ("text", "ids in the predictions only", 2)


def test_ids_win_when_both_sides_carry_them():
    preds = [{"id": "g1", "input": "another rendering of the text", "output": "(Eiffel Tower,located in,Paris)"},
             {"id": "g2", "input": "The Eiffel Tower is in Paris.", "output": "(Taj Mahal,located in,Agra)"}]
    report = evaluate(PAIR_GOLD, preds)
    assert report.pairing == "id" and report.overall.true_positives == 2


def test_unpaired_records_are_named_on_both_sides_and_strict_makes_them_an_error():
    gold = PAIR_GOLD + [{"id": f"m{i}", "text": f"Missing {i}.", "relation": [{"head": "M", "relation": "r", "tail": str(i)}]} for i in range(6)]
    preds = [{"id": "g1", "output": "(Eiffel Tower,located in,Paris)"},
             {"id": "other", "input": "The Taj Mahal is in Agra.", "output": "(Taj Mahal,located in,Agra)"}]
    report = evaluate(gold, preds)
    stray, missing = report.warnings()
    assert stray.startswith("1 of 2 predictions pair with no gold record (paired by id; their triples count as wrong): predictions line 2 ('other')")
    assert stray.endswith("1 of them have the text of a gold record: do the files use different ids?")
    assert missing.startswith("7 of 8 gold records have no prediction (paired by id; their triples count as misses): gold line 2 ('g2'), line 3 ('m0')")
    assert missing.endswith("line 6 ('m3'), …")  # the first five, then an ellipsis
    assert report.overall.gold == 8 and report.overall.predicted == 2 and report.overall.true_positives == 1
    with pytest.raises(EvaluationError, match=r"unpaired records \(--strict\): 1 of 2 predictions"):
        evaluate(gold, preds, strict=True)
    assert evaluate(PAIR_GOLD, [{"id": "g1", "output": "NAN"}, {"id": "g2", "output": "NAN"}], strict=True).warnings() == []


def test_unpaired_predictions_are_filed_under_their_own_theme():
    preds = [{"id": "g1", "cate": "Building", "output": "(Eiffel Tower,located in,Paris)"},
             {"id": "s1", "cate": "Person", "output": "(A,spouse,B)\n(A,child,C)"},
             {"id": "s2", "cate": "Event", "output": "(E,winner,F)"},
             {"id": "g2", "cate": "Building", "output": "(Taj Mahal,located in,Agra)"}]
    by = evaluate(PAIR_GOLD, preds).by_theme
    assert by["Person"].predicted == 2 and by["Person"].errors == {"spurious_relation": 2}
    assert by["Event"].predicted == 1 and by["Building"].predicted == 2 and by["Building"].true_positives == 2


def test_cli_warns_on_stderr_and_strict_fails(tmp_path, capsys):
    gold, pred = tmp_path / "gold.jsonl", tmp_path / "pred.jsonl"
    gold.write_text("".join(json.dumps(g) + "\n" for g in PAIR_GOLD))
    pred.write_text(json.dumps({"input": "The Eiffel Tower is in Paris.", "output": "(Eiffel Tower,located in,Paris)"}) + "\n")
    assert main(["evaluate", "--gold", str(gold), "--pred", str(pred)]) == 0
    captured = capsys.readouterr()
    assert "gold without prediction: 1" in captured.out
    assert captured.err == ("instructie: warning: 1 of 2 gold records have no prediction (paired by text: ids in the gold file only; "
                            "their triples count as misses): gold.jsonl line 2 ('The Taj Mahal is in Agra.')\n")
    assert main(["evaluate", "--gold", str(gold), "--pred", str(pred), "--strict"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("instructie: evaluate failed: unpaired records (--strict): 1 of 2 gold records") and err.count("\n") == 1


# ---- gold layouts and malformed input --------------------------------------------------------------


def test_gold_from_deepke_outputs_and_iepile_labels():
    text = "The Eiffel Tower is in Paris."
    deepke = [{"id": "a", "input": text, "output": "(Eiffel Tower,located in,Paris)\nNAN"}]
    report = evaluate(deepke, [{"input": text, "output": "(Eiffel Tower,located in,Paris)\nNAN"}])
    assert report.overall.true_positives == 1 and report.overall.rouge2 == pytest.approx(1.0)  # the gold's own text is the reference
    iepile = [{"id": "a", "instruction": json.dumps({"instruction": "...", "schema": ["located in"], "input": text}),
               "label": json.dumps([{"head": "Eiffel Tower", "relation": "located in", "tail": "Paris"}]),
               "output": '{"located in": [{"subject": "Eiffel Tower", "object": "Paris"}]}'}]
    report = evaluate(iepile, iepile)  # label as gold, output as prediction, from one file
    assert (report.overall.true_positives, report.overall.predicted, report.formats["schema_json"]) == (1, 1, 1)


def _lines(*records):
    return "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records)


GOOD = {"id": "a", "text": "A B", "relation": [{"head": "A", "relation": "r", "tail": "B"}]}


@pytest.mark.parametrize("side,content,message", [
    ("gold", _lines(GOOD, "[1, 2]"), "gold.jsonl: line 2: not a JSON object but a list"),
    ("pred", _lines("", '"text"'), "pred.jsonl: line 2: not a JSON object but text"),
    ("gold", _lines({"id": "a", "text": "A B", "relation": [{"head": "A", "relation": "r"}]}), "gold.jsonl: line 1: relation[0] has no `tail`"),
    ("pred", _lines({"id": "a", "relation": [{"head": "A", "relation": "r", "tail": "B"}, {"head": "A", "relation": "r"}]}), "pred.jsonl: line 1: relation[1] has no `tail`"),
    ("gold", _lines({"id": "a", "text": "A B", "relation": [{"head": 5, "relation": "r", "tail": "B"}]}), "gold.jsonl: line 1: relation[0].head is a number, not text"),
    ("gold", _lines({"id": "a", "text": "A B", "relation": {"head": "A"}}), "gold.jsonl: line 1: `relation` is an object, not a list of {head, relation, tail}"),
    ("gold", _lines({"id": "a", "text": "A B", "label": "[{'head'"}), "gold.jsonl: line 1: `label` is not JSON (Expecting property name enclosed in double quotes at character 2)"),
    ("pred", _lines({"id": "a", "output": 3}), "pred.jsonl: line 1: `output` is a number, not text"),
    ("pred", _lines({"id": "a", "text": ["A"], "output": "(A,r,B)"}), "pred.jsonl: line 1: `text` is a list, not text"),
    ("pred", _lines({"id": "a", "instruction": "extract"}), "pred.jsonl: line 1: no `output` or `relation` to read the predicted triples from"),
    ("gold", _lines({"id": "a", "instruction": "extract", "input": "A B"}),
     "gold.jsonl: line 1: no `relation` list, `label` or `output` to read the gold triples from (an instruction file without answers?)"),
    ("gold", _lines({"id": "a", "input": "A B", "output": "Sorry, I cannot."}), "gold.jsonl: line 1: `output` is in no output format this evaluator reads ('Sorry, I cannot.')"),
    ("gold", "", "gold.jsonl: no records (an empty gold file)"),
    ("gold", "\n\n", "gold.jsonl: no records (an empty gold file)"),
    ("gold", _lines({"id": "a", "text": "A B", "relation": []}, {"id": "b", "input": "C", "output": "NAN"}),
     "gold.jsonl: none of its 2 records holds a triple; a gold file needs `relation` lists, `label`s or `output`s with triples"),
    ("pred", _lines({"output": "(A,r,B)"}), "pred.jsonl: line 1: no `text` or `input` to pair by (records are paired by text: not every record has an `id`)"),
    ("gold", _lines(GOOD, dict(GOOD, text="C D")), "gold.jsonl: line 2: id 'a' is already used by line 1 for another text"),
    ("pred", _lines({"id": ["a"], "output": "(A,r,B)"}), "pred.jsonl: line 1: `id` is a list, not text"),
])
def test_malformed_input_is_one_line_naming_file_line_and_field(tmp_path, capsys, side, content, message):
    gold, pred = tmp_path / "gold.jsonl", tmp_path / "pred.jsonl"
    gold.write_text(content if side == "gold" else _lines(GOOD), encoding="utf-8")
    pred.write_text(content if side == "pred" else _lines({"id": "a", "output": "(A,r,B)"}), encoding="utf-8")
    with pytest.raises(EvaluationError) as info:
        evaluate(RecordFile.read(gold), RecordFile.read(pred))
    assert str(info.value) == message
    assert main(["evaluate", "--gold", str(gold), "--pred", str(pred)]) == 1
    err = capsys.readouterr().err
    assert err == f"instructie: evaluate failed: {message}\n"


def test_label_chunks_of_one_gold_id_are_united():
    gold = [{"id": "a", "text": "A B C", "relation": [{"head": "A", "relation": "r1", "tail": "B"}]},
            {"id": "a", "text": "A B C", "relation": [{"head": "A", "relation": "r2", "tail": "C"}, {"head": "A", "relation": "r1", "tail": "B"}]}]
    report = evaluate(gold, [{"id": "a", "output": "(A,r1,B)\n(A,r2,C)"}])
    assert (report.overall.gold, report.overall.true_positives, report.overall.records) == (2, 2, 1)


# ---- the authors' matching and ROUGE -----------------------------------------------------------------


def test_match_authors_is_exact_case_sensitive_and_ignores_missing_records(capsys, tmp_path):
    gold = [{"id": "a", "text": "Ｐaris lies in France.", "relation": [{"head": "Ｐaris", "relation": "located in", "tail": "France"},
                                                                     {"head": "Paris", "relation": "country", "tail": "France"}]},
            {"id": "b", "text": "Agra is in India.", "relation": [{"head": "Agra", "relation": "located in", "tail": "India"}]}]
    preds = [{"id": "a", "output": "(Paris,located in,France)\n(paris,country,France)\n(paris,country,France)"},
             {"id": "z", "output": "(X,located in,Y)"}]
    normalized = evaluate(gold, preds).overall  # NFKC: Ｐaris = Paris; the missing record and the stray count
    assert (normalized.true_positives, normalized.predicted, normalized.gold) == (1, 3, 3)
    authors = evaluate(gold, preds, match="authors")
    assert (authors.overall.true_positives, authors.overall.predicted, authors.overall.gold, authors.overall.records) == (0, 2, 2, 1)
    assert authors.recall_ignores_missing and authors.as_dict()["recall_ignores_missing_gold"] is True
    assert authors.overall.errors == {"entity_mismatch": 2}
    listed = evaluate(gold, preds, match="authors-list").overall
    assert (listed.predicted, listed.gold) == (3, 2)
    g, p = tmp_path / "g.jsonl", tmp_path / "p.jsonl"
    g.write_text(_lines(*gold), encoding="utf-8")
    p.write_text(_lines(*preds), encoding="utf-8")
    assert main(["evaluate", "--gold", str(g), "--pred", str(p), "--match", "authors", "--rouge", "authors"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == ("match: authors; rouge: authors; recall ignores the 1 gold records without prediction, "
                                    "as the authors' evaluators do")
    assert main(["evaluate", "--gold", str(g), "--pred", str(p), "--rouge", "authors", "--zh-chars"]) == 2


def test_rouge_authors_scores_nan_against_nan_as_their_code():
    gold = [{"id": "n", "text": "Nothing here.", "relation": []}, GOOD]
    preds = [{"id": "n", "output": "NAN"}, {"id": "a", "output": "(A,r,B)"}]
    assert evaluate(gold, preds).overall.rouge2 == pytest.approx(1.0)
    # their converters write NAN for a text without triples; "nan" against "nan" has no bigram: 0
    assert evaluate(gold, preds, rouge="authors").overall.rouge2 == pytest.approx(0.5)


def test_ids_of_different_sources_are_different_records_as_in_ie2instruction():
    records = [{"id": "1", "source": source, "input": text, "label": json.dumps([{"head": h, "relation": "r", "tail": t}]), "output": f"({h},r,{t})"}
               for source, text, h, t in (("NYT", "A and B", "A", "B"), ("CoNLL", "C and D", "C", "D"))]
    report = evaluate(records, records)
    assert (report.overall.records, report.overall.true_positives) == (2, 2)
    assert set(report.by_theme) == {"NYT", "CoNLL"}


def test_labels_of_gold_outputs_split_names_with_commas_in_predictions():
    # no text to tell: the gold's instruction lists the label, the prediction has only its output
    gold = [{"id": "x", "instruction": "Relations: ['located in']. Answer as (Subject,Relation,Object).", "output": "(Paris, Texas,located in,Lamar County, Texas)"}]
    pred = [{"id": "x", "output": "(Paris, Texas,located in,Lamar County, Texas)"}]
    report = evaluate(gold, pred, match="authors")
    assert report.overall.true_positives == 1
    # with a text, the text tells as well
    text = "Paris, Texas lies in Lamar County, Texas."
    report = evaluate([{"input": text, "output": gold[0]["output"]}], [{"input": text, "output": pred[0]["output"] + "\n(A, B,located in,C)"}])
    assert (report.overall.true_positives, report.overall.predicted) == (1, 2)
