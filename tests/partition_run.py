"""Helper for tests/test_postgres_lake.py: one process materializing theme x language partitions of a lake,
as a Dagster run on a worker would (`stage`: paragraphs only, or everything after them)."""

import logging
import sys

import dagster as dg

from instructie_assets.definitions import ASSETS, build_resources
from instructie_assets.partitions import theme_language_key
from instructie_assets.paths import SAMPLE_WIKIDATA, SAMPLE_WIKIPEDIA
from instructie_assets.runner import STAGE_KEYS

db, data_path, out, stage, *partitions = sys.argv[1:]
retries = []
logging.getLogger("instructie_assets.core.lake").addHandler(type("Count", (logging.Handler,), {"emit": lambda self, record: retries.append(1)})())
logging.getLogger("instructie_assets.core.lake").setLevel(logging.INFO)
resources = build_resources(db, SAMPLE_WIKIPEDIA, SAMPLE_WIKIDATA, out, nli_model="none", data_path=data_path)
for partition in partitions:
    theme, language = partition.split("|")
    result = dg.materialize(ASSETS, selection=["paragraphs"] if stage == "paragraphs" else STAGE_KEYS, resources=resources,
                            partition_key=theme_language_key(theme, language), raise_on_error=False)
    if not result.success:
        failure = next(e for e in result.all_events if e.is_step_failure)
        print(f"{partition}: {failure.step_failure_data.error.message}", file=sys.stderr)
        sys.exit(1)
print(f"commit retries: {len(retries)}")
