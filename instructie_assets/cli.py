"""instructie: headless runs of the asset graph, and the demo on the sample corpus."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import time
import traceback

from instructie_assets.paths import RESOURCE_DIR, SAMPLE_GOLD, SAMPLE_WIKIDATA, SAMPLE_WIKIPEDIA, SCHEMA_DIR

DEFAULT_DAGSTER_HOME = ".dagster_home"  # beside data/: `make demo` and `make dev` share this instance


def _usage_errors(problems) -> int:
    """Every problem of the command line, one line each; exit 2 (nothing was run)."""
    for problem in problems:
        print(f"instructie: {problem}", file=sys.stderr)
    return 2


def _dagster_home() -> str:
    """The Dagster instance runs are recorded in: $DAGSTER_HOME, else ./.dagster_home (what `make dev` opens)."""
    home = os.path.abspath(os.environ.get("DAGSTER_HOME") or DEFAULT_DAGSTER_HOME)
    os.makedirs(home, exist_ok=True)
    if not os.path.exists(os.path.join(home, "dagster.yaml")):
        shutil.copyfile(RESOURCE_DIR / "dagster.yaml", os.path.join(home, "dagster.yaml"))
    os.environ["DAGSTER_HOME"] = home
    return home


def _one_line(error: str) -> str:
    """The first line of an error, module paths cut (`duckdb.duckdb.IOException` -> `IOException`) and
    our own error classes dropped (their message names the file and position already)."""
    first = error.strip().splitlines()[0] if error.strip() else "unknown error"
    first = re.sub(r"\b(?:[a-z_]\w*\.)+([A-Z]\w*: )", r"\1", first)
    return re.sub(r"\b(?:DumpFormatError|SchemaError|ModelLoadError): ", "", first)


def _log_root(db: str) -> str:
    """The directory whose logs/ holds a command's log files: the one holding the lake (data/logs for
    data/instructie); the current one for a PostgreSQL catalog."""
    if db.startswith("postgres:"):
        return os.getcwd()
    return os.path.dirname(os.path.abspath(db))


def _logged(command: str, db: str, work, verbose: bool = False):
    """Run `work()` with Dagster's runs recorded in the project's instance; their events go to
    `<log dir>/<command>-<time>.log`. Returns (result, exit code: 0, 1 failed, 2 another run holds the
    locks; log path, warnings)."""
    from instructie_assets.storage.run_locks import LockHeldError
    from instructie_assets.run_log import log_path, write_run_log
    from instructie_assets.runner import BuildError

    _dagster_home()
    started = time.time()
    log = log_path(_log_root(db), command, started)
    result, error, detail, code = None, None, "", 1
    try:
        result = work()
        code = 0
    except LockHeldError as exc:  # nothing was run: say who holds the partitions, exit 2 as for a usage error
        print(f"instructie: {exc}", file=sys.stderr)
        return None, 2, log, []
    except KeyboardInterrupt:
        error = "interrupted"
    except BuildError as exc:
        error = str(exc).strip()
    except Exception as exc:  # anything else (a library, the disk): one line here, the traceback in the log
        error = f"{type(exc).__name__}: {str(exc).strip()}"
        detail = traceback.format_exc()
    warnings = []
    try:
        warnings = write_run_log(log, started, preamble=f"instructie {command} ({' '.join(sys.argv[1:])})\n{detail}")
    except Exception as exc:  # the log is a convenience: never hide the run's own outcome behind it
        print(f"instructie: could not write the log {log}: {exc}", file=sys.stderr)
    if error:
        print(f"instructie: {command} failed: {_one_line(error)}", file=sys.stderr)
        print(f"instructie: full log: {log}" + ("" if verbose else " (or run again with --verbose)"), file=sys.stderr)
    return result, code, log, warnings


def _print_summary(rows: list[dict]) -> None:
    print(f"{'language':8} {'theme':22} {'paragraphs':>10} {'kept':>6}  dropped by reason")
    for r in rows:
        dropped = ", ".join(f"{k}={v}" for k, v in sorted(r["dropped"].items())) or "-"
        print(f"{r['language']:8} {r['theme']:22} {r['paragraphs']:>10} {r['kept']:>6}  {dropped}")


def _ingest(args: argparse.Namespace) -> int:
    from instructie_assets.preflight import Problem, check_database_target, check_lake, check_wikidata_dump
    from instructie_assets.partitions import parse_shard

    problems = [p for p in (check_wikidata_dump(args.wikidata), check_database_target(args.db, data_path=args.data_path)) if p]
    try:
        parse_shard(args.shard)
    except ValueError as exc:
        problems.append(Problem("--shard", str(exc)))
    if args.workers < 0:
        problems.append(Problem("--workers", f"{args.workers}: must be 0 (one per core) or more"))
    if not problems:
        problems = check_lake(args.db, args.data_path)
    if problems:
        return _usage_errors(problems)
    from instructie_assets.runner import BuildOptions, ingest_wikidata_shard

    options = BuildOptions(wikipedia=[], wikidata=args.wikidata, db=args.db, out_dir=os.devnull, tolerant=args.tolerant, workers=args.workers,
                           log_level=_log_level(args), **_storage_options(args))
    _, code, log, _ = _logged("ingest-wikidata", args.db, lambda: ingest_wikidata_shard(options, args.shard), args.verbose)
    if code:
        return code
    print(f"wikidata shard {args.shard} -> {args.db}")
    print(f"log: {log}")
    return 0


def _log_level(args: argparse.Namespace) -> str:
    return "INFO" if getattr(args, "verbose", False) else "CRITICAL"


def _storage_options(args: argparse.Namespace) -> dict:
    options = {"data_path": args.data_path or "", "allow_empty": getattr(args, "allow_empty", False), "wait": getattr(args, "wait", False)}
    if getattr(args, "batch_rows", None):
        options["batch_rows"] = args.batch_rows
    return options


def _add_storage_arguments(parser: argparse.ArgumentParser, writes: bool = True) -> None:
    parser.add_argument("--data-path", default=os.environ.get("INSTRUCTIE_DATA_PATH", ""),
                        help="with --db postgres:<dsn>: where the Parquet files go, a directory every machine mounts or s3://bucket/prefix/ "
                        "(default: $INSTRUCTIE_DATA_PATH; an embedded lake keeps them in <db>/data/)")
    if writes:
        parser.add_argument("--batch-rows", type=int, default=int(os.environ.get("INSTRUCTIE_BATCH_ROWS", "0")) or None,
                            help="rows per batch of the stages after paragraphs: their peak memory is one batch, whatever the partition "
                                 "(default 2000; env INSTRUCTIE_BATCH_ROWS; see the README's Memory section)")
        parser.add_argument("--wait", action="store_true",
                            help="wait for another run writing the same partitions (default: exit 2 at once, naming that run)")
        parser.add_argument("--allow-empty", action="store_true",
                            help="let empty results replace non-empty tables (default: refused, the old rows stay)")


def _merge(args: argparse.Namespace) -> int:
    import duckdb

    from instructie_assets.preflight import Problem, check_database_target, check_lake

    problems = [Problem("shard database", f"{p}: no such database (a directory written by ingest-wikidata --db)")
                for p in args.shard_dbs if not (os.path.isfile(os.path.join(p, "catalog.sqlite")) or os.path.isfile(p))]
    if (problem := check_database_target(args.db, data_path=args.data_path)) is not None:
        problems.append(problem)
    if not problems:
        problems = check_lake(args.db, args.data_path)
    if problems:
        return _usage_errors(problems)

    from instructie_assets.storage.duckdb_tables import merge_shard_databases
    from instructie_assets.storage.lake import StorageError, lake_cursor, lake_location
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

    from instructie_assets.storage.lake import StorageError, lake_cursor, lake_location
    from instructie_assets.preflight import check_database_target

    if (problem := check_database_target(args.db, must_exist=True, data_path=args.data_path)) is not None:
        return _usage_errors([problem])
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

    from instructie_assets.preflight import Problem, check_database_target, check_lake, check_model_option, check_writable_dir

    problems = [p for p in (check_database_target(args.db, must_exist=True, data_path=args.data_path), check_model_option(args.base_model, "--base-model"),
                            check_writable_dir(args.model_dir, "--model-dir"), check_writable_dir(args.data_dir, "--data-dir")) if p]
    problems += [Problem(f"--{name}", f"{value}: must be at least 1") for name, value in (("size", args.size), ("epochs", args.epochs)) if value < 1]
    if not problems:
        problems = check_lake(args.db, args.data_path, needs_table="paragraphs")
    if problems:
        return _usage_errors(problems)
    from instructie_assets.runner import BuildOptions, train_theme_classifier

    options = BuildOptions(wikipedia=[], wikidata=os.devnull, db=args.db, out_dir=os.devnull, log_level=_log_level(args), data_path=args.data_path)
    metrics, code, log, _ = _logged(
        "train-theme-classifier", args.db,
        lambda: train_theme_classifier(options, args.base_model, args.model_dir, args.data_dir, args.size, args.epochs, args.device), args.verbose)
    if code:
        return code
    print(json.dumps(metrics, ensure_ascii=False, indent=1, default=str))
    print(f"log: {log}")
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
        if check == "nli_applied" and "cannot load model" in detail:
            print("  (the NLI filter did not run: `instructie doctor` says how to get the model; "
                  "`--nli-model lexical-overlap` shows the filter with a deterministic stand-in)")
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


def _build(args: argparse.Namespace) -> int:
    """`build` and `demo`: check the whole command line first (exit 2, nothing run), then build."""
    from instructie_assets.preflight import Problem, check_build, check_lake, check_model_option

    demo = args.command == "demo"
    wikipedia = list(SAMPLE_WIKIPEDIA) if demo else args.wikipedia
    wikidata = SAMPLE_WIKIDATA if demo else args.wikidata
    gold = [str(p) for p in SAMPLE_GOLD.values()] if demo else args.gold
    plan = check_build(wikipedia, wikidata, args.db, args.out, SCHEMA_DIR, RESOURCE_DIR, themes=getattr(args, "theme", None),
                       languages=getattr(args, "language", None), skip_wikidata=getattr(args, "skip_wikidata", False), gold=gold,
                       data_path=args.data_path)
    if getattr(args, "workers", 0) < 0:
        plan.problems.append(Problem("--workers", f"{args.workers}: must be 0 (one per core) or more"))
    for option in ("nli_model", "ner_model", "theme_model"):
        value = getattr(args, option, None) or os.environ.get(f"INSTRUCTIE_{option.upper()}")
        if (problem := check_model_option(value, "--" + option.replace("_", "-"))) is not None:
            plan.problems.append(problem)
    if not plan.problems:  # last: it creates an embedded lake, so only once the command line is right
        plan.problems = check_lake(args.db, args.data_path, needs_table="wikidata_labels" if getattr(args, "skip_wikidata", False) else "")
    if plan.problems:
        return _usage_errors(plan.problems)

    from instructie_assets.runner import BuildOptions, build, summary, theme_changes

    options = BuildOptions(wikipedia=wikipedia, wikidata=wikidata, db=args.db, out_dir=args.out, gold=gold,
                           nli_model=args.nli_model or os.environ.get("INSTRUCTIE_NLI_MODEL"),
                           themes=plan.themes, languages=plan.languages, log_level=_log_level(args), **_storage_options(args))
    if not demo:
        options.tolerant, options.ner_model, options.workers = args.tolerant, args.ner_model, args.workers
        options.skip_wikidata, options.theme_model, options.theme_mode, options.stop_after = (
            args.skip_wikidata, args.theme_model, args.theme_mode, args.stop_after)

    def work():
        for line in theme_changes(options):  # a theme_schemas/ file added or removed since the last build
            print(f"instructie: {line}", file=sys.stderr)
        return build(options)

    checks, code, log, warnings = _logged(args.command, options.db, work, args.verbose)
    if code:
        return code
    if options.stop_after:
        print(f"stopped after {options.stop_after}: {options.db}")
        print(f"log: {log}")
        return 0
    built = {(t, lang) for t in options.themes for lang in options.languages}
    _print_summary([r for r in summary(options.db, options.data_path) if (r["theme"], r["language"]) in built])
    _print_checks(checks)
    _print_warnings(warnings, checks)
    out = options.out_dir
    print(f"exports:  {out}/<language>/<theme>/<split>.jsonl (and .instructions.jsonl, .parquet); dataset card: {out}/README.md")
    print(f"tables:   {options.db} (a DuckLake: paragraphs, filtered_triples with drop_reason, instruction_splits, ...; "
          f"query them with `instructie sql --db {options.db} '<SQL>'`)")
    print(f"runs:     recorded in {os.environ['DAGSTER_HOME']}; `make dev` opens them in the Dagster UI (http://127.0.0.1:3000)")
    print(f"log:      {log}")
    return 0


def _print_warnings(warnings, checks) -> None:
    """Warnings the runs logged, each once however many partitions logged it; those an asset check
    already reported are not repeated."""
    from instructie_assets.core.run_report import format_warning, group_warnings

    reported = [str(c.metadata.get("nli")) for c in checks if not c.passed and c.check == "nli_applied"]
    for message, partitions in group_warnings(warnings):
        if any(r and r in message for r in reported):
            continue
        print("  " + format_warning(message, partitions))


def _doctor(args: argparse.Namespace) -> int:
    from instructie_assets.doctor import (
        disk_needed, dump_findings, instance_finding, machine_findings, model_finding, project_finding, storage_findings,
    )
    from instructie_assets.core.nli import DEFAULT_NLI_MODEL

    wikipedia = args.wikipedia or [p for p in os.environ.get("INSTRUCTIE_WIKIPEDIA", "").split(",") if p]
    wikidata = args.wikidata or os.environ.get("INSTRUCTIE_WIKIDATA")
    sample = not wikipedia and not wikidata
    if sample:
        wikipedia, wikidata = list(SAMPLE_WIKIPEDIA), SAMPLE_WIKIDATA
    findings = machine_findings()
    findings += dump_findings(wikipedia, wikidata)
    findings += storage_findings(args.db, args.out, disk_needed(wikipedia, wikidata), args.data_path)
    findings.append(instance_finding(os.path.abspath(os.environ.get("DAGSTER_HOME") or DEFAULT_DAGSTER_HOME)))
    findings.append(project_finding(SCHEMA_DIR, RESOURCE_DIR))
    findings.append(model_finding("NLI model", args.nli_model or os.environ.get("INSTRUCTIE_NLI_MODEL", ""), DEFAULT_NLI_MODEL))
    findings.append(model_finding("NER model", args.ner_model or os.environ.get("INSTRUCTIE_NER_MODEL", "")))
    findings.append(model_finding("theme model", args.theme_model or os.environ.get("INSTRUCTIE_THEME_MODEL", "")))
    print(f"instructie {_version()} doctor" + (" (no dumps given: checking the bundled sample; pass --wikipedia/--wikidata)" if sample else ""))
    for f in findings:
        print(f.line())
    missing = [f for f in findings if f.status == "missing"]
    print(f"{len(missing)} missing, {sum(f.status == 'warn' for f in findings)} warnings" + ("" if missing else ": ready for a run"))
    return 1 if missing else 0


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("instructie")
    except PackageNotFoundError:
        return "unknown"


def _add_logging(p: argparse.ArgumentParser) -> None:
    p.add_argument("--verbose", action="store_true",
                   help="also print Dagster's own logs (default: they go only to a log file in logs/ beside the --db directory)")


def _add_models(p: argparse.ArgumentParser) -> None:
    p.add_argument("--nli-model", help="NLI filter model: hub id or local directory, `lexical-overlap` (deterministic stand-in) "
                   "or `none` (default: $INSTRUCTIE_NLI_MODEL, else MoritzLaurer/mDeBERTa-v3-base-mnli-xnli)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="instructie", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    b = sub.add_parser("build", help="run the whole graph on the given dumps (checks the whole command line first)")
    b.add_argument("--wikipedia", action="append", required=True,
                   help="a dump of enwiki or zhwiki: a MediaWiki XML export (.xml, .xml.bz2) or a Wikimedia Enterprise HTML dump "
                   "(.json.tar.gz), told apart by content, its language read from it; repeatable (required)")
    b.add_argument("--wikidata", required=True, help="the Wikidata JSON dump (.json, .json.gz, .json.bz2) (required)")
    b.add_argument("--db", required=True, help="the database: a directory, a DuckLake of catalog.sqlite + Parquet files created if missing "
                   "(data/instructie, say), or postgres:<dsn> with --data-path (required)")
    b.add_argument("--out", required=True, help="the export directory (required)")
    b.add_argument("--theme", action="append", help="only this theme: its key, or its `cate` name in EN or ZH (person, Person, 人物); "
                   "repeatable (default: every theme of theme_schemas/)")
    b.add_argument("--language", action="append", help="only this language: en or zh; repeatable (default: the languages of the dumps)")
    b.add_argument("--tolerant", action="store_true", help="skip malformed Wikidata lines and report them (default: fail on the first)")
    b.add_argument("--workers", type=int, default=0, help="dump-decoding processes (default: 0, one per core)")
    b.add_argument("--skip-wikidata", action="store_true", help="keep the Wikidata tables already in --db, ingested or merged (default: ingest --wikidata)")
    b.add_argument("--stop-after", choices=["dumps"], default="", help="dumps: stop after the Wikidata and Wikipedia readers (default: build everything)")
    _add_models(b)
    b.add_argument("--ner-model", help="optional NER model for extra mentions: hub id or local directory (default: none)")
    b.add_argument("--theme-model", help="theme classifier: hub id or local directory (default: none, themes from Wikidata only)")
    b.add_argument("--theme-mode", default="fallback", choices=["fallback", "override", "per_paragraph"],
                   help="fallback: articles whose item gives no theme; override: every article; per_paragraph: each paragraph (default: fallback)")
    b.add_argument("--gold", action="append", default=[], help="gold InstructIE records (.jsonl) the asset checks score against; repeatable (default: none)")
    _add_storage_arguments(b)
    _add_logging(b)
    i = sub.add_parser("ingest-wikidata", help="ingest one shard of the Wikidata dump (the unit of work of one machine)")
    i.add_argument("--wikidata", required=True, help="the Wikidata JSON dump (.json, .json.gz, .json.bz2) (required)")
    i.add_argument("--db", required=True, help="the database this shard writes: its own directory, or the shared postgres:<dsn> (required)")
    i.add_argument("--shard", default="0-of-1", help="K-of-N: entity lines whose ordinal is K modulo N (default: 0-of-1, the whole dump)")
    i.add_argument("--workers", type=int, default=0, help="decoding processes (default: 0, one per core)")
    i.add_argument("--tolerant", action="store_true", help="skip malformed entity lines and report them (default: fail on the first)")
    _add_storage_arguments(i)
    _add_logging(i)
    m = sub.add_parser("merge-shards", help="copy the Wikidata tables of shard databases into one database")
    m.add_argument("--db", required=True, help="the database to merge into (then: build --skip-wikidata --db it) (required)")
    m.add_argument("shard_dbs", nargs="+", help="the databases (directories) written by ingest-wikidata --shard")
    _add_storage_arguments(m, writes=False)
    q = sub.add_parser("sql", help="run SQL on the database's tables (main.<table>; snapshots: ducklake_snapshots('lake'))")
    q.add_argument("--db", default="data/instructie", help="the database: a directory, or postgres:<dsn> (default: data/instructie, the demo's)")
    q.add_argument("--max-rows", type=int, default=40, help="rows shown per statement (default: 40)")
    q.add_argument("statements", nargs="+", metavar="SQL", help="statements, run in order; each result is printed")
    _add_storage_arguments(q, writes=False)
    t = sub.add_parser("train-theme-classifier", help="fine-tune the theme classifier on KG-labelled paragraphs of a built database")
    t.add_argument("--db", required=True, help="a database built by `instructie build` or `demo` (required)")
    t.add_argument("--base-model", default="distilbert-base-multilingual-cased",
                   help="hub id or local directory of a small multilingual encoder (default: distilbert-base-multilingual-cased)")
    t.add_argument("--model-dir", default="data/models/theme-classifier",
                   help="where the classifier is saved; then: build --theme-model DIR (default: data/models/theme-classifier)")
    t.add_argument("--data-dir", default="data/theme_classifier", help="where train.jsonl / valid.jsonl are written (default: data/theme_classifier)")
    t.add_argument("--size", type=int, default=5000, help="labelled paragraphs to train and validate on, as the paper (default: 5000)")
    t.add_argument("--epochs", type=int, default=3, help="training epochs (default: 3)")
    t.add_argument("--device", default="auto", help="cpu, cuda, cuda:N or auto: cuda when present (default: auto)")
    _add_storage_arguments(t, writes=False)
    _add_logging(t)
    d = sub.add_parser("demo", help="build the bundled sample corpus (about 5 minutes on 2 cores) and print a summary")
    d.add_argument("--db", default="data/instructie", help="the database (a DuckLake directory) to write (default: data/instructie, what `make dev` shows)")
    d.add_argument("--out", default="data/exports", help="the export directory (default: data/exports)")
    _add_models(d)
    _add_storage_arguments(d)
    _add_logging(d)
    doc = sub.add_parser("doctor", help="what this machine has and lacks for a real run: dumps, disk, models, storage, cores")
    doc.add_argument("--wikipedia", action="append", help="a Wikipedia dump to check; repeatable (default: $INSTRUCTIE_WIKIPEDIA, else the sample)")
    doc.add_argument("--wikidata", help="the Wikidata dump to check (default: $INSTRUCTIE_WIKIDATA, else the sample)")
    doc.add_argument("--db", default="data/instructie", help="the database the run would write: a directory or postgres:<dsn> (default: data/instructie)")
    doc.add_argument("--out", default="data/exports", help="the export directory the run would write (default: data/exports)")
    _add_models(doc)
    doc.add_argument("--ner-model", help="the NER model the run would use (default: $INSTRUCTIE_NER_MODEL, else none)")
    doc.add_argument("--theme-model", help="the theme classifier the run would use (default: $INSTRUCTIE_THEME_MODEL, else none)")
    _add_storage_arguments(doc, writes=False)
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
    if args.command == "doctor":
        return _doctor(args)
    return _build(args)


if __name__ == "__main__":
    raise SystemExit(main())
