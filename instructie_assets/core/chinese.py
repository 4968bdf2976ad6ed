"""Chinese script conversion (OpenCC Traditional -> Simplified)."""

from __future__ import annotations

from functools import lru_cache

import opencc


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _converter().convert(text) if text else text


def to_simplified_many(texts: list[str]) -> list[str]:
    """Convert many strings in one OpenCC call (joined by newlines): far cheaper than one call each."""
    if not texts:
        return []
    if any("\n" in t for t in texts):
        return [to_simplified(t) for t in texts]
    out = to_simplified("\n".join(texts)).split("\n")
    return out if len(out) == len(texts) else [to_simplified(t) for t in texts]
