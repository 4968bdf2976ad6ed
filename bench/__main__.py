"""Run the benchmarks: `python -m bench` (all) or `python -m bench gazetteer nli-filter`."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = {
    "wikidata-ingest": "bench.wikidata_ingest",
    "wikitext-paragraphs": "bench.wikitext_paragraphs",
    "gazetteer": "bench.gazetteer",
    "nli-filter": "bench.nli_filter",
    "end-to-end-scaling": "bench.end_to_end_scaling",
    "graph-scaling": "bench.graph_scaling",
    "text-audit": "bench.text_audit",
    "real-pages": "bench.real_pages",
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    failed = []
    for name in names:
        if not importlib.import_module(BENCHMARKS[name]).main():
            failed.append(name)
    if failed:
        print(f"gate failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
