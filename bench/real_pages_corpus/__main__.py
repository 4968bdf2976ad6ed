"""The real-pages corpus from the command line.

    python -m bench.real_pages_corpus build OUT_DIR [--corpus DIR]
        write the corpus' dumps (enwiki/zhwiki XML .bz2, Wikidata .json.gz, entities.json) into OUT_DIR
    python -m bench.real_pages_corpus unjudged --db DB [--corpus DIR] [--kept-only]
        print the in-scope filtered_triples rows of a built database that no judgement covers, one JSON
        line each in the judgements' layout (label and reason empty): fill them in and append them to
        the corpus' judgements.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys

from bench.real_pages_corpus import CORPUS_DIR
from bench.real_pages_corpus.corpus import Corpus, CorpusError, build_dumps
from bench.real_pages_corpus.judgements import JudgementError, unjudged


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.real_pages_corpus")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="write the corpus' dumps")
    build.add_argument("out_dir")
    build.add_argument("--corpus", default=str(CORPUS_DIR))
    todo = sub.add_parser("unjudged", help="list candidates no judgement covers, in the judgements' layout")
    todo.add_argument("--db", required=True)
    todo.add_argument("--corpus", default=str(CORPUS_DIR))
    todo.add_argument("--kept-only", action="store_true", help="only triples the pipeline keeps")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            for kind, path in build_dumps(args.out_dir, Corpus.load(args.corpus)).items():
                print(f"{kind}: {path}")
        else:
            for row in unjudged(args.db, f"{args.corpus}/judgements.jsonl", kept_only=args.kept_only):
                print(json.dumps(row, ensure_ascii=False))
    except (CorpusError, JudgementError) as exc:
        print(f"real-pages corpus: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
