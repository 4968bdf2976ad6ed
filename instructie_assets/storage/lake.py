"""Where the tables live: a DuckLake (a catalog + Parquet data files) queried with DuckDB.

A location is what `--db` / `INSTRUCTIE_DB` names:

* a directory (the embedded default, `data/instructie`): the catalog is `<dir>/catalog.sqlite` (SQLite,
  so the several processes of Dagster's multiprocess executor can write at once; a DuckDB-file catalog
  admits one process), the Parquet files are under `<dir>/data/`, run-private staging under
  `<dir>/staging/`, run locks under `<dir>/locks/`. The directory is self-contained: copy it and the copy
  works (its own data path is used on every attach).
* `postgres:<libpq key=value string>` (many machines): the catalog is a PostgreSQL database, the Parquet
  files are under the shared `data_path` (`INSTRUCTIE_DATA_PATH`: a path every machine mounts, or
  `s3://bucket/prefix/` through DuckDB's httpfs), staging in a local directory, run locks are
  PostgreSQL advisory locks.

The DuckDB extensions come from the PyPI packages `duckdb-extension-*` and are loaded from the installed
files; nothing is downloaded at run time (autoinstall and autoload are off, the extension repository
points nowhere).

Every commit to a DuckLake table is checked against the commits made since the transaction began:
two processes rewriting different partitions of one table conflict ("another transaction has deleted
from it"), and with a SQLite catalog two commits at the same instant find it locked. `write_transaction`
runs such a transaction again, a bounded number of times, and fails with a clear error when they run out.
"""

from __future__ import annotations

import errno
import importlib.util
import logging
import os
import random
import re
import shutil
import socket
import sqlite3
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TypeVar

import duckdb

from instructie_assets.core.storage_errors import CommitConflictError, EmptyReplacementError, StorageError, os_storage_error

ALIAS = "lake"
POSTGRES_PREFIX = "postgres:"
OBJECT_STORE_SCHEMES = ("s3://", "s3a://", "gs://", "gcs://", "r2://")

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LakeLocation:
    """Where one instructie database lives (see the module docstring)."""

    catalog: str  # the part after `ducklake:` in ATTACH: `sqlite:<file>` or `postgres:<dsn>`
    data_path: str  # where the Parquet files go (a directory, or an object-store prefix)
    staging_dir: str  # local directory for run-private staging (Parquet blocks before they are committed)
    directory: str = ""  # the embedded lake's directory ("" for a PostgreSQL catalog)

    @property
    def embedded(self) -> bool:
        return bool(self.directory)

    @property
    def postgres_dsn(self) -> str:
        return self.catalog[len(POSTGRES_PREFIX):] if self.catalog.startswith(POSTGRES_PREFIX) else ""

    def describe(self) -> str:
        if self.embedded:
            return self.directory
        # never print a password of the connection string
        return POSTGRES_PREFIX + scrub(self.postgres_dsn) + f" (data: {self.data_path})"


def lake_location(db: str, data_path: str = "", staging_dir: str = "") -> LakeLocation:
    """The location `--db` names: a directory (embedded lake) or `postgres:<dsn>` with `data_path`.
    `data_path` and `staging_dir` default to INSTRUCTIE_DATA_PATH and INSTRUCTIE_STAGING_DIR."""
    data_path = data_path or os.environ.get("INSTRUCTIE_DATA_PATH", "")
    staging_dir = staging_dir or os.environ.get("INSTRUCTIE_STAGING_DIR", "")
    if not db:
        raise ValueError("no database given (--db DIRECTORY or --db postgres:<connection string>)")
    if db.startswith(POSTGRES_PREFIX):
        if not data_path:
            raise ValueError(f"{db.split(' ')[0]}...: a PostgreSQL catalog needs a shared data path "
                             "(--data-path or INSTRUCTIE_DATA_PATH: a directory every machine mounts, or s3://bucket/prefix/)")
        return LakeLocation(catalog=db, data_path=_dir_path(data_path),
                            staging_dir=os.path.abspath(staging_dir or os.path.join(_temp_root(), "instructie-staging")))
    directory = os.path.abspath(db)
    if os.path.isfile(directory):
        raise ValueError(f"{db}: is a file; the database is now a DuckLake directory (catalog.sqlite + data/): pass a directory, "
                         "for example data/instructie")
    return LakeLocation(
        catalog=f"sqlite:{os.path.join(directory, 'catalog.sqlite')}",
        data_path=_dir_path(data_path or os.path.join(directory, "data")),
        staging_dir=os.path.abspath(staging_dir or os.path.join(directory, "staging")),
        directory=directory,
    )


def _temp_root() -> str:
    return tempfile.gettempdir()


def _dir_path(path: str) -> str:
    if path.startswith(OBJECT_STORE_SCHEMES):
        return path if path.endswith("/") else path + "/"
    return os.path.join(os.path.abspath(path), "")


# --- extensions, from the installed packages -------------------------------------------------------

EXTENSION_PACKAGES = {
    "ducklake": "duckdb_extension_ducklake",
    "sqlite_scanner": "duckdb_extension_sqlite_scanner",
    "postgres_scanner": "duckdb_extension_postgres_scanner",
    "httpfs": "duckdb_extension_httpfs",
    "aws": "duckdb_extension_aws",
}


def extension_file(name: str) -> Path:
    """The extension binary shipped by its PyPI package, for the running duckdb version."""
    package = EXTENSION_PACKAGES[name]
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        extra = " (pip install 'instructie[scale]')" if name in ("postgres_scanner", "httpfs", "aws") else ""
        raise StorageError(f"the DuckDB extension {name} is not installed: the package {package.replace('_', '-')}=={duckdb.__version__} is missing{extra}")
    path = Path(spec.origin).parent / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.exists():
        found = sorted(p.name for p in (Path(spec.origin).parent / "extensions").glob("v*"))
        raise StorageError(f"{package} ships the extension for duckdb {', '.join(found) or '?'}, not for the installed duckdb "
                           f"{duckdb.__version__}: install {package.replace('_', '-')}=={duckdb.__version__}")
    return path


def _extensions_for(location: LakeLocation) -> list[str]:
    names = ["postgres_scanner" if location.postgres_dsn else "sqlite_scanner", "ducklake"]
    if location.data_path.startswith(OBJECT_STORE_SCHEMES):
        names[:0] = ["httpfs"] + ([] if os.environ.get("AWS_ACCESS_KEY_ID") else ["aws"])
    return names


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _object_store_secret(conn: duckdb.DuckDBPyConnection, data_path: str) -> None:
    """An S3-compatible secret: explicit keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and
    AWS_SESSION_TOKEN, AWS_REGION), else the AWS credential chain; INSTRUCTIE_S3_ENDPOINT,
    INSTRUCTIE_S3_URL_STYLE (path|vhost) and INSTRUCTIE_S3_USE_SSL (true|false) for MinIO, R2 and alike."""
    env = os.environ
    options = {"TYPE": "s3", "SCOPE": _quote(data_path)}
    if env.get("AWS_ACCESS_KEY_ID"):
        options.update(KEY_ID=_quote(env["AWS_ACCESS_KEY_ID"]), SECRET=_quote(env.get("AWS_SECRET_ACCESS_KEY", "")))
        if env.get("AWS_SESSION_TOKEN"):
            options["SESSION_TOKEN"] = _quote(env["AWS_SESSION_TOKEN"])
    else:
        options["PROVIDER"] = "credential_chain"
    if env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION"):
        options["REGION"] = _quote(env.get("AWS_REGION") or env["AWS_DEFAULT_REGION"])
    if env.get("INSTRUCTIE_S3_ENDPOINT"):
        options["ENDPOINT"] = _quote(env["INSTRUCTIE_S3_ENDPOINT"])
    if env.get("INSTRUCTIE_S3_URL_STYLE"):
        options["URL_STYLE"] = _quote(env["INSTRUCTIE_S3_URL_STYLE"])
    if env.get("INSTRUCTIE_S3_USE_SSL"):
        options["USE_SSL"] = "true" if env["INSTRUCTIE_S3_USE_SSL"].lower() in ("1", "true", "yes") else "false"
    conn.execute("CREATE OR REPLACE SECRET instructie_object_store (" + ", ".join(f"{k} {v}" for k, v in options.items()) + ")")


def _prepare_sqlite_catalog(path: str) -> None:
    """Create the SQLite catalog file in WAL mode (kept by the file): readers then never wait for a
    committing writer; writers still take turns (a busy catalog is retried)."""
    if os.path.exists(path):
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")


def open_lake(location: LakeLocation, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB with the lake attached as `lake` and in use (`main.<table>` names its tables)."""
    conn = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    try:
        # anything that still tried to download an extension would fail here, not reach the network
        conn.execute("SET custom_extension_repository = 'http://127.0.0.1:9/no-downloads'")
        for name in _extensions_for(location):
            conn.execute(f"LOAD {_quote(str(extension_file(name)))}")
        if location.data_path.startswith(OBJECT_STORE_SCHEMES):
            _object_store_secret(conn, location.data_path)
        options = [f"DATA_PATH {_quote(location.data_path)}"]
        if location.embedded:
            _prepare_sqlite_catalog(location.catalog[len("sqlite:"):])
            os.makedirs(location.data_path, exist_ok=True)
            options.append("OVERRIDE_DATA_PATH true")  # the directory may have been copied or moved
        if read_only:
            options.append("READ_ONLY")
        _retry_busy(lambda: conn.execute(f"ATTACH {_quote('ducklake:' + location.catalog)} AS {ALIAS} ({', '.join(options)})"),
                    f"attaching {location.describe()}")
        conn.execute(f"USE {ALIAS}")
    except duckdb.Error as exc:
        conn.close()
        raise StorageError(scrub(f"cannot open the lake {location.describe()}: {' '.join(str(exc).split())[:500]}")) from exc
    except BaseException:
        conn.close()
        raise
    return conn


_shared: dict[tuple[int, LakeLocation], duckdb.DuckDBPyConnection] = {}
_shared_lock = threading.Lock()


def lake_cursor(location: LakeLocation) -> duckdb.DuckDBPyConnection:
    """A cursor on this process's DuckDB instance for `location` (opened once per process: loading the
    extensions takes about a second), with the lake in use. Close it when done; the instance stays."""
    key = (os.getpid(), location)
    with _shared_lock:
        base = _shared.get(key)
        if base is None:
            base = _shared[key] = open_lake(location)
    cursor = base.cursor()
    cursor.execute(f"USE {ALIAS}")
    return cursor


def close_shared() -> None:
    """Close this process's shared instances (tests; a process exiting closes them anyway)."""
    with _shared_lock:
        for key in [k for k in _shared if k[0] == os.getpid()]:
            _shared.pop(key).close()


# --- transactions ------------------------------------------------------------------------------------

_CONFLICT = re.compile(r"Transaction conflict|database is locked|could not serialize access|deadlock detected|"
                       r"duplicate key value violates unique constraint|UNIQUE constraint failed", re.I)
_BUSY = re.compile(r"database is locked|could not serialize access", re.I)
_STRERROR = {os.strerror(code): code for code in errno.errorcode}


def is_conflict(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.Error) and bool(_CONFLICT.search(str(exc)))


def _retry_busy(action: Callable[[], T], what: str, attempts: int = 40) -> T:
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except duckdb.Error as exc:
            if not _BUSY.search(str(exc)) or attempt == attempts:
                raise storage_error(exc, what) from exc
            time.sleep(min(2.0, 0.05 * 1.5 ** attempt) * (0.5 + random.random()))
    raise AssertionError("unreachable")


_PASSWORD = re.compile(r"(password\s*=\s*)('[^']*'|\S+)", re.I)


def scrub(text: str) -> str:
    """A message without the password of a connection string."""
    return _PASSWORD.sub(r"\1***", text)


def storage_error(exc: BaseException, what: str) -> BaseException:
    """An OS-level failure as itself: what was being written, the file, the errno. Other errors unchanged."""
    if (os_error := os_storage_error(exc, what)) is not None:
        return os_error
    text = str(exc)
    if "database or disk is full" in text:  # SQLite's words for ENOSPC on the catalog
        return StorageError(f"{what}: the catalog: [Errno {errno.ENOSPC}] {os.strerror(errno.ENOSPC)} ({' '.join(text.split())[:300]})")
    if isinstance(exc, duckdb.IOException) or "IO Error" in text:
        for message, code in _STRERROR.items():
            if message and message in text:
                file = re.search(r'"([^"]+)"', text)
                where = f"{file.group(1)}: " if file else ""
                return StorageError(scrub(f"{what}: {where}[Errno {code}] {message} ({' '.join(text.split())[:500]})"))
    return exc


def _rollback_quietly(conn: duckdb.DuckDBPyConnection) -> None:
    # after a failed COMMIT the transaction is already gone and ROLLBACK itself raises
    # ("cannot rollback - no transaction is active"): that must never hide the real error
    try:
        conn.execute("ROLLBACK")
    except duckdb.Error:
        pass


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = int(os.environ.get("INSTRUCTIE_COMMIT_ATTEMPTS", "25"))
    first_wait_s: float = 0.1
    max_wait_s: float = 8.0

    def wait(self, attempt: int) -> float:
        return min(self.max_wait_s, self.first_wait_s * 2 ** (attempt - 1)) * (0.5 + random.random())


def write_transaction(conn: duckdb.DuckDBPyConnection, work: Callable[[duckdb.DuckDBPyConnection], T], what: str,
                      policy: RetryPolicy = RetryPolicy()) -> T:
    """Run `work` in one transaction and commit; a commit that conflicts with other writers runs the
    whole transaction again (at most `policy.attempts` times, waiting longer each time), then fails
    with CommitConflictError. OS errors come back as StorageError naming the file and errno."""
    started = time.monotonic()
    (database,) = conn.execute("SELECT current_database()").fetchone()
    for attempt in range(1, policy.attempts + 1):
        try:
            conn.execute("BEGIN TRANSACTION")
            if database == ALIAS:  # the snapshot says what it wrote (ducklake_snapshots: author, commit_message)
                conn.execute(f"CALL {ALIAS}.set_commit_message(?, ?)", [f"instructie pid {os.getpid()} on {socket.gethostname()}", what])
            result = work(conn)
            conn.execute("COMMIT")
            return result
        except duckdb.Error as exc:
            _rollback_quietly(conn)
            if not is_conflict(exc):
                raise storage_error(exc, what) from exc
            if attempt == policy.attempts:
                raise CommitConflictError(
                    f"{what}: gave up after {attempt} attempts in {time.monotonic() - started:.0f} s: other writers kept committing "
                    f"to the same table (last: {' '.join(str(exc).split())[:300]}); run it again, or raise INSTRUCTIE_COMMIT_ATTEMPTS"
                ) from exc
            log.info("%s: the commit conflicted with another writer's (attempt %d), running it again", what, attempt)
            time.sleep(policy.wait(attempt))
        except OSError as exc:
            _rollback_quietly(conn)
            raise storage_error(exc, what) from exc
        except BaseException:
            _rollback_quietly(conn)
            raise
    raise AssertionError("unreachable")


def table_exists(conn: duckdb.DuckDBPyConnection, table: str, schema: str = "main") -> bool:
    (n,) = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_catalog = ? AND table_schema = ? AND table_name = ?",
        [ALIAS, schema, table]).fetchone()
    return n > 0


# --- snapshots ------------------------------------------------------------------------------------


def snapshots(conn: duckdb.DuckDBPyConnection) -> list[tuple[int, object, dict]]:
    """(snapshot id, time, changes) of every commit, oldest first."""
    return [(sid, at, changes) for sid, at, _, changes, *_ in conn.execute(f"SELECT * FROM ducklake_snapshots('{ALIAS}') ORDER BY snapshot_id").fetchall()]


def copy_lake(source: str, target: str) -> None:
    """Copy an embedded lake directory (a backup, or a scratch copy for an experiment): the catalog
    through SQLite's backup API (a consistent state even while others write), then the data files
    (immutable once written; files newer than the catalog copy are unreferenced and harmless)."""
    src, dst = lake_location(source), lake_location(target)
    if not src.embedded or not dst.embedded:
        raise ValueError("copy_lake copies embedded lakes (directories); back up a PostgreSQL catalog with pg_dump")
    os.makedirs(dst.directory, exist_ok=False)
    with sqlite3.connect(src.catalog[len("sqlite:"):]) as a, sqlite3.connect(dst.catalog[len("sqlite:"):]) as b:
        a.backup(b)
        b.execute("PRAGMA journal_mode=WAL")
    shutil.copytree(src.data_path, dst.data_path, dirs_exist_ok=True)


def check_writable(location: LakeLocation) -> list[str]:
    """Problems that would stop a run from writing to `location` (empty when it can): the hook the CLI's
    pre-flight calls. Opens the lake (creating an embedded one) and tries the local directories."""
    problems = []
    for directory in ([location.directory] if location.embedded else []) + [location.staging_dir]:
        try:
            os.makedirs(directory, exist_ok=True)
            probe = os.path.join(directory, f".write-probe-{os.getpid()}")
            with open(probe, "w") as fh:
                fh.write("ok")
            os.remove(probe)
        except OSError as exc:
            problems.append(str(storage_error(exc, f"cannot write to {directory}")))
    if not problems:
        try:
            open_lake(location).close()
        except (duckdb.Error, StorageError, OSError) as exc:
            problems.append(f"cannot open the lake {location.describe()}: {' '.join(str(exc).split())}")
    return problems
