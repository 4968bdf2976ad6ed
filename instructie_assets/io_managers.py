"""The IO manager of the stage tables: polars frames in the DuckLake, one partition per transaction.

Writing a partition deletes its rows and inserts the new ones in one transaction (a run killed in
between leaves the previous rows), matches columns by name, creates the table even from an empty
frame, refuses to replace a non-empty partition with an empty one unless `allow_empty`, and runs the
transaction again when it conflicts with another run's commit to the same table (bounded; see
`core.lake.write_transaction`). Reading a partition selects its rows by the asset's `partition_expr`.
"""

from __future__ import annotations

import dagster as dg
import polars as pl

from instructie_assets.clients import DuckLakeResource
from instructie_assets.core.duckdb_tables import replace_partition
from instructie_assets.core.lake import table_exists


def _partition_filter(partition_expr: dict[str, str] | str | None, keys: list) -> tuple[str, list]:
    """SQL condition and parameters selecting the rows of the given partition keys."""
    if partition_expr is None or not keys:
        return "true", []
    if isinstance(partition_expr, str):
        return f"{partition_expr} IN ({', '.join('?' * len(keys))})", [str(k) for k in keys]
    columns = sorted(partition_expr)
    keys = [k if hasattr(k, "keys_by_dimension") else dg.MultiPartitionKey(dict(zip(columns, str(k).split("|")))) for k in keys]
    tuples = [[k.keys_by_dimension[c] for c in columns] for k in keys]
    cond = " OR ".join("(" + " AND ".join(f"{partition_expr[c]} = ?" for c in columns) + ")" for _ in tuples)
    return f"({cond})", [v for t in tuples for v in t]


class InstructieIOManager(dg.ConfigurableIOManager):
    """Stage tables (`main.<asset name>`) in the DuckLake of `lake`."""

    lake: DuckLakeResource
    schema_: str = "main"

    def handle_output(self, context: dg.OutputContext, obj: pl.DataFrame) -> None:
        if not isinstance(obj, pl.DataFrame):
            raise TypeError(f"{context.asset_key.to_user_string()}: the IO manager stores polars DataFrames, not {type(obj).__name__}")
        table = context.asset_key.path[-1]
        key: dict[str, object] = {}
        if context.has_asset_partitions:
            expr = context.definition_metadata.get("partition_expr")
            partition = context.asset_partition_key
            if isinstance(expr, dict):
                key = {column: partition.keys_by_dimension[dim] for dim, column in expr.items()}
            elif expr:
                key = {expr: str(partition)}
            else:
                raise ValueError(f"{table}: a partitioned asset needs `partition_expr` metadata to be stored")
        rows_of = ", ".join(f"{column}={value}" for column, value in key.items()) or "all rows"
        what = f"writing {table} ({rows_of}) to {self.lake.location().describe()}"
        with self.lake.get_connection() as conn:
            rows = replace_partition(conn, table, obj, key, what, allow_empty=self.lake.allow_empty, schema=self.schema_)
        context.add_output_metadata({"row_count": rows})

    def load_input(self, context: dg.InputContext) -> pl.DataFrame:
        table = context.asset_key.path[-1]
        upstream = context.upstream_output
        expr = upstream.definition_metadata.get("partition_expr") if upstream is not None else None
        keys = list(context.asset_partition_keys) if context.has_asset_partitions else []
        where, params = _partition_filter(expr, keys)
        with self.lake.get_connection() as conn:
            if not table_exists(conn, table, self.schema_):
                raise ValueError(f"{table}: no such table in {self.lake.location().describe()}; materialize {table} first")
            return conn.execute(f"SELECT * FROM {self.schema_}.{table} WHERE {where}", params).pl()
