"""Evaluation as in the paper: span-based micro precision, recall and F1 over triples."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path


def normalize(s: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", s).split())


def triple_set(relations: list[dict]) -> set[tuple[str, str, str]]:
    return {(normalize(t["head"]), normalize(t["relation"]), normalize(t["tail"])) for t in relations}


@dataclass
class PRF:
    true_positives: int
    predicted: int
    gold: int

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

    def __str__(self) -> str:
        return f"P={self.precision:.3f} R={self.recall:.3f} F1={self.f1:.3f} (tp={self.true_positives}, pred={self.predicted}, gold={self.gold})"


def triple_prf(gold: list[dict], predicted: list[dict]) -> PRF:
    """Micro P/R/F1. Records pair by `id`, else by text. A gold record without a prediction counts
    all its triples as misses; a predicted record without gold counts all its triples as wrong."""
    def key(r: dict) -> str:
        return r.get("id") or normalize(r["text"])

    pred_by = {}
    for r in predicted:
        pred_by.setdefault(key(r), set()).update(triple_set(r.get("relation", [])))
    gold_by = {}
    for r in gold:
        gold_by.setdefault(key(r), set()).update(triple_set(r.get("relation", [])))
    tp = sum(len(g & pred_by.get(k, set())) for k, g in gold_by.items())
    return PRF(tp, sum(len(p) for p in pred_by.values()), sum(len(g) for g in gold_by.values()))


def read_jsonl(path: str | Path) -> list[dict]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{Path(path).name}: line {n}: not JSON ({exc})") from exc
    return out
