"""Shared helpers of the benchmarks: one output line per benchmark, timers, machine description."""

from __future__ import annotations

import os
import platform
import time
from contextlib import contextmanager


def machine() -> str:
    return f"{platform.machine()}/{os.cpu_count()}cpu/py{platform.python_version()}"


@contextmanager
def timed(into: dict, key: str):
    start = time.perf_counter()
    yield
    into[key] = into.get(key, 0.0) + time.perf_counter() - start


def report(name: str, ratio: float, gate: bool, **figures) -> str:
    extra = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items())
    line = f"BENCH {name} ratio={ratio:.2f} gate={'pass' if gate else 'fail'} {extra}".rstrip()
    print(line, flush=True)
    return line
