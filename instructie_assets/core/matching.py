"""Matching: Wikidata statements between the resolved entities of a paragraph, and value statements
whose rendered value is written in it, labelled through the theme schema and the relation map."""

from __future__ import annotations

from collections import defaultdict

import polars as pl

from instructie_assets.core.knowledge import WikidataLookups
from instructie_assets.core.schemas import RelationMap, ThemeSchema

ALIAS_RELATION = "alternative name"
TRIPLE_SCHEMA = {
    "triple_id": pl.String,
    "paragraph_id": pl.String,
    "article_id": pl.String,
    "head": pl.String,
    "head_qid": pl.String,
    "head_start": pl.Int32,
    "head_end": pl.Int32,
    "head_type": pl.String,
    "relation": pl.String,
    "tail": pl.String,
    "tail_qid": pl.String,
    "tail_start": pl.Int32,
    "tail_end": pl.Int32,
    "tail_type": pl.String,
    "property": pl.String,
    "rank": pl.String,
    "inverted": pl.Boolean,
    "source": pl.String,
    "value": pl.String,
    "theme": pl.String,
    "language": pl.String,
}


def name_key(surface: str) -> str:
    """Names that differ only in case or a leading English article are one name, not an alias pair."""
    key = surface.casefold()
    return key[4:] if key.startswith("the ") else key


def match_triples(
    resolved: pl.DataFrame, store: WikidataLookups, schema: ThemeSchema, relation_map: RelationMap, language: str
) -> pl.DataFrame:
    if resolved.is_empty():
        return pl.DataFrame(schema=TRIPLE_SCHEMA)
    rows = resolved.sort("paragraph_id", "start").to_dicts()
    by_paragraph: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_paragraph[r["paragraph_id"]].append(r)
    qids = {r["qid"] for r in rows if r["qid"]}
    claims = store.item_claims(qids).filter(pl.col("object").is_in(list(qids)))
    claims_of: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for s, p, o, rank in claims.select("subject", "property", "object", "rank").iter_rows():
        claims_of[s].append((p, o, rank))
    names = store.labels(qids, language)
    theme, out = schema.key, []

    def emit(pid, head, rel, tail, prop, rank, inverted, source, value):
        out.append((
            f"{pid}|{head['start']}|{prop}|{tail['start']}", pid, head["article_id"], head["surface"], head["qid"],
            head["start"], head["end"], head["coarse_type"], rel, tail["surface"], tail["qid"], tail["start"],
            tail["end"], tail["coarse_type"], prop, rank, inverted, source, value, theme, language,
        ))

    for pid, mentions in by_paragraph.items():
        first: dict[str, dict] = {}
        surfaces: dict[str, list[dict]] = defaultdict(list)
        for m in mentions:
            if m["qid"]:
                first.setdefault(m["qid"], m)
                surfaces[m["qid"]].append(m)
        for s, head in first.items():
            for prop, o, rank in sorted(claims_of.get(s, [])):
                if o == s or o not in first:
                    continue
                rel, inverted = relation_map.label(prop, schema)
                h, t = (first[o], head) if inverted else (head, first[o])
                emit(pid, h, rel, t, prop, rank, inverted, "item", None)
        # One triple per value statement: its longest form written in the paragraph (then the earliest);
        # a coarser form found elsewhere (the year of another date) does not add a second triple.
        best_value: dict[tuple[str, str, str], dict] = {}
        for m in mentions:
            for ref in m["value_refs"] or []:
                kind, subj, prop, value, extra = ref.split("|", 4)
                key = (subj, prop, f"{value}/{extra}")  # time/precision or amount/unit QID
                if subj in first and (key not in best_value or len(m["surface"]) > len(best_value[key]["m"]["surface"])):
                    best_value[key] = {"m": m, "kind": kind}
        for (subj, prop, value), hit in best_value.items():
            rel, _ = relation_map.label(prop, schema)
            emit(pid, first[subj], rel, hit["m"], prop, "normal", False, hit["kind"], value)
        # Alias mentions of one QID: (first mention, alternative name, another of its names).
        for q, ms in surfaces.items():
            known = {t for t, _ in names.get(q, [])}
            seen = {name_key(first[q]["surface"])}
            for m in ms[1:]:
                if m["surface"] in known and name_key(m["surface"]) not in seen:
                    seen.add(name_key(m["surface"]))
                    emit(pid, first[q], ALIAS_RELATION, m, "alias", "normal", False, "alias", None)
    return pl.DataFrame(out, schema=TRIPLE_SCHEMA, orient="row").unique("triple_id", keep="first", maintain_order=True)


# Relations whose chains imply their shortcuts: (A located in C) is dropped when (A located in B) and
# (B located in C) stand in the same paragraph, so only the finest step of a chain is a triple.
TRANSITIVE_RELATIONS = ("located in",)


def reduce_transitive(candidates: pl.DataFrame, relations: tuple[str, ...]) -> pl.DataFrame:
    """Transitive reduction per paragraph and relation: drop A->C when A->B->C holds (by QID)."""
    if candidates.is_empty():
        return candidates
    edges = candidates.filter(pl.col("relation").is_in(list(relations)) & pl.col("head_qid").is_not_null() & pl.col("tail_qid").is_not_null())
    if edges.is_empty():
        return candidates
    graph: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for pid, rel, h, t in edges.select("paragraph_id", "relation", "head_qid", "tail_qid").iter_rows():
        if h != t:
            graph[(pid, rel)][h].add(t)

    def reachable_in_two_or_more(g: dict[str, set[str]], start: str, target: str) -> bool:
        frontier = [b for b in g.get(start, ()) if b != target]
        seen = set(frontier)
        while frontier:
            node = frontier.pop()
            for nxt in g.get(node, ()):
                if nxt == target:
                    return True
                if nxt not in seen and nxt != start:
                    seen.add(nxt)
                    frontier.append(nxt)
        return False

    shortcut = {
        (pid, rel, h, t)
        for (pid, rel), g in graph.items() for h, ts in g.items() for t in ts
        if reachable_in_two_or_more(g, h, t)
    }
    if not shortcut:
        return candidates
    drop = pl.DataFrame(list(shortcut), schema={"paragraph_id": pl.String, "relation": pl.String, "head_qid": pl.String, "tail_qid": pl.String}, orient="row")
    return candidates.join(drop.with_columns(pl.lit(True).alias("_shortcut")), on=["paragraph_id", "relation", "head_qid", "tail_qid"], how="left") \
        .filter(pl.col("_shortcut").is_null()).drop("_shortcut").select(list(TRIPLE_SCHEMA))
