"""Writing rows into the tables, one shard or partition at a time, atomically.

`replace_partition` swaps one partition of a table in one transaction (delete its rows, insert the new
ones). `StagedTableWriter` does the same for streamed batches of several tables: the batches go to
Parquet files in a staging directory private to the run; `commit` swaps them in within one
transaction (for each table: delete the key's old rows, insert the staged ones; staged files that hold
whole rows, the key column included, are taken by a DuckLake as its data files instead, moved and
registered with `ducklake_add_data_files`, not read again). A run that fails or is
killed before the commit leaves the previous rows untouched. Commits that conflict with other writers
are run again (`storage.lake.write_transaction`). Neither replaces rows with nothing unless asked to
(`allow_empty`): an empty result where rows exist is far more often a broken input than the truth.

Works on any DuckDB connection: a DuckLake (`storage.lake`) or a plain DuckDB database.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb
import polars as pl

from instructie_assets.storage.lake import EmptyReplacementError, RetryPolicy, storage_error, write_transaction

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _ident(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


def _table_exists(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    (n,) = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_catalog = current_database() AND table_schema = ? AND table_name = ?",
        [schema, table]).fetchone()
    return n > 0


def _refuse_empty(conn, tables: list[str], where: str, params: list, what: str) -> None:
    existing = sum(conn.execute(f"SELECT count(*) FROM {t} WHERE {where}", params).fetchone()[0] for t in tables)
    if existing:
        raise EmptyReplacementError(
            f"{what}: the new rows are empty but {existing} rows are there now; refusing to replace them with nothing "
            "(an empty or cut input?). Pass --allow-empty (INSTRUCTIE_ALLOW_EMPTY=1) if empty is right.")


def replace_partition(conn: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, key: dict[str, object], what: str,
                      allow_empty: bool = False, schema: str = "main", policy: RetryPolicy = RetryPolicy()) -> int:
    """Replace the rows of `table` whose columns equal `key` ({} for the whole table) by `frame`, in one
    transaction, matching columns by name; an empty frame still creates the table. Returns rows written."""
    target = f"{_ident(schema)}.{_ident(table)}"
    where = " AND ".join(f"{_ident(c)} = ?" for c in key) or "true"
    params = list(key.values())
    rows = frame.to_arrow()

    def swap(c: duckdb.DuckDBPyConnection) -> None:
        c.register("_new_rows", rows)
        try:
            c.execute(f"CREATE TABLE IF NOT EXISTS {target} AS SELECT * FROM _new_rows LIMIT 0")
            if frame.is_empty() and not allow_empty:
                _refuse_empty(c, [target], where, params, what)
            c.execute(f"DELETE FROM {target} WHERE {where}", params)
            if frame.height:
                c.execute(f"INSERT INTO {target} BY NAME SELECT * FROM _new_rows")
        finally:
            c.unregister("_new_rows")

    write_transaction(conn, swap, what, policy)
    return frame.height


def replace_partition_from_parquet(conn: duckdb.DuckDBPyConnection, table: str, files: list[str], empty: pl.DataFrame,
                                   key: dict[str, object], what: str, allow_empty: bool = False, schema: str = "main",
                                   policy: RetryPolicy = RetryPolicy()) -> int:
    """`replace_partition` with the new rows in staged Parquet files (written batch by batch, all with
    the columns of `empty`, the table's columns when it does not exist yet): one transaction deletes
    the partition's rows and inserts the files' rows, streamed by DuckDB. Returns rows written."""
    target = f"{_ident(schema)}.{_ident(table)}"
    where = " AND ".join(f"{_ident(c)} = ?" for c in key) or "true"
    params = list(key.values())
    listing = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
    columns = ", ".join(f'"{c}"' for c in empty.columns)
    shape = empty.to_arrow()

    def swap(c: duckdb.DuckDBPyConnection) -> int:
        c.register("_new_rows", shape)
        try:
            c.execute(f"CREATE TABLE IF NOT EXISTS {target} AS SELECT * FROM _new_rows LIMIT 0")
        finally:
            c.unregister("_new_rows")
        if not files and not allow_empty:
            _refuse_empty(c, [target], where, params, what)
        c.execute(f"DELETE FROM {target} WHERE {where}", params)
        if not files:
            return 0
        (rows,) = c.execute(f"INSERT INTO {target} BY NAME SELECT {columns} FROM read_parquet({listing})").fetchone()
        return rows

    return write_transaction(conn, swap, what, policy)


# --- run-private staging directories -------------------------------------------------------------

_OWNER = ".owner"
_NEW = ".new-"


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]", "_", name)


@contextmanager
def private_staging(root: str | Path, run_id: str, name: str) -> Iterator[Path]:
    """A directory for one step of one run, `<root>/<run_id>-<name>/files`, created by it and removed by
    it when done, whatever happens. The step holds a lock on `<root>/<run_id>-<name>/.owner` while it
    lives, so `remove_stale_staging` (run here first) removes only what dead runs left: two runs never
    share or delete each other's files."""
    root = Path(root)
    final = root / f"{_safe(run_id)}-{_safe(name)}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        remove_stale_staging(root)
        if final.exists():
            raise RuntimeError(f"{final}: the staging directory of {name} in run {run_id} is in use by a live process")
        # prepared under a temporary name, locked, then renamed: a scan never sees it unlocked
        new = root / f"{_NEW}{os.getpid()}-{os.urandom(4).hex()}"
        new.mkdir()
        owner = os.open(new / _OWNER, os.O_CREAT | os.O_RDWR, 0o644)
    except OSError as exc:
        raise storage_error(exc, f"creating the staging directory of run {run_id}") from exc
    try:
        fcntl.flock(owner, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(owner, f"pid {os.getpid()}\n".encode())
        os.rename(new, final)
        files = final / "files"
        files.mkdir()
        yield files
    finally:
        shutil.rmtree(final if final.exists() else new, ignore_errors=True)
        os.close(owner)


def remove_stale_staging(root: str | Path) -> list[str]:
    """Remove the staging directories of runs that are no longer alive (killed); returns their names."""
    removed = []
    for path in sorted(Path(root).iterdir()) if Path(root).is_dir() else []:
        if path.name.startswith(_NEW):
            continue  # being prepared (a killed run's is left; it holds nothing)
        try:
            fd = os.open(path / _OWNER, os.O_RDWR)
        except OSError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # its run is alive
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
        finally:
            os.close(fd)
    return removed


class StagedTableWriter:
    """Rows of several tables for one value of a key column (a shard number, a language).

    `staging_dir`: a directory private to this writer (see `private_staging`); default a new temporary
    directory. `write` adds batches, `write_parquet` adds Parquet files already staged there (or anywhere
    this run owns), `commit` swaps everything in, `abort` discards it."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, schemas: dict[str, dict[str, pl.DataType]], key_column: str, key_value,
                 key_dtype: pl.DataType = pl.Int32, schema: str = "main", staging_dir: str | Path | None = None,
                 allow_empty: bool = False, what: str = "", policy: RetryPolicy = RetryPolicy()):
        self.conn, self.schemas = conn, schemas
        self.key_column, self.key_value, self.key_dtype = _ident(key_column), key_value, key_dtype
        self.schema = _ident(schema)
        for name in schemas:
            _ident(name)
        self.allow_empty, self.policy = allow_empty, policy
        self.what = what or f"{', '.join(schemas)} ({key_column} {key_value})"
        self._own_dir = staging_dir is None
        self.staging_dir = Path(staging_dir) if staging_dir is not None else None
        self.files: dict[str, list[str]] = {name: [] for name in schemas}
        self.whole_files: dict[str, list[str]] = {name: [] for name in schemas}  # every column, the key's included (add_files)
        self.rows = {name: 0 for name in schemas}
        self._batches = 0

    def _empty(self, name: str) -> pl.DataFrame:
        return pl.DataFrame(schema={**self.schemas[name], self.key_column: self.key_dtype})

    def begin(self) -> None:
        if self.staging_dir is None:
            self.staging_dir = Path(tempfile.mkdtemp(prefix="instructie-staging-"))
        for name in self.schemas:
            (self.staging_dir / name).mkdir(parents=True, exist_ok=True)

    def write(self, frames: dict[str, pl.DataFrame]) -> None:
        if self.staging_dir is None:
            self.begin()
        for name, frame in frames.items():
            if frame.is_empty():
                continue
            path = self.staging_dir / name / f"batch-{self._batches:06d}.parquet"
            self._batches += 1
            try:
                frame.select(self._columns(name)).write_parquet(path)
            except OSError as exc:
                raise storage_error(exc, f"staging {name} ({self.key_column} {self.key_value})") from exc
            self.files[name].append(str(path))
            self.rows[name] += frame.height

    def write_parquet(self, files_by_table: dict[str, list[str]]) -> None:
        """Add staged Parquet files (one scan per table at commit, in parallel inside DuckDB)."""
        for name, files in files_by_table.items():
            if files:
                self.files[name] += list(files)
                self.rows[name] += self.conn.execute(f"SELECT count(*) FROM read_parquet({self._listing(files)})").fetchone()[0]

    def add_files(self, files_by_table: dict[str, list[str]]) -> None:
        """Add staged Parquet files that hold every column of their table, the key column with this
        writer's value (checked here). At the commit a DuckLake takes them as its data files, moved into
        its data path and registered (`ducklake_add_data_files`): no row is read or written again. Where
        it cannot (not a DuckLake, an object-store data path) they are copied in like `write_parquet`'s."""
        for name, files in files_by_table.items():
            if not files:
                continue
            # from the files' footers (each row group's statistics of the key column), not their rows
            rows, keyed = self.conn.execute(
                f"SELECT coalesce(sum(row_group_num_rows), 0), coalesce(sum(row_group_num_rows) FILTER (stats_min_value = ? AND stats_max_value = ? "
                f"AND stats_null_count = 0), 0) FROM parquet_metadata({self._listing(files)}) WHERE path_in_schema = ?",
                [str(self.key_value), str(self.key_value), self.key_column]).fetchone()
            total = self.conn.execute(f"SELECT coalesce(sum(num_rows), 0) FROM parquet_file_metadata({self._listing(files)})").fetchone()[0]
            if keyed != total:
                raise ValueError(f"{name}: staged files whose {self.key_column} is not {self.key_value} throughout (or unknown): "
                                 f"{total - keyed} of {total} rows")
            self.whole_files[name] += list(files)
            self.rows[name] += total

    def _columns(self, name: str) -> list[str]:
        """The staged columns: the table's, less the key column (added at the commit)."""
        return [c for c in self.schemas[name] if c != self.key_column]

    @staticmethod
    def _listing(files: list[str]) -> str:
        return "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"

    def commit(self) -> None:
        key_sql = "INTEGER" if self.key_dtype == pl.Int32 else "VARCHAR"
        tables = {name: f"{self.schema}.{name}" for name in self.schemas}
        adopted = _DataFileMove(self.conn, self.schema, self.whole_files)

        def swap(c: duckdb.DuckDBPyConnection) -> None:
            for name, table in tables.items():
                c.register("_empty", self._empty(name).to_arrow())
                c.execute(f"CREATE TABLE IF NOT EXISTS {table} AS SELECT * FROM _empty LIMIT 0")
                c.unregister("_empty")
            if not any(self.rows.values()) and not self.allow_empty:
                _refuse_empty(c, list(tables.values()), f"{self.key_column} = ?", [self.key_value], self.what)
            for name, table in tables.items():
                c.execute(f"DELETE FROM {table} WHERE {self.key_column} = ?", [self.key_value])
                if self.files[name]:
                    cols = ", ".join(self._columns(name))
                    c.execute(f"INSERT INTO {table} BY NAME SELECT {cols}, ?::{key_sql} AS {self.key_column} "
                              f"FROM read_parquet({self._listing(self.files[name])})", [self.key_value])
                if adopted.moved.get(name):
                    c.execute("CALL ducklake_add_data_files(?, ?, ?, schema => ?)", [adopted.database, name, adopted.moved[name], self.schema])
                elif self.whole_files[name]:
                    cols = ", ".join(self.schemas[name])
                    c.execute(f"INSERT INTO {table} BY NAME SELECT {cols}, {self.key_column} FROM read_parquet({self._listing(self.whole_files[name])})")

        try:
            adopted.move()
            write_transaction(self.conn, swap, self.what, self.policy)
        except BaseException:
            adopted.move_back()  # not committed: the files go back to staging, where abort or the run's end removes them
            raise
        self._discard()

    def abort(self) -> None:
        self._discard()

    def _discard(self) -> None:
        if self._own_dir and self.staging_dir is not None:
            shutil.rmtree(self.staging_dir, ignore_errors=True)
        self.files = {name: [] for name in self.schemas}
        self.whole_files = {name: [] for name in self.schemas}


class _DataFileMove:
    """Staged whole-row Parquet files moved into a DuckLake's data path, each into its table's directory
    (so the catalog records it relative to the data path and a copied lake keeps working), named
    `instructie-<random>-<name>`. Not for a plain DuckDB database or an object-store data path: `moved`
    stays empty and the files are copied in by INSERT. Files moved but never committed (a killed run)
    are orphans DuckLake ignores; `CALL ducklake_delete_orphaned_files('lake')` removes them."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, schema: str, files: dict[str, list[str]]):
        self.conn, self.schema, self.files = conn, schema, files
        self.moved: dict[str, list[str]] = {}
        self.database = ""
        self._done: list[tuple[str, str]] = []  # (staged, moved)

    def _table_directories(self) -> dict[str, str] | None:
        if not any(self.files.values()):
            return None
        (database,) = self.conn.execute("SELECT current_database()").fetchone()
        if database not in {d for (d,) in self.conn.execute("SELECT database_name FROM duckdb_databases() WHERE type = 'ducklake'").fetchall()}:
            return None
        (data_path,) = self.conn.execute(f"SELECT data_path FROM ducklake_settings('{_ident(database)}')").fetchone()
        if not data_path or "://" in data_path:
            return None
        self.database = database
        meta = f"__ducklake_metadata_{database}"
        schema_path = self.conn.execute(
            f"SELECT path, path_is_relative FROM {meta}.ducklake_schema WHERE schema_name = ? AND end_snapshot IS NULL", [self.schema]).fetchall()
        if len(schema_path) != 1 or not schema_path[0][1]:
            return None
        base = os.path.join(data_path, schema_path[0][0])
        directories = {}
        for name in self.files:
            # an existing table's own directory; a new one gets `<schema path><name>/` (DuckLake's layout)
            found = self.conn.execute(f"SELECT t.path, t.path_is_relative FROM {meta}.ducklake_table t JOIN {meta}.ducklake_schema s USING (schema_id) "
                                      "WHERE s.schema_name = ? AND t.table_name = ? AND t.end_snapshot IS NULL AND s.end_snapshot IS NULL",
                                      [self.schema, name]).fetchall()
            if found and not found[0][1]:
                return None
            directories[name] = os.path.join(base, found[0][0] if found else f"{name}/")
        return directories

    def move(self) -> None:
        directories = self._table_directories()
        if directories is None:
            return
        tag = os.urandom(6).hex()
        try:
            for name, files in self.files.items():
                if files:
                    os.makedirs(directories[name], exist_ok=True)
                for staged in files:
                    target = os.path.join(directories[name], f"instructie-{tag}-{os.path.basename(staged)}")
                    try:
                        os.rename(staged, target)
                    except OSError as exc:
                        if exc.errno != errno.EXDEV:
                            raise
                        shutil.copyfile(staged, target + ".tmp")  # another file system: a copy, whole or not at all
                        os.rename(target + ".tmp", target)
                        os.remove(staged)
                    self._done.append((staged, target))
                    self.moved.setdefault(name, []).append(target)
        except OSError as exc:
            self.move_back(check_catalog=False)
            raise storage_error(exc, "moving the staged files into the lake") from exc

    def move_back(self, check_catalog: bool = True) -> None:
        """Back to staging, after a commit that failed. Where the catalog cannot say the commit did not
        happen (a COMMIT lost with its connection may have gone through), the files stay: an orphan is
        harmless, a data file missing from a committed snapshot is not."""
        if check_catalog and self._done:
            targets = {os.path.realpath(t) for _, t in self._done}
            try:
                listed = {os.path.realpath(f) for name in self.moved for (f,) in self.conn.execute(
                    "SELECT data_file FROM ducklake_list_files(?, ?, schema => ?)", [self.database, name, self.schema]).fetchall()}
            except duckdb.Error:
                return
            if listed & targets:
                return
        for staged, target in reversed(self._done):
            try:
                os.rename(target, staged)
            except OSError:
                try:
                    os.remove(target)
                except OSError:
                    pass
        self._done, self.moved = [], {}


def merge_shard_databases(conn: duckdb.DuckDBPyConnection, shard_dbs: list[str], tables: list[str], key_column: str = "shard",
                          policy: RetryPolicy = RetryPolicy()) -> dict[str, int]:
    """Copy the tables of shard databases (each written by one machine) into `conn`'s database,
    replacing the rows of the shards they hold, in one transaction per shard database. A shard
    database is an embedded lake directory (or a plain DuckDB file)."""
    from instructie_assets.storage.lake import extension_file, lake_location

    copied = {t: 0 for t in tables}
    for i, path in enumerate(shard_dbs):
        alias = f"shard_db_{i}"
        if os.path.isdir(path):
            shard = lake_location(path)
            conn.execute(f"LOAD '{extension_file('sqlite_scanner')}'")
            conn.execute(f"LOAD '{extension_file('ducklake')}'")
            source = f"'ducklake:{shard.catalog.replace(chr(39), chr(39) * 2)}' AS {alias} (DATA_PATH '{shard.data_path}', OVERRIDE_DATA_PATH true, READ_ONLY)"
        elif os.path.isfile(path):
            source = f"'{path.replace(chr(39), chr(39) * 2)}' AS {alias} (READ_ONLY)"
        else:
            raise FileNotFoundError(f"{path}: no such shard database")
        conn.execute(f"ATTACH {source}")
        try:
            held = sorted({k for t in tables for (k,) in conn.execute(f"SELECT DISTINCT {key_column} FROM {alias}.main.{_ident(t)}").fetchall()})

            def copy(c: duckdb.DuckDBPyConnection) -> dict[str, int]:
                counts = {}
                for t in tables:
                    table = _ident(t)
                    c.execute(f"CREATE TABLE IF NOT EXISTS main.{table} AS SELECT * FROM {alias}.main.{table} LIMIT 0")
                    if held:
                        c.execute(f"DELETE FROM main.{table} WHERE {key_column} IN ({', '.join('?' * len(held))})", held)
                    c.execute(f"INSERT INTO main.{table} BY NAME SELECT * FROM {alias}.main.{table}")
                    counts[t] = c.execute(f"SELECT count(*) FROM {alias}.main.{table}").fetchone()[0]
                return counts

            for t, n in write_transaction(conn, copy, f"merging {path}", policy).items():
                copied[t] += n
        finally:
            conn.execute(f"DETACH {alias}")
    return copied
