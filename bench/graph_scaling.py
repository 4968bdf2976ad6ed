"""BENCH graph-scaling: the whole graph on a linked corpus (`bench.linked_corpus`) at three sizes 4x apart.

Every stage (the Wikidata reader, the Wikipedia reader, then each asset of the theme x language
partitions, then the card) runs in its own process, one materialization per partition, on the same
DuckDB file in turn, as `instructie build` runs them; the stage's time is the sum of its
materializations (process start and imports left out), its peak memory the process's maximum RSS
(with its worker processes': Linux reports the largest of the process and the children it reaped).

  ratio     = (time at the largest size / time at the middle size) / 4: 1.0 is linear
  rss_ratio = the largest, over stages, of (peak RSS at the largest size / at the middle size)

Gates: ratio <= 1.15 (cost linear), rss_ratio <= 1.3 (every stage's peak memory flat), and the corpus
really grows: every stage's table has rows at every size, and from the middle to the largest size
paragraphs, mentions, candidate and kept triples and records grow 3.5-4.5x.

Also printed: a table per stage (seconds, seconds per 1,000 articles, peak MB, rows at each size) and
the projection of the full dumps (EN 6.8 M and ZH 1.4 M articles, Wikidata 110 M entities) on 2 and
16 cores from the largest size's per-article and per-entity rates (see `projection`).

  python -m bench graph-scaling                      the sizes of `SIZES` (env GRAPH_SCALING_SIZES=500,2000,8000)
  python -m bench.graph_scaling --stage NAME ROOT    (internal) one stage's materializations, as JSON
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import machine, report
from bench.linked_corpus import THEMES, write_corpus

SIZES = (500, 2000, 8000)  # articles per language; see the README for why
CACHE = Path(__file__).resolve().parent / ".cache" / "graph-scaling"
CORPUS_VERSION = "2"  # bump when bench/linked_corpus.py changes what it writes
FULL = {"en": 6_800_000, "zh": 1_400_000, "wikidata": 110_000_000}
TIME_GATE, RSS_GATE = 1.15, 1.3
WIKIDATA_KEYS = ["wikidata_labels", "wikidata_sitelinks", "wikidata_item_claims", "wikidata_time_claims", "wikidata_quantity_claims"]
# (stage, assets materialized together, what it is partitioned by, the table whose rows it writes)
STAGES = [
    ("wikidata", WIKIDATA_KEYS, "shard", "wikidata_item_claims"),
    ("articles", ["articles", "wikipedia_redirects"], "language", "articles"),
    ("paragraphs", ["paragraphs"], "theme_language", "paragraphs"),
    ("duplicate_texts", ["duplicate_texts"], "language", None),  # may hold no row: the corpus repeats no text
    ("entity_mentions", ["entity_mentions"], "theme_language", "entity_mentions"),
    ("resolved_entities", ["resolved_entities"], "theme_language", "resolved_entities"),
    ("candidate_triples", ["candidate_triples"], "theme_language", "candidate_triples"),
    ("filtered_triples", ["filtered_triples"], "theme_language", "filtered_triples"),
    ("instruction_splits", ["instruction_splits"], "theme_language", "instruction_splits"),
    ("dataset_exports", ["dataset_exports"], "theme_language", None),
    ("dataset_card", ["dataset_card"], "none", None),
]
# Tables that must grow with the corpus (3.5-4.5x from the middle size to the largest). Not kept triples
# nor records: label-centric sampling keeps fewer of a label combination the more common it is.
GROWING = ["paragraphs", "entity_mentions", "resolved_entities", "candidate_triples", "filtered_triples"]

# The stage runs under a small launcher: Linux keeps a process's peak RSS across exec, and a child
# forked from this process would start with its pages counted. wait4 gives the stage process's peak
# RSS (the largest of it and its reaped children) and its CPU time with theirs.
LAUNCHER = ("import json, os, subprocess, sys\n"
            "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE)\n"
            "out = p.stdout.read()\n"
            "_, status, usage = os.wait4(p.pid, 0)\n"
            "sys.stdout.write(out.decode() + '\\n' + json.dumps({'maxrss_kb': usage.ru_maxrss, 'cpu_s': usage.ru_utime + usage.ru_stime}) + '\\n')\n"
            "sys.exit(os.waitstatus_to_exitcode(status))\n")


def corpus(n: int) -> dict[str, Path]:
    """The linked corpus of `n` articles per language, generated once into bench/.cache."""
    out = CACHE / f"v{CORPUS_VERSION}-{n}"
    paths = {"wikidata": out / "wikidata.json.gz", "en": out / "enwiki-pages-articles.xml.bz2", "zh": out / "zhwiki-pages-articles.xml.bz2"}
    if not (out / "complete").exists():
        shutil.rmtree(out, ignore_errors=True)
        write_corpus(n, out)
        (out / "complete").write_text("")
    return paths


# ------------------------------------------------------------------------------------- one stage

def run_stage(name: str, root: Path) -> dict:
    """Materialize one stage for every partition (in this process); seconds per partition."""
    import dagster as dg

    from instructie_assets.definitions import ASSETS, build_resources
    from instructie_assets.partitions import shard_keys, theme_language_key

    spec = {s[0]: s for s in STAGES}[name]
    paths = json.loads((root / "corpus.json").read_text())
    resources = build_resources(str(root / "lake"), [paths["en"], paths["zh"]], paths["wikidata"], str(root / "exports"),
                                nli_model="none", gold=[])
    if spec[2] == "shard":
        keys = shard_keys(1)
    elif spec[2] == "language":
        keys = ["en", "zh"]
    elif spec[2] == "theme_language":
        keys = [theme_language_key(t, lang) for lang in ("en", "zh") for t in THEMES]
    else:
        keys = [None]
    instance = dg.DagsterInstance.ephemeral()
    seconds: dict[str, float] = {}
    for key in keys:
        start = time.perf_counter()
        result = dg.materialize(ASSETS, selection=spec[1], resources=resources, instance=instance, partition_key=key, raise_on_error=False,
                                run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}})
        if not result.success:
            failures = [e.step_failure_data.error.to_string() for e in result.all_events if e.is_step_failure]
            raise SystemExit(f"stage {name} failed for {key}: {''.join(failures)[-3000:]}")
        seconds[str(key)] = time.perf_counter() - start
    return {"stage": name, "seconds": seconds}


# ------------------------------------------------------------------------------------- one size

def _measured(cmd: list[str], env: dict) -> dict:
    proc = subprocess.run([sys.executable, "-S", "-c", LAUNCHER, *cmd], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    stage, usage = json.loads(lines[-2]), json.loads(lines[-1])
    return {**stage, "peak_mb": usage["maxrss_kb"] / 1024, "cpu_s": usage["cpu_s"]}


def table_rows(db: Path) -> dict[str, int]:
    from instructie_assets.storage.lake import lake_cursor, lake_location

    rows = {}
    with lake_cursor(lake_location(str(db))) as con:
        for _, _, _, table in STAGES:
            if table:
                (rows[table],) = con.execute(f"SELECT count(*) FROM main.{table}").fetchone()
        (rows["kept_triples"],) = con.execute("SELECT count(*) FROM main.filtered_triples WHERE drop_reason IS NULL").fetchone()
        (rows["sampled_away"],) = con.execute("SELECT count(*) FROM main.filtered_triples WHERE drop_reason = 'sampling'").fetchone()
        (rows["wikidata_entities"],) = con.execute("SELECT count(DISTINCT qid) FROM main.wikidata_labels").fetchone()
    return rows


def run_size(n: int, root: Path, progress=print) -> dict:
    """Every stage on the corpus of `n` articles per language: {stage: {seconds, by partition, peak_mb, cpu_s}}, rows."""
    paths = corpus(n)
    root.mkdir(parents=True, exist_ok=True)
    (root / "corpus.json").write_text(json.dumps({k: str(v) for k, v in paths.items()}))
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    stages = {}
    for name, *_ in STAGES:
        m = _measured([sys.executable, "-m", "bench.graph_scaling", "--stage", name, str(root)], env)
        stages[name] = {"seconds": sum(m["seconds"].values()), "by_partition": m["seconds"], "peak_mb": m["peak_mb"], "cpu_s": m["cpu_s"]}
        progress(f"  {n:>6} articles/language  {name:20} {stages[name]['seconds']:8.1f} s  {m['peak_mb']:7.0f} MB")
    return {"n": n, "stages": stages, "rows": table_rows(root / "lake")}


# ------------------------------------------------------------------------------------- figures

def projection(mid: dict, big: dict, cores: int) -> dict[str, float]:
    """Hours for the full dumps on `cores` cores, per stage, from the two largest sizes.

    Each partition's time is its fixed part plus a marginal cost per article of its language (per
    entity for the Wikidata reader), both from the two sizes, so Dagster's fixed cost per run is not
    multiplied by the dump size. The readers (Wikidata, articles, paragraphs) run worker processes on
    every core: measured on 2, they scale by 2/cores. The other stages run one process per partition:
    on `cores` cores, `cores` partition runs at once, so a stage takes max(sum over partitions / cores,
    its largest partition). The card is one run whatever the size."""
    measured_cores = 2
    hours = {}
    for name, stage in big["stages"].items():
        if name == "wikidata":
            units = (mid["rows"]["wikidata_entities"], big["rows"]["wikidata_entities"], FULL["wikidata"])
        full = []
        for key, seconds in stage["by_partition"].items():
            before = mid["stages"][name]["by_partition"][key]
            if name != "wikidata":
                lang = "zh" if "zh" in key.split("|") else "en"
                units = (mid["n"], big["n"], FULL[lang])
            marginal = max(0.0, (seconds - before) / (units[1] - units[0]))
            full.append(seconds + marginal * (units[2] - units[1]))
        if name in ("wikidata", "articles", "paragraphs"):
            total = sum(full) * measured_cores / cores
        elif name == "dataset_card":
            total = stage["seconds"]
        else:
            total = max(sum(full) / cores, max(full))
        hours[name] = total / 3600
    return hours


def print_table(results: list[dict]) -> None:
    """The measured table (markdown): seconds and peak MB per stage and size, the two ratios, rows."""
    sizes = [r["n"] for r in results]
    mid, big = results[-2], results[-1]
    factor = big["n"] / mid["n"]
    head = " | ".join(f"s {n:,}" for n in sizes) + " | " + " | ".join(f"MB {n:,}" for n in sizes)
    print(f"| stage | {head} | time ratio | RSS ratio | rows {sizes[-1]:,} |")
    print("|---" * (4 + 2 * len(sizes)) + "|")
    for name, _, _, table in STAGES:
        secs = " | ".join(f"{r['stages'][name]['seconds']:.1f}" for r in results)
        mbs = " | ".join(f"{r['stages'][name]['peak_mb']:.0f}" for r in results)
        t_ratio = big["stages"][name]["seconds"] / mid["stages"][name]["seconds"] / factor
        m_ratio = big["stages"][name]["peak_mb"] / mid["stages"][name]["peak_mb"]
        rows = f"{big['rows'][table]:,}" if table else ""
        print(f"| {name} | {secs} | {mbs} | {t_ratio:.2f} | {m_ratio:.2f} | {rows} |")
    totals = " | ".join(f"{sum(s['seconds'] for s in r['stages'].values()):.1f}" for r in results)
    print(f"| total | {totals} |" + " |" * (len(sizes) + 3))


def gates(results: list[dict]) -> dict:
    """The figures and gates of the two largest sizes of `results` (as `run_size` returns them)."""
    mid, big = results[-2], results[-1]
    factor = big["n"] / mid["n"]
    total = [sum(s["seconds"] for s in r["stages"].values()) for r in (mid, big)]
    cpu = [sum(s["cpu_s"] for s in r["stages"].values()) for r in (mid, big)]
    rss = {name: big["stages"][name]["peak_mb"] / mid["stages"][name]["peak_mb"] for name in big["stages"]}
    worst = max(rss, key=rss.get)
    growth = {t: big["rows"][t] / max(1, mid["rows"][t]) for t in GROWING}
    empty = sorted({t for r in results for t, n in r["rows"].items() if n == 0 and t != "sampled_away"})
    figures = {
        "ratio": total[1] / total[0] / factor, "rss_ratio": rss[worst], "rss_worst_stage": worst, "cpu_ratio": cpu[1] / cpu[0] / factor,
        "growth": growth, "empty_tables": empty, "marginal_ratio": None,
    }
    if len(results) >= 3:  # cost per added article from the middle to the largest size over that from the smallest to the middle
        small = results[-3]
        t_small = sum(s["seconds"] for s in small["stages"].values())
        figures["marginal_ratio"] = ((total[1] - total[0]) / (big["n"] - mid["n"])) / max(1e-9, (total[0] - t_small) / (mid["n"] - small["n"]))
    figures["linear"] = figures["ratio"] <= TIME_GATE
    figures["flat"] = figures["rss_ratio"] <= RSS_GATE
    figures["grows"] = not empty and all(0.875 * factor <= g <= 1.125 * factor for g in growth.values())
    figures["gate"] = figures["linear"] and figures["flat"] and figures["grows"]
    return figures


def main() -> bool:
    sizes = tuple(int(x) for x in os.environ.get("GRAPH_SCALING_SIZES", ",".join(map(str, SIZES))).split(","))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-graph-scaling-") as tmp:
        results = [run_size(n, Path(tmp) / str(n)) for n in sizes]
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    (out / f"graph-scaling-{'-'.join(map(str, sizes))}.json").write_text(json.dumps(results, indent=1))
    g = gates(results)
    big = results[-1]
    print_table(results)
    for cores in (2, 16):
        hours = projection(results[-2], results[-1], cores)
        parts = ", ".join(f"{k} {v:.2f}" for k, v in hours.items())
        print(f"projection, full dumps (EN {FULL['en']:,} + ZH {FULL['zh']:,} articles, Wikidata {FULL['wikidata']:,} entities), "
              f"{cores} cores: {sum(hours.values()):.1f} h ({parts})")
    report(
        "graph-scaling", g["ratio"], g["gate"], rss_ratio=g["rss_ratio"], rss_worst_stage=g["rss_worst_stage"], cpu_ratio=g["cpu_ratio"],
        marginal_ratio=g["marginal_ratio"] if g["marginal_ratio"] is not None else "n/a",
        linear=g["linear"], flat=g["flat"], grows=g["grows"], sizes="/".join(map(str, sizes)),
        seconds=",".join(f"{sum(s['seconds'] for s in r['stages'].values()):.0f}" for r in results),
        growth=",".join(f"{t}:{v:.2f}" for t, v in g["growth"].items()), kept_triples=big["rows"]["kept_triples"],
        sampled_away=big["rows"]["sampled_away"], bench_seconds=time.perf_counter() - started, machine=machine(),
    )
    return g["gate"]


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--stage":
        print(json.dumps(run_stage(sys.argv[2], Path(sys.argv[3]))))
        raise SystemExit(0)
    raise SystemExit(0 if main() else 1)
