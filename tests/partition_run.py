"""Helper for tests/test_postgres_lake.py: one process materializing partitions of a lake, as a Dagster run
on a worker would: `stage` is the job (refresh_paragraphs, find_duplicate_texts, refresh_stages), the
partitions `theme|language` (or `language` for find_duplicate_texts)."""

import logging
import sys

import dagster as dg

from instructie_assets.definitions import build_definitions, build_resources
from instructie_assets.partitions import theme_language_key
from instructie_assets.paths import SAMPLE_WIKIDATA, SAMPLE_WIKIPEDIA

db, data_path, out, stage, *partitions = sys.argv[1:]
retries = []
logging.getLogger("instructie_assets.storage.lake").addHandler(type("Count", (logging.Handler,), {"emit": lambda self, record: retries.append(1)})())
logging.getLogger("instructie_assets.storage.lake").setLevel(logging.INFO)
resources = build_resources(db, SAMPLE_WIKIPEDIA, SAMPLE_WIKIDATA, out, nli_model="none", data_path=data_path)
job = build_definitions(executor="in_process", resources=resources).resolve_job_def(stage)
for partition in partitions:
    key = theme_language_key(*partition.split("|")) if "|" in partition else partition
    result = job.execute_in_process(partition_key=key, instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    if not result.success:
        failure = next(e for e in result.all_events if e.is_step_failure)
        print(f"{partition}: {failure.step_failure_data.error.message}", file=sys.stderr)
        sys.exit(1)
print(f"commit retries: {len(retries)}")
