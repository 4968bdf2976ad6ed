"""Evaluation as in the InstructIE paper: span micro-F1, ROUGE-2, Score and four error types.

* Inputs. Gold: InstructIE records (`relation` list), IEPile records (`label`: a JSON list of
  {head, relation, tail}), or instruction records whose `output` holds the gold answer (DeepKE's
  kg2instruction files). Predictions: instruction records with `output` in any format
  `output_formats` reads, or InstructIE records. Several prediction records of one text (label
  chunks) are one prediction; so are several gold records of one id (their triples united).
* Pairing: by `id` when every gold and every prediction record has one, else by the NFKC- and
  whitespace-normalised text (`text`, `input`, or the `input` inside a JSON instruction). Unpaired
  records on either side are listed in `Report.warnings()`; `strict=True` makes them an error.
* Matching (`match`):
    normalized    triples equal after NFKC and whitespace normalisation, duplicates once per record; a
                  gold record without prediction counts its triples as misses, a prediction without
                  gold counts its triples as wrong;
    authors       as DeepKE kg2instruction/evaluate.py (its default `set` mode): the strings as
                  written (stripped), case-sensitive, duplicates once; gold records without prediction
                  and predictions without gold are left out, so recall ignores the missing records;
    authors-list  as ie2instruction/eval_func.py (its default `normal` mode): as `authors`, but
                  duplicates count (each predicted copy matches at most one gold copy).
* ROUGE-2 (F-measure) per paired gold record, between the prediction's output and the gold's own
  output text, or the gold triples written in the format the prediction used, then averaged over the
  records the matching counts (a missing prediction scores 0 under `normalized`).
    rouge-score   rouge-score's ROUGE-2 (repeated bigrams count). EN: lower case, punctuation and
                  a/an/the removed, whitespace words. ZH: jieba words (characters with `zh_chars=True`),
                  punctuation removed. Both sides without triples score 1.
    authors       the authors' metric: the `rouge` package on EN text lower-cased with ASCII
                  punctuation and a/an/the removed, `rouge_chinese` on jieba words with punctuation
                  kept (ZH), unique bigrams; an empty side scores 0, both empty 1, on the raw texts.
* Score = 0.5 * F1 + 0.5 * ROUGE-2, both on 0-100.
* Every predicted triple that matches no gold triple gets one error type, first match wins:
    spurious_relation   its relation is in none of the record's gold triples;
    boundary_mismatch   a gold triple with that relation has head and tail each equal to or overlapping
                        the prediction's (one contains the other, or their spans in the text overlap),
                        and at least one only overlaps;
    entity_mismatch     a gold triple with that relation has the same head, or the same tail, but not both;
    incongruent         anything else (several parts wrong).
  Shares are of all predicted triples.
* Malformed input raises `EvaluationError`, one line naming the file, the line and the field.
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
MATCH_MODES = ("normalized", "authors", "authors-list")
ROUGE_MODES = ("rouge-score", "authors")
Triple = tuple[str, str, str]
_CJK = re.compile(r"[\u3400-\u9fff]")
_ARTICLES = {"a", "an", "the"}
# The authors' normalize_answer (kg2instruction/evaluate.py, eval/metrics.py), applied to EN text before ROUGE.
_AUTHORS_ARTICLES = re.compile(r"\b(a|an|the)\b")
_AUTHORS_PUNCT = re.compile(r"[!\"#$%&()*+,-./:;<=>?@\[\]\\^`{|}~_']")
_SERIALIZABLE = {"tuple", "natural", "relation", "json", "schema_json", "tuple_run", "natural_kg2instruction",
                 "natural_blocks", "relation_kg2instruction", "python_dict", "python_list", "schema_json_head_tail"}
_SHOWN = 5  # unpaired records named in a warning


class EvaluationError(ValueError):
    """Input the evaluator cannot score: one line naming the file, the line and the field."""


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
    """rouge-score's ROUGE-2 F-measure with our tokenizers."""

    def __init__(self, zh_chars: bool = False):
        from rouge_score import rouge_scorer

        self._scorers = {
            lang: rouge_scorer.RougeScorer(["rouge2"], tokenizer=RougeTokenizer(lang, zh_chars)) for lang in ("en", "zh")
        }

    def __call__(self, reference: str, prediction: str, language: str) -> float:
        if not reference.strip() and not prediction.strip():
            return 1.0
        return float(self._scorers[language].score(reference, prediction)["rouge2"].fmeasure)


def authors_normalize_answer(s: str) -> str:
    """The authors' EN normalisation: lower case, ASCII punctuation and a/an/the replaced by spaces."""
    s = _AUTHORS_ARTICLES.sub(" ", _AUTHORS_PUNCT.sub(" ", s.lower()))
    return " ".join(s.split())


class AuthorsRouge2:
    """The authors' ROUGE-2 F (kg2instruction eval/metrics.py `get_rouge_score`): unique bigrams.

    EN: the `rouge` package on `authors_normalize_answer` of both texts. ZH: `rouge_chinese` on
    jieba's words joined by spaces, punctuation kept. Empty (stripped) text on one side scores 0, on
    both sides 1. Where their code would raise (a text that normalises to nothing) this scores 0."""

    def __init__(self):
        import jieba
        from rouge import Rouge as EnglishRouge
        from rouge_chinese import Rouge as ChineseRouge

        jieba.setLogLevel(logging.WARNING)
        self._cut = jieba.cut
        self._en, self._zh = EnglishRouge(metrics=["rouge-2"]), ChineseRouge(metrics=["rouge-2"])

    def __call__(self, reference: str, prediction: str, language: str) -> float:
        pred, gold = prediction.strip(), reference.strip()
        if language == "zh":
            pred, gold = " ".join(self._cut(pred)), " ".join(self._cut(gold))
        if not pred or not gold:
            return 1.0 if pred == gold else 0.0
        try:
            if language == "zh":
                return float(self._zh.get_scores(pred, gold)[0]["rouge-2"]["f"])
            return float(self._en.get_scores(authors_normalize_answer(pred), authors_normalize_answer(gold))[0]["rouge-2"]["f"])
        except ValueError:  # "Hypothesis is empty." / "Reference is empty." after their normalisation
            return 0.0


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


@dataclass(frozen=True)
class Unpaired:
    """A record of one side that pairs with none of the other: its line and what it was paired by."""

    line: int
    key: str

    def __str__(self) -> str:
        shown = self.key if len(self.key) <= 40 else self.key[:39] + "…"
        return f"line {self.line} ({shown!r})"


@dataclass
class Report:
    overall: Counts
    by_theme: dict[str, Counts]
    formats: Counter
    unpaired_predictions: int
    pairing: str = "id"  # id | text
    pairing_note: str = ""
    match: str = "normalized"
    rouge: str = "rouge-score"
    prediction_count: int = 0  # prediction texts (records of one text are one)
    gold_count: int = 0
    unpaired: list[Unpaired] = field(default_factory=list)  # predictions without gold
    missing: list[Unpaired] = field(default_factory=list)  # gold records without prediction
    unpaired_by_text: int = 0  # predictions unpaired by id whose text names a gold record
    files: tuple[str, str] = ("gold", "predictions")

    @property
    def recall_ignores_missing(self) -> bool:
        return self.match != "normalized" and bool(self.missing)

    def as_dict(self) -> dict:
        out = self.overall.as_dict()
        out["by_theme"] = {k: v.as_dict() for k, v in sorted(self.by_theme.items())}
        out["formats"] = dict(self.formats)
        out["unpaired_predictions"] = self.unpaired_predictions
        out["gold_without_prediction"] = len(self.missing)
        out["pairing"] = self.pairing
        out["match"] = self.match
        out["rouge"] = self.rouge
        out["recall_ignores_missing_gold"] = self.recall_ignores_missing
        return out

    def warnings(self) -> list[str]:
        """One line per kind of unpaired record, naming the first few by file and line."""
        out = []
        how = f"paired by {self.pairing}" + (f": {self.pairing_note}" if self.pairing_note else "")
        authors = self.match != "normalized"
        if self.unpaired:
            named = ", ".join(str(u) for u in self.unpaired[:_SHOWN]) + (", …" if len(self.unpaired) > _SHOWN else "")
            fate = f"--match {self.match} leaves them out" if authors else "their triples count as wrong"
            hint = (f"; {self.unpaired_by_text} of them have the text of a gold record: do the files use different ids?"
                    if self.unpaired_by_text else "")
            out.append(f"{len(self.unpaired)} of {self.prediction_count} predictions pair with no gold record ({how}; {fate}): "
                       f"{self.files[1]} {named}{hint}")
        if self.missing:
            named = ", ".join(str(u) for u in self.missing[:_SHOWN]) + (", …" if len(self.missing) > _SHOWN else "")
            fate = f"--match {self.match} leaves them out: recall ignores them" if authors else "their triples count as misses"
            out.append(f"{len(self.missing)} of {self.gold_count} gold records have no prediction ({how}; {fate}): {self.files[0]} {named}")
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


# ---- reading records -------------------------------------------------------------------------------


@dataclass
class RecordFile:
    """The records of one JSONL file with their line numbers, and the name errors give for it."""

    name: str
    records: list[dict]
    lines: list[int]

    @classmethod
    def read(cls, path: str | Path) -> "RecordFile":
        """Records of a JSONL file; a bad line raises naming the file, line and byte offset."""
        name, records, lines, offset = Path(path).name, [], [], 0
        with open(path, "rb") as fh:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        records.append(json.loads(line))
                    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                        raise EvaluationError(f"{name}: line {n} (byte {offset}): not a JSON record ({exc})") from exc
                    lines.append(n)
                offset += len(line)
        return cls(name, records, lines)

    @classmethod
    def of(cls, records: "list[dict] | RecordFile", name: str) -> "RecordFile":
        if isinstance(records, RecordFile):
            return records
        return cls(name, list(records), list(range(1, len(records) + 1)))


def read_jsonl(path: str | Path) -> list[dict]:
    """Records of a JSONL file; a bad line raises naming the file, line and byte offset."""
    return RecordFile.read(path).records


def _type_name(value) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null", int: "a number", float: "a number"}.get(type(value), f"a {type(value).__name__}")


def _instruction_json(record: dict) -> dict | None:
    instruction = record.get("instruction")
    if isinstance(instruction, str) and instruction.lstrip().startswith("{"):
        try:
            value = json.loads(instruction)
        except json.JSONDecodeError:
            return None
        return value if isinstance(value, dict) else None
    return None


def _record_text(record: dict, where: str) -> str:
    for name in ("text", "input"):
        value = record.get(name)
        if value is not None:
            if not isinstance(value, str):
                raise EvaluationError(f"{where}: `{name}` is {_type_name(value)}, not text")
            return value
    inner = _instruction_json(record)  # IEPile: the text is the `input` inside the JSON instruction
    if inner and isinstance(inner.get("input"), str):
        return inner["input"]
    return ""


def _record_id(record: dict, where: str) -> str | None:
    value = record.get("id")
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise EvaluationError(f"{where}: `id` is {_type_name(value)}, not text")
    return str(value)


def _instruction_labels(record: dict) -> set[str]:
    inner = _instruction_json(record)
    if inner and isinstance(inner.get("schema"), list):
        return {nfkc(x) for x in inner["schema"] if isinstance(x, str)}
    m = re.search(r"\[([^\[\]]+)\]", nfkc(record.get("instruction") or "") if isinstance(record.get("instruction"), str) else "")
    if not m:
        return set()
    return {x.strip().strip("'\"").strip() for x in re.split(r"[,、]", m.group(1)) if x.strip().strip("'\"").strip()}


def _relation_list(value, where: str, name: str) -> list[Triple]:
    if not isinstance(value, list):
        raise EvaluationError(f"{where}: `{name}` is {_type_name(value)}, not a list of {{head, relation, tail}}")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise EvaluationError(f"{where}: {name}[{i}] is {_type_name(item)}, not an object")
        parts = []
        for part in ("head", "relation", "tail"):
            if part not in item:
                raise EvaluationError(f"{where}: {name}[{i}] has no `{part}`")
            if not isinstance(item[part], str):
                raise EvaluationError(f"{where}: {name}[{i}].{part} is {_type_name(item[part])}, not text")
            parts.append(item[part].strip())
        out.append(tuple(parts))
    return out


def _label_list(record: dict, where: str) -> list[Triple]:
    value = record["label"]
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise EvaluationError(f"{where}: `label` is not JSON ({exc.msg} at character {exc.pos})") from exc
    return _relation_list(value, where, "label")


def _output_text(record: dict, where: str) -> str:
    value = record.get("output")
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if not isinstance(value, str):
        raise EvaluationError(f"{where}: `output` is {_type_name(value)}, not text")
    return value


@dataclass
class _Gold:
    line: int
    key: str
    cate: str
    text: str
    raw: list[Triple]  # as written, stripped
    output: str | None  # the gold's own answer text (gold read from `output`): the ROUGE reference


@dataclass
class _Read:
    triples: list[Triple]  # normalised
    raw: list[Triple]
    format: str
    output: str


def _read_gold(record: dict, where: str, labels: set[str], text: str) -> tuple[list[Triple], str | None]:
    if "relation" in record:
        return _relation_list(record["relation"], where, "relation"), None
    if "label" in record:
        return _label_list(record, where), None
    if "output" in record:
        output = _output_text(record, where)
        parsed = parse_output(output, labels | _instruction_labels(record), text)
        if parsed.format == "unparsed":
            raise EvaluationError(f"{where}: `output` is in no output format this evaluator reads ({output[:60]!r})")
        return parsed.raw_triples, output
    raise EvaluationError(f"{where}: no `relation` list, `label` or `output` to read the gold triples from "
                          f"(an instruction file without answers?)")


def _read_prediction(record: dict, where: str, labels: set[str], text: str) -> _Read:
    if "output" in record:
        output = _output_text(record, where)
        parsed = parse_output(output, labels | _instruction_labels(record), text)
        return _Read(parsed.triples, parsed.raw_triples, parsed.format, output)
    if "relation" in record:
        raw = _relation_list(record["relation"], where, "relation")
        output = serialize([{"head": h, "relation": r, "tail": t} for h, r, t in raw], "tuple", "en")
        return _Read([_norm(t) for t in raw], raw, "instructie", output)
    raise EvaluationError(f"{where}: no `output` or `relation` to read the predicted triples from")


def _norm(t: Triple) -> Triple:
    return normalize(t[0]), normalize(t[1]), normalize(t[2])


def _merged(reads: list[_Read]) -> _Read:
    """One text's prediction records as one: triples in order (union), the first format, outputs joined."""
    if len(reads) == 1:
        return reads[0]
    fmt = next((r.format for r in reads if r.format not in ("nan", "empty", "unparsed")), reads[0].format)
    output = "\n".join(r.output for r in reads if r.output.strip() and r.output.strip().upper() != "NAN")
    return _Read([t for r in reads for t in r.triples], [t for r in reads for t in r.raw], fmt, output)


def _reference(gold: _Gold, fmt: str, language: str, rouge: str) -> str:
    if gold.output is not None:
        return gold.output
    if rouge == "authors" and not gold.raw:
        return "NAN"  # what the authors' converters write for a text without triples
    triples = [{"head": h, "relation": r, "tail": t} for h, r, t in gold.raw]
    return serialize(triples, fmt if fmt in _SERIALIZABLE else "tuple", language)


def _match(gold_raw: list[Triple], pred: _Read, match: str) -> tuple[int, int, int, list[Triple], list[Triple]]:
    """(gold count, predicted count, true positives, wrong predictions, gold as compared) of one record."""
    if match == "normalized":
        gold = list(dict.fromkeys(_norm(t) for t in gold_raw))
        predicted = list(dict.fromkeys(pred.triples))
    elif match == "authors":
        gold, predicted = list(dict.fromkeys(gold_raw)), list(dict.fromkeys(pred.raw))
    else:  # authors-list: duplicates count, each predicted copy takes one gold copy
        gold, predicted = list(gold_raw), list(pred.raw)
    remaining, wrong = list(gold), []
    for t in predicted:
        if t in remaining:
            remaining.remove(t)
        else:
            wrong.append(t)
    return len(gold), len(predicted), len(predicted) - len(wrong), wrong, gold


def evaluate(gold_records: list[dict] | RecordFile, predictions: list[dict] | RecordFile, zh_chars: bool = False, *,
             match: str = "normalized", rouge: str = "rouge-score", strict: bool = False, language: str | None = None) -> Report:
    """Score predictions against gold (see the module docstring); raises EvaluationError on bad input."""
    if match not in MATCH_MODES:
        raise ValueError(f"match must be one of {MATCH_MODES}, not {match!r}")
    if rouge not in ROUGE_MODES:
        raise ValueError(f"rouge must be one of {ROUGE_MODES}, not {rouge!r}")
    gold_file, pred_file = RecordFile.of(gold_records, "gold"), RecordFile.of(predictions, "predictions")
    for f in (gold_file, pred_file):
        for record, line in zip(f.records, f.lines):
            if not isinstance(record, dict):
                raise EvaluationError(f"{f.name}: line {line}: not a JSON object but {_type_name(record)}")
    if not gold_file.records:
        raise EvaluationError(f"{gold_file.name}: no records (an empty gold file)")

    gold_ids = all(_record_id(r, f"{gold_file.name}: line {n}") for r, n in zip(gold_file.records, gold_file.lines))
    pred_ids = bool(pred_file.records) and all(_record_id(r, f"{pred_file.name}: line {n}") for r, n in zip(pred_file.records, pred_file.lines))
    pairing = "id" if gold_ids and pred_ids else "text"
    note = "" if pairing == "id" or not (gold_ids or pred_ids) else ("ids in the gold file only" if gold_ids else "ids in the predictions only")

    # ie2instruction keys a record by its source and id: so do we when every record names its source
    by_source = pairing == "id" and all("source" in r for f in (gold_file, pred_file) for r in f.records)

    def key_of(record: dict, where: str, text: str) -> str:
        key = _record_id(record, where) if pairing == "id" else normalize(text)
        if key and by_source:
            key = f"{record['source']}/{key}"
        if not key:
            raise EvaluationError(f"{where}: no `text` or `input` to pair by (records are paired by text: "
                                  f"{'not every record has an `id`' if gold_ids or pred_ids else 'no record has an `id`'})")
        return key

    labels: set[str] = set()
    for record in gold_file.records:
        for name in ("relation", "label"):
            value = record.get(name)
            if isinstance(value, list):
                labels |= {nfkc(t["relation"]) for t in value if isinstance(t, dict) and isinstance(t.get("relation"), str)}

    golds: dict[str, _Gold] = {}
    for record, line in zip(gold_file.records, gold_file.lines):
        where = f"{gold_file.name}: line {line}"
        text = _record_text(record, where)
        key = key_of(record, where, text)
        raw, output = _read_gold(record, where, labels, text)
        cate = record.get("cate") or record.get("source") or "-"
        if key not in golds:
            golds[key] = _Gold(line, key, str(cate), text, raw, output)
            continue
        first = golds[key]  # label chunks of one text: one record, triples united
        if text and first.text and normalize(text) != normalize(first.text):
            raise EvaluationError(f"{where}: id {key!r} is already used by line {first.line} for another text")
        first.raw += [t for t in raw if t not in first.raw]
        if output is not None:
            first.output = "\n".join(x for x in (first.output, output) if x and x.strip().upper() != "NAN") or output
    if not any(g.raw for g in golds.values()):
        raise EvaluationError(f"{gold_file.name}: none of its {len(gold_file.records)} records holds a triple; "
                              f"a gold file needs `relation` lists, `label`s or `output`s with triples")

    labels |= {nfkc(t[1]) for g in golds.values() for t in g.raw}  # gold read from outputs names its labels too
    groups: dict[str, list[tuple[int, dict, str]]] = {}
    for record, line in zip(pred_file.records, pred_file.lines):
        where = f"{pred_file.name}: line {line}"
        text = _record_text(record, where)
        groups.setdefault(key_of(record, where, text), []).append((line, record, text))

    scorer = AuthorsRouge2() if rouge == "authors" else Rouge2(zh_chars)
    overall, by_theme, formats = Counts(), defaultdict(Counts), Counter()
    missing: list[Unpaired] = []
    for key, gold in golds.items():
        group = groups.get(key)
        text = gold.text or (group[0][2] if group else "")
        lang = language or language_of(text)
        if group is None:
            missing.append(Unpaired(gold.line, key))
            formats["missing"] += 1
            if match != "normalized":
                continue  # the authors' evaluators skip gold records without prediction
            c = Counts(records=1, gold=len(set(_norm(t) for t in gold.raw)))
        else:
            pred = _merged([_read_prediction(r, f"{pred_file.name}: line {n}", labels, text) for n, r, _ in group])
            formats[pred.format] += 1
            n_gold, n_pred, tp, wrong, compared = _match(gold.raw, pred, match)
            c = Counts(records=1, gold=n_gold, predicted=n_pred, true_positives=tp)
            for x in wrong:
                c.errors[classify_error(x, compared, nfkc(text))] += 1
            if rouge == "rouge-score" and not gold.raw and not pred.triples:
                c.rouge2_sum = 1.0  # both say "nothing here", whatever the wording (NAN, [], empty)
            else:
                c.rouge2_sum = scorer(_reference(gold, pred.format, lang, rouge), pred.output, lang)
        overall.add(c)
        by_theme[gold.cate].add(c)

    unpaired: list[Unpaired] = []
    gold_texts = {normalize(g.text) for g in golds.values() if g.text}
    by_text = 0
    for key, group in groups.items():
        if key in golds:
            continue
        unpaired.append(Unpaired(group[0][0], key))
        by_text += pairing == "id" and normalize(group[0][2]) in gold_texts
        if match != "normalized":
            continue  # the authors' evaluators ignore predictions without gold
        pred = _merged([_read_prediction(r, f"{pred_file.name}: line {n}", labels, text) for n, r, text in group])
        c = Counts(predicted=len(dict.fromkeys(pred.triples)))
        c.errors["spurious_relation"] += c.predicted
        overall.add(c)
        cate = next((r.get("cate") or r.get("source") for _, r, _ in group if r.get("cate") or r.get("source")), "-")
        by_theme[str(cate)].add(c)

    report = Report(overall, dict(by_theme), formats, len(unpaired), pairing=pairing, pairing_note=note, match=match,
                    rouge=rouge, prediction_count=len(groups), gold_count=len(golds), unpaired=unpaired, missing=missing,
                    unpaired_by_text=by_text, files=(gold_file.name, pred_file.name))
    if strict and (unpaired or missing):
        raise EvaluationError(f"unpaired records (--strict): {report.warnings()[0]}")
    return report


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
    lines.append("formats: " + ", ".join(f"{k}={v}" for k, v in sorted(report.formats.items()))
                 + f"; paired by {report.pairing}; predictions without gold: {report.unpaired_predictions}; "
                 f"gold without prediction: {len(report.missing)}")
    if report.match != "normalized" or report.rouge != "rouge-score":
        lines.append(f"match: {report.match}; rouge: {report.rouge}"
                     + (f"; recall ignores the {len(report.missing)} gold records without prediction, as the authors' evaluators do"
                        if report.recall_ignores_missing else ""))
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
