"""Run locks: one writer at a time for each unit of work (a Wikidata shard, a language's articles, a
theme x language partition), so two builds on one database never write the same rows at once while
builds of different partitions run side by side.

A build takes the locks of every unit it will write before it starts, all or none. A unit held by
another run fails at once with `LockHeldError` naming the holder (process, host, command, since
when), or, with `wait`, waits until it is free, saying so. A lock is released when its holder exits,
however it exits (killed included): for an embedded lake it is an `flock` on `<lake>/locks/<unit>.lock`
(the file also holds the holder's description), for a PostgreSQL catalog a session advisory lock (the
holder's description in the table `instructie_run_locks` of that database).
"""

from __future__ import annotations

import fcntl
import getpass
import hashlib
import os
import re
import socket
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from instructie_assets.storage.lake import LakeLocation, StorageError, storage_error


class LockHeldError(RuntimeError):
    """Units of work another run is writing."""

    def __init__(self, location: str, held: dict[str, str]):
        self.held = held
        holders = sorted(set(held.values()))
        units = sorted(held)
        shown = ", ".join(units[:6]) + (f" and {len(units) - 6} more" if len(units) > 6 else "")
        super().__init__(f"{location} is being written by {'; '.join(holders)} (it holds {shown}); "
                         "run again when it has finished, or pass --wait to wait for it")


def holder_description(command: list[str] | None = None) -> str:
    argv = " ".join(command if command is not None else [Path(sys.argv[0]).name, *sys.argv[1:]])
    since = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return f"pid {os.getpid()} on {socket.gethostname()} (user {user}, since {since}): {argv[:200]}"


def _unit_file(unit: str) -> str:
    return re.sub(r"[^\w.-]", "_", unit) + ".lock"


class _FileLocks:
    def __init__(self, directory: str):
        self.directory = Path(directory)
        self.fds: dict[str, int] = {}

    def try_lock(self, unit: str, description: str) -> str | None:
        """None when taken, else the holder's description."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.directory / _unit_file(unit), os.O_CREAT | os.O_RDWR, 0o644)
        except OSError as exc:
            raise storage_error(exc, f"taking the run lock {unit}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
            os.close(fd)
            return holder or "another run (starting up)"
        os.ftruncate(fd, 0)
        os.pwrite(fd, description.encode("utf-8"), 0)
        self.fds[unit] = fd
        return None

    def unlock(self, unit: str) -> None:
        fd = self.fds.pop(unit, None)
        if fd is not None:
            os.ftruncate(fd, 0)
            os.close(fd)  # closing releases the flock


class _PostgresLocks:
    """Session advisory locks on one connection held for the run's lifetime."""

    def __init__(self, dsn: str):
        try:
            import psycopg
        except ImportError:
            raise StorageError("run locks on a PostgreSQL catalog need psycopg: pip install 'instructie[scale]'") from None
        try:
            self.conn = psycopg.connect(dsn, autocommit=True, application_name="instructie run locks")
            self.conn.execute("CREATE TABLE IF NOT EXISTS instructie_run_locks (unit text PRIMARY KEY, holder text NOT NULL, "
                              "since timestamptz NOT NULL DEFAULT now())")
        except psycopg.Error as exc:
            raise StorageError(f"run locks: cannot use the PostgreSQL catalog: {' '.join(str(exc).split())}") from exc
        self.held: set[str] = set()

    @staticmethod
    def _key(unit: str) -> int:
        return int.from_bytes(hashlib.sha256(f"instructie:{unit}".encode()).digest()[:8], "big", signed=True)

    def try_lock(self, unit: str, description: str) -> str | None:
        (taken,) = self.conn.execute("SELECT pg_try_advisory_lock(%s)", [self._key(unit)]).fetchone()
        if not taken:
            row = self.conn.execute("SELECT holder FROM instructie_run_locks WHERE unit = %s", [unit]).fetchone()
            return row[0] if row else "another run (starting up)"
        self.conn.execute("INSERT INTO instructie_run_locks (unit, holder) VALUES (%s, %s) "
                          "ON CONFLICT (unit) DO UPDATE SET holder = excluded.holder, since = now()", [unit, description])
        self.held.add(unit)
        return None

    def unlock(self, unit: str) -> None:
        if unit in self.held:
            self.held.discard(unit)
            self.conn.execute("SELECT pg_advisory_unlock(%s)", [self._key(unit)])

    def close(self) -> None:
        self.conn.close()


class RunLocks:
    """The locks of the units one run writes; a context manager (`with RunLocks(...).acquire():`)."""

    def __init__(self, location: LakeLocation, units: list[str], description: str | None = None):
        self.location, self.units = location, sorted(set(units))
        self.description = description or holder_description()
        self._backend = None

    def _open(self):
        if self._backend is None:
            if self.location.embedded:
                self._backend = _FileLocks(os.path.join(self.location.directory, "locks"))
            else:
                self._backend = _PostgresLocks(self.location.postgres_dsn)
        return self._backend

    def try_acquire(self) -> dict[str, str]:
        """Take every unit, or none: returns {} when taken, else {unit: holder} of those held elsewhere."""
        backend = self._open()
        held, taken = {}, []
        for unit in self.units:
            holder = backend.try_lock(unit, self.description)
            if holder is None:
                taken.append(unit)
            else:
                held[unit] = holder
        if held:
            for unit in taken:
                backend.unlock(unit)
        return held

    def acquire(self, wait: bool = False, say: Callable[[str], None] = print, poll_s: float = 2.0) -> "RunLocks":
        said = None
        while True:
            held = self.try_acquire()
            if not held:
                return self
            if not wait:
                self.close()
                raise LockHeldError(self.location.describe(), held)
            holders = "; ".join(sorted(set(held.values())))
            if holders != said:
                say(f"waiting for {holders} (it holds {len(held)} of the {len(self.units)} units this run writes: "
                    f"{', '.join(sorted(held)[:3])}{'...' if len(held) > 3 else ''})")
                said = holders
            time.sleep(poll_s)

    def release(self) -> None:
        if self._backend is not None:
            for unit in self.units:
                self._backend.unlock(unit)
        self.close()

    def close(self) -> None:
        if isinstance(self._backend, _PostgresLocks):
            self._backend.close()
        self._backend = None

    def __enter__(self) -> "RunLocks":
        return self

    def __exit__(self, *exc) -> None:
        self.release()

