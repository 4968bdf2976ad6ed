"""Benchmarks: each prints `BENCH <name> ratio=<x> gate=<pass|fail> ...` (ratio: our throughput over a
baseline measured in the same run). `python -m bench [name ...]` runs them; `make bench` runs all."""
