"""Theme classification of texts, and training a classifier on knowledge-graph-labelled paragraphs.

The deterministic theme comes from an article's own Wikidata item (P31/P279 walk, `theme_map`). A
text classifier covers articles whose item gives no theme (or overrides when configured), as the paper
trains one on 5,000 labelled texts. Same model pattern as the NLI filter and NER (`core/models.py`).
"""

from __future__ import annotations

import json
import random
import re
from abc import ABC, abstractmethod
from collections import Counter, defaultdict
from pathlib import Path

from instructie_assets.core.atomic_files import write_text_atomic
from instructie_assets.core.filtering import seeded_uniform
from instructie_assets.core.models import batched, load_pretrained, resolve_device

DEFAULT_BASE_MODEL = "distilbert-base-multilingual-cased"


class ThemeClassifier(ABC):
    name: str

    @abstractmethod
    def classify(self, texts: list[str]) -> list[tuple[str, float]]:
        """(theme key, score) of each text."""


def label_to_theme(labels: dict[int, str], themes: dict[str, set[str]]) -> dict[int, str]:
    """Model label -> theme key; labels may be theme keys or their EN/ZH cate names."""
    out = {}
    for i, label in labels.items():
        key = next((t for t, names in themes.items() if label == t or label in names), None)
        if key is None:
            raise ValueError(f"classifier label {label!r} is not a theme (known: {', '.join(sorted(themes))})")
        out[i] = key
    return out


class TransformersThemeClassifier(ThemeClassifier):
    """A sequence-classification model whose labels are the themes (hub id or local path)."""

    def __init__(self, model: str, themes: dict[str, set[str]], device: str = "auto", batch_size: int = 32, max_length: int = 256):
        self.name = model
        self.tokenizer, self.model, self.device = load_pretrained(model, "sequence_classification", device)
        self.themes = label_to_theme({int(i): str(l) for i, l in self.model.config.id2label.items()}, themes)
        self.batch_size, self.max_length = batch_size, max_length

    def _run(self, batch: list[str]) -> list[tuple[str, float]]:
        import torch

        enc = self.tokenizer(batch, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt").to(self.device)
        with torch.inference_mode():
            probs = self.model(**enc).logits.float().softmax(-1).cpu()
        best, idx = probs.max(-1)
        return [(self.themes[int(i)], float(s)) for i, s in zip(idx.tolist(), best.tolist())]

    def classify(self, texts: list[str]) -> list[tuple[str, float]]:
        return batched(texts, [len(t) for t in texts], self.batch_size, self._run)


class KeywordThemeClassifier(ThemeClassifier):
    """Deterministic stand-in: the theme whose keywords occur most (ties: first theme listed)."""

    name = "keywords"

    def __init__(self, keywords: dict[str, list[str]]):
        self.keywords = {t: [re.compile(re.escape(k), re.IGNORECASE) for k in ks] for t, ks in keywords.items()}

    def classify(self, texts: list[str]) -> list[tuple[str, float]]:
        out = []
        for text in texts:
            hits = {t: sum(len(p.findall(text)) for p in ps) for t, ps in self.keywords.items()}
            total = sum(hits.values())
            theme = max(hits, key=lambda t: hits[t]) if total else next(iter(self.keywords))
            out.append((theme, hits[theme] / total if total else 0.0))
        return out


# ------------------------------------------------------------------------------------------ training

def training_split(rows: list[dict], size: int, themes: list[str], languages: list[str], seed: int = 42,
                   valid_share: float = 0.1) -> tuple[list[dict], list[dict]]:
    """A balanced set of KG-labelled paragraphs: up to size / (themes x languages) per theme and
    language, drawn by a seeded hash; held-out by article (no article on both sides)."""
    per_cell = max(1, size // (len(themes) * len(languages)))
    cells: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in rows:
        cells[(r["theme"], r["language"])].append(r)
    train, valid = [], []
    for key in sorted(cells):
        picked = sorted(cells[key], key=lambda r: seeded_uniform(seed, f"theme-set:{r['paragraph_id']}"))[:per_cell]
        for r in picked:
            (valid if seeded_uniform(seed, f"theme-valid:{r['article_id']}") < valid_share else train).append(
                {"text": r["text"], "label": r["theme"], "language": r["language"], "paragraph_id": r["paragraph_id"]})
    return train, valid


def write_jsonl(path: Path, rows: list[dict]) -> None:
    write_text_atomic(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), f"writing {path}")


def accuracy_by_theme(gold: list[str], predicted: list[str]) -> dict[str, float]:
    totals, right = Counter(gold), Counter(g for g, p in zip(gold, predicted) if g == p)
    return {t: right[t] / n for t, n in sorted(totals.items())}


def train_classifier(
    train: list[dict], valid: list[dict], themes: list[str], base_model: str, out_dir: str | Path,
    epochs: int = 3, learning_rate: float = 5e-5, batch_size: int = 16, max_length: int = 256, device: str = "auto", seed: int = 42,
) -> dict:
    """Fine-tune `base_model` (hub id or local path) on the training rows and save the classifier to
    `out_dir` (a directory `TransformersThemeClassifier` loads). Returns held-out accuracy, overall
    and per theme."""
    import torch
    import transformers

    from instructie_assets.core.models import ModelLoadError

    torch.manual_seed(seed)
    rng = random.Random(seed)
    device = resolve_device(device)
    label2id = {t: i for i, t in enumerate(themes)}
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(base_model)
        model = transformers.AutoModelForSequenceClassification.from_pretrained(
            base_model, num_labels=len(themes), id2label={i: t for t, i in label2id.items()}, label2id=label2id,
            ignore_mismatched_sizes=True,
        )
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"cannot load base model {base_model!r}: {str(exc).splitlines()[0]}") from exc
    model.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    losses = []
    for _ in range(epochs):
        model.train()
        order = train[:]
        rng.shuffle(order)
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            enc = tokenizer([r["text"] for r in batch], padding=True, truncation=True, max_length=max_length, return_tensors="pt").to(device)
            labels = torch.tensor([label2id[r["label"]] for r in batch], device=device)
            loss = model(**enc, labels=labels).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            losses.append(loss.item())
    model.eval()
    out = Path(out_dir)
    tmp = out.with_name(out.name + ".tmp")
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    if out.exists():
        import shutil

        shutil.rmtree(out)
    tmp.rename(out)  # a half-written model never replaces a good one
    predicted: list[str] = []
    with torch.inference_mode():
        for start in range(0, len(valid), batch_size):
            batch = valid[start:start + batch_size]
            enc = tokenizer([r["text"] for r in batch], padding=True, truncation=True, max_length=max_length, return_tensors="pt").to(device)
            predicted += [themes[i] for i in model(**enc).logits.argmax(-1).tolist()]
    gold = [r["label"] for r in valid]
    return {
        "accuracy": sum(g == p for g, p in zip(gold, predicted)) / len(gold) if gold else None,
        "accuracy_by_theme": accuracy_by_theme(gold, predicted),
        "train_rows": len(train), "valid_rows": len(valid), "final_loss": losses[-1] if losses else None, "device": device,
    }
