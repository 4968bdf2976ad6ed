"""filtered_triples: every candidate triple with the reason it was dropped (null when kept).

One function per rule, each returning its reason or None; they run in the order of
`TRIPLE_DROP_REASONS` (core/drop_reasons.py) and a triple keeps the first reason that applies:
  schema, type            `schema_reason`     the theme schema (relation, its properties in this language, types)
  <mention reasons>       `mention_reason`    a head or tail mention tagged by Identify, or an apposition
  value_precision, value_unit  `value_reason` a value written as the statement says it (FilterOptions)
  evidence                `evidence_reason`   head and tail in one sentence (FilterOptions.evidence)
  no_relation_cue         `cue_reason`        a relation listed in resources/relation_cues.yaml needs a cue
                                              linking head and tail in the evidence sentence (FilterOptions.relation_cues)
  duplicate               (in `filter_triples`) the same strings already kept in the paragraph
  nli                     `nli` scorer        the premise does not entail the triple (when a model is set)
  sampling                (in `filter_triples`) label-centric sampling dropped the paragraph
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import polars as pl

from instructie_assets.core.drop_reasons import MENTION_DROP_REASONS, TRIPLE_DROP_REASONS
from instructie_assets.core.matching import TRIPLE_SCHEMA
from instructie_assets.core.schemas import ThemeSchema
from instructie_assets.core.values import DAY, MONTH, YEAR, render_time, writes_its_year

DROP_REASONS = tuple(TRIPLE_DROP_REASONS)
FILTERED_SCHEMA = {
    **{k: v for k, v in TRIPLE_SCHEMA.items() if k not in ("theme", "language")},
    "relation_label": pl.String,
    "tail_written": pl.String,
    "nli_score": pl.Float64,
    "drop_reason": pl.String,
    "theme": pl.String,
    "language": pl.String,
}
PRECISION_OF = {"day": DAY, "month": MONTH, "year": YEAR}


@dataclass(frozen=True)
class FilterOptions:
    """The filter's knobs (FilterConfig in the Dagster config carries the same fields and defaults)."""

    nli_threshold: float = 0.5
    sampling_threshold: int = 100
    sampling_exponent: float = 0.5
    seed: int = 42
    refine_dates: bool = False
    # The coarsest written form a finer date may take: "own" (default) keeps a date only where the
    # text writes it at the statement's own precision; "month" also lets a day-precise date stand as
    # its month, "year" as its year (the old behaviour; a year alone is often another event's).
    coarsest_date: Literal["own", "month", "year"] = "own"
    # A quantity with a unit must be written with it (a bare "330" is not "330 metres").
    quantity_needs_unit: bool = True
    # "sentence": head and tail must be found in one sentence; "paragraph": anywhere in the paragraph.
    evidence: Literal["sentence", "paragraph"] = "sentence"
    # Count the article's subject as present in sentences that refer to it as a pronoun or a
    # description ("He was born in...", "该塔高..."); off: such triples are dropped with `evidence`.
    subject_reference: bool = True
    # Relations of the article subject's own parts and works (EN relation names): stated across the
    # sentences of one paragraph of its article where the head is the subject and the tail is named as
    # the page introduces it (not a `repeat` of a name linked earlier); see `subject_part`.
    subject_part_relations: tuple[str, ...] = ("tracklist", "member", "work")
    # Count a `located in` as stated where its head is an item of a list of the tail's parts
    # ("enclaves such as Rosedale, Cabbagetown...") and the tail is the first place named in the
    # sentence before (`part_lists` in resources/relation_cues.yaml); off: dropped with `evidence`.
    part_lists: bool = True
    # Relations listed under `linking` in resources/relation_cues.yaml (located in, capital, citizenship,
    # ...) are kept only where a cue links head and tail in the evidence sentence ("Bodmin, Cornwall",
    # "the capital of", "位于", "…籍"); off: co-mention in one sentence is enough for them too.
    relation_cues: bool = True
    # A date written coarser than its statement stands where a `dates` cue ties it to the event
    # ("First convened in 1973", "until his death in 1021"); off: `coarsest_date` alone decides.
    date_cues: bool = True
    # NLI premise: the evidence sentence(s) (default: what the triple was found in, shorter and
    # sharper than the paragraph; see core/nli.py) or the whole paragraph (the authors' choice).
    nli_premise: Literal["sentence", "paragraph"] = "sentence"


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


def schema_reason(row: dict, schema: ThemeSchema, language: str | None = None) -> str | None:
    """`schema` when the relation is not the theme's or its property is not listed for it in this
    language; `type` when head or tail coarse type is not allowed."""
    relation = schema.relation(row["relation"])
    if relation is None:
        return "schema"
    if row["statement_kind"] == "alias":  # alias pairs: the relation must take aliases; their types are checked like any triple's
        if not relation.from_aliases:
            return "schema"
    elif row["property"] not in relation.properties_for(language or row.get("language")):
        return "schema"
    if not relation.allows(row["head_type"], row["tail_type"]):
        return "type"
    return None


def mention_reason(row: dict) -> str | None:
    """The drop reason Identify gave the head or tail mention, or `apposition` from Matching."""
    reason = row["mention_drop_reason"]
    if reason is not None and reason not in MENTION_DROP_REASONS and reason != "apposition":
        raise ValueError(f"unknown mention drop reason {reason!r} on triple {row['triple_id']}")
    return reason


def value_reason(row: dict, options: FilterOptions) -> str | None:
    """`value_precision`: a date written coarser than the statement's precision (beyond
    `coarsest_date`) unless a date cue ties it to the event (`date_cues`); `value_unit`: a quantity with a unit written as a bare number."""
    if row["statement_kind"] == "time" and row["written_precision"] is not None:
        precision = int(row["value"].rpartition("/")[2])
        floor = precision if options.coarsest_date == "own" else min(precision, PRECISION_OF[options.coarsest_date])
        if options.date_cues and row.get("relation_cue") is not None:
            return None  # a date cue ties the written (coarser) date to this event
        return "value_precision" if row["written_precision"] < floor else None
    if row["statement_kind"] == "quantity" and options.quantity_needs_unit and row["written_unit"] is False:
        return "value_unit"
    return None


SUBJECT_SOURCES = ("subject", "bold")  # mention sources that name the article's own subject (core/mentions.py)


def subject_part(row: dict, options: FilterOptions) -> bool:
    """A relation of `subject_part_relations` from the article's subject (its head named as the subject)
    to a tail the paragraph introduces (any source but `repeat`): an album's paragraph that names one of
    its tracks, a band's that names a member, an author's that links one of the works, speaks of it as
    the subject's own across its sentences ("All of the compositions were written by Coltrane, with the
    exception of the standard "I'm Old Fashioned". ... Blue Train ..."). A repeat of a name linked
    earlier is only mentioned again ("The strongest influence on the Book of Optics was...")."""
    return (row["relation"] in options.subject_part_relations and row.get("head_source") in SUBJECT_SOURCES
            and row.get("tail_source") not in (None, "repeat"))


def evidence_reason(row: dict, options: FilterOptions) -> str | None:
    """`evidence` when head and tail are not in one sentence (evidence `sentence`), or are only
    through the subject as a pronoun or description while `subject_reference` is off, or through a
    list of the tail's parts while `part_lists` is off; never for a `subject_part` of the article's subject."""
    kind = row["evidence_kind"]
    if options.evidence == "sentence" and kind == "paragraph":
        return None if subject_part(row, options) else "evidence"
    if not options.subject_reference and kind == "subject_reference":
        return "evidence" if options.evidence == "sentence" else None
    if not options.part_lists and kind == "part_list":
        return "evidence" if options.evidence == "sentence" else None
    return None


def cue_reason(row: dict, options: FilterOptions) -> str | None:
    """`no_relation_cue` when the relation needs a cue linking head and tail (resources/relation_cues.yaml)
    and the evidence sentence has none."""
    if options.relation_cues and row.get("cue_required") and row.get("relation_cue") is None:
        return "no_relation_cue"
    return None


def filter_triples(
    candidates: pl.DataFrame,
    schema: ThemeSchema,
    language: str,
    nli: Callable[[list[dict]], dict[str, float]] | None = None,
    options: FilterOptions = FilterOptions(),
) -> pl.DataFrame:
    """Tag every candidate with its drop reason (see the module docstring for the rules).

    `nli` scores the triples that survive every other rule but sampling (rows -> triple_id ->
    entailment probability); None when no NLI model is available, and then no triple gets a score
    or the `nli` reason.

    Date rule: a date's tail is written as in the text ("December 2009"); with `refine_dates` it is
    the statement's value at its own precision ("4 December 2009"). A day written without its year
    after the paragraph gave it ("1894年，……6月23日") always takes the statement's value ("1894年6月23日").
    `tail_written` keeps the text's form either way, at `tail_start`-`tail_end`.

    The same in two passes over batches of whole paragraphs (bounded memory): `tag_triples` on each
    batch, counting `label_combinations` into one Counter, then `sample_paragraphs` on each tagged
    batch with that Counter."""
    tagged = tag_triples(candidates, schema, language, nli, options)
    return sample_paragraphs(tagged, Counter(label_combinations(tagged).values()), options)


def tag_triples(
    candidates: pl.DataFrame,
    schema: ThemeSchema,
    language: str,
    nli: Callable[[list[dict]], dict[str, float]] | None = None,
    options: FilterOptions = FilterOptions(),
) -> pl.DataFrame:
    """Every rule of `filter_triples` but label-centric sampling. Works on any set of whole paragraphs
    (the duplicate rule looks within a paragraph)."""
    if candidates.is_empty():
        return pl.DataFrame(schema=FILTERED_SCHEMA)
    rows = candidates.to_dicts()
    seen: set[tuple[str, str, str, str]] = set()
    for r in rows:
        rel = schema.relation(r["relation"])
        r["relation_label"] = rel.name(language) if rel else r["relation"]
        r["tail_written"] = r["tail"]
        if r["statement_kind"] == "time" and r["value"] and (options.refine_dates or not writes_its_year(r["tail"], r["value"])):
            r["tail"] = refined_date(r["value"], language) or r["tail"]
        r["nli_score"] = None
        r["drop_reason"] = (schema_reason(r, schema, language) or mention_reason(r) or value_reason(r, options)
                            or evidence_reason(r, options) or cue_reason(r, options))
        if r["drop_reason"] is None:
            key = (r["paragraph_id"], r["head"], r["relation"], r["tail"])
            if key in seen:
                r["drop_reason"] = "duplicate"
            seen.add(key)
    if nli is not None:
        survivors = [r for r in rows if r["drop_reason"] is None]
        scores = nli(survivors) if survivors else {}
        for r in survivors:
            r["nli_score"] = scores[r["triple_id"]]
            if r["nli_score"] < options.nli_threshold:
                r["drop_reason"] = "nli"
    _check_reasons(rows)
    return pl.DataFrame(rows, schema=FILTERED_SCHEMA).select(list(FILTERED_SCHEMA))


def label_combinations(tagged: pl.DataFrame) -> dict[str, tuple[str, ...]]:
    """Paragraph id -> the sorted relations of its kept triples (paragraphs with any), of tagged triples.
    Label-centric sampling counts these over the whole partition."""
    combos: dict[str, set[str]] = {}
    for pid, relation in tagged.filter(pl.col("drop_reason").is_null()).select("paragraph_id", "relation").iter_rows():
        combos.setdefault(pid, set()).add(relation)
    return {pid: tuple(sorted(relations)) for pid, relations in combos.items()}


def sample_paragraphs(tagged: pl.DataFrame, frequency: Counter, options: FilterOptions = FilterOptions()) -> pl.DataFrame:
    """Label-centric sampling: the kept triples of a paragraph get `sampling` when the paragraph's
    label combination, `frequency[combination]` times in the partition, is not drawn (seeded by the
    paragraph id). `tagged` holds whole paragraphs."""
    if tagged.is_empty():
        return tagged
    combos = label_combinations(tagged)
    dropped = [
        pid for pid, combo in combos.items()
        if seeded_uniform(options.seed, pid) >= keep_probability(frequency[combo], options.sampling_threshold, options.sampling_exponent)
    ]
    if not dropped:
        return tagged
    return tagged.with_columns(
        pl.when(pl.col("drop_reason").is_null() & pl.col("paragraph_id").is_in(dropped)).then(pl.lit("sampling"))
        .otherwise(pl.col("drop_reason")).alias("drop_reason"))


def _check_reasons(rows: list[dict]) -> None:
    unknown = {r["drop_reason"] for r in rows} - set(DROP_REASONS) - {None}
    if unknown:
        raise ValueError(f"drop reasons missing from TRIPLE_DROP_REASONS: {sorted(unknown)}")


def drop_counts(filtered: pl.DataFrame) -> dict[str, int]:
    """`dropped_<reason>` for every reason of TRIPLE_DROP_REASONS (zeros included), and `kept`."""
    counts = {f"dropped_{r}": 0 for r in DROP_REASONS}
    for reason, n in filtered.group_by("drop_reason").len().iter_rows():
        if reason is not None:
            counts[f"dropped_{reason}"] = int(n)
    counts["kept"] = int(filtered.filter(pl.col("drop_reason").is_null()).height)
    return counts
