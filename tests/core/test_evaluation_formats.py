"""Every output format the evaluator reads (the README's table), each as its writer writes it."""

import pytest

from instructie_assets.core.evaluation import evaluate
from instructie_assets.core.output_formats import parse_output, serialize

PARIS_EN = [("Paris", "capital of", "France"), ("Paris", "located in", "Île-de-France")]
PARIS_ZH = [("巴黎", "首都", "法国"), ("巴黎", "位于", "法兰西岛")]
PREFIX = "输入中包含的关系三元组是：\n"

# (format, writer, output as that writer writes it, triples read)
FORMATS = [
    ("tuple", "ours 0; kg2instruction 0", "(Paris,capital of,France)\n(Paris,located in,Île-de-France)", PARIS_EN),
    ("tuple", "ours 0 (ZH); kg2instruction 0 (ZH)", "(巴黎,首都,法国)\n(巴黎,位于,法兰西岛)", PARIS_ZH),
    ("tuple", "full-width brackets and commas", "（巴黎，首都，法国）\n（巴黎，位于，法兰西岛）", PARIS_ZH),
    ("tuple_run", "earlier kg2instruction 0 (EN)", "(Paris, capital of, France),(Paris, located in, Île-de-France)", PARIS_EN),
    ("tuple_run", "earlier kg2instruction 0 (ZH)", PREFIX + "(巴黎,首都,法国),(巴黎,位于,法兰西岛)", PARIS_ZH),
    ("natural", "ours 1", "head is Paris, relation is capital of, tail is France\nhead is Paris, relation is located in, tail is Île-de-France", PARIS_EN),
    ("natural", "ours 1 (ZH)", "头实体是巴黎，关系是首都，尾实体是法国\n头实体是巴黎，关系是位于，尾实体是法兰西岛", PARIS_ZH),
    ("natural_kg2instruction", "kg2instruction 1 (EN)", "Subject is Paris,Relation is capital of,Object is France\nSubject is Paris,Relation is located in,Object is Île-de-France", PARIS_EN),
    ("natural_kg2instruction", "kg2instruction 1 (ZH)", "头实体是巴黎,关系是首都,尾实体是法国\n头实体是巴黎,关系是位于,尾实体是法兰西岛", PARIS_ZH),
    ("natural_blocks", "earlier kg2instruction 1 (ZH)", PREFIX + "头实体是巴黎\n关系是首都\n尾实体是法国\n\n头实体是巴黎\n关系是位于\n尾实体是法兰西岛\n\n", PARIS_ZH),
    ("relation", "ours 2", "capital of: Paris, France\nlocated in: Paris, Île-de-France", PARIS_EN),
    ("relation", "ours 2 (ZH)", "首都：巴黎，法国\n位于：巴黎，法兰西岛", PARIS_ZH),
    ("relation_kg2instruction", "kg2instruction 2 (EN)", "capital of：Paris,France\nlocated in：Paris,Île-de-France", PARIS_EN),
    ("relation_kg2instruction", "kg2instruction 2 (ZH); earlier kg2instruction 2", PREFIX + "首都：巴黎,法国\n位于：巴黎,法兰西岛\n", PARIS_ZH),
    ("json", "ours 3", '[{"head": "Paris", "relation": "capital of", "tail": "France"}, {"head": "Paris", "relation": "located in", "tail": "Île-de-France"}]', PARIS_EN),
    ("python_dict", "kg2instruction 3 (EN), NAN lines between",
     "{'head': 'Paris', 'relation': 'capital of', 'tail': 'France'}\nNAN\n{'head': 'Paris', 'relation': 'located in', 'tail': 'Île-de-France'}", PARIS_EN),
    ("python_dict", "kg2instruction 3 (ZH)", "{'head': '巴黎', 'relation': '首都', 'tail': '法国'}\n{'head': '巴黎', 'relation': '位于', 'tail': '法兰西岛'}", PARIS_ZH),
    ("python_list", "earlier kg2instruction 3 (ZH)", PREFIX + "[{'head': '巴黎', 'relation': '首都', 'tail': '法国'}, {'head': '巴黎', 'relation': '位于', 'tail': '法兰西岛'}]", PARIS_ZH),
    ("python_list", "earlier kg2instruction 1 (EN)", "[{'head': 'Paris', 'relation': 'capital of', 'tail': 'France'}, {'head': 'Paris', 'relation': 'located in', 'tail': 'Île-de-France'}]", PARIS_EN),
    ("python_list", "a Python list cut off mid-record", "[{'head': 'Paris', 'relation': 'capital of', 'tail': 'France'}, {'head': 'Paris', 'relation': 'located in', 'tail': 'Île-de-France'}, {'head': 'Par", PARIS_EN),
    ("schema_json", "ours json_schema; IEPile", '{"capital of": [{"subject": "Paris", "object": "France"}], "located in": [{"subject": "Paris", "object": "Île-de-France"}], "area": []}', PARIS_EN),
    ("schema_json_head_tail", "DeepKE ie2instruction", '{"首都": [{"head": "巴黎", "tail": "法国"}], "位于": [{"head": "巴黎", "tail": "法兰西岛"}], "人口": []}', PARIS_ZH),
]


@pytest.mark.parametrize("fmt,writer,output,expected", FORMATS, ids=[f"{f[0]}: {f[1]}" for f in FORMATS])
def test_each_format_as_its_writer_writes_it(fmt, writer, output, expected):
    parsed = parse_output(output)
    assert parsed.format == fmt
    assert parsed.triples == expected
    assert parsed.unparsed_lines == 0


@pytest.mark.parametrize("fmt", ["tuple", "natural", "relation", "json", "schema_json", "tuple_run", "natural_kg2instruction",
                                 "natural_blocks", "relation_kg2instruction", "python_dict", "python_list", "schema_json_head_tail"])
@pytest.mark.parametrize("language,triples", [("en", PARIS_EN), ("zh", PARIS_ZH)])
def test_every_written_format_reads_back_as_itself(fmt, language, triples):
    written = serialize([{"head": h, "relation": r, "tail": t} for h, r, t in triples], fmt, language)
    parsed = parse_output(written)
    assert (parsed.format, parsed.triples) == (fmt, triples)


def test_the_writers_exact_strings():
    t = [{"head": "O'Brien", "relation": "spouse", "tail": "Ann"}]
    assert serialize(t, "natural_kg2instruction", "en") == "Subject is O'Brien,Relation is spouse,Object is Ann"
    assert serialize(t, "relation_kg2instruction", "en") == "spouse：O'Brien,Ann"
    assert serialize(t, "python_dict", "en") == "{'head': \"O'Brien\", 'relation': 'spouse', 'tail': 'Ann'}"  # str() of a dict
    assert parse_output(serialize(t, "python_dict", "en")).triples == [("O'Brien", "spouse", "Ann")]
    assert serialize(t, "tuple_run", "en") == "(O'Brien, spouse, Ann)"
    assert serialize(t, "natural_blocks", "zh") == "头实体是O'Brien\n关系是spouse\n尾实体是Ann\n\n"


def test_raw_triples_keep_what_normalisation_changes():
    parsed = parse_output("(Papua  New Guinea ,located in,Ｏｃｅａｎｉａ)")
    assert parsed.triples == [("Papua New Guinea", "located in", "Oceania")]
    assert parsed.raw_triples == [("Papua  New Guinea", "located in", "Ｏｃｅａｎｉａ")]


def test_non_text_values_and_bad_items_in_json_styles():
    parsed = parse_output('{"height": [{"subject": "Eiffel Tower", "object": 330}, "junk", {"subject": null, "object": "x"}], "area": "NAN"}')
    assert parsed.format == "schema_json" and parsed.triples == [("Eiffel Tower", "height", "330")]


def test_instructie_relation_layout_as_predictions():
    gold = [{"id": "a", "text": "Paris is the capital of France.", "relation": [{"head": "Paris", "relation": "capital of", "tail": "France"}]}]
    report = evaluate(gold, [{"id": "a", "cate": "x", "text": "Paris is the capital of France.", "relation": [{"head": "Paris", "relation": "capital of", "tail": "France"}]}])
    assert report.formats == {"instructie": 1} and report.overall.true_positives == 1


@pytest.mark.parametrize("fmt,writer,output,expected", FORMATS, ids=[f"{f[0]}: {f[1]}" for f in FORMATS])
def test_each_format_scores_through_evaluate(fmt, writer, output, expected):
    text = "Paris is the capital of France, in Île-de-France." if expected is PARIS_EN else "巴黎是法国首都，位于法兰西岛。"
    gold = [{"id": "a", "text": text, "relation": [{"head": h, "relation": r, "tail": t} for h, r, t in expected]}]
    report = evaluate(gold, [{"id": "a", "output": output}])
    assert report.formats == {fmt: 1}
    assert (report.overall.true_positives, report.overall.predicted) == (2, 2)
