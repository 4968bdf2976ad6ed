"""instructie: headless runs of the asset graph, and the demo on the sample corpus."""

from __future__ import annotations

import argparse
import os
import sys

from instructie_assets.paths import SAMPLE_GOLD, SAMPLE_WIKIDATA, SAMPLE_WIKIPEDIA


def _print_summary(rows: list[dict]) -> None:
    print(f"{'language':8} {'theme':22} {'paragraphs':>10} {'kept':>6}  dropped by reason")
    for r in rows:
        dropped = ", ".join(f"{k}={v}" for k, v in sorted(r["dropped"].items())) or "-"
        print(f"{r['language']:8} {r['theme']:22} {r['paragraphs']:>10} {r['kept']:>6}  {dropped}")


def _ingest(args: argparse.Namespace) -> int:
    import os

    from instructie_assets.partitions import parse_shard

    try:
        _, n = parse_shard(args.shard)
    except ValueError as exc:
        print(f"instructie: {exc}", file=sys.stderr)
        return 2
    os.environ["INSTRUCTIE_WIKIDATA_SHARDS"] = str(n)  # before the definitions are imported
    from instructie_assets.runner import BuildError, BuildOptions, ingest_wikidata_shard

    from instructie_assets.core.run_locks import LockHeldError

    options = BuildOptions(wikipedia=[], wikidata=args.wikidata, db=args.db, out_dir=os.devnull, tolerant=args.tolerant, workers=args.workers,
                           **_storage_options(args))
    try:
        ingest_wikidata_shard(options, args.shard)
    except LockHeldError as exc:
        print(f"instructie: {exc}", file=sys.stderr)
        return 2
    except (BuildError, FileNotFoundError, ValueError) as exc:
        print(f"instructie: ingest failed: {exc}", file=sys.stderr)
        return 1
    print(f"wikidata shard {args.shard} -> {args.db}")
    return 0


def _storage_options(args: argparse.Namespace) -> dict:
    return {"data_path": args.data_path or "", "allow_empty": getattr(args, "allow_empty", False), "wait": getattr(args, "wait", False)}


def _add_storage_arguments(parser: argparse.ArgumentParser, writes: bool = True) -> None:
    parser.add_argument("--data-path", default=os.environ.get("INSTRUCTIE_DATA_PATH", ""),
                        help="with --db postgres:<dsn>: where the Parquet files go (a directory every machine mounts, or s3://bucket/prefix/)")
    if writes:
        parser.add_argument("--wait", action="store_true", help="wait for another run writing the same partitions (default: exit 2 naming it)")
        parser.add_argument("--allow-empty", action="store_true", help="let empty results replace non-empty tables (refused by default)")


def _merge(args: argparse.Namespace) -> int:
    import duckdb

    from instructie_assets.core.duckdb_tables import merge_shard_databases
    from instructie_assets.core.lake import StorageError, lake_cursor, lake_location
    from instructie_assets.core.wikidata import TABLE_SCHEMAS

    try:
        conn = lake_cursor(lake_location(args.db, args.data_path))
    except (StorageError, ValueError) as exc:
        print(f"instructie: merge failed: {exc}", file=sys.stderr)
        return 1
    try:
        copied = merge_shard_databases(conn, args.shard_dbs, list(TABLE_SCHEMAS))
    except (duckdb.Error, StorageError, OSError) as exc:
        print(f"instructie: merge failed: {exc}", file=sys.stderr)
        return 1
    finally:
        conn.close()
    print(", ".join(f"{k}={v}" for k, v in copied.items()))
    return 0


def _sql(args: argparse.Namespace) -> int:
    import duckdb

    from instructie_assets.core.lake import StorageError, lake_cursor, lake_location

    try:
        conn = lake_cursor(lake_location(args.db, args.data_path))
        for statement in args.statements:
            relation = conn.sql(statement)
            if relation is not None:
                relation.show(max_rows=args.max_rows, max_width=10_000)
    except (duckdb.Error, StorageError, ValueError) as exc:
        print(f"instructie: sql failed: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    return 0


def _train(args: argparse.Namespace) -> int:
    import json
    import os

    from instructie_assets.runner import BuildError, BuildOptions, train_theme_classifier

    options = BuildOptions(wikipedia=[], wikidata=os.devnull, db=args.db, out_dir=os.devnull)
    try:
        metrics = train_theme_classifier(options, args.base_model, args.model_dir, args.data_dir, args.size, args.epochs, args.device)
    except BuildError as exc:
        print(f"instructie: training failed: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(metrics, ensure_ascii=False, indent=1, default=str))
    return 0


def _print_checks(checks) -> None:
    failed = [c for c in checks if not c.passed]
    print(f"asset checks: {len(checks) - len(failed)} passed, {len(failed)} warnings")
    grouped: dict[tuple[str, str], list[str]] = {}
    for c in failed:  # the same warning on many partitions prints once
        detail = c.metadata.get("nli") if c.check == "nli_applied" else str(c.metadata)
        grouped.setdefault((c.check, str(detail)), []).append(c.partition)
    for (check, detail), partitions in grouped.items():
        where = partitions[0] if len(partitions) == 1 else f"{len(partitions)} partitions"
        print(f"  WARN {check} ({where}): {detail}")
    f1 = [c for c in checks if c.check == "gold_f1" and "f1" in c.metadata]
    if f1:
        tp = sum(c.metadata["f1"] * c.metadata["gold_triples"] for c in f1) / max(1, sum(c.metadata["gold_triples"] for c in f1))
        print(f"gold F1 (gold-weighted mean over {len(f1)} partitions): {tp:.3f}")


def _evaluate(args: argparse.Namespace) -> int:
    import json

    from instructie_assets.core.evaluation import EvaluationError, RecordFile, evaluate, format_table, plot_error_shares

    if args.zh_chars and args.rouge == "authors":
        print("instructie: evaluate failed: --zh-chars applies to --rouge rouge-score only (the authors' ROUGE uses jieba words)", file=sys.stderr)
        return 2
    try:
        gold = RecordFile.read(args.gold)
        pred = RecordFile.read(args.pred)
        report = evaluate(gold, pred, zh_chars=args.zh_chars, match=args.match, rouge=args.rouge, strict=args.strict, language=args.language)
    except (OSError, EvaluationError) as exc:
        print(f"instructie: evaluate failed: {exc}", file=sys.stderr)
        return 1
    for warning in report.warnings():
        print(f"instructie: warning: {warning}", file=sys.stderr)
    if args.plot:
        plot_error_shares(report, args.plot)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_table(report, by_theme=args.by == "theme"))
        if args.plot:
            print(f"plot: {args.plot}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="instructie", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="run the whole graph on the given dumps")
    b.add_argument("--wikipedia", action="append", required=True, help="a Wikipedia dump: a MediaWiki XML export (.xml, .xml.bz2) or a Wikimedia Enterprise HTML dump (.json.tar.gz), told apart by content; repeatable")
    b.add_argument("--wikidata", required=True, help="the Wikidata JSON dump (.json, .json.gz, .json.bz2)")
    b.add_argument("--db", required=True, help="the database: a directory (a DuckLake: catalog.sqlite + Parquet files) or postgres:<dsn>")
    b.add_argument("--out", required=True, help="the export directory")
    b.add_argument("--theme", action="append", help="only these themes (repeatable)")
    b.add_argument("--language", action="append", help="only these languages (repeatable)")
    b.add_argument("--tolerant", action="store_true", help="skip malformed Wikidata lines and report them")
    b.add_argument("--workers", type=int, default=0, help="dump-decoding processes (default: one per core)")
    b.add_argument("--skip-wikidata", action="store_true", help="keep the Wikidata tables already in --db (ingested or merged)")
    b.add_argument("--stop-after", choices=["dumps"], default="", help="dumps: stop after the Wikidata and Wikipedia readers")
    b.add_argument("--nli-model", help="NLI filter model: hub id or local directory (default: the mDeBERTa-v3 XNLI model), "
                   "`lexical-overlap` (deterministic stand-in) or `none`")
    b.add_argument("--ner-model", help="optional NER model for extra mentions: hub id or local directory (default: none)")
    b.add_argument("--theme-model", help="theme classifier: hub id or local directory (default: none, themes from Wikidata only)")
    b.add_argument("--theme-mode", default="fallback", choices=["fallback", "override", "per_paragraph"],
                   help="fallback: articles whose item gives no theme; override: every article; per_paragraph: each paragraph")
    b.add_argument("--gold", action="append", default=[], help="gold InstructIE records (.jsonl) the asset checks score against; repeatable")
    _add_storage_arguments(b)
    i = sub.add_parser("ingest-wikidata", help="ingest one shard of the Wikidata dump (the unit of work of one machine)")
    i.add_argument("--wikidata", required=True)
    i.add_argument("--db", required=True, help="the database this shard writes (its own directory, or the shared postgres:<dsn>)")
    i.add_argument("--shard", default="0-of-1", help="K-of-N: entity lines whose ordinal is K modulo N (default 0-of-1)")
    i.add_argument("--workers", type=int, default=0)
    i.add_argument("--tolerant", action="store_true")
    _add_storage_arguments(i)
    m = sub.add_parser("merge-shards", help="copy the Wikidata tables of shard databases into one database")
    m.add_argument("--db", required=True, help="the database to merge into (then: build --skip-wikidata --db it)")
    m.add_argument("shard_dbs", nargs="+", help="the shards' databases (directories)")
    _add_storage_arguments(m, writes=False)
    q = sub.add_parser("sql", help="run SQL on the database's tables (main.<table>; snapshots: ducklake_snapshots('lake'))")
    q.add_argument("--db", default="data/instructie", help="the database (a directory, or postgres:<dsn>)")
    q.add_argument("--max-rows", type=int, default=40)
    q.add_argument("statements", nargs="+", metavar="SQL")
    _add_storage_arguments(q, writes=False)
    t = sub.add_parser("train-theme-classifier", help="fine-tune the theme classifier on KG-labelled paragraphs of a built database")
    t.add_argument("--db", required=True, help="a database built by `instructie build` or `demo`")
    t.add_argument("--base-model", default="distilbert-base-multilingual-cased", help="hub id or local directory of a small multilingual encoder")
    t.add_argument("--model-dir", default="data/models/theme-classifier", help="where the classifier is saved (then: build --theme-model DIR)")
    t.add_argument("--data-dir", default="data/theme_classifier", help="where train.jsonl / valid.jsonl are written")
    t.add_argument("--size", type=int, default=5000)
    t.add_argument("--epochs", type=int, default=3)
    t.add_argument("--device", default="auto")
    d = sub.add_parser("demo", help="build the bundled sample corpus and print a summary")
    d.add_argument("--db", default="data/instructie")
    d.add_argument("--out", default="data/exports")
    d.add_argument("--nli-model", help="as for build; the sample ships no weights, so by default NLI is reported as not applied")
    _add_storage_arguments(d)
    e = sub.add_parser("evaluate", help="score predictions against gold: micro-F1, ROUGE-2, Score, error types")
    e.add_argument("--gold", required=True, help="gold (.jsonl): InstructIE records (`relation`), IEPile records (`label`), "
                   "or instruction records whose `output` is the answer (DeepKE kg2instruction)")
    e.add_argument("--pred", required=True, help="predictions (.jsonl): records with `output` in any format read, or InstructIE records")
    e.add_argument("--by", choices=["theme"], help="also break the figures down by theme (the gold record's cate, else source)")
    e.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    e.add_argument("--plot", metavar="FILE.png", help="draw the error-type shares per theme to this PNG")
    e.add_argument("--zh-chars", action="store_true", help="ROUGE-2 on Chinese characters instead of jieba words (--rouge rouge-score)")
    e.add_argument("--strict", action="store_true", help="a record that pairs with none of the other file is an error, not a warning")
    e.add_argument("--match", choices=["normalized", "authors", "authors-list"], default="normalized",
                   help="normalized (default): NFKC/whitespace-normalised triples, missing records count; authors: as DeepKE "
                   "kg2instruction/evaluate.py (exact, case-sensitive sets; recall ignores gold records without prediction); "
                   "authors-list: as ie2instruction/eval_func.py (as authors, duplicates count)")
    e.add_argument("--rouge", choices=["rouge-score", "authors"], default="rouge-score",
                   help="rouge-score (default): rouge-score's ROUGE-2; authors: the authors' ROUGE-2 (unique bigrams; "
                   "EN lower-cased, ASCII punctuation and articles removed; ZH jieba words, punctuation kept)")
    e.add_argument("--language", choices=["en", "zh"], help="the language of every record (default: detected per record from its text)")
    args = parser.parse_args(argv)

    if args.command == "evaluate":
        return _evaluate(args)
    if args.command == "ingest-wikidata":
        return _ingest(args)
    if args.command == "merge-shards":
        return _merge(args)
    if args.command == "sql":
        return _sql(args)
    if args.command == "train-theme-classifier":
        return _train(args)

    from instructie_assets.core.lake import StorageError
    from instructie_assets.core.run_locks import LockHeldError
    from instructie_assets.runner import BuildError, BuildOptions, build, summary, theme_changes

    if args.command == "demo":
        options = BuildOptions(wikipedia=SAMPLE_WIKIPEDIA, wikidata=SAMPLE_WIKIDATA, db=args.db, out_dir=args.out, gold=[str(p) for p in SAMPLE_GOLD.values()], nli_model=args.nli_model,
                               **_storage_options(args))
    else:
        options = BuildOptions(wikipedia=args.wikipedia, wikidata=args.wikidata, db=args.db, out_dir=args.out, tolerant=args.tolerant, gold=args.gold, nli_model=args.nli_model, ner_model=args.ner_model,
                               workers=args.workers, skip_wikidata=args.skip_wikidata, theme_model=args.theme_model, theme_mode=args.theme_mode,
                               stop_after=args.stop_after, **_storage_options(args))
        if args.theme:
            options.themes = args.theme
        if args.language:
            options.languages = args.language
    try:
        for line in theme_changes(options):
            print(f"instructie: {line}", file=sys.stderr)
        checks = build(options)
    except LockHeldError as exc:
        print(f"instructie: {exc}", file=sys.stderr)
        return 2
    except (BuildError, StorageError, FileNotFoundError, ValueError) as exc:
        print(f"instructie: build failed: {exc}", file=sys.stderr)
        return 1
    if options.stop_after:
        print(f"stopped after {options.stop_after}: {options.db}")
        return 0
    _print_summary(summary(options.db, options.data_path))
    _print_checks(checks)
    print(f"exports: {options.out_dir}/<language>/<theme>/<split>.jsonl")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
