"""Queries against the narrow Wikidata tables in DuckDB, always for a given set of ids or strings.

Every lookup registers its keys as a temporary relation and joins, so a partition touches only the
rows it needs, whatever the size of the ingested dump.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

import duckdb
import polars as pl

SCHEMA = "main"


class WikidataStore:
    def __init__(self, conn: duckdb.DuckDBPyConnection, schema: str = SCHEMA):
        self.conn = conn
        self.schema = schema

    def _t(self, name: str) -> str:
        return f'"{self.schema}"."{name}"'

    def _keys(self, name: str, values: Iterable[str]) -> None:
        frame = pl.DataFrame({"key": sorted(set(values))}, schema={"key": pl.String})
        self.conn.register(name, frame.to_arrow())

    def _query(self, sql: str) -> pl.DataFrame:
        return self.conn.execute(sql).pl()

    def sitelink_qids(self, site: str, titles: Iterable[str]) -> dict[str, str]:
        self._keys("_titles", titles)
        df = self._query(
            f"SELECT s.title, s.qid FROM {self._t('wikidata_sitelinks')} s JOIN _titles k ON s.title = k.key "
            f"WHERE s.site = '{site}'"
        )
        return dict(zip(df["title"].to_list(), df["qid"].to_list()))

    def sitelinked(self, site: str, qids: Iterable[str]) -> set[str]:
        self._keys("_qids", qids)
        df = self._query(
            f"SELECT DISTINCT s.qid FROM {self._t('wikidata_sitelinks')} s JOIN _qids k ON s.qid = k.key WHERE s.site = '{site}'"
        )
        return set(df["qid"].to_list())

    def labels(self, qids: Iterable[str], language: str) -> dict[str, list[tuple[str, str]]]:
        """qid -> [(text, kind)] with the label first."""
        self._keys("_qids", qids)
        df = self._query(
            f"SELECT l.qid, l.text, l.kind FROM {self._t('wikidata_labels')} l JOIN _qids k ON l.qid = k.key "
            f"WHERE l.language = '{language}' ORDER BY l.qid, l.kind DESC, l.text"
        )
        out: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for qid, text, kind in df.iter_rows():
            out[qid].append((text, kind))
        return out

    def qids_for_surfaces(self, surfaces: Iterable[str], language: str) -> dict[str, list[str]]:
        self._keys("_surfaces", surfaces)
        df = self._query(
            f"SELECT DISTINCT l.text, l.qid FROM {self._t('wikidata_labels')} l JOIN _surfaces k ON l.text = k.key "
            f"WHERE l.language = '{language}' ORDER BY l.text, l.qid"
        )
        out: dict[str, list[str]] = defaultdict(list)
        for text, qid in df.iter_rows():
            out[text].append(qid)
        return out

    def item_claims(self, qids: Iterable[str], both_directions: bool = False) -> pl.DataFrame:
        """Item-valued statements whose subject (or, with both_directions, object) is among qids."""
        self._keys("_qids", qids)
        cond = "c.subject IN (SELECT key FROM _qids)"
        if both_directions:
            cond += " OR c.object IN (SELECT key FROM _qids)"
        return self._query(f"SELECT c.subject, c.property, c.object, c.rank FROM {self._t('wikidata_item_claims')} c WHERE {cond}")

    def time_claims(self, qids: Iterable[str]) -> pl.DataFrame:
        self._keys("_qids", qids)
        return self._query(
            f"SELECT c.* FROM {self._t('wikidata_time_claims')} c JOIN _qids k ON c.subject = k.key"
        )

    def quantity_claims(self, qids: Iterable[str]) -> pl.DataFrame:
        self._keys("_qids", qids)
        return self._query(
            f"SELECT c.* FROM {self._t('wikidata_quantity_claims')} c JOIN _qids k ON c.subject = k.key"
        )

    def class_walk(self, qids: Iterable[str], max_depth: int) -> pl.DataFrame:
        """(qid, cls, depth): classes reached by one P31 (or P279) step, then P279 steps, breadth first."""
        self._keys("_qids", qids)
        claims = self._t("wikidata_item_claims")
        return self._query(
            f"""
            WITH RECURSIVE walk(qid, cls, depth) AS (
              SELECT c.subject, c.object, 1 FROM {claims} c JOIN _qids k ON c.subject = k.key
              WHERE c.property IN ('P31', 'P279')
              UNION
              SELECT w.qid, c.object, w.depth + 1 FROM walk w JOIN {claims} c ON c.subject = w.cls
              WHERE c.property = 'P279' AND w.depth < {int(max_depth)}
            )
            SELECT qid, cls, min(depth) AS depth FROM walk GROUP BY qid, cls ORDER BY qid, depth, cls
            """
        )

    def redirects(self, language: str, titles: Iterable[str]) -> dict[str, str]:
        self._keys("_titles", titles)
        df = self._query(
            f"SELECT r.title, r.target FROM {self._t('wikipedia_redirects')} r JOIN _titles k ON r.title = k.key "
            f"WHERE r.language = '{language}'"
        )
        return dict(zip(df["title"].to_list(), df["target"].to_list()))
