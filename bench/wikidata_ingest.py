"""BENCH wikidata-ingest: our ingest vs qwikidata's WikidataJsonDump (gzip + json.loads per line) with a
dict-walking extraction of the same fields, on a generated .json.gz dump of realistic entities.

Ours is the real path: the parent decompresses into shared memory blocks, worker processes (one per
core) decode them and write Parquet, the lake takes those files as its data files in the swap
transaction (staged in the lake's own staging directory, as a build does). Gate:
identical rows in all five tables. Also printed: where the time of one entity goes (CPU microseconds
per entity, summed over the processes: decompression, hand-off, JSON decode, row building, Chinese
conversion, Parquet write, DuckDB load: the lake commit), the single-process ratio, and the projected hours for the
full dump (110 M entities) on this machine and on 16 cores.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas  # noqa: F401  the duckdb client imports it at a process's first bound parameter (~0.6 s): a start-up cost, not the entities'

from bench.common import machine, report
from bench.generate import write_wikidata_dump
from instructie_assets.core.chinese import to_simplified
from instructie_assets.storage.duckdb_tables import StagedTableWriter
from instructie_assets.storage.lake import lake_location, open_lake
from instructie_assets.core.wikidata import _ENTITY, SITES, TABLE_SCHEMAS, ZH_FALLBACK, ingest_wikidata, staged_parquet

CACHE = Path(__file__).resolve().parent / ".cache"
FULL_DUMP_ENTITIES = 110_000_000


class BaselineRows:
    """Rows as tuples, one list per table (what the straightforward extraction builds)."""

    def __init__(self):
        self.tables = {name: [] for name in TABLE_SCHEMAS}
        self.entities = 0


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


def baseline_extract(entity: dict, rows: BaselineRows) -> None:
    """The straightforward extraction over the parsed dict (what one writes with qwikidata)."""
    qid = entity["id"]
    labels = entity.get("labels") or {}
    aliases = entity.get("aliases") or {}
    out = rows.tables
    if "en" in labels:
        out["wikidata_labels"].append((qid, "en", "label", labels["en"]["value"]))
    for a in aliases.get("en", ()):
        out["wikidata_labels"].append((qid, "en", "alias", a["value"]))
    zh_label = _zh(labels, True)
    for v in zh_label:
        out["wikidata_labels"].append((qid, "zh", "label", v))
    for v in _zh(labels, False)[1:] + _zh(aliases, False):
        if v not in zh_label:
            out["wikidata_labels"].append((qid, "zh", "alias", v))
    sitelinks = entity.get("sitelinks") or {}
    for site in SITES:
        if site in sitelinks:
            out["wikidata_sitelinks"].append((qid, site, sitelinks[site]["title"]))
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
                    out["wikidata_item_claims"].append((qid, prop, obj, rank))
            elif kind == "time":
                cal = value.get("calendarmodel", "")
                out["wikidata_time_claims"].append((qid, prop, value["time"], int(value.get("precision", 11)), cal.rsplit("/", 1)[-1] if cal else "", rank))
            elif kind == "quantity":
                unit = value.get("unit", "1")
                out["wikidata_quantity_claims"].append((qid, prop, float(value["amount"]), value["amount"].lstrip("+"), "" if unit == "1" else unit.rsplit("/", 1)[-1], rank))
    rows.entities += 1


def dump_path(n: int) -> Path:
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"wikidata-{n}.json.gz"
    if not path.exists():
        tmp = path.with_suffix(".tmp.gz")
        write_wikidata_dump(tmp, n, seed=11)
        tmp.rename(path)
    return path


def decode_seconds_per_entity(path: Path, sample: int = 3000) -> float:
    """CPU seconds msgspec takes to decode one entity into our structs (no rows), on a sample of lines."""
    import gzip

    lines = []
    with gzip.open(path, "rb") as fh:
        for raw in fh:
            raw = raw.strip().rstrip(b",")
            if raw not in (b"[", b"]", b""):
                lines.append(raw)
            if len(lines) >= sample:
                break
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        for line in lines:
            _ENTITY.decode(line)
        best = min(best, time.process_time() - start)
    return best / len(lines)


def run_ours(path: Path, workers: int, lake_dir: str) -> tuple[float, dict, object, duckdb.DuckDBPyConnection]:
    """One ingest into a fresh lake under `lake_dir` (the real path: Parquet blocks from the workers,
    swapped into the lake): wall seconds, CPU seconds by stage, stats, connection."""
    location = lake_location(lake_dir)
    conn = open_lake(location)
    os.makedirs(location.staging_dir, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-staging-", dir=location.staging_dir) as staging:
        start = time.perf_counter()
        cpu_start = time.process_time()
        stats = ingest_wikidata(path, staging, workers=workers)
        load_cpu, load_wall = time.process_time(), time.perf_counter()
        writer = StagedTableWriter(conn, TABLE_SCHEMAS, "shard", 0)
        writer.begin()
        writer.add_files({name: staged_parquet(staging, name) for name in TABLE_SCHEMAS})
        writer.commit()
        wall = time.perf_counter() - start
        cpu = dict(stats.seconds)
        cpu["duckdb load"] = time.process_time() - load_cpu
        cpu["duckdb load (wall)"] = time.perf_counter() - load_wall
        cpu["parent process, all"] = time.process_time() - cpu_start
    return wall, cpu, stats, conn


def breakdown(cpu: dict, stats, decode_s: float) -> dict[str, float]:
    """CPU microseconds per entity by stage (decode measured alone on a sample; rows = the rest of the loop)."""
    n = stats.entities
    decode = decode_s * n
    loop = cpu.get("decode and rows", 0.0)
    parts = {
        "decompress": cpu.get("decompress", 0.0),
        "hand_off": cpu.get("handing off blocks", 0.0),
        "json_decode": min(decode, loop),
        "row_building": max(loop - decode, 0.0),
        "chinese": cpu.get("chinese", 0.0),
        "parquet_write": cpu.get("parquet", 0.0),
        "duckdb_load": cpu.get("duckdb load", 0.0),
    }
    return {k: v / n * 1e6 for k, v in parts.items()}


def main(n: int = 50_000) -> bool:
    from qwikidata.json_dump import WikidataJsonDump

    path = dump_path(n)
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench-lake-", dir=CACHE) as lake_dir:
        ours_s, cpu, stats, conn = run_ours(path, workers=0, lake_dir=lake_dir)
        ours = {k: conn.execute(f"SELECT {', '.join(TABLE_SCHEMAS[k])} FROM main.{k}").fetchall() for k in TABLE_SCHEMAS}
        conn.close()
    with tempfile.TemporaryDirectory(prefix="bench-lake-", dir=CACHE) as lake_dir:
        single_s, single_cpu, single, single_conn = run_ours(path, workers=1, lake_dir=lake_dir)  # one process: no overlap, no hand-off
        single_conn.close()

    base = BaselineRows()
    start = time.perf_counter()
    for entity in WikidataJsonDump(str(path)):
        baseline_extract(entity, base)
    base_s = time.perf_counter() - start
    for name in ("wikidata_labels",):  # the same de-duplication of labels as ours
        base.tables[name] = list(dict.fromkeys(base.tables[name]))
    same = stats.entities == base.entities == single.entities == n and all(
        sorted(ours[k], key=repr) == sorted(base.tables[k], key=repr) for k in TABLE_SCHEMAS
    )
    rate, base_rate = stats.entities / ours_s, base.entities / base_s
    per_entity = breakdown(cpu, stats, decode_seconds_per_entity(path))
    cpu_per_entity = sum(per_entity.values())
    print("wikidata-ingest: CPU microseconds per entity by stage (all processes): "
          + ", ".join(f"{k} {v:.1f}" for k, v in per_entity.items()) + f"; total {cpu_per_entity:.1f}; "
          f"wall {ours_s / n * 1e6:.1f} us per entity on {cores} cores ({cpu_per_entity / (ours_s / n * 1e6):.2f} cores busy); "
          f"parent waited {cpu.get('waiting for a free block (wall)', 0):.2f} s for free blocks; single process "
          + ", ".join(f"{k} {v:.1f}" for k, v in breakdown(single_cpu, single, decode_seconds_per_entity(path)).items()), flush=True)
    # Full dump: at the measured rate on this machine, and from the CPU cost per entity: on k cores the
    # work spreads over the cores but never goes faster than the parent decompressing alone, then DuckDB
    # loads on all k cores.
    parent_us = per_entity["decompress"] + per_entity["hand_off"]
    load_us = per_entity["duckdb_load"]
    worker_us = cpu_per_entity - parent_us - load_us

    def hours_on(k: int) -> float:
        return FULL_DUMP_ENTITIES * (max(parent_us, (parent_us + worker_us) / k) + load_us / k) / 1e6 / 3600

    report(
        "wikidata-ingest", rate / base_rate, same, entities=n, ours_entities_per_s=rate, baseline_entities_per_s=base_rate,
        single_process_ratio=(single.entities / single_s) / base_rate, mb_per_s=os.path.getsize(path) / 1e6 / ours_s, workers=stats.workers,
        projected_hours_full_dump=FULL_DUMP_ENTITIES / rate / 3600, baseline_projected_hours=FULL_DUMP_ENTITIES / base_rate / 3600,
        cpu_projected_hours_2_cores=hours_on(2), cpu_projected_hours_16_cores=hours_on(16), machine=machine(),
    )
    return same


if __name__ == "__main__":
    raise SystemExit(0 if main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000) else 1)
