"""One pattern for every model of the pipeline (NLI filter, NER mention finder, theme classifier).

Each model kind is an abstract class with two implementations: a transformers one loaded from a hub id
or a local directory, and a small deterministic one for tests and model-less runs. The transformers
side shares what is here: loading with a clear error naming the id or path, the device (cuda when
present, else cpu), bf16 weights on cuda, and length-sorted batches so padding stays small.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any


class ModelLoadError(RuntimeError):
    """A model could not be loaded; the message names the hub id or path and why."""


def resolve_device(device: str = "auto") -> str:
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> Iterator[list[int]]:
    """Indices in batches of similar length (longest first), so each batch pads little."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    for start in range(0, len(order), batch_size):
        yield order[start:start + batch_size]


_LOADED: dict[tuple, tuple[Any, Any, str] | ModelLoadError] = {}


def load_pretrained(model_id: str, head: str, device: str = "auto") -> tuple[Any, Any, str]:
    """(tokenizer, model in eval mode on its device, device) for a hub id or a local directory.

    `head` is the transformers auto class: sequence_classification or token_classification. Cached
    per process (failures too), so every partition of a run shares one copy of the weights and an
    unreachable hub is asked once.
    """
    config = os.path.join(model_id, "config.json")
    key = (model_id, head, device, os.path.getmtime(config) if os.path.isfile(config) else None)  # a retrained directory reloads
    if key not in _LOADED:
        try:
            _LOADED[key] = _load(model_id, head, device)
        except ModelLoadError as exc:
            _LOADED[key] = exc
    loaded = _LOADED[key]
    if isinstance(loaded, ModelLoadError):
        raise loaded
    return loaded


def _load(model_id: str, head: str, device: str) -> tuple[Any, Any, str]:
    import torch
    import transformers

    auto = {
        "sequence_classification": transformers.AutoModelForSequenceClassification,
        "token_classification": transformers.AutoModelForTokenClassification,
    }[head]
    where = "local path" if os.path.isdir(model_id) else "hub id"
    device = resolve_device(device)
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(model_id)
        dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
        model = auto.from_pretrained(model_id, dtype=dtype)
    except (OSError, ValueError) as exc:
        hint = "" if where == "local path" else " (offline? download it once, or give a local directory)"
        raise ModelLoadError(f"cannot load model {model_id!r} ({where}){hint}: {str(exc).splitlines()[0]}") from exc
    model.to(device)
    model.eval()
    return tokenizer, model, device


def batched(items: Sequence[Any], lengths: Sequence[int], batch_size: int, run: Callable[[list[Any]], list[Any]]) -> list[Any]:
    """Run `run` over length-sorted batches of `items` and return its results in the input order."""
    out: list[Any] = [None] * len(items)
    for idx in length_sorted_batches(lengths, batch_size):
        for i, result in zip(idx, run([items[i] for i in idx])):
            out[i] = result
    return out
