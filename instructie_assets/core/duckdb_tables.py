"""Writing streamed batches into DuckDB tables, one shard or partition at a time, atomically.

Batches go to staging tables; `commit` swaps them in within one transaction (delete the shard's old
rows, insert the new ones, drop staging). A run that fails or is killed before `commit` leaves the
previous rows untouched; its staging tables are replaced by the next run, so re-running is idempotent.
"""

from __future__ import annotations

import re

import duckdb
import polars as pl

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _ident(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


class StagedTableWriter:
    """Rows of several tables for one value of a key column (a shard number, a language)."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, schemas: dict[str, dict[str, pl.DataType]], key_column: str, key_value,
                 key_dtype: pl.DataType = pl.Int32, schema: str = "main"):
        self.conn, self.schemas = conn, schemas
        self.key_column, self.key_value, self.key_dtype = _ident(key_column), key_value, key_dtype
        self.schema = _ident(schema)
        suffix = re.sub(r"\W", "_", str(key_value))
        self.staging = {name: f"{_ident(name)}__staging_{suffix}" for name in schemas}
        self.rows = {name: 0 for name in schemas}

    def _empty(self, name: str) -> pl.DataFrame:
        return pl.DataFrame(schema={**self.schemas[name], self.key_column: self.key_dtype})

    def begin(self) -> None:
        self.conn.execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
        for name, staging in self.staging.items():
            self.conn.register("_empty", self._empty(name).to_arrow())
            self.conn.execute(f"CREATE OR REPLACE TABLE {self.schema}.{staging} AS SELECT * FROM _empty")
            self.conn.unregister("_empty")

    def write(self, frames: dict[str, pl.DataFrame]) -> None:
        for name, frame in frames.items():
            if frame.is_empty():
                continue
            batch = frame.select(list(self.schemas[name])).with_columns(pl.lit(self.key_value, dtype=self.key_dtype).alias(self.key_column))
            self.conn.register("_batch", batch.to_arrow())
            self.conn.execute(f"INSERT INTO {self.schema}.{self.staging[name]} BY NAME SELECT * FROM _batch")
            self.conn.unregister("_batch")
            self.rows[name] += frame.height

    def commit(self) -> None:
        self.conn.execute("BEGIN TRANSACTION")
        try:
            for name, staging in self.staging.items():
                table = f"{self.schema}.{_ident(name)}"
                self.conn.execute(f"CREATE TABLE IF NOT EXISTS {table} AS SELECT * FROM {self.schema}.{staging} LIMIT 0")
                self.conn.execute(f"DELETE FROM {table} WHERE {self.key_column} = ?", [self.key_value])
                self.conn.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {self.schema}.{staging}")
                self.conn.execute(f"DROP TABLE {self.schema}.{staging}")
            self.conn.execute("COMMIT")
        except Exception:
            self.conn.execute("ROLLBACK")
            raise

    def write_parquet(self, files_by_table: dict[str, list[str]]) -> None:
        """Load staged Parquet files (one scan per table, in parallel inside DuckDB)."""
        for name, files in files_by_table.items():
            if not files:
                continue
            listing = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
            cols = ", ".join(self.schemas[name])
            self.conn.execute(
                f"INSERT INTO {self.schema}.{self.staging[name]} BY NAME "
                f"SELECT {cols}, ?::{'INTEGER' if self.key_dtype == pl.Int32 else 'VARCHAR'} AS {self.key_column} FROM read_parquet([{listing}])",
                [self.key_value],
            )
            self.rows[name] += self.conn.execute(f"SELECT count(*) FROM {self.schema}.{self.staging[name]}").fetchone()[0]

    def abort(self) -> None:
        for staging in self.staging.values():
            self.conn.execute(f"DROP TABLE IF EXISTS {self.schema}.{staging}")


def merge_shard_databases(conn: duckdb.DuckDBPyConnection, shard_dbs: list[str], tables: list[str], key_column: str = "shard") -> dict[str, int]:
    """Copy the tables of shard databases (each written by one machine) into `conn`'s database,
    replacing the rows of the shards they hold, in one transaction per shard database."""
    copied = {t: 0 for t in tables}
    for i, path in enumerate(shard_dbs):
        alias = f"shard_db_{i}"
        conn.execute(f"ATTACH '{path.replace(chr(39), chr(39) * 2)}' AS {alias} (READ_ONLY)")
        try:
            held = sorted({k for t in tables for (k,) in conn.execute(f"SELECT DISTINCT {key_column} FROM {alias}.main.{_ident(t)}").fetchall()})
            conn.execute("BEGIN TRANSACTION")
            try:
                for t in tables:
                    table = _ident(t)
                    conn.execute(f"CREATE TABLE IF NOT EXISTS main.{table} AS SELECT * FROM {alias}.main.{table} LIMIT 0")
                    if held:
                        conn.execute(f"DELETE FROM main.{table} WHERE {key_column} IN ({', '.join('?' * len(held))})", held)
                    conn.execute(f"INSERT INTO main.{table} BY NAME SELECT * FROM {alias}.main.{table}")
                    copied[t] += conn.execute(f"SELECT count(*) FROM {alias}.main.{table}").fetchone()[0]
                conn.execute("COMMIT")
            except Exception:
                conn.execute("ROLLBACK")
                raise
        finally:
            conn.execute(f"DETACH {alias}")
    return copied
