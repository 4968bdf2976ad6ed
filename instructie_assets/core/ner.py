"""Optional NER mention finder: entity spans from a token-classification model, for what links, the
subject, repeats and the gazetteer miss. Its spans are then looked up in the label table (a span
without a Wikidata label of that surface is no mention).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass

from instructie_assets.core.models import batched, load_pretrained


@dataclass(frozen=True)
class EntitySpan:
    start: int
    end: int
    label: str
    score: float


class NerModel(ABC):
    name: str

    @abstractmethod
    def spans(self, texts: list[str]) -> list[list[EntitySpan]]: ...


def bio_spans(offsets: list[tuple[int, int]], labels: list[str], scores: list[float]) -> list[EntitySpan]:
    """Merge BIO token labels (B-X, I-X, O; also bare X) into character spans; score = mean token score.
    Special tokens have offsets (0, 0) and are skipped."""
    out: list[EntitySpan] = []
    cur: list | None = None  # [start, end, type, scores]
    for (s, e), label, score in zip(offsets, labels, scores):
        if s == e:
            continue
        if label == "O":
            prefix, kind = "O", ""
        elif label[:2] in ("B-", "I-"):
            prefix, kind = label[0], label[2:]
        else:
            prefix, kind = "I", label
        if prefix == "O":
            if cur:
                out.append(EntitySpan(cur[0], cur[1], cur[2], sum(cur[3]) / len(cur[3])))
            cur = None
        elif prefix == "I" and cur and cur[2] == kind:
            cur[1] = e
            cur[3].append(score)
        else:
            if cur:
                out.append(EntitySpan(cur[0], cur[1], cur[2], sum(cur[3]) / len(cur[3])))
            cur = [s, e, kind, [score]]
    if cur:
        out.append(EntitySpan(cur[0], cur[1], cur[2], sum(cur[3]) / len(cur[3])))
    return out


class TransformersNer(NerModel):
    """A token-classification model (hub id or local path); long texts are read in overlapping windows."""

    def __init__(self, model: str, device: str = "auto", batch_size: int = 16, max_length: int = 512, stride: int = 64):
        self.name = model
        self.tokenizer, self.model, self.device = load_pretrained(model, "token_classification", device)
        if not getattr(self.tokenizer, "is_fast", False):
            raise ValueError(f"NER model {model!r}: a fast tokenizer (with offsets) is needed")
        self.id2label = {int(i): str(l) for i, l in self.model.config.id2label.items()}
        self.batch_size, self.max_length, self.stride = batch_size, max_length, stride

    def _run(self, texts: list[str]) -> list[list[EntitySpan]]:
        import torch

        enc = self.tokenizer(
            texts, padding=True, truncation=True, max_length=self.max_length, stride=self.stride,
            return_overflowing_tokens=True, return_offsets_mapping=True, return_tensors="pt",
        )
        mapping = enc.pop("overflow_to_sample_mapping").tolist()
        offsets = enc.pop("offset_mapping").tolist()
        enc = enc.to(self.device)
        with torch.inference_mode():
            probs = self.model(**enc).logits.float().softmax(-1).cpu()
        best, idx = probs.max(-1)
        found: list[dict[tuple[int, int], EntitySpan]] = [{} for _ in texts]
        for window, sample in enumerate(mapping):
            mask = enc["attention_mask"][window].tolist()
            offs = [tuple(o) if m else (0, 0) for o, m in zip(offsets[window], mask)]
            labels = [self.id2label[i] for i in idx[window].tolist()]
            for span in bio_spans(offs, labels, best[window].tolist()):
                found[sample].setdefault((span.start, span.end), span)  # overlapping windows agree or the first wins
        return [sorted(f.values(), key=lambda s: s.start) for f in found]

    def spans(self, texts: list[str]) -> list[list[EntitySpan]]:
        return batched(texts, [len(t) for t in texts], self.batch_size, lambda batch: self._run(batch))


class PatternNer(NerModel):
    """Deterministic stand-in: regular expressions per entity type. For tests and rule-based runs."""

    name = "patterns"

    def __init__(self, patterns: dict[str, str]):
        self.patterns = {label: re.compile(p) for label, p in patterns.items()}

    def spans(self, texts: list[str]) -> list[list[EntitySpan]]:
        return [
            sorted((EntitySpan(m.start(), m.end(), label, 1.0) for label, rx in self.patterns.items() for m in rx.finditer(t)), key=lambda s: s.start)
            for t in texts
        ]
