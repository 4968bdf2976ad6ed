"""The DuckDB IO manager of the stage tables: polars frames, written transactionally, by column name.

dagster-duckdb-polars deletes a partition's rows and inserts the new ones as separate autocommitted
statements, inserts by position, and skips empty frames (so a table may never be created). Here the
delete and the insert share one transaction (a run killed in between leaves the previous rows), the
insert matches columns by name, and an empty frame still creates its table.
"""

from contextlib import contextmanager

import polars as pl
from dagster._core.storage.db_io_manager import DbIOManager
from dagster_duckdb.io_manager import DuckDbClient
from dagster_duckdb_polars import DuckDBPolarsIOManager, DuckDBPolarsTypeHandler


class TransactionalDuckDbClient(DuckDbClient):
    @staticmethod
    def delete_table_slice(context, table_slice, connection) -> None:
        # a failed statement would abort the transaction, so look before deleting
        (exists,) = connection.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [table_slice.schema, table_slice.table],
        ).fetchone()
        if exists:
            DuckDbClient.delete_table_slice(context, table_slice, connection)

    @staticmethod
    @contextmanager
    def connect(context, table_slice):
        with DuckDbClient.connect(context, table_slice) as conn:
            conn.execute("BEGIN TRANSACTION")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")


class PolarsTableHandler(DuckDBPolarsTypeHandler):
    def handle_output(self, context, table_slice, obj: pl.DataFrame, connection):
        obj_arrow = obj.to_arrow()  # noqa: F841  (read by the SQL below)
        table = f"{table_slice.schema}.{table_slice.table}"
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {table_slice.schema}")
        connection.execute(f"CREATE TABLE IF NOT EXISTS {table} AS SELECT * FROM obj_arrow LIMIT 0")
        if obj.height:
            connection.execute(f"INSERT INTO {table} BY NAME SELECT * FROM obj_arrow")
        context.add_output_metadata({"row_count": obj.height})


class InstructieIOManager(DuckDBPolarsIOManager):
    """DuckDBPolarsIOManager with transactional, by-name, empty-safe writes."""

    @staticmethod
    def type_handlers():
        return [PolarsTableHandler()]

    def create_io_manager(self, context) -> DbIOManager:
        return DbIOManager(
            db_client=TransactionalDuckDbClient(), database=self.database, schema=self.schema_,
            type_handlers=self.type_handlers(), default_load_type=pl.DataFrame, io_manager_name="InstructieIOManager",
        )
