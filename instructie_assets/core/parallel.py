"""Order-keeping parallel map with bounded memory, for the dump readers.

Work items go to `workers` spawned processes; at most two per worker are in flight, so a dump of any
size never queues more than that in memory; results come back in input order. One worker (or fewer
than two items) runs in this process, so small inputs pay no start-up.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any


def ordered_map(func: Callable[..., Any], arguments: Iterable[tuple], workers: int) -> Iterator[Any]:
    """`func(*args)` for each tuple of `arguments`, in order, on up to `workers` processes."""
    arguments = iter(arguments)
    head = list(itertools.islice(arguments, 2))
    if workers <= 1 or len(head) < 2:
        for args in itertools.chain(head, arguments):
            yield func(*args)
        return
    # spawn, not fork: the parent holds DuckDB and polars threads, which fork would copy mid-flight
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        in_flight: deque = deque()
        try:
            for args in itertools.chain(head, arguments):
                in_flight.append(pool.submit(func, *args))
                while len(in_flight) >= 2 * workers:
                    yield in_flight.popleft().result()
            while in_flight:
                yield in_flight.popleft().result()
        finally:
            for f in in_flight:
                f.cancel()
