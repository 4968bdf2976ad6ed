"""`WikidataLookups` over the ingested Wikidata tables and redirects, in DuckDB.

Every lookup registers its keys as a temporary relation and joins, so a partition touches only the
rows it needs, whatever the size of the ingested dump. Values travel as bound parameters; the only
text put into SQL is the tables' qualifier, checked to be a plain identifier path.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from typing import Iterable

import duckdb
import polars as pl

from instructie_assets.core.knowledge import CLASS_WALK_SCHEMA
from instructie_assets.core.wikidata import QUANTITY_CLAIM_SCHEMA, TIME_CLAIM_SCHEMA, ITEM_CLAIM_SCHEMA

# the tables each lookup reads: an asset that makes a lookup declares these as its upstream assets
TABLES_OF_LOOKUP = {
    "sitelink_qids": ("wikidata_sitelinks",),
    "sitelinked": ("wikidata_sitelinks",),
    "labels": ("wikidata_labels",),
    "qids_for_surfaces": ("wikidata_labels",),
    "item_claims": ("wikidata_item_claims",),
    "time_claims": ("wikidata_time_claims",),
    "quantity_claims": ("wikidata_quantity_claims",),
    "class_walk": ("wikidata_item_claims",),
    "redirects": ("wikipedia_redirects",),
}
QUALIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


class DuckDBWikidata:
    """The lookups of `core.knowledge.WikidataLookups` on a DuckDB connection whose `schema` (for
    example `main`, or `lake.main` for an attached catalog) holds the `wikidata_*` tables and
    `wikipedia_redirects`."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, schema: str = "main"):
        if not QUALIFIER.match(schema):
            raise ValueError(f"not a schema name: {schema!r}")
        self.conn = conn
        self.schema = schema

    def _table(self, name: str) -> str:
        return ".".join(f'"{part}"' for part in [*self.schema.split("."), name])

    def _query(self, sql: str, keys: Iterable[str], params: list | None = None) -> pl.DataFrame:
        """Run `sql` with the distinct `keys` registered as the relation named `{keys}` in it."""
        name = f"_keys_{uuid.uuid4().hex[:12]}"
        frame = pl.DataFrame({"key": sorted(set(keys))}, schema={"key": pl.String})
        self.conn.register(name, frame.to_arrow())
        try:
            return self.conn.execute(sql.format(keys=name), params or []).pl()
        finally:
            self.conn.unregister(name)

    def sitelink_qids(self, site: str, titles: Iterable[str]) -> dict[str, str]:
        df = self._query(
            f"SELECT s.title, s.qid FROM {self._table('wikidata_sitelinks')} s JOIN {{keys}} k ON s.title = k.key WHERE s.site = ?",
            titles, [site],
        )
        return dict(zip(df["title"].to_list(), df["qid"].to_list()))

    def sitelinked(self, site: str, qids: Iterable[str]) -> set[str]:
        df = self._query(
            f"SELECT DISTINCT s.qid FROM {self._table('wikidata_sitelinks')} s JOIN {{keys}} k ON s.qid = k.key WHERE s.site = ?",
            qids, [site],
        )
        return set(df["qid"].to_list())

    def labels(self, qids: Iterable[str], language: str) -> dict[str, list[tuple[str, str]]]:
        df = self._query(
            f"SELECT DISTINCT l.qid, l.text, l.kind FROM {self._table('wikidata_labels')} l JOIN {{keys}} k ON l.qid = k.key "
            "WHERE l.language = ? ORDER BY l.qid, l.kind DESC, l.text",
            qids, [language],
        )
        out: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for qid, text, kind in df.iter_rows():
            out[qid].append((text, kind))
        return out

    def qids_for_surfaces(self, surfaces: Iterable[str], language: str) -> dict[str, list[str]]:
        df = self._query(
            f"SELECT DISTINCT l.text, l.qid FROM {self._table('wikidata_labels')} l JOIN {{keys}} k ON l.text = k.key "
            "WHERE l.language = ? ORDER BY l.text, l.qid",
            surfaces, [language],
        )
        out: dict[str, list[str]] = defaultdict(list)
        for text, qid in df.iter_rows():
            out[text].append(qid)
        return out

    def item_claims(self, qids: Iterable[str], both_directions: bool = False) -> pl.DataFrame:
        cond = "c.subject IN (SELECT key FROM {keys})"
        if both_directions:
            cond += " OR c.object IN (SELECT key FROM {keys})"
        df = self._query(
            f"SELECT DISTINCT c.subject, c.property, c.object, c.rank FROM {self._table('wikidata_item_claims')} c WHERE {cond} "
            "ORDER BY ALL",
            qids,
        )
        return df.cast(ITEM_CLAIM_SCHEMA).select(list(ITEM_CLAIM_SCHEMA))

    def time_claims(self, qids: Iterable[str]) -> pl.DataFrame:
        df = self._query(f"SELECT c.* FROM {self._table('wikidata_time_claims')} c JOIN {{keys}} k ON c.subject = k.key", qids)
        return df.select(list(TIME_CLAIM_SCHEMA)).cast(TIME_CLAIM_SCHEMA)

    def quantity_claims(self, qids: Iterable[str]) -> pl.DataFrame:
        df = self._query(f"SELECT c.* FROM {self._table('wikidata_quantity_claims')} c JOIN {{keys}} k ON c.subject = k.key", qids)
        return df.select(list(QUANTITY_CLAIM_SCHEMA)).cast(QUANTITY_CLAIM_SCHEMA)

    def class_walk(self, qids: Iterable[str], max_depth: int) -> pl.DataFrame:
        claims = self._table("wikidata_item_claims")
        df = self._query(
            f"""
            WITH RECURSIVE walk(qid, cls, depth) AS (
              SELECT c.subject, c.object, 1 FROM {claims} c JOIN {{keys}} k ON c.subject = k.key
              WHERE c.property IN ('P31', 'P279')
              UNION
              SELECT w.qid, c.object, w.depth + 1 FROM walk w JOIN {claims} c ON c.subject = w.cls
              WHERE c.property = 'P279' AND w.depth < ?
            )
            SELECT qid, cls, min(depth) AS depth FROM walk GROUP BY qid, cls ORDER BY qid, depth, cls
            """,
            qids, [int(max_depth)],
        )
        return df.cast(CLASS_WALK_SCHEMA)

    def redirects(self, language: str, titles: Iterable[str]) -> dict[str, str]:
        df = self._query(
            f"SELECT r.title, r.target FROM {self._table('wikipedia_redirects')} r JOIN {{keys}} k ON r.title = k.key WHERE r.language = ?",
            titles, [language],
        )
        return dict(zip(df["title"].to_list(), df["target"].to_list()))
