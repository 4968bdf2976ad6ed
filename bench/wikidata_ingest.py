"""BENCH wikidata-ingest: our ingest vs qwikidata's WikidataJsonDump (gzip + json.loads per line) with a
dict-walking extraction of the same fields, on a generated .json.gz dump of realistic entities.

Ours is the real path: worker processes (one per core) decode blocks and write Parquet, DuckDB loads
the staged tables and swaps them in. Gate: identical rows in all five tables. Also printed: the
single-process ratio (the decoder's own speed), entities/s of both, and the projected hours for the
full dump (110 M entities) at each measured rate on this machine.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path


from bench.common import machine, report
from bench.generate import write_wikidata_dump
from instructie_assets.core.chinese import to_simplified
from instructie_assets.core.duckdb_tables import StagedTableWriter
from instructie_assets.core.lake import lake_location, open_lake
from instructie_assets.core.wikidata import SITES, TABLE_SCHEMAS, ZH_FALLBACK, WikidataRows, ingest_wikidata, staged_parquet

CACHE = Path(__file__).resolve().parent / ".cache"
FULL_DUMP_ENTITIES = 110_000_000


def _zh(by_lang: dict, pick_first: bool) -> list[str]:
    out: list[str] = []
    for lang in ZH_FALLBACK:
        if lang in by_lang:
            val = by_lang[lang]
            for v in ([val["value"]] if isinstance(val, dict) else [a["value"] for a in val]):
                s = to_simplified(v)
                if s not in out:
                    out.append(s)
            if pick_first and out:
                return out[:1]
    return out


def baseline_extract(entity: dict, rows: WikidataRows) -> None:
    """The straightforward extraction over the parsed dict (what one writes with qwikidata)."""
    qid = entity["id"]
    labels = entity.get("labels") or {}
    aliases = entity.get("aliases") or {}
    if "en" in labels:
        rows.labels.append((qid, "en", "label", labels["en"]["value"]))
    for a in aliases.get("en", ()):
        rows.labels.append((qid, "en", "alias", a["value"]))
    zh_label = _zh(labels, True)
    for v in zh_label:
        rows.labels.append((qid, "zh", "label", v))
    for v in _zh(labels, False)[1:] + _zh(aliases, False):
        if v not in zh_label:
            rows.labels.append((qid, "zh", "alias", v))
    sitelinks = entity.get("sitelinks") or {}
    for site in SITES:
        if site in sitelinks:
            rows.sitelinks.append((qid, site, sitelinks[site]["title"]))
    for prop, statements in (entity.get("claims") or {}).items():
        for st in statements:
            rank = st.get("rank", "normal")
            snak = st.get("mainsnak") or {}
            if rank == "deprecated" or snak.get("snaktype") != "value":
                continue
            dv = snak.get("datavalue") or {}
            value, kind = dv.get("value"), dv.get("type")
            if kind == "wikibase-entityid":
                obj = value.get("id") or f"Q{value.get('numeric-id')}"
                if obj.startswith("Q"):
                    rows.item_claims.append((qid, prop, obj, rank))
            elif kind == "time":
                cal = value.get("calendarmodel", "")
                rows.time_claims.append((qid, prop, value["time"], int(value.get("precision", 11)), cal.rsplit("/", 1)[-1] if cal else "", rank))
            elif kind == "quantity":
                unit = value.get("unit", "1")
                rows.quantity_claims.append((qid, prop, float(value["amount"]), value["amount"].lstrip("+"), "" if unit == "1" else unit.rsplit("/", 1)[-1], rank))
    rows.entities += 1


def dump_path(n: int) -> Path:
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"wikidata-{n}.json.gz"
    if not path.exists():
        tmp = path.with_suffix(".tmp.gz")
        write_wikidata_dump(tmp, n, seed=11)
        tmp.rename(path)
    return path


def main(n: int = 50_000) -> bool:
    from qwikidata.json_dump import WikidataJsonDump

    path = dump_path(n)
    lake_dir = tempfile.TemporaryDirectory(prefix="bench-lake-", dir=CACHE)
    conn = open_lake(lake_location(lake_dir.name))  # the real path: Parquet blocks from the workers, swapped into the lake
    with tempfile.TemporaryDirectory(prefix="bench-staging-", dir=CACHE) as staging:
        start = time.perf_counter()
        stats = ingest_wikidata(path, staging, workers=0)
        writer = StagedTableWriter(conn, TABLE_SCHEMAS, "shard", 0)
        writer.begin()
        writer.write_parquet({name: staged_parquet(staging, name) for name in TABLE_SCHEMAS})
        writer.commit()
        ours_s = time.perf_counter() - start
    ours = {k: conn.execute(f"SELECT {', '.join(TABLE_SCHEMAS[k])} FROM main.{k}").fetchall() for k in TABLE_SCHEMAS}
    conn.close()
    lake_dir.cleanup()

    with tempfile.TemporaryDirectory(prefix="bench-staging-", dir=CACHE) as staging:
        start = time.perf_counter()
        single = ingest_wikidata(path, staging, workers=1)  # one process: the decoder's own speed
        single_s = time.perf_counter() - start

    base = WikidataRows()
    start = time.perf_counter()
    for entity in WikidataJsonDump(str(path)):
        baseline_extract(entity, base)
    base_s = time.perf_counter() - start
    base_frames = base.frames()  # the same de-duplication of labels as ours
    same = stats.entities == base.entities == single.entities == n and all(
        sorted(ours[k], key=repr) == sorted(base_frames[k].rows(), key=repr) for k in TABLE_SCHEMAS
    )
    rate, base_rate = stats.entities / ours_s, base.entities / base_s
    report(
        "wikidata-ingest", rate / base_rate, same, entities=n, ours_entities_per_s=rate, baseline_entities_per_s=base_rate,
        single_process_ratio=(single.entities / single_s) / base_rate,
        mb_per_s=os.path.getsize(path) / 1e6 / ours_s, workers=os.cpu_count(),
        projected_hours_full_dump=FULL_DUMP_ENTITIES / rate / 3600, baseline_projected_hours=FULL_DUMP_ENTITIES / base_rate / 3600,
        machine=machine(),
    )
    return same


if __name__ == "__main__":
    raise SystemExit(0 if main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000) else 1)
