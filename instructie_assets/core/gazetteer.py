"""A gazetteer of surface strings on a pyahocorasick automaton: one pass over a text finds every
occurrence of every pattern, whatever their number.

EN matches must sit on word boundaries (no letter or digit either side); ZH has none. The pipeline
builds one small gazetteer per article (its subject, linked entities, one-hop neighbours and values)
so memory stays small on the full dump.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import ahocorasick


def is_word_boundary(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not before.isalnum() and not after.isalnum()


class Gazetteer:
    """Patterns (surface -> payload) matched with Aho-Corasick."""

    def __init__(self, patterns: Iterable[tuple[str, Any]], word_boundaries: bool):
        self.word_boundaries = word_boundaries
        self._automaton = ahocorasick.Automaton()
        self.size = 0
        for surface, payload in patterns:
            if surface:
                self._automaton.add_word(surface, (surface, payload))
                self.size += 1
        if self.size:
            self._automaton.make_automaton()

    def __len__(self) -> int:
        return self.size

    def memory_bytes(self) -> int:
        return int(self._automaton.get_stats()["total_size"]) if self.size else 0

    def occurrences(self, text: str) -> Iterator[tuple[int, int, str, Any]]:
        """Every (start, end, surface, payload), overlapping ones included, ordered by end."""
        if not self.size:
            return
        for end_idx, (surface, payload) in self._automaton.iter(text):
            start, end = end_idx - len(surface) + 1, end_idx + 1
            if self.word_boundaries and not is_word_boundary(text, start, end):
                continue
            yield start, end, surface, payload

    def leftmost_longest(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping matches scanning left to right, the longest at each start (regex-alternation semantics)."""
        found = sorted(((s, e, surface) for s, e, surface, _ in self.occurrences(text)), key=lambda m: (m[0], -m[1]))
        out, last_end = [], 0
        for s, e, surface in found:
            if s >= last_end:
                out.append((s, e, surface))
                last_end = e
        return out
