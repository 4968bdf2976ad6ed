"""Our evaluator against the numbers the authors' own evaluators give on a small fixed set.

The inputs and the authors' figures are in `authors_fixed_set.py` (their code was run once, outside
this repository, with their pip dependencies `rouge`, `rouge_chinese`, `jieba`).
"""

import json

import pytest

from instructie_assets.cli import main
from instructie_assets.core.evaluation import AuthorsRouge2, Rouge2, evaluate
from tests.core import authors_fixed_set as fx


@pytest.mark.parametrize("language", ["en", "zh"])
def test_kg2instruction_figures_with_match_and_rouge_authors(language):
    gold, pred = fx.kg2instruction_files(language)
    theirs = fx.AUTHORS_FIGURES[f"kg2instruction_{language}"]
    report = evaluate(gold, pred, match="authors", rouge="authors")
    o = report.overall
    assert (o.true_positives, o.predicted, o.gold, o.records) == (theirs["tp"], theirs["pred"], theirs["gold"], theirs["records"])
    assert 100 * o.f1 == pytest.approx(theirs["f1"], abs=1e-9)
    assert o.rouge2 == pytest.approx(theirs["rouge-2"], abs=1e-9)
    # the gold carries ids, DeepKE's prediction layout does not: paired by text, both strays named
    assert report.pairing == "text" and report.pairing_note == "ids in the gold file only"
    assert len(report.missing) == 1 and len(report.unpaired) == 1
    assert report.as_dict()["recall_ignores_missing_gold"] is True


@pytest.mark.parametrize("language", ["en", "zh"])
def test_kg2instruction_set_by_default_counts_what_the_authors_leave_out(language):
    gold, pred = fx.kg2instruction_files(language)
    theirs = fx.AUTHORS_FIGURES[f"kg2instruction_{language}"]
    o = evaluate(gold, pred).overall
    # + the gold record without prediction (1 triple, a miss) and the stray prediction (1 triple, wrong);
    # EN: "Papua  New Guinea" (two spaces) matches after whitespace normalisation
    normalised_extra = 1 if language == "en" else 0
    assert (o.true_positives, o.predicted, o.gold, o.records) == (
        theirs["tp"] + normalised_extra, theirs["pred"] + 1, theirs["gold"] + 1, theirs["records"] + 1)


@pytest.mark.parametrize("subject,obj", [("subject", "object"), ("head", "tail")])
def test_ie2instruction_figures_with_match_authors_list(tmp_path, capsys, subject, obj):
    # IEPile's eval_func reads label and output from one file: --gold and --pred are the same file
    path = tmp_path / "iepile.json"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in fx.ie2instruction_file(subject, obj)), encoding="utf-8")
    assert main(["evaluate", "--gold", str(path), "--pred", str(path), "--match", "authors-list", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    theirs = fx.AUTHORS_FIGURES["ie2instruction"]
    assert (out["true_positives"], out["predicted"], out["gold"], out["records"]) == (theirs["tp"], theirs["pred"], theirs["gold"], theirs["records"])
    assert round(out["precision"], 2) == theirs["P"] and round(out["recall"], 2) == theirs["R"]
    assert out["f1"] == pytest.approx(theirs["F1"], abs=0.01)  # they round P and R before F1
    assert out["formats"]["unparsed"] == theirs["errors"]
    assert out["pairing"] == "id"
    # `authors` (their kg2instruction set mode) counts the duplicated prediction once
    assert main(["evaluate", "--gold", str(path), "--pred", str(path), "--match", "authors", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["predicted"] == theirs["pred"] - 1


def test_authors_rouge2_on_each_pair():
    authors, ours = AuthorsRouge2(), Rouge2()
    for (language, gold, pred), theirs in zip(fx.ROUGE_PAIRS, fx.AUTHORS_ROUGE2, strict=True):
        assert authors(gold, pred, language) == pytest.approx(theirs, abs=1e-12), (language, gold, pred)
    # where the default differs: repeated bigrams count, punctuation removed, both without triples
    x = fx.ROUGE_PAIRS
    assert ours(x[0][1], x[0][2], "en") == pytest.approx(0.5)  # {xy: 2, yx: 1} against {xy: 1}
    assert ours(x[2][1], x[2][2], "en") == pytest.approx(1.0)
    assert ours(x[6][1], x[6][2], "zh") == pytest.approx(1.0)
