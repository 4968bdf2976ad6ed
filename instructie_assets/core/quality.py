"""Quality figures of one theme x language partition of filtered triples (the asset checks' logic).

Every function takes frames and returns plain numbers, so the same figures serve the asset checks,
the tests and ad-hoc notebooks.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from instructie_assets.core.evaluation import Counts, normalize, triple_prf
from instructie_assets.core.filtering import DROP_REASONS, schema_reason
from instructie_assets.core.schemas import ThemeSchema


def kept(filtered: pl.DataFrame) -> pl.DataFrame:
    return filtered.filter(pl.col("drop_reason").is_null())


def schema_violations(filtered: pl.DataFrame, schema: ThemeSchema) -> dict[str, int]:
    """Kept triples that break the theme schema (relation or property not listed) or its type rules."""
    counts = {"schema": 0, "type": 0}
    for row in kept(filtered).to_dicts():
        reason = schema_reason(row, schema)
        if reason is not None:
            counts[reason] += 1
    return counts


def spans_at_offsets(filtered: pl.DataFrame, paragraphs: pl.DataFrame) -> dict[str, float | int]:
    """Share of kept heads and tails (as written, before any date refinement) that stand in their
    paragraph's text at their recorded offsets."""
    texts = dict(paragraphs.select("paragraph_id", "text").iter_rows())
    rows = kept(filtered).select("paragraph_id", "head", "head_start", "head_end", "tail_written", "tail_start", "tail_end").iter_rows()
    total = heads = tails = 0
    for pid, head, hs, he, tail, ts, te in rows:
        text = texts.get(pid, "")
        total += 1
        heads += hs is not None and text[hs:he] == head
        tails += ts is not None and text[ts:te] == tail
    return {
        "triples": total,
        "head_share": heads / total if total else 1.0,
        "tail_share": tails / total if total else 1.0,
    }


@dataclass
class Yield:
    paragraphs: int
    paragraphs_with_triples: int
    kept_triples: int
    drop_rates: dict[str, float]
    label_combinations: int

    @property
    def triples_per_paragraph(self) -> float:
        return self.kept_triples / self.paragraphs_with_triples if self.paragraphs_with_triples else 0.0

    def as_dict(self) -> dict:
        return {
            "paragraphs": self.paragraphs, "paragraphs_with_triples": self.paragraphs_with_triples,
            "kept_triples": self.kept_triples, "triples_per_paragraph": round(self.triples_per_paragraph, 3),
            "label_combinations": self.label_combinations,
            **{f"drop_rate_{k}": round(v, 4) for k, v in self.drop_rates.items()},
        }


def partition_yield(filtered: pl.DataFrame, paragraphs: pl.DataFrame) -> Yield:
    """Triples per paragraph, drop rate by reason (of all candidates), distinct label combinations."""
    k = kept(filtered)
    n = filtered.height
    rates = {r: (filtered.filter(pl.col("drop_reason") == r).height / n if n else 0.0) for r in DROP_REASONS}
    combos = (
        k.group_by("paragraph_id").agg(pl.col("relation").unique().sort().str.join("|").alias("combo"))["combo"].n_unique()
        if k.height else 0
    )
    return Yield(paragraphs.height, k["paragraph_id"].n_unique() if k.height else 0, k.height, rates, combos)


def gold_scores(filtered: pl.DataFrame, paragraphs: pl.DataFrame, gold_records: list[dict]) -> Counts | None:
    """Micro P/R/F1 of the kept triples against the gold records whose text is one of this
    partition's paragraphs; None when the partition has no gold."""
    texts = {normalize(t): pid for pid, t in paragraphs.select("paragraph_id", "text").iter_rows()}
    gold = [g for g in gold_records if normalize(g.get("text", "")) in texts]
    if not gold:
        return None
    by_paragraph: dict[str, list[dict]] = {}
    for pid, head, label, tail in kept(filtered).select("paragraph_id", "head", "relation_label", "tail").iter_rows():
        by_paragraph.setdefault(pid, []).append({"head": head, "relation": label, "tail": tail})
    text_of = {pid: t for t, pid in texts.items()}
    gold_pids = {texts[normalize(g["text"])] for g in gold}
    predicted = [{"text": text_of[pid], "relation": rel} for pid, rel in by_paragraph.items() if pid in gold_pids]
    return triple_prf([{"text": g["text"], "relation": g.get("relation", [])} for g in gold], predicted)
