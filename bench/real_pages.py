"""BENCH real-pages: are the triples we keep stated by their paragraphs, on real pages judged by hand?

    python -m bench real-pages                       # the team's corpus (bench/real_pages_corpus/)
    python -m bench.real_pages --corpus DIR          # another corpus with the same layout
    python -m bench.real_pages --reuse-db            # score the last run's database again (after judging)
    python -m bench.real_pages --unjudged            # also print the kept triples no judgement covers
    python -m bench.real_pages --record-baseline     # write the figures as the corpus' baseline.json

It writes the corpus' dumps (cached under bench/.cache/real-pages/ by the corpus' content), runs
the whole graph through the project's normal path (`instructie build`, no NLI model, only the
themes the articles fall into), matches every in-scope `filtered_triples` row against the
corpus' judgements.jsonl and prints a table per mention source and per relation, then

    BENCH real-pages precision=<p> recall=<r> gate=<pass|fail> kept_judged=... unjudged_kept=...

precision: stated share of the kept triples that are judged; recall: kept share of the judged
candidates that are stated (judgements whose paragraph no longer exists are `stale`, and stated ones
whose triple only the schema, type or duplicate rules drop are `out_of_scope`: both counted apart).
Gate: precision >= 0.95 and recall >= 0.85 x the baseline recall recorded in the corpus
(baseline.json). Unjudged kept triples are not in either figure: they are counted and listed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from bench.common import machine
from bench.real_pages_corpus import CORPUS_DIR
from bench.real_pages_corpus.corpus import DUMP_NAMES, Corpus, CorpusError, SharedPagesMissing, build_dumps, shared_pages_dir
from bench.real_pages_corpus.judgements import Scores, judgement_template, read_candidates, read_judgements, score

CACHE = Path(__file__).resolve().parent / ".cache" / "real-pages"
MIN_PRECISION = 0.95
RECALL_SHARE = 0.85
BASELINE_NAME = "baseline.json"


def corpus_digest(corpus: Corpus) -> str:
    """A hash of everything the dumps are built from (manifest, pages, entity files)."""
    h = hashlib.sha256((corpus.root / "manifest.yaml").read_bytes())
    for ref in [p.file for p in corpus.pages] + corpus.real_entities + corpus.written_entities:
        h.update(ref.encode())
        h.update(corpus.resolve(ref).read_bytes())
    return h.hexdigest()[:16]


def _cli(args: list[str], env: dict) -> None:
    proc = subprocess.run([sys.executable, "-m", "instructie_assets.cli", *args], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"instructie {' '.join(args[:1])} failed:\n{proc.stderr[-3000:]}")


def run_pipeline(dumps: dict[str, Path], work: Path) -> Path:
    """`instructie build` on the dumps into a fresh database: the readers first, then every stage for
    the themes the articles fall into. Returns the database path."""
    from instructie_assets.storage.lake import lake_cursor, lake_location

    db = work / "lake"
    for stale in (db, work / "exports", work / ".dagster_storage"):
        if stale.is_dir():
            shutil.rmtree(stale)
        elif stale.exists():
            stale.unlink()
    # the bench's runs go to its own Dagster instance, not the project's .dagster_home (what `make dev` shows)
    env = {**os.environ, "HF_HUB_OFFLINE": os.environ.get("HF_HUB_OFFLINE", "1"), "DAGSTER_HOME": str(work / ".dagster_home")}
    wikipedia = [a for lang in DUMP_NAMES if lang in dumps for a in ("--wikipedia", str(dumps[lang]))]
    common = [*wikipedia, "--wikidata", str(dumps["wikidata"]), "--db", str(db), "--out", str(work / "exports"), "--nli-model", "none"]
    _cli(["build", *common, "--stop-after", "dumps"], env)
    con = lake_cursor(lake_location(str(db)))
    try:
        themes = sorted(t for (t,) in con.execute("SELECT DISTINCT theme FROM main.articles WHERE theme IS NOT NULL").fetchall())
    finally:
        con.close()
    if not themes:
        raise SystemExit("no article of the corpus has a theme: are the subjects' entities and their P31 classes in the dump?")
    _cli(["build", *common, "--skip-wikidata", *[a for t in themes for a in ("--theme", t)]], env)
    return db


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "-"


def tables(scores: Scores) -> str:
    """Per language, per mention source of head and tail, and per relation: kept judged, stated, precision; per
    relation also the judged-stated candidates and how many of them are kept (recall)."""
    out = []
    by_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for c, j in scores.kept_judged:
        by_lang[c.language][0] += 1
        by_lang[c.language][1] += j.label == "stated"
    kept_ids = {id(j) for j in scores.stated_kept}
    for j in scores.stated:
        by_lang[j.language][2] += 1
        by_lang[j.language][3] += id(j) in kept_ids
    out.append(f"{'language':24} {'kept':>6} {'stated':>7} {'precision':>9} {'stated cand.':>12} {'kept':>6} {'recall':>7}")
    for lang, (n, ok, cand, got) in sorted(by_lang.items()):
        out.append(f"{lang:24} {n:>6} {ok:>7} {_ratio(ok, n):>9} {cand:>12} {got:>6} {_ratio(got, cand):>7}")
    out.append("")
    by_source: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for c, j in scores.kept_judged:
        for role, src in (("head", c.head_source), ("tail", c.tail_source)):
            by_source[(role, src)][0] += 1
            by_source[(role, src)][1] += j.label == "stated"
    out.append(f"{'mention source':24} {'kept':>6} {'stated':>7} {'precision':>9}")
    for (role, src), (n, ok) in sorted(by_source.items(), key=lambda kv: (kv[0][0], -kv[1][0], kv[0][1])):
        out.append(f"{role + ':' + src:24} {n:>6} {ok:>7} {_ratio(ok, n):>9}")
    by_rel: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for c, j in scores.kept_judged:
        by_rel[(c.language, c.relation)][0] += 1
        by_rel[(c.language, c.relation)][1] += j.label == "stated"
    for j in scores.stated:
        by_rel[(j.language, j.relation)][2] += 1
        by_rel[(j.language, j.relation)][3] += id(j) in kept_ids
    out.append("")
    out.append(f"{'relation':34} {'kept':>6} {'stated':>7} {'precision':>9} {'stated cand.':>12} {'kept':>6} {'recall':>7}")
    for (lang, rel), (n, ok, cand, got) in sorted(by_rel.items(), key=lambda kv: (kv[0][0], -kv[1][0], kv[0][1])):
        out.append(f"{lang + ' ' + rel:34} {n:>6} {ok:>7} {_ratio(ok, n):>9} {cand:>12} {got:>6} {_ratio(got, cand):>7}")
    return "\n".join(out)


def figures(scores: Scores) -> dict:
    kept = len(scores.kept_judged) + len(scores.kept_unjudged)
    return {
        "precision": round(scores.precision, 4), "recall": round(scores.recall, 4),
        "kept": kept, "kept_judged": len(scores.kept_judged),
        "kept_stated": sum(j.label == "stated" for _, j in scores.kept_judged),
        "unjudged_kept": len(scores.kept_unjudged), "unjudged_dropped": len(scores.dropped_unjudged),
        "stated_candidates": len(scores.stated), "stated_kept": len(scores.stated_kept), "stale": len(scores.stale), "out_of_scope": len(scores.out_of_scope),
    }


def evaluate(db: Path, corpus: Corpus) -> Scores:
    out_of_scope: list = []
    candidates, paragraphs = read_candidates(db, out_of_scope)
    return score(candidates, read_judgements(corpus.root / "judgements.jsonl"), paragraphs, out_of_scope=out_of_scope)


def gate(fig: dict, baseline: dict | None) -> tuple[bool, str]:
    """Precision >= 0.95 and recall >= 0.85 x baseline recall; without a baseline, the recall part is unmet."""
    if baseline is None:
        return False, "no baseline.json in the corpus (record one with --record-baseline)"
    floor = RECALL_SHARE * baseline["recall"]
    ok = fig["precision"] >= MIN_PRECISION and fig["recall"] >= floor
    return ok, f"precision>={MIN_PRECISION} and recall>={floor:.3f} (0.85 x baseline {baseline['recall']})"


def main(argv: list[str] | None = None) -> bool:
    parser = argparse.ArgumentParser(prog="python -m bench.real_pages", description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default=str(CORPUS_DIR), help="a corpus directory (manifest.yaml, pages, entities, judgements.jsonl)")
    parser.add_argument("--reuse-db", action="store_true", help="score the database of the last run instead of running the pipeline")
    parser.add_argument("--unjudged", action="store_true", help="print kept triples that no judgement covers, in the judgements' layout")
    parser.add_argument("--record-baseline", action="store_true", help="write these figures to the corpus' baseline.json")
    args = parser.parse_args(argv if argv is not None else [])
    try:
        corpus = Corpus.load(args.corpus)
        if corpus.uses_shared() and shared_pages_dir() is None:
            raise SharedPagesMissing("the corpus uses the shared real pages (`shared:` files) and they are not here")
        work = CACHE / corpus_digest(corpus)
        dumps_dir = work / "dumps"
        if not (dumps_dir / "entities.json").exists():
            build_dumps(dumps_dir, corpus)
        dumps = {lang: dumps_dir / name for lang, name in DUMP_NAMES.items() if (dumps_dir / name).exists()}
        dumps["wikidata"] = dumps_dir / "wikidata-realpages.json.gz"
    except SharedPagesMissing as exc:
        print(f"BENCH real-pages precision=- recall=- gate=fail reason=shared-pages-absent: {exc}; "
              "set INSTRUCTIE_REAL_PAGES to the directory holding enwiki/, zhwiki/, wikidata/", flush=True)
        return False
    except CorpusError as exc:
        print(f"BENCH real-pages precision=- recall=- gate=fail reason=bad-corpus: {exc}", flush=True)
        return False
    db = work / "lake"
    if not (args.reuse_db and db.exists()):
        db = run_pipeline(dumps, work)
    scores = evaluate(db, corpus)
    fig = figures(scores)
    baseline_path = corpus.root / BASELINE_NAME
    if args.record_baseline:
        baseline_path.write_text(json.dumps(fig, indent=1) + "\n", encoding="utf-8")
    baseline = json.loads(baseline_path.read_text(encoding="utf-8")) if baseline_path.exists() else None
    ok, rule = gate(fig, baseline)
    print(tables(scores))
    if scores.kept_unjudged:
        share = len(scores.kept_unjudged) / max(1, fig["kept"])
        print(f"\nWARN {len(scores.kept_unjudged)} kept triples ({share:.1%}) have no judgement: they are in neither figure; "
              "list them with --unjudged (python -m bench.real_pages --reuse-db --unjudged) and judge them")
    if args.unjudged:
        for c in scores.kept_unjudged:
            print("UNJUDGED " + json.dumps(judgement_template(c), ensure_ascii=False))
    (work / "figures.json").write_text(json.dumps(fig, indent=1) + "\n", encoding="utf-8")
    extra = " ".join(f"{k}={v}" for k, v in fig.items() if k not in ("precision", "recall"))
    print(f"BENCH real-pages precision={fig['precision']:.3f} recall={fig['recall']:.3f} gate={'pass' if ok else 'fail'} "
          f"{extra} rule=\"{rule}\" machine={machine()}", flush=True)
    return ok


if __name__ == "__main__":
    raise SystemExit(0 if main(sys.argv[1:]) else 1)
