"""Coarse types (the 14 of the taxonomy) and article themes from a P31-then-P279 class walk."""

from __future__ import annotations

import polars as pl

from instructie_assets.core.schemas import ThemeMap, TypeTaxonomy

TYPE_SCHEMA = {"qid": pl.String, "coarse_type": pl.String, "matched_class": pl.String, "depth": pl.Int32}


def assign_coarse_types(qids: list[str], walk: pl.DataFrame, taxonomy: TypeTaxonomy) -> pl.DataFrame:
    """Nearest taxonomy class on the walk wins; at equal depth the type listed first; none -> `other`.

    An item that is itself a taxonomy class gets that class's type at depth 0.
    """
    priority = taxonomy.class_priority()
    best: dict[str, tuple[int, int, str, str]] = {}
    for qid in qids:
        if qid in priority:
            t, p = priority[qid]
            best[qid] = (0, p, t, qid)
    for qid, cls, depth in walk.select("qid", "cls", "depth").iter_rows():
        hit = priority.get(cls)
        if hit is None:
            continue
        cand = (int(depth), hit[1], hit[0], cls)
        if qid not in best or cand < best[qid]:
            best[qid] = cand
    rows = [
        (q, best[q][2], best[q][3], best[q][0]) if q in best else (q, "other", None, None)
        for q in sorted(set(qids))
    ]
    return pl.DataFrame(rows, schema=TYPE_SCHEMA, orient="row")


def assign_themes(qids: list[str], walk: pl.DataFrame, types: pl.DataFrame, theme_map: ThemeMap) -> dict[str, tuple[str | None, str]]:
    """qid -> (theme or None, reason): a listed class on the walk first, then the coarse type."""
    by_class: dict[str, tuple[int, str, str]] = {}
    for qid, cls, depth in walk.select("qid", "cls", "depth").iter_rows():
        theme = theme_map.by_class.get(cls)
        if theme is not None and (qid not in by_class or (depth, cls) < by_class[qid][:2]):
            by_class[qid] = (int(depth), cls, theme)
    coarse = dict(zip(types["qid"].to_list(), types["coarse_type"].to_list()))
    out: dict[str, tuple[str | None, str]] = {}
    for qid in qids:
        if qid in by_class:
            _, cls, theme = by_class[qid]
            out[qid] = (theme, f"class {cls} -> {theme}")
        else:
            t = coarse.get(qid, "other")
            theme = theme_map.by_type.get(t)
            out[qid] = (theme, f"type {t} -> {theme}" if theme else f"type {t} maps to no theme")
    return out
