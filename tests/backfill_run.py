"""Helper for the backfill test: one partition run of the refresh_stages job (filtered_triples and
instruction_splits), multiprocess executor, against a shared DuckDB file and Dagster instance."""

import sys

import dagster as dg

from instructie_assets.definitions import build_definitions
from instructie_assets.partitions import theme_language_key
from instructie_assets.paths import SAMPLE_WIKIDATA, SAMPLE_WIKIPEDIA



def stages_job():
    db = sys.argv[1]
    defs = build_definitions(db=db, wikipedia=SAMPLE_WIKIPEDIA, wikidata=SAMPLE_WIKIDATA, out_dir=db + ".exports", nli_model="none")
    return defs.resolve_job_def("refresh_stages")


if __name__ == "__main__":
    theme, language = sys.argv[2].split("/")
    key = theme_language_key(theme, language)
    with dg.DagsterInstance.get() as instance:
        result = dg.execute_job(
            dg.reconstructable(stages_job), instance=instance,
            asset_selection=[dg.AssetKey("filtered_triples"), dg.AssetKey("instruction_splits")],
            tags={"dagster/partition": str(key), "dagster/partition/theme": theme, "dagster/partition/language": language},
            run_config={"execution": {"config": {"max_concurrent": 2}}},
        )
    sys.exit(0 if result.success else 1)
