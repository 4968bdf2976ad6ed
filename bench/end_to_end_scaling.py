"""BENCH end-to-end-scaling: the whole graph on the sample corpus replicated 1x and 8x.

Copy k of the corpus has its own QIDs (+k*10^9), page ids (+k*10^6) and titles (" (k)"), with links
and sitelinks rewritten to match, so every copy is a distinct set of articles and items (labels and
texts stay the same, as they would for namesakes). Each run is `instructie ingest-wikidata` then
`instructie build --skip-wikidata --stop-after dumps` (the streamed stages: Wikidata and Wikipedia
readers) and `instructie build --skip-wikidata` (everything), each in its own process.

ratio = 8 / (time 8x / time 1x): 1.0 is linear, above 1 means fixed costs (Dagster runs, imports)
dominate at this size. Gate: peak memory (max RSS) of the streamed stages at 8x <= 1.5x that at 1x,
and the 8x run really holds 8x the paragraphs.
"""

from __future__ import annotations

import gzip
import bz2
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import machine, report
from bench.generate import _page_xml, siteinfo
from instructie_assets.core.wikitext import iter_pages, normalize_title
from instructie_assets.paths import SAMPLE_WIKIDATA, SAMPLE_WIKIPEDIA

QID_STRING = re.compile(r'"Q(\d+)"')
QID_URL = re.compile(r"entity/Q(\d+)\"")
NUMERIC_ID = re.compile(r'"numeric-id":(\d+)')
LINK = re.compile(r"\[\[([^\]\[|#]+)(#[^\]\[|]*)?(\|[^\]\[]*)?\]\]")


def _suffix(title: str, k: int) -> str:
    return title if k == 0 else f"{title} ({k})"


def replicate_wikidata(out: Path, copies: int) -> Path:
    """Items with a sitelink (the articles' subjects and linked entities) are copied per k; classes,
    units and other items without one are shared, so types and themes resolve as in the sample."""
    lines = [line.rstrip(b",\n") for line in gzip.open(SAMPLE_WIKIDATA) if line.strip() not in (b"[", b"]")]
    entities = [json.loads(line) for line in lines]
    copied = {e["id"] for e in entities if e.get("sitelinks")}
    with gzip.open(out, "wb") as fh:
        fh.write(b"[\n")
        first = True
        for k in range(copies):
            shift = k * 10**9

            def move(qid: str) -> str:
                return f"Q{int(qid[1:]) + shift}" if f"Q{qid[1:]}" in copied else qid

            for raw, original in zip(lines, entities):
                if k and original["id"] not in copied:
                    continue
                text = raw.decode("utf-8")
                text = QID_STRING.sub(lambda m: f'"{move("Q" + m.group(1))}"', text)
                text = QID_URL.sub(lambda m: f'entity/{move("Q" + m.group(1))}"', text)
                text = NUMERIC_ID.sub(lambda m: f'"numeric-id":{move("Q" + m.group(1))[1:]}', text)
                entity = json.loads(text)
                for site in (entity.get("sitelinks") or {}).values():
                    site["title"] = _suffix(site["title"], k)
                fh.write((b"" if first else b",\n") + json.dumps(entity, ensure_ascii=False).encode("utf-8"))
                first = False
        fh.write(b"\n]\n")
    return out


def replicate_wikipedia(source: str, out: Path, copies: int) -> Path:
    pages = list(iter_pages(source))
    titles = {p.title for p in pages}
    language = Path(source).name[:2]

    def relink(text: str, k: int) -> str:
        def sub(m: re.Match) -> str:
            target = normalize_title(m.group(1))
            if target not in titles:
                return m.group(0)
            display = m.group(3) or "|" + m.group(1)
            return f"[[{_suffix(target, k)}{m.group(2) or ''}{display}]]"
        return LINK.sub(sub, text) if k else text

    with bz2.open(out, "wb") as fh:
        fh.write(siteinfo(language).encode("utf-8"))
        for k in range(copies):
            for p in pages:
                redirect = _suffix(p.redirect, k) if p.redirect else None
                fh.write(_page_xml(p.page_id + k * 10**6, _suffix(p.title, k), relink(p.text, k), redirect).encode("utf-8"))
        fh.write(b"</mediawiki>\n")
    return out


# Linux keeps a process's peak RSS across exec, and a child forked from this (large) process starts
# with our pages counted: the command runs under a small launcher, whose own child is measured.
LAUNCHER = ("import os, subprocess, sys\n"
            "p = subprocess.Popen(sys.argv[1:])\n"
            "_, status, usage = os.wait4(p.pid, 0)\n"
            "print(usage.ru_maxrss)\n"
            "sys.exit(os.waitstatus_to_exitcode(status))\n")


def _timed(cmd: list[str], env: dict) -> tuple[float, int]:
    """(seconds, peak RSS in MB) of a command."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-S", "-c", LAUNCHER, *cmd], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr[-2000:]}")
    return elapsed, int(proc.stdout.strip().splitlines()[-1]) // 1024


def run(copies: int, root: Path) -> dict:
    root.mkdir(parents=True, exist_ok=True)
    wikidata = replicate_wikidata(root / "wikidata.json.gz", copies)
    wikipedia = [replicate_wikipedia(p, root / Path(p).name, copies) for p in SAMPLE_WIKIPEDIA]
    cli = [sys.executable, "-m", "instructie_assets.cli"]
    db, out = str(root / "lake"), str(root / "exports")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    pages = ["--wikipedia", str(wikipedia[0]), "--wikipedia", str(wikipedia[1])]
    t_ingest, m_ingest = _timed([*cli, "ingest-wikidata", "--wikidata", str(wikidata), "--db", db], env)
    t_dumps, m_dumps = _timed([*cli, "build", *pages, "--wikidata", str(wikidata), "--db", db, "--out", out, "--skip-wikidata",
                              "--stop-after", "dumps", "--nli-model", "none"], env)
    t_all, m_all = _timed([*cli, "build", *pages, "--wikidata", str(wikidata), "--db", db, "--out", out, "--skip-wikidata",
                           "--nli-model", "none"], env)
    from instructie_assets.storage.lake import lake_cursor, lake_location

    with lake_cursor(lake_location(db)) as con:
        (paragraphs,) = con.execute("SELECT count(*) FROM main.paragraphs").fetchone()
        (kept,) = con.execute("SELECT count(*) FROM main.filtered_triples WHERE drop_reason IS NULL").fetchone()
    return {"seconds": t_ingest + t_all, "streamed_peak_mb": max(m_ingest, m_dumps), "build_peak_mb": m_all,
            "paragraphs": paragraphs, "kept": kept}


def main() -> bool:
    with tempfile.TemporaryDirectory(prefix="bench-scaling-") as tmp:
        one = run(1, Path(tmp) / "x1")
        eight = run(8, Path(tmp) / "x8")
    ratio = 8 / (eight["seconds"] / one["seconds"])
    gate = eight["streamed_peak_mb"] <= 1.5 * one["streamed_peak_mb"] and eight["paragraphs"] == 8 * one["paragraphs"]
    report(
        "end-to-end-scaling", ratio, gate, seconds_1x=one["seconds"], seconds_8x=eight["seconds"],
        streamed_peak_mb_1x=one["streamed_peak_mb"], streamed_peak_mb_8x=eight["streamed_peak_mb"],
        build_peak_mb_1x=one["build_peak_mb"], build_peak_mb_8x=eight["build_peak_mb"],
        paragraphs_1x=one["paragraphs"], paragraphs_8x=eight["paragraphs"], kept_triples_1x=one["kept"], kept_triples_8x=eight["kept"],
        machine=machine(),
    )
    return gate


if __name__ == "__main__":
    raise SystemExit(0 if main() else 1)
