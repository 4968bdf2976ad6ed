"""filtered_triples: every candidate triple with the reason it was dropped (null when kept).

Rules run in this order; a triple keeps the first reason that applies:
  duplicate  the same (head, relation, tail) strings already stand in the paragraph;
  schema     the relation is not the theme's, or its source property is not listed for it;
  type       head or tail coarse type is not allowed for the relation;
  nli        the NLI model does not find the paragraph to entail the triple (when a model is set);
  sampling   label-centric sampling dropped the paragraph (its label combination is common).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable

import polars as pl

from instructie_assets.core.matching import TRIPLE_SCHEMA
from instructie_assets.core.schemas import ThemeSchema
from instructie_assets.core.values import render_time

DROP_REASONS = ("duplicate", "schema", "type", "nli", "sampling")
FILTERED_SCHEMA = {
    **{k: v for k, v in TRIPLE_SCHEMA.items() if k not in ("theme", "language")},
    "relation_label": pl.String,
    "tail_written": pl.String,
    "nli_score": pl.Float64,
    "drop_reason": pl.String,
    "theme": pl.String,
    "language": pl.String,
}


def seeded_uniform(seed: int, key: str) -> float:
    """A stable uniform number in [0, 1) for a key: the same on every run and every machine."""
    digest = hashlib.sha256(f"{seed}:{key}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def keep_probability(frequency: int, threshold: int, exponent: float) -> float:
    """Label-centric sampling: p = min(1, (threshold / frequency) ** exponent).

    A label combination seen up to `threshold` times in the partition is always kept; beyond it, its
    paragraphs are kept with a probability that falls as the combination becomes more frequent.
    """
    if frequency <= threshold:
        return 1.0
    return min(1.0, (threshold / frequency) ** exponent)


def refined_date(value: str, language: str) -> str | None:
    """The finest written form of a time value `+YYYY-MM-DDT00:00:00Z/precision`."""
    time, _, precision = value.rpartition("/")
    if not precision.isdigit():
        return None
    forms = render_time(time, int(precision), language)
    return forms[0] if forms else None


def schema_reason(row: dict, schema: ThemeSchema) -> str | None:
    relation = schema.relation(row["relation"])
    if relation is None:
        return "schema"
    if row["source"] == "alias":  # alias pairs: the relation must take aliases; their types are checked like any triple's
        if not relation.from_aliases:
            return "schema"
    elif row["property"] not in relation.properties:
        return "schema"
    if not relation.allows(row["head_type"], row["tail_type"]):
        return "type"
    return None


def filter_triples(
    candidates: pl.DataFrame,
    schema: ThemeSchema,
    language: str,
    nli: Callable[[list[dict]], dict[str, float]] | None = None,
    nli_threshold: float = 0.5,
    sampling_threshold: int = 100,
    sampling_exponent: float = 0.5,
    seed: int = 42,
    refine_dates: bool = False,
) -> pl.DataFrame:
    """Tag every candidate with its drop reason.

    `nli` scores the triples that survive the duplicate, schema and type rules (rows -> triple_id ->
    entailment probability); None when no NLI model is available, and then no triple gets a score
    or the `nli` reason.

    Date rule: a date's tail is written as in the text ("December 2009"); with `refine_dates` it is
    the statement's value at its own precision ("4 December 2009"). `tail_written` keeps the text's
    form either way, at `tail_start`-`tail_end`."""
    if candidates.is_empty():
        return pl.DataFrame(schema=FILTERED_SCHEMA)
    rows = candidates.to_dicts()
    seen: set[tuple[str, str, str, str]] = set()
    for r in rows:
        rel = schema.relation(r["relation"])
        r["relation_label"] = rel.name(language) if rel else r["relation"]
        r["tail_written"] = r["tail"]
        if refine_dates and r["source"] == "time" and r["value"]:
            r["tail"] = refined_date(r["value"], language) or r["tail"]
        r["nli_score"] = None
        key = (r["paragraph_id"], r["head"], r["relation"], r["tail"])
        if key in seen:
            r["drop_reason"] = "duplicate"
        else:
            r["drop_reason"] = schema_reason(r, schema)
            if r["drop_reason"] is None:
                seen.add(key)
    if nli is not None:
        survivors = [r for r in rows if r["drop_reason"] is None]
        scores = nli(survivors) if survivors else {}
        for r in survivors:
            r["nli_score"] = scores[r["triple_id"]]
            if r["nli_score"] < nli_threshold:
                r["drop_reason"] = "nli"
    # Label-centric sampling over the paragraphs' combinations of kept labels.
    combos: dict[str, tuple[str, ...]] = {}
    for r in rows:
        if r["drop_reason"] is None:
            combos.setdefault(r["paragraph_id"], ())
            combos[r["paragraph_id"]] = tuple(sorted(set(combos[r["paragraph_id"]]) | {r["relation"]}))
    frequency = Counter(combos.values())
    dropped = {
        pid for pid, combo in combos.items()
        if seeded_uniform(seed, pid) >= keep_probability(frequency[combo], sampling_threshold, sampling_exponent)
    }
    for r in rows:
        if r["drop_reason"] is None and r["paragraph_id"] in dropped:
            r["drop_reason"] = "sampling"
    return pl.DataFrame(rows, schema=FILTERED_SCHEMA).select(list(FILTERED_SCHEMA))


def drop_counts(filtered: pl.DataFrame) -> dict[str, int]:
    counts = {f"dropped_{r}": 0 for r in DROP_REASONS}
    for reason, n in filtered.group_by("drop_reason").len().iter_rows():
        if reason is not None:
            counts[f"dropped_{reason}"] = int(n)
    counts["kept"] = int(filtered.filter(pl.col("drop_reason").is_null()).height)
    return counts
