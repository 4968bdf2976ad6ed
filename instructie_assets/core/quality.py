"""Quality figures of one theme x language partition of filtered triples (the asset checks' logic).

Every function takes frames and returns plain numbers, so the same figures serve the asset checks,
the tests and ad-hoc notebooks. They are computed independently of the stage code they check (the
schema check reads the theme schema as a table of what it allows; it never calls the filter's rules).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from instructie_assets.core.evaluation import Counts, normalize, triple_prf
from instructie_assets.core.drop_reasons import TRIPLE_DROP_REASONS
from instructie_assets.core.schemas import ANY_TYPE, LANGUAGES, ThemeSchema

ALIAS_SOURCE = "<alias>"  # stands for "from the entity's aliases" where a property id would stand


def kept(filtered: pl.DataFrame) -> pl.DataFrame:
    return filtered.filter(pl.col("drop_reason").is_null())


def allowed_statements(schema: ThemeSchema) -> pl.DataFrame:
    """The theme schema as a table: one row per (relation, language, source, head type, tail type) it
    allows. `source` is a property id (the relation's properties in that language), or ALIAS_SOURCE for
    relations fed by aliases; a type is a coarse type key or ANY_TYPE."""
    rows = [
        (r.name_en, language, source, head, tail)
        for r in schema.relations
        for language in LANGUAGES
        for source in (*r.properties_for(language), *([ALIAS_SOURCE] if r.from_aliases else []))
        for head in r.head_types
        for tail in r.tail_types
    ]
    return pl.DataFrame(rows, schema={"relation": pl.String, "language": pl.String, "source": pl.String, "head_type": pl.String,
                                      "tail_type": pl.String}, orient="row")


def schema_violations(filtered: pl.DataFrame, schema: ThemeSchema) -> dict[str, int]:
    """Kept triples that break the theme schema: `schema`, the relation or the property (in the triple's
    language; or alias source) it came from is not listed; `type`, listed but no allowed head/tail type pair fits."""
    allowed = allowed_statements(schema)
    triples = kept(filtered).with_row_index("row").select(
        "row", "relation", "language", "head_type", "tail_type",
        pl.when(pl.col("statement_kind") == "alias").then(pl.lit(ALIAS_SOURCE)).otherwise(pl.col("property")).alias("statement_source"),
    )
    keys = ["relation", "language", "statement_source"]
    allowed_keys = ["relation", "language", "source"]
    listed = triples.join(allowed.select(allowed_keys).unique(), left_on=keys, right_on=allowed_keys, how="semi")
    fitting = listed.join(allowed, left_on=keys, right_on=allowed_keys, suffix="_allowed").filter(
        ((pl.col("head_type_allowed") == ANY_TYPE) | (pl.col("head_type_allowed") == pl.col("head_type")))
        & ((pl.col("tail_type_allowed") == ANY_TYPE) | (pl.col("tail_type_allowed") == pl.col("tail_type")))
    )["row"].n_unique()
    return {"schema": triples.height - listed.height, "type": listed.height - fitting}


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
        "triples": total, "heads": heads, "tails": tails,
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
    rates = {r: (filtered.filter(pl.col("drop_reason") == r).height / n if n else 0.0) for r in TRIPLE_DROP_REASONS}
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


class PartitionTally:
    """The figures of `schema_violations`, `spans_at_offsets`, `partition_yield` and `gold_scores`,
    added up over batches of a partition: `add(filtered, paragraphs)` with the filtered triples of
    whole paragraphs and paragraph rows that together cover the partition once (a batch may hold
    paragraphs without triples, or only such). Holds the counts, the distinct label combinations, and
    the matched gold records with their predictions, never the rows."""

    def __init__(self, schema: ThemeSchema | None = None, gold_records: list[dict] = ()):
        self.schema = schema
        self.violations = {"schema": 0, "type": 0}
        self.triples = self.heads = self.tails = 0
        self.paragraphs = self.paragraphs_with_triples = self.kept_triples = self.candidates = 0
        self.reasons = {r: 0 for r in TRIPLE_DROP_REASONS}
        self.combinations: set[str] = set()
        self._gold_by_text: dict[str, list[dict]] = {}
        for g in gold_records:
            self._gold_by_text.setdefault(normalize(g.get("text", "")), []).append(g)
        self.gold: list[dict] = []
        self.predicted: list[dict] = []

    def add(self, filtered: pl.DataFrame, paragraphs: pl.DataFrame) -> None:
        if self.schema is not None:
            for k, v in schema_violations(filtered, self.schema).items():
                self.violations[k] += v
        spans = spans_at_offsets(filtered, paragraphs)
        self.triples += spans["triples"]
        self.heads += spans["heads"]
        self.tails += spans["tails"]
        k = kept(filtered)
        self.paragraphs += paragraphs.height
        self.paragraphs_with_triples += k["paragraph_id"].n_unique() if k.height else 0
        self.kept_triples += k.height
        self.candidates += filtered.height
        for reason, n in filtered.group_by("drop_reason").len().iter_rows():
            if reason in self.reasons:
                self.reasons[reason] += int(n)
        if k.height:
            self.combinations.update(k.group_by("paragraph_id").agg(pl.col("relation").unique().sort().str.join("|").alias("combo"))["combo"].to_list())
        if self._gold_by_text:
            texts = {normalize(t): pid for pid, t in paragraphs.select("paragraph_id", "text").iter_rows()}
            matched = {text: pid for text, pid in texts.items() if text in self._gold_by_text}
            if matched:
                by_paragraph: dict[str, list[dict]] = {}
                for pid, head, label, tail in k.select("paragraph_id", "head", "relation_label", "tail").iter_rows():
                    by_paragraph.setdefault(pid, []).append({"head": head, "relation": label, "tail": tail})
                for text, pid in matched.items():
                    self.gold += [{"text": g["text"], "relation": g.get("relation", [])} for g in self._gold_by_text[text]]
                    if pid in by_paragraph:
                        self.predicted.append({"text": paragraphs.filter(pl.col("paragraph_id") == pid)["text"][0], "relation": by_paragraph[pid]})

    def spans(self) -> dict[str, float | int]:
        return {"triples": self.triples, "heads": self.heads, "tails": self.tails,
                "head_share": self.heads / self.triples if self.triples else 1.0,
                "tail_share": self.tails / self.triples if self.triples else 1.0}

    def yield_figures(self) -> Yield:
        rates = {r: (n / self.candidates if self.candidates else 0.0) for r, n in self.reasons.items()}
        return Yield(self.paragraphs, self.paragraphs_with_triples, self.kept_triples, rates, len(self.combinations))

    def gold_scores(self) -> Counts | None:
        return triple_prf(self.gold, self.predicted) if self.gold else None


def repeated_exported_texts(out_dir: str | Path) -> dict[str, int]:
    """Per language: texts that stand in more than one exported InstructIE record
    (`<out>/<language>/<theme>/<split>.jsonl`), read back from the files themselves."""
    repeated: dict[str, int] = {}
    for language_dir in sorted(p for p in Path(out_dir).iterdir() if p.is_dir()) if Path(out_dir).is_dir() else []:
        counts: Counter[str] = Counter()
        for path in sorted(language_dir.glob("*/*.jsonl")):
            if path.name.endswith(".instructions.jsonl"):
                continue
            with open(path, encoding="utf-8") as fh:
                counts.update(json.loads(line)["text"] for line in fh if line.strip())
        if counts:
            repeated[language_dir.name] = sum(1 for n in counts.values() if n > 1)
    return repeated


@dataclass
class NliCoverage:
    eligible: int  # kept, or dropped by nli or sampling: the triples the NLI model is asked about
    scored: int
    mean_entailment: float | None


def nli_coverage(filtered: pl.DataFrame | Iterable[pl.DataFrame]) -> NliCoverage:
    """How many of the triples that reach the NLI rule (not dropped as duplicate, schema or type)
    carry an entailment score; of a frame, or added up over the batches of a partition."""
    eligible = scored = 0
    total = 0.0
    for batch in [filtered] if isinstance(filtered, pl.DataFrame) else filtered:
        rows = batch.filter(pl.col("drop_reason").is_null() | pl.col("drop_reason").is_in(["nli", "sampling"]))
        scores = rows["nli_score"].drop_nulls()
        eligible, scored, total = eligible + rows.height, scored + scores.len(), total + float(scores.sum() or 0.0)
    return NliCoverage(eligible, scored, round(total / scored, 4) if scored else None)
