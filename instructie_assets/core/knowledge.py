"""What the stages ask of Wikidata, as an interface, and an in-memory implementation of it.

Every lookup is for a given set of ids or strings, so an implementation over the full dump touches
only the rows a partition needs. The DuckDB implementation over the ingested tables lives outside
`core` (`instructie_assets/duckdb_wikidata.py`); `InMemoryWikidata` holds the same five tables and
the redirects as Python dicts, for tests and small corpora, and answers every lookup the same way
(`tests/test_wikidata_lookups.py` checks both against each other).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Protocol

import polars as pl

from instructie_assets.core.wikidata import ITEM_CLAIM_SCHEMA, QUANTITY_CLAIM_SCHEMA, TABLE_SCHEMAS, TIME_CLAIM_SCHEMA

CLASS_WALK_SCHEMA = {"qid": pl.String, "cls": pl.String, "depth": pl.Int32}
CLASS_PROPERTIES = ("P31", "P279")


class WikidataLookups(Protocol):
    """The lookups the stages make against Wikidata (and the language's redirects)."""

    def sitelink_qids(self, site: str, titles: Iterable[str]) -> dict[str, str]:
        """Page title -> QID of the item whose `site` sitelink is that title."""
        ...

    def sitelinked(self, site: str, qids: Iterable[str]) -> set[str]:
        """The QIDs among `qids` that have a `site` sitelink."""
        ...

    def labels(self, qids: Iterable[str], language: str) -> dict[str, list[tuple[str, str]]]:
        """QID -> [(text, kind)], kind `label` or `alias`: the label first, then aliases by text."""
        ...

    def qids_for_surfaces(self, surfaces: Iterable[str], language: str) -> dict[str, list[str]]:
        """Surface -> the QIDs that have it as label or alias (sorted)."""
        ...

    def item_claims(self, qids: Iterable[str], both_directions: bool = False) -> pl.DataFrame:
        """Item-valued statements (subject, property, object, rank) whose subject (or, with
        `both_directions`, subject or object) is among `qids`."""
        ...

    def time_claims(self, qids: Iterable[str]) -> pl.DataFrame:
        """Time-valued statements of the subjects `qids` (TIME_CLAIM_SCHEMA)."""
        ...

    def quantity_claims(self, qids: Iterable[str]) -> pl.DataFrame:
        """Quantity-valued statements of the subjects `qids` (QUANTITY_CLAIM_SCHEMA)."""
        ...

    def class_walk(self, qids: Iterable[str], max_depth: int) -> pl.DataFrame:
        """(qid, cls, depth): classes reached by one P31 (or P279) step, then P279 steps up to
        `max_depth`, each at its smallest depth; sorted by qid, depth, cls."""
        ...

    def redirects(self, language: str, titles: Iterable[str]) -> dict[str, str]:
        """Redirect title -> target title, for the titles among `titles` that are redirects."""
        ...


class InMemoryWikidata:
    """`WikidataLookups` over frames of the ingested tables (TABLE_SCHEMAS) and redirects."""

    def __init__(self, tables: dict[str, pl.DataFrame], redirects: pl.DataFrame | None = None):
        def rows(name: str) -> list[tuple]:
            frame = tables.get(name)
            return [] if frame is None else frame.select(list(TABLE_SCHEMAS[name])).rows()

        self._sitelink: dict[tuple[str, str], str] = {}
        self._sites_of: dict[str, set[str]] = defaultdict(set)
        for qid, site, title in rows("wikidata_sitelinks"):
            self._sitelink[(site, title)] = qid
            self._sites_of[qid].add(site)
        self._labels: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
        self._by_surface: dict[tuple[str, str], set[str]] = defaultdict(set)
        for qid, language, kind, text in rows("wikidata_labels"):
            self._labels[(qid, language)].add((text, kind))
            self._by_surface[(text, language)].add(qid)
        self._claims_from: dict[str, list[tuple]] = defaultdict(list)
        self._claims_to: dict[str, list[tuple]] = defaultdict(list)
        for claim in rows("wikidata_item_claims"):
            self._claims_from[claim[0]].append(claim)
            self._claims_to[claim[2]].append(claim)
        self._times: dict[str, list[tuple]] = defaultdict(list)
        for claim in rows("wikidata_time_claims"):
            self._times[claim[0]].append(claim)
        self._quantities: dict[str, list[tuple]] = defaultdict(list)
        for claim in rows("wikidata_quantity_claims"):
            self._quantities[claim[0]].append(claim)
        self._redirects: dict[tuple[str, str], str] = {}
        if redirects is not None:
            for title, target, language in redirects.select("title", "target", "language").iter_rows():
                self._redirects[(language, title)] = target

    def sitelink_qids(self, site: str, titles: Iterable[str]) -> dict[str, str]:
        return {t: q for t in set(titles) if (q := self._sitelink.get((site, t))) is not None}

    def sitelinked(self, site: str, qids: Iterable[str]) -> set[str]:
        return {q for q in set(qids) if site in self._sites_of.get(q, ())}

    def labels(self, qids: Iterable[str], language: str) -> dict[str, list[tuple[str, str]]]:
        out: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for q in sorted(set(qids)):
            names = self._labels.get((q, language))
            if names:
                # the label first (kind DESC: "label" > "alias"), then by text
                out[q] = sorted(names, key=lambda tk: (tk[1] != "label", tk[0]))
        return out

    def qids_for_surfaces(self, surfaces: Iterable[str], language: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for s in sorted(set(surfaces)):
            qids = self._by_surface.get((s, language))
            if qids:
                out[s] = sorted(qids)
        return out

    def item_claims(self, qids: Iterable[str], both_directions: bool = False) -> pl.DataFrame:
        keys = set(qids)
        found = {c for q in keys for c in self._claims_from.get(q, ())}
        if both_directions:
            found |= {c for q in keys for c in self._claims_to.get(q, ())}
        return pl.DataFrame(sorted(found), schema=ITEM_CLAIM_SCHEMA, orient="row")

    def time_claims(self, qids: Iterable[str]) -> pl.DataFrame:
        return pl.DataFrame([c for q in sorted(set(qids)) for c in self._times.get(q, ())], schema=TIME_CLAIM_SCHEMA, orient="row")

    def quantity_claims(self, qids: Iterable[str]) -> pl.DataFrame:
        return pl.DataFrame([c for q in sorted(set(qids)) for c in self._quantities.get(q, ())], schema=QUANTITY_CLAIM_SCHEMA, orient="row")

    def class_walk(self, qids: Iterable[str], max_depth: int) -> pl.DataFrame:
        rows: list[tuple[str, str, int]] = []
        for q in sorted(set(qids)):
            depth_of: dict[str, int] = {}
            frontier = {o for _, p, o, _ in self._claims_from.get(q, ()) if p in CLASS_PROPERTIES}
            depth = 1  # the first step is always taken; P279 steps continue while depth < max_depth
            while frontier:
                for cls in frontier:
                    depth_of.setdefault(cls, depth)
                if depth >= max_depth:
                    break
                frontier = {o for cls in frontier for _, p, o, _ in self._claims_from.get(cls, ()) if p == "P279"} - set(depth_of)
                depth += 1
            rows += sorted(((q, cls, d) for cls, d in depth_of.items()), key=lambda r: (r[2], r[1]))
        return pl.DataFrame(rows, schema=CLASS_WALK_SCHEMA, orient="row")

    def redirects(self, language: str, titles: Iterable[str]) -> dict[str, str]:
        return {t: target for t in set(titles) if (target := self._redirects.get((language, t))) is not None}
