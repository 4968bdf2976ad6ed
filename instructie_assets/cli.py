"""instructie: headless runs of the asset graph, and the demo on the sample corpus."""

from __future__ import annotations

import argparse
import sys

from instructie_assets.paths import SAMPLE_WIKIDATA, SAMPLE_WIKIPEDIA


def _print_summary(rows: list[dict]) -> None:
    print(f"{'language':8} {'theme':22} {'paragraphs':>10} {'kept':>6}  dropped by reason")
    for r in rows:
        dropped = ", ".join(f"{k}={v}" for k, v in sorted(r["dropped"].items())) or "-"
        print(f"{r['language']:8} {r['theme']:22} {r['paragraphs']:>10} {r['kept']:>6}  {dropped}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="instructie", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="run the whole graph on the given dumps")
    b.add_argument("--wikipedia", action="append", required=True, help="a Wikipedia XML dump (.xml or .xml.bz2); repeatable")
    b.add_argument("--wikidata", required=True, help="the Wikidata JSON dump (.json, .json.gz, .json.bz2)")
    b.add_argument("--db", required=True, help="the DuckDB file to write")
    b.add_argument("--out", required=True, help="the export directory")
    b.add_argument("--theme", action="append", help="only these themes (repeatable)")
    b.add_argument("--language", action="append", help="only these languages (repeatable)")
    b.add_argument("--tolerant", action="store_true", help="skip malformed Wikidata lines and report them")
    d = sub.add_parser("demo", help="build the bundled sample corpus and print a summary")
    d.add_argument("--db", default="data/instructie.duckdb")
    d.add_argument("--out", default="data/exports")
    args = parser.parse_args(argv)

    from instructie_assets.runner import BuildError, BuildOptions, build, summary

    if args.command == "demo":
        options = BuildOptions(wikipedia=SAMPLE_WIKIPEDIA, wikidata=SAMPLE_WIKIDATA, db=args.db, out_dir=args.out)
    else:
        options = BuildOptions(wikipedia=args.wikipedia, wikidata=args.wikidata, db=args.db, out_dir=args.out, tolerant=args.tolerant)
        if args.theme:
            options.themes = args.theme
        if args.language:
            options.languages = args.language
    try:
        build(options)
    except (BuildError, FileNotFoundError, ValueError) as exc:
        print(f"instructie: build failed: {exc}", file=sys.stderr)
        return 1
    _print_summary(summary(options.db))
    print(f"exports: {options.out_dir}/<language>/<theme>/<split>.jsonl")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
