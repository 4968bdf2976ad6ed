"""Worker processes for the dump readers: an order-keeping map, and a pool of block decoders fed
through shared memory. Workers die with their parent, whatever kills it.

`ordered_map`: work items go to `workers` spawned processes; at most two per worker are in flight, so
a dump of any size never queues more than that in memory; results come back in input order. One
worker (or fewer than two items) runs in this process, so small inputs pay no start-up.

`BlockPool`: the parent process writes blocks of bytes (whole lines of a decompressed dump) into
slots of one shared memory file (tmpfs, unlinked as soon as it is made) and sends each worker only
the slot's offsets; each worker keeps its own state across blocks (the rows it gathers for its
Parquet files) until `finish`. Nothing large is pickled or piped, so the parent only decompresses
and the workers only decode.
"""

from __future__ import annotations

import importlib
import itertools
import mmap
import os
import tempfile
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from multiprocessing.connection import Connection, wait
from typing import Any

PARENT_POLL_S = 0.2


def die_with_parent(parent_pid: int) -> None:
    """In a worker process: exit as soon as the parent is gone (killed with SIGKILL included), so no
    worker and no multiprocessing resource tracker outlives a killed build. A daemon thread watches
    the parent id (a re-parented process sees another); portable, and free while the parent lives."""

    def watch() -> None:
        while True:
            if os.getppid() != parent_pid:
                os._exit(1)
            threading.Event().wait(PARENT_POLL_S)

    if os.getppid() != parent_pid:
        os._exit(1)
    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


def ordered_map(func: Callable[..., Any], arguments: Iterable[tuple], workers: int) -> Iterator[Any]:
    """`func(*args)` for each tuple of `arguments`, in order, on up to `workers` processes."""
    arguments = iter(arguments)
    head = list(itertools.islice(arguments, 2))
    if workers <= 1 or len(head) < 2:
        for args in itertools.chain(head, arguments):
            yield func(*args)
        return
    # spawn, not fork: the parent holds DuckDB and polars threads, which fork would copy mid-flight
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"), initializer=die_with_parent,
                             initargs=(os.getpid(),)) as pool:
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


# ------------------------------------------------------------------------------------- block pool

def _shared_dir(size: int) -> str | None:
    """A tmpfs directory with room for `size` bytes (twice over), or None: then blocks travel by pipe."""
    try:
        st = os.statvfs("/dev/shm")
    except OSError:
        return None
    return "/dev/shm" if os.access("/dev/shm", os.W_OK) and st.f_bavail * st.f_frsize >= 2 * size else None


class SharedBlocks:
    """One tmpfs file, unlinked as soon as it is made, mapped by the parent and, through its file
    descriptor passed at spawn time, by each worker: nothing is left on disk whatever kills whom."""

    def __init__(self, size: int, directory: str):
        fd, path = tempfile.mkstemp(prefix="instructie-blocks-", dir=directory)
        os.unlink(path)
        try:
            os.ftruncate(fd, size)
            self.buffer = mmap.mmap(fd, size)
        except BaseException:
            os.close(fd)
            raise
        self.fd, self.size = fd, size

    def __reduce__(self):  # pickled only while a worker is spawned: the descriptor goes with it
        from multiprocessing import reduction

        return _attach_blocks, (reduction.DupFd(self.fd), self.size)

    def close_descriptor(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def _attach_blocks(dup_fd, size: int) -> mmap.mmap:
    fd = dup_fd.detach()
    try:
        return mmap.mmap(fd, size)
    finally:
        os.close(fd)


class BlockWorkerError(RuntimeError):
    """A worker process failed outside the block's own error handling (or died)."""


def _block_worker_main(conn: Connection, parent_pid: int, buffer: mmap.mmap | None, worker_spec: str, args: tuple, index: int) -> None:
    die_with_parent(parent_pid)
    module, _, name = worker_spec.partition(":")
    seq = None
    try:
        worker = getattr(importlib.import_module(module), name)(*args, index)
        while True:
            try:
                message = conn.recv()
            except EOFError:  # the parent closed the pipe: nothing more to do
                os._exit(0)
            kind, seq = message[0], message[1]
            if kind == "slot":
                _, _, start, end, meta = message
                result = worker.block(buffer, start, end, meta)
            elif kind == "data":
                _, _, data, meta = message
                result = worker.block(data, 0, len(data), meta)
            else:
                conn.send(("finished", index, worker.finish()))
                return
            conn.send(("done", seq, result))
    except BaseException as exc:  # report it to the parent, which raises it
        try:
            conn.send(("error", seq, _picklable(exc), traceback.format_exc()))
        except (OSError, EOFError):
            pass
        os._exit(1)


def _picklable(exc: BaseException) -> BaseException:
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return BlockWorkerError(f"{type(exc).__name__}: {exc}")


class BlockPool:
    """`workers` spawned processes each running `worker_spec` ("module:Class", built with
    `*args, worker_index`), whose `block(buffer, start, end, meta)` decodes `buffer[start:end]`
    and whose `finish()` returns the worker's totals. Use as a context manager:

        with BlockPool(spec, args, workers, slot_bytes) as pool:
            slot, view = pool.free_slot()          # a buffer of slot_bytes to fill
            pool.submit(meta, slot=slot, length=n) # or pool.submit(meta, data=bytes)
            for result in pool.results(): ...      # finished blocks, in submission order
        totals = pool.finish()

    At most two blocks per worker are in flight. A worker that raises or dies fails the pool. `env`
    is added to the workers' environment (thread counts of the libraries they use, for example)."""

    def __init__(self, worker_spec: str, args: tuple, workers: int, slot_bytes: int, env: dict[str, str] | None = None):
        self.workers = workers
        self.slot_bytes = slot_bytes
        self.n_slots = 2 * workers + 1
        size = self.n_slots * slot_bytes
        directory = _shared_dir(size)
        self.shared = directory is not None
        self._blocks = SharedBlocks(size, directory) if self.shared else None
        # without room in shared memory: one local buffer, blocks are sent through the pipes
        self._view = memoryview(self._blocks.buffer if self._blocks else bytearray(slot_bytes))
        ctx = get_context("spawn")
        self._conns: list[Connection] = []
        self._procs = []
        saved = {k: os.environ.get(k) for k in env or {}}
        try:
            os.environ.update(env or {})  # the workers' environment (spawned processes copy it when they start)
            for i in range(workers):
                parent_end, child_end = ctx.Pipe()
                proc = ctx.Process(target=_block_worker_main, name=f"instructie-block-worker-{i}", daemon=True,
                                   args=(child_end, os.getpid(), self._blocks, worker_spec, args, i))
                proc.start()
                child_end.close()
                self._conns.append(parent_end)
                self._procs.append(proc)
        except BaseException:
            self.close()
            raise
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            if self._blocks:
                self._blocks.close_descriptor()
        self._free = list(range(self.n_slots)) if self.shared else [0]
        self._outstanding = [0] * workers  # blocks in flight per worker
        self._slot_of: dict[int, int] = {}  # seq -> slot
        self._worker_of: dict[int, int] = {}
        self._done: dict[int, Any] = {}
        self._next_seq = 0
        self._next_result = 0
        self._finished: dict[int, Any] = {}

    # -- parent side
    def free_slot(self) -> tuple[int, memoryview]:
        while not self._free:
            self._pump()
        slot = self._free.pop()
        return slot, self._view[slot * self.slot_bytes:(slot + 1) * self.slot_bytes]

    def release_slot(self, slot: int) -> None:
        self._free.append(slot)

    def submit(self, meta: Any, slot: int | None = None, length: int = 0, data: bytes | None = None) -> None:
        """Hand a block to the least busy worker: `length` bytes of `slot`, or `data` through the pipe."""
        while min(self._outstanding) >= 2:
            self._pump()
        worker = self._outstanding.index(min(self._outstanding))
        seq = self._next_seq
        self._next_seq += 1
        if data is None and not self.shared:  # the local buffer is copied into the message
            data = bytes(self._view[:length])
            self._free.append(slot)
            slot = None
        if data is None:
            start = slot * self.slot_bytes
            self._conns[worker].send(("slot", seq, start, start + length, meta))
            self._slot_of[seq] = slot
        else:
            if slot is not None:
                self._free.append(slot)
            self._conns[worker].send(("data", seq, data, meta))
        self._outstanding[worker] += 1
        self._worker_of[seq] = worker
        self._pump(timeout=0)  # file what has finished meanwhile, without waiting

    def results(self, wait_all: bool = False) -> Iterator[Any]:
        """Results of finished blocks in submission order (with `wait_all`, of every submitted block)."""
        while True:
            while self._next_result in self._done:
                result = self._done.pop(self._next_result)
                self._next_result += 1
                yield result
            if not wait_all or self._next_result >= self._next_seq:
                return
            self._pump()

    def finish(self) -> list[Any]:
        """Every worker's `finish()` result, after all blocks are done (call after `results(wait_all=True)`)."""
        for conn in self._conns:
            conn.send(("finish", None))
        while len(self._finished) < self.workers:
            self._pump()
        for proc in self._procs:
            proc.join(timeout=30)
        return [self._finished[i] for i in range(self.workers)]

    def _pump(self, timeout: float | None = None) -> None:
        """Wait for messages from the workers (or one's death) and file them."""
        sentinels = {p.sentinel: p for p in self._procs}
        ready = wait(self._conns + list(sentinels), timeout)
        for item in ready:
            if item in sentinels:
                continue
            try:
                message = item.recv()
            except (EOFError, OSError):  # the worker is gone (a closed or reset pipe): its sentinel says how
                continue
            self._file(message)
        for item in ready:
            if item in sentinels:
                proc = sentinels[item]
                index = self._procs.index(proc)
                # A worker that died may still have messages in its pipe (a result, then the error it
                # raised): read them all first, so its own error is raised rather than "died".
                conn = self._conns[index]
                try:
                    while index not in self._finished and conn.poll():
                        self._file(conn.recv())
                except (EOFError, OSError):
                    pass
                if index not in self._finished:
                    proc.join(timeout=5)
                    raise BlockWorkerError(f"worker process {proc.pid} died (exit code {proc.exitcode}) before finishing its blocks")

    def _file(self, message: tuple) -> None:
        """File one worker message; a worker's error is raised here."""
        kind = message[0]
        if kind == "done":
            seq = message[1]
            self._done[seq] = message[2]
            self._outstanding[self._worker_of.pop(seq)] -= 1
            if seq in self._slot_of:
                self._free.append(self._slot_of.pop(seq))
        elif kind == "finished":
            self._finished[message[1]] = message[2]
        elif kind == "error":
            exc, text = message[2], message[3]
            raise exc if not isinstance(exc, BlockWorkerError) else BlockWorkerError(f"{exc}\n{text}")

    def close(self) -> None:
        """Stop every worker (killed if still running) and free the shared memory."""
        for conn in self._conns:
            conn.close()
        for proc in self._procs:
            if proc.is_alive():
                proc.kill()
            proc.join(timeout=10)
        self._view.release()
        if self._blocks is not None:
            try:
                self._blocks.buffer.close()
            except BufferError:  # a caller still holds a slot view; the mapping goes with it
                pass

    def __enter__(self) -> BlockPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
