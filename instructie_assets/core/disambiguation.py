"""Disambiguation: one QID per entity mention, and the coarse type of every resolved entity.

A mention tagged `common_noun` that resolves to a profession (occupation, position, award) loses its
tag: those items are written as common nouns; any other class item (town, poem, book) keeps it.

A mention with several candidates takes the candidate whose one-hop Wikidata neighbours (both
directions) have the most labels or aliases written in the paragraph; ties go to the candidate with
a sitelink to this language's Wikipedia, then to the smaller QID number.
"""

from __future__ import annotations

from collections import defaultdict

import polars as pl

from instructie_assets.core.coarse_types import assign_coarse_types
from instructie_assets.core.knowledge import WikidataLookups
from instructie_assets.core.mentions import MENTION_SCHEMA
from instructie_assets.core.schemas import TypeTaxonomy

MENTION_COLUMNS = ["mention_id", "paragraph_id", "article_id", "start", "end", "surface", "mention_source"]
RESOLVED_SCHEMA = {
    **{k: MENTION_SCHEMA[k] for k in MENTION_COLUMNS},
    "qid": pl.String,
    "value_statements": MENTION_SCHEMA["value_statements"],
    "drop_reason": pl.String,
    "coarse_type": pl.String,
    "matched_class": pl.String,
    "score": pl.Int32,
    "runner_up": pl.String,
    "runner_up_score": pl.Int32,
    "n_candidates": pl.Int32,
    "theme": pl.String,
    "language": pl.String,
}


# Coarse types whose items a text names with a common noun ("an American author", "a professor"):
# a `common_noun` mention that resolves to one of them is a mention after all (core/mentions.py).
COMMON_NOUN_TYPES = frozenset({"profession"})


def neighbour_score(candidate_labels: list[str], text: str) -> int:
    return sum(1 for label in set(candidate_labels) if label and label in text)


def resolve_mentions(
    mentions: pl.DataFrame, paragraphs: pl.DataFrame, store: WikidataLookups, taxonomy: TypeTaxonomy, language: str
) -> pl.DataFrame:
    if mentions.is_empty():
        return pl.DataFrame(schema=RESOLVED_SCHEMA)
    texts = dict(zip(paragraphs["paragraph_id"].to_list(), paragraphs["text"].to_list()))
    rows = mentions.to_dicts()
    ambiguous = {q for r in rows if len(r["candidate_qids"] or []) > 1 for q in r["candidate_qids"]}
    neighbour_labels: dict[str, list[str]] = defaultdict(list)
    sitelinked: set[str] = set()
    if ambiguous:
        claims = store.item_claims(ambiguous, both_directions=True)
        neighbours: dict[str, set[str]] = defaultdict(set)
        for s, o in claims.select("subject", "object").iter_rows():
            if s in ambiguous:
                neighbours[s].add(o)
            if o in ambiguous:
                neighbours[o].add(s)
        labels = store.labels({n for ns in neighbours.values() for n in ns}, language)
        for q, ns in neighbours.items():
            for n in ns:
                neighbour_labels[q].extend(t for t, _ in labels.get(n, []))
        sitelinked = store.sitelinked(f"{language}wiki", ambiguous)

    resolved = []
    for r in rows:
        cands = r["candidate_qids"] or []
        qid, score, runner, runner_score = None, None, None, None
        if len(cands) == 1:
            qid = cands[0]
        elif cands:
            text = texts[r["paragraph_id"]]
            ranked = sorted(
                cands,
                key=lambda q: (-neighbour_score(neighbour_labels.get(q, []), text), q not in sitelinked, int(q[1:])),
            )
            qid, runner = ranked[0], ranked[1]
            score = neighbour_score(neighbour_labels.get(qid, []), text)
            runner_score = neighbour_score(neighbour_labels.get(runner, []), text)
        r.update(qid=qid, score=score, runner_up=runner, runner_up_score=runner_score, n_candidates=len(cands))
        resolved.append(r)

    qids = sorted({r["qid"] for r in resolved if r["qid"]})
    types = assign_coarse_types(qids, store.class_walk(qids, taxonomy.max_depth), taxonomy)
    type_of = {q: (t, c) for q, t, c in types.select("qid", "coarse_type", "matched_class").iter_rows()}
    out = []
    for r in resolved:
        if r["qid"]:
            coarse, cls = type_of.get(r["qid"], ("other", None))
            if r["drop_reason"] == "common_noun" and coarse in COMMON_NOUN_TYPES:
                r["drop_reason"] = None
        else:  # a value mention
            coarse = "time" if (r["value_statements"] or [{"kind": ""}])[0]["kind"] == "time" else "measure"
            cls = None
        out.append((
            r["mention_id"], r["paragraph_id"], r["article_id"], r["start"], r["end"], r["surface"], r["mention_source"],
            r["qid"], r["value_statements"] or [], r["drop_reason"], coarse, cls, r["score"], r["runner_up"], r["runner_up_score"],
            r["n_candidates"], r["theme"], r["language"],
        ))
    return pl.DataFrame(out, schema=RESOLVED_SCHEMA, orient="row")
