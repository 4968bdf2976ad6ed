"""Helper for tests/test_end_to_end.py: materialize one filtered_triples partition with heavy sampling,
optionally stopping inside the write (after the delete and insert, before the commit) for a SIGKILL."""

import sys
import time

import dagster as dg

from instructie_assets.storage import duckdb_tables
from instructie_assets.definitions import ASSETS, build_resources
from instructie_assets.partitions import theme_language_key
from instructie_assets.paths import SAMPLE_WIKIDATA, SAMPLE_WIKIPEDIA

db, marker, hang = sys.argv[1], sys.argv[2], sys.argv[3] == "hang"
original = duckdb_tables.write_transaction


def write_transaction(conn, work, what, policy=duckdb_tables.RetryPolicy()):
    def work_then_stop(c):
        result = work(c)  # the partition's rows deleted and the new ones inserted, not committed
        if what.startswith("writing filtered_triples"):
            (sampled,) = c.execute("SELECT count(*) FROM main.filtered_triples WHERE theme = 'person' AND language = 'en' "
                                   "AND drop_reason = 'sampling'").fetchone()
            with open(marker, "w") as fh:
                fh.write(str(sampled))
            if hang:
                time.sleep(300)
        return result

    return original(conn, work_then_stop, what, policy)


duckdb_tables.write_transaction = write_transaction
result = dg.materialize(
    ASSETS, selection=["filtered_triples"], partition_key=theme_language_key("person", "en"),
    resources=build_resources(db, SAMPLE_WIKIPEDIA, SAMPLE_WIKIDATA, "/tmp/unused-exports", nli_model="none"),
    run_config={"ops": {"filtered_triples": {"config": {"sampling_threshold": 0, "sampling_exponent": 8.0}}}},
)
sys.exit(0 if result.success else 1)
