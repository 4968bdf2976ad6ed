"""Helper for tests/test_end_to_end.py: materialize one filtered_triples partition with heavy sampling,
optionally stopping inside the write (after the delete and insert, before the commit) for a SIGKILL."""

import sys
import time

import dagster as dg

from instructie_assets import io_managers
from instructie_assets.definitions import ASSETS, build_resources
from instructie_assets.partitions import theme_language_key
from instructie_assets.paths import SAMPLE_WIKIDATA, SAMPLE_WIKIPEDIA

db, marker, hang = sys.argv[1], sys.argv[2], sys.argv[3] == "hang"
original = io_managers.PolarsTableHandler.handle_output


def handle_output(self, context, table_slice, obj, connection):
    original(self, context, table_slice, obj, connection)
    if table_slice.table == "filtered_triples":
        with open(marker, "w") as fh:
            fh.write(str(obj.filter(obj["drop_reason"] == "sampling").height))
        if hang:
            time.sleep(300)


io_managers.PolarsTableHandler.handle_output = handle_output
result = dg.materialize(
    ASSETS, selection=["filtered_triples"], partition_key=theme_language_key("person", "en"),
    resources=build_resources(db, SAMPLE_WIKIPEDIA, SAMPLE_WIKIDATA, "/tmp/unused-exports", nli_model="none"),
    run_config={"ops": {"filtered_triples": {"config": {"sampling_threshold": 0, "sampling_exponent": 8.0}}}},
)
sys.exit(0 if result.success else 1)
