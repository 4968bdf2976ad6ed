"""The NLI filter: does the paragraph entail the triple, written as a sentence?

Premise (`nli_premise`): by default the triple's evidence sentence, with the sentences that hold its
head and tail as written when those stand elsewhere (a subject named in the first sentence and
referred to as "He" in the evidence): shorter and sharper than the paragraph, so a triple is judged
by the sentence it was found in rather than entailed by some other sentence of a long paragraph,
premises fit the model's 512 tokens, and NLI models are trained on sentence-length premises
(MNLI/XNLI), which also makes scoring faster. `paragraph` uses the whole paragraph (the authors').
Hypothesis: the relation's template (`resources/nli_templates/<lang>.yaml`) filled with the head and tail. A triple whose entailment probability is below the threshold (the
authors' 0.5) is dropped with reason `nli`. Pairs are de-duplicated and run in length-sorted batches.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

import yaml

from instructie_assets.core.models import batched, load_pretrained
from instructie_assets.core.schemas import SchemaError, ThemeSchema
from instructie_assets.core.sentences import sentence_index, split_sentences

DEFAULT_NLI_MODEL = "MoritzLaurer/mDeBERTa-v3-base-mnli-xnli"


class NliModel(ABC):
    """Entailment probability of each (premise, hypothesis) pair."""

    name: str

    @abstractmethod
    def entailment(self, pairs: list[tuple[str, str]]) -> list[float]: ...


class TransformersNli(NliModel):
    """A sequence-classification NLI model (hub id or local path); its `entailment` label is used."""

    def __init__(self, model: str = DEFAULT_NLI_MODEL, device: str = "auto", batch_size: int = 32, max_length: int = 512):
        self.name = model
        self.tokenizer, self.model, self.device = load_pretrained(model, "sequence_classification", device)
        labels = {int(i): str(l).lower() for i, l in self.model.config.id2label.items()}
        entail = [i for i, l in labels.items() if l.startswith("entail")]
        if not entail:
            raise ValueError(f"NLI model {model!r} has no `entailment` label (labels: {sorted(labels.values())})")
        self.entail_index = entail[0]
        self.batch_size, self.max_length = batch_size, max_length

    def _run(self, batch: list[tuple[str, str]]) -> list[float]:
        import torch

        enc = self.tokenizer(
            [p for p, _ in batch], [h for _, h in batch], padding=True, truncation="only_first",
            max_length=self.max_length, return_tensors="pt",
        ).to(self.device)
        with torch.inference_mode():
            probs = self.model(**enc).logits.float().softmax(-1)[:, self.entail_index]
        return [float(x) for x in probs.cpu()]

    def entailment(self, pairs: list[tuple[str, str]]) -> list[float]:
        unique = list(dict.fromkeys(pairs))
        scores = batched(unique, [len(p) + len(h) for p, h in unique], self.batch_size, self._run)
        by_pair = dict(zip(unique, scores))
        return [by_pair[p] for p in pairs]


_TOKEN = re.compile(r"[\u3400-\u9fff]|[^\W\u3400-\u9fff]+")


class LexicalNli(NliModel):
    """Deterministic stand-in: the share of the hypothesis' words (EN) and characters (ZH) that occur
    in the premise. Not a real NLI model: for tests and for runs that must not load weights."""

    name = "lexical-overlap"

    def entailment(self, pairs: list[tuple[str, str]]) -> list[float]:
        out = []
        for premise, hypothesis in pairs:
            tokens = _TOKEN.findall(hypothesis.lower())
            if not tokens:
                out.append(0.0)
                continue
            low = premise.lower()
            out.append(sum(1 for t in tokens if t in low) / len(tokens))
        return out


@dataclass(frozen=True)
class NliTemplates:
    """Hypothesis templates per language, keyed by relation EN name, optionally per theme."""

    templates: dict[str, dict[str, dict[str, str]]]  # language -> relation -> {"default"|theme: template}

    def hypothesis(self, language: str, theme: str, relation: str, head: str, tail: str) -> str:
        forms = self.templates[language][relation]
        return forms.get(theme, forms["default"]).format(head=head, tail=tail)


def load_nli_templates(directory: Path, schemas: dict[str, ThemeSchema], languages: tuple[str, ...] = ("en", "zh")) -> NliTemplates:
    """Read `<lang>.yaml` templates; every relation of every theme needs one with {head} and {tail}."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    for language in languages:
        path = directory / f"{language}.yaml"
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise SchemaError(f"{path}: cannot read NLI templates ({exc})") from exc
        if not isinstance(raw, dict):
            raise SchemaError(f"{path}: must be a mapping of relation -> template, not {type(raw).__name__}")
        forms: dict[str, dict[str, str]] = {}
        for relation, value in raw.items():
            if not isinstance(value, (str, dict)):
                raise SchemaError(f"{path}: `{relation}` must be a template or a mapping of theme -> template, not {type(value).__name__}")
            value = {"default": value} if isinstance(value, str) else dict(value)
            if "default" not in value:
                raise SchemaError(f"{path}: `{relation}` needs a `default` template")
            for key, template in value.items():
                if not isinstance(template, str) or "{head}" not in template or "{tail}" not in template:
                    raise SchemaError(f"{path}: `{relation}` ({key}) must contain {{head}} and {{tail}}: {template!r}")
            forms[str(relation)] = value
        missing = sorted({r.name("en") for s in schemas.values() for r in s.relations} - set(forms))
        if missing:
            raise SchemaError(f"{path}: no NLI template for relation(s) {', '.join(missing)}")
        out[language] = forms
    return NliTemplates(out)


def nli_premise(row: dict, text: str, language: str, mode: str = "sentence") -> str:
    """The premise of one triple: its evidence sentence(s) plus the sentences of its head and tail
    surfaces when they stand outside it, in text order (`sentence`), or the paragraph."""
    start, end = row.get("evidence_start"), row.get("evidence_end")
    if mode == "paragraph" or start is None or end is None:
        return text
    spans = split_sentences(text, language) or [(0, len(text))]
    pieces = {(start, end)}
    for offset in (row.get("head_start"), row.get("tail_start")):
        if offset is not None and not start <= offset < end:
            pieces.add(spans[sentence_index(spans, offset)])
    return " ".join(text[s:e] for s, e in sorted(pieces))


def nli_scores(
    rows: list[dict], texts: dict[str, str], model: NliModel, templates: NliTemplates, language: str, theme: str,
    premise: str = "sentence",
) -> dict[str, float]:
    """triple_id -> entailment probability for the given candidate rows (head, relation, tail, paragraph_id,
    evidence and head/tail offsets); `premise` is `sentence` or `paragraph` (see the module docstring)."""
    pairs = [
        (nli_premise(r, texts[r["paragraph_id"]], language, premise), templates.hypothesis(language, theme, r["relation"], r["head"], r["tail"]))
        for r in rows
    ]
    return {r["triple_id"]: s for r, s in zip(rows, model.entailment(pairs))}
