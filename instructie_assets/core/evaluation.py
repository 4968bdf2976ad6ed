"""Evaluation as in the InstructIE paper: span micro-F1, ROUGE-2, Score and four error types.

* Triples compare exactly after Unicode NFKC and whitespace normalisation; duplicates count once per
  record. Records pair by `id`, else by normalised text. A gold record with no prediction counts all
  its triples as misses (the authors' script skips such records); a prediction without gold counts
  all its triples as wrong.
* ROUGE-2 (F-measure) per gold record, between the prediction's output and the gold triples written
  in the format the prediction used (InstructIE-record predictions: both in the tuple format), then
  averaged. EN: lower case, punctuation and the articles a/an/the removed, whitespace words. ZH: jieba
  words (characters with `zh_chars=True`), punctuation removed. Gold and prediction both without
  triples score 1; a missing prediction scores 0.
* Score = 0.5 * F1 + 0.5 * ROUGE-2, both on 0-100.
* Every predicted triple that is not in the record's gold gets one error type, first match wins:
    spurious_relation   its relation is in none of the record's gold triples;
    boundary_mismatch   a gold triple with that relation has head and tail each equal to or overlapping
                        the prediction's (one contains the other, or their spans in the text overlap),
                        and at least one only overlaps;
    entity_mismatch     a gold triple with that relation has the same head, or the same tail, but not both;
    incongruent         anything else (several parts wrong).
  Shares are of all predicted triples.
"""

from __future__ import annotations

import json
import logging
import re
import string
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from instructie_assets.core.output_formats import nfkc, parse_output, serialize

ERROR_TYPES = ("entity_mismatch", "spurious_relation", "boundary_mismatch", "incongruent")
Triple = tuple[str, str, str]
_CJK = re.compile(r"[\u3400-\u9fff]")
_ARTICLES = {"a", "an", "the"}


def normalize(s: str) -> str:
    return nfkc(s)


def triple_set(relations: list[dict]) -> set[Triple]:
    return {(normalize(t["head"]), normalize(t["relation"]), normalize(t["tail"])) for t in relations}


def language_of(text: str) -> str:
    chars = [c for c in text if not c.isspace()]
    return "zh" if chars and sum(1 for c in chars if _CJK.match(c)) / len(chars) > 0.2 else "en"


def _is_punct(c: str) -> bool:
    return c in string.punctuation or unicodedata.category(c).startswith(("P", "S"))


class RougeTokenizer:
    """Tokens for ROUGE-2 in one language (the `tokenize` interface rouge_score calls)."""

    def __init__(self, language: str, zh_chars: bool = False):
        self.language, self.zh_chars = language, zh_chars

    def tokenize(self, text: str) -> list[str]:
        text = "".join(" " if _is_punct(c) else c for c in nfkc(text).lower())
        if self.language == "zh":
            if self.zh_chars:
                return [c for c in text if not c.isspace()]
            import jieba

            jieba.setLogLevel(logging.WARNING)
            return [w for w in jieba.lcut(text) if w.strip()]
        return [w for w in text.split() if w not in _ARTICLES]


class Rouge2:
    def __init__(self, zh_chars: bool = False):
        from rouge_score import rouge_scorer

        self._scorers = {
            lang: rouge_scorer.RougeScorer(["rouge2"], tokenizer=RougeTokenizer(lang, zh_chars)) for lang in ("en", "zh")
        }

    def __call__(self, reference: str, prediction: str, language: str) -> float:
        if not reference.strip() and not prediction.strip():
            return 1.0
        return float(self._scorers[language].score(reference, prediction)["rouge2"].fmeasure)


@dataclass
class Counts:
    records: int = 0
    gold: int = 0
    predicted: int = 0
    true_positives: int = 0
    rouge2_sum: float = 0.0
    errors: Counter = field(default_factory=Counter)

    def add(self, other: "Counts") -> None:
        self.records += other.records
        self.gold += other.gold
        self.predicted += other.predicted
        self.true_positives += other.true_positives
        self.rouge2_sum += other.rouge2_sum
        self.errors.update(other.errors)

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def rouge2(self) -> float:
        return self.rouge2_sum / self.records if self.records else 0.0

    @property
    def score(self) -> float:
        return 0.5 * 100 * self.f1 + 0.5 * 100 * self.rouge2

    def as_dict(self) -> dict:
        errors = {k: {"count": self.errors.get(k, 0), "share": (self.errors.get(k, 0) / self.predicted if self.predicted else 0.0)} for k in ERROR_TYPES}
        return {
            "records": self.records, "gold": self.gold, "predicted": self.predicted, "true_positives": self.true_positives,
            "precision": 100 * self.precision, "recall": 100 * self.recall, "f1": 100 * self.f1,
            "rouge2": 100 * self.rouge2, "score": self.score, "errors": errors,
        }

    def __str__(self) -> str:
        return (f"P={self.precision:.3f} R={self.recall:.3f} F1={self.f1:.3f} "
                f"(tp={self.true_positives}, pred={self.predicted}, gold={self.gold})")


@dataclass
class Report:
    overall: Counts
    by_theme: dict[str, Counts]
    formats: Counter
    unpaired_predictions: int

    def as_dict(self) -> dict:
        out = self.overall.as_dict()
        out["by_theme"] = {k: v.as_dict() for k, v in sorted(self.by_theme.items())}
        out["formats"] = dict(self.formats)
        out["unpaired_predictions"] = self.unpaired_predictions
        return out


def _spans(needle: str, text: str) -> list[tuple[int, int]]:
    if not needle or not text:
        return []
    return [(m.start(), m.start() + len(needle)) for m in re.finditer(re.escape(needle), text)]


def _part_state(pred: str, gold: str, text: str) -> str:
    if pred == gold:
        return "equal"
    if pred and gold and (pred in gold or gold in pred):
        return "overlap"
    for a0, a1 in _spans(pred, text):
        for b0, b1 in _spans(gold, text):
            if a0 < b1 and b0 < a1:
                return "overlap"
    return "differ"


def classify_error(pred: Triple, gold: set[Triple] | list[Triple], text: str = "") -> str:
    """The error type of a predicted triple that is not among the record's gold triples."""
    h, r, t = pred
    same_relation = [g for g in gold if g[1] == r]
    if not same_relation:
        return "spurious_relation"
    states = [(_part_state(h, g[0], text), _part_state(t, g[2], text)) for g in same_relation]
    if any(set(s) <= {"equal", "overlap"} and "overlap" in s for s in states):
        return "boundary_mismatch"
    if any(sorted(s) == ["differ", "equal"] for s in states):
        return "entity_mismatch"
    return "incongruent"


def _key(record: dict) -> str:
    return record.get("id") or normalize(record.get("text") or record.get("input") or "")


def _labels_of_instruction(instruction: str) -> set[str]:
    m = re.search(r"\[([^\[\]]+)\]", nfkc(instruction or ""))
    if not m:
        return set()
    return {x.strip() for x in re.split(r"[,、]", m.group(1)) if x.strip()}


def predicted_triples(record: dict, labels: set[str], text: str) -> tuple[list[Triple], str, str]:
    """(triples, format, the output text ROUGE compares) of a prediction record of either kind."""
    if "relation" in record and isinstance(record["relation"], list):
        triples = [(normalize(t["head"]), normalize(t["relation"]), normalize(t["tail"])) for t in record["relation"]]
        return triples, "instructie", serialize([{"head": h, "relation": r, "tail": t} for h, r, t in triples], "tuple", "en")
    output = record.get("output")
    if output is not None and not isinstance(output, str):
        output = json.dumps(output, ensure_ascii=False)
    parsed = parse_output(output, labels | _labels_of_instruction(record.get("instruction", "")), text)
    return parsed.triples, parsed.format, output or ""


def _merged(group: list[dict], labels: set[str], text: str) -> tuple[list[Triple], str, str]:
    """Triples (in order, union), format (the first record's) and joined output of one text's records."""
    triples, outputs, fmt = [], [], ""
    for record in group:
        t, f, o = predicted_triples(record, labels, text)
        triples += t
        outputs.append(o)
        fmt = fmt or f
    return triples, fmt, "\n".join(o for o in outputs if o.strip() and o.strip().upper() != "NAN") if len(group) > 1 else outputs[0]


def _gold_reference(gold: list[dict], fmt: str, language: str) -> str:
    triples = [{"head": t["head"], "relation": t["relation"], "tail": t["tail"]} for t in gold]
    if fmt in ("tuple", "natural", "relation", "json", "schema_json"):
        return serialize(triples, fmt, language)
    return serialize(triples, "tuple", language)


def evaluate(gold_records: list[dict], predictions: list[dict], zh_chars: bool = False) -> Report:
    labels = {normalize(t["relation"]) for r in gold_records for t in r.get("relation", [])}
    pred_by: dict[str, list[dict]] = {}
    for p in predictions:  # several records of one text (label chunks) are one prediction
        pred_by.setdefault(_key(p), []).append(p)
    rouge = Rouge2(zh_chars)
    overall, by_theme, formats = Counts(), defaultdict(Counts), Counter()
    paired = set()
    for g in gold_records:
        k = _key(g)
        text = g.get("text") or g.get("input") or ""
        language = language_of(text)
        gold = triple_set(g.get("relation", []))
        c = Counts(records=1, gold=len(gold))
        group = pred_by.get(k)
        if group is None:
            formats["missing"] += 1
        else:
            paired.add(k)
            triples, fmt, output = _merged(group, labels, text)
            formats[fmt] += 1
            pred = list(dict.fromkeys(triples))
            c.predicted = len(pred)
            c.true_positives = sum(1 for x in pred if x in gold)
            for x in pred:
                if x not in gold:
                    c.errors[classify_error(x, gold, nfkc(text))] += 1
            if not gold and not pred:  # both say "nothing here", whatever the wording (NAN, [], empty)
                c.rouge2_sum = 1.0
            else:
                c.rouge2_sum = rouge(_gold_reference(g.get("relation", []), fmt, language), output, language)
        overall.add(c)
        by_theme[g.get("cate") or "-"].add(c)
    unpaired = 0
    for k, group in pred_by.items():
        if k in paired:
            continue
        unpaired += 1
        text = group[0].get("text") or group[0].get("input") or ""
        triples, fmt, _ = _merged(group, labels, text)
        pred = list(dict.fromkeys(triples))
        c = Counts(predicted=len(pred))
        c.errors["spurious_relation"] += len(pred)
        overall.add(c)
        by_theme[p.get("cate") or "-"].add(c)
    return Report(overall, dict(by_theme), formats, unpaired)


def triple_prf(gold: list[dict], predicted: list[dict]) -> Counts:
    """Micro P/R/F1 only (no ROUGE), for InstructIE records on both sides."""
    pred_by: dict[str, set[Triple]] = {}
    for r in predicted:
        pred_by.setdefault(_key(r), set()).update(triple_set(r.get("relation", [])))
    gold_by: dict[str, set[Triple]] = {}
    for r in gold:
        gold_by.setdefault(_key(r), set()).update(triple_set(r.get("relation", [])))
    return Counts(
        records=len(gold_by), gold=sum(len(g) for g in gold_by.values()), predicted=sum(len(p) for p in pred_by.values()),
        true_positives=sum(len(g & pred_by.get(k, set())) for k, g in gold_by.items()),
    )


def read_jsonl(path: str | Path) -> list[dict]:
    """Records of a JSONL file; a bad line raises naming the file, line and byte offset."""
    out, offset = [], 0
    with open(path, "rb") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    out.append(json.loads(line))
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    raise ValueError(f"{Path(path).name}: line {n} (byte {offset}): not a JSON record ({exc})") from exc
            offset += len(line)
    return out


def format_table(report: Report, by_theme: bool) -> str:
    header = f"{'':22} {'records':>7} {'gold':>6} {'pred':>6} {'P':>6} {'R':>6} {'F1':>6} {'ROUGE-2':>7} {'Score':>6}  " + "  ".join(f"{e:>19}" for e in ERROR_TYPES)

    def row(name: str, c: Counts) -> str:
        d = c.as_dict()
        errs = "  ".join(f"{d['errors'][e]['count']:>10} ({100 * d['errors'][e]['share']:5.1f}%)" for e in ERROR_TYPES)
        return f"{name[:22]:22} {c.records:>7} {c.gold:>6} {c.predicted:>6} {d['precision']:>6.2f} {d['recall']:>6.2f} {d['f1']:>6.2f} {d['rouge2']:>7.2f} {d['score']:>6.2f}  {errs}"

    lines = [header]
    if by_theme:
        lines += [row(k, v) for k, v in sorted(report.by_theme.items())]
    lines.append(row("all", report.overall))
    lines.append("formats: " + ", ".join(f"{k}={v}" for k, v in sorted(report.formats.items())) + f"; predictions without gold: {report.unpaired_predictions}")
    return "\n".join(lines)


def plot_error_shares(report: Report, path: str | Path) -> None:
    """Error-type shares of all predicted triples per theme, stacked bars (the paper's Figures 7-8)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    themes = sorted(report.by_theme)
    fig, ax = plt.subplots(figsize=(max(6, 0.8 * len(themes) + 2), 4.5))
    bottom = [0.0] * len(themes)
    for error in ERROR_TYPES:
        shares = [100 * report.by_theme[t].errors.get(error, 0) / report.by_theme[t].predicted if report.by_theme[t].predicted else 0.0 for t in themes]
        ax.bar(themes, shares, bottom=bottom, label=error.replace("_", " "))
        bottom = [b + s for b, s in zip(bottom, shares)]
    ax.set_ylabel("% of predicted triples")
    ax.set_title("Error types by theme")
    ax.legend(fontsize=8)
    plt.setp(ax.get_xticklabels(), rotation=45, ha="right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
