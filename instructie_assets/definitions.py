"""The one Definitions object of instructie."""

from __future__ import annotations

import os

import dagster as dg

from instructie_assets.assets import dumps, exports, stages, theme_training
from instructie_assets.checks import CHECKS
from instructie_assets.jobs import JOBS
from instructie_assets.sensors import project_files_sensor
from instructie_assets.io_managers import InstructieIOManager
from instructie_assets.clients import (
    DEFAULT_BATCH_ROWS, DuckDBWikidataSource, DuckLakeResource, DumpSources, ExportSettings, NerSettings, NliSettings, ProjectFiles,
    QualitySettings, ThemeClassifierSettings,
)
from instructie_assets.paths import RESOURCE_DIR, SAMPLE_GOLD, SAMPLE_WIKIDATA, SAMPLE_WIKIPEDIA


def build_assets(wikidata_shards: int = 1) -> list:
    """Every asset; the Wikidata tables partitioned into `wikidata_shards` shards of the dump."""
    return [dumps.wikidata_tables_asset(wikidata_shards), *dg.load_assets_from_modules([dumps, stages, exports, theme_training])]


ASSETS = build_assets()


def build_resources(
    db: str, wikipedia: list[str], wikidata: str, out_dir: str, tolerant: bool = False, gold: list[str] | None = None,
    nli_model: str | None = None, ner_model: str | None = None, workers: int = 0,
    theme_model: str | None = None, theme_mode: str = "fallback", data_path: str = "", allow_empty: bool = False,
    batch_rows: int = DEFAULT_BATCH_ROWS, duckdb_memory_limit: str = "",
) -> dict:
    """`db`: the lake (a directory, or postgres:<dsn> with `data_path`; see storage/lake.py)."""
    lake = DuckLakeResource(db=db, data_path=data_path, allow_empty=allow_empty, batch_rows=batch_rows,
                            duckdb_memory_limit=duckdb_memory_limit or os.environ.get("INSTRUCTIE_DUCKDB_MEMORY_LIMIT", ""))
    location = lake.location()
    return {
        "io_manager": InstructieIOManager(lake=lake),
        "null_io_manager": dg.FilesystemIOManager(base_dir=os.path.join(location.directory or location.staging_dir, "dagster_storage")),
        "duckdb": lake,
        "wikidata": DuckDBWikidataSource(duckdb=lake),
        "dumps": DumpSources(wikipedia=wikipedia, wikidata=wikidata, tolerant=tolerant, workers=workers),
        "project": ProjectFiles(),
        "exports": ExportSettings(out_dir=out_dir),
        "quality": QualitySettings(gold=list(gold or [])),
        "nli": NliSettings() if nli_model is None else NliSettings(model=nli_model),
        "ner": NerSettings(model=ner_model or ""),
        "theme_classifier": ThemeClassifierSettings(model=theme_model or "", mode=theme_mode),
    }


def executor_for(name: str, config_file: str | None = None) -> dg.ExecutorDefinition:
    """multiprocess (default), in_process, celery (dagster-celery) or k8s (dagster-k8s, one Kubernetes
    Job per step). The last two take their configuration from `config_file` (default
    resources/executors/<name>.yaml, the `execution.config` of a run config), so backfills and
    sensor runs need no run config."""
    if name == "multiprocess":
        return dg.multiprocess_executor
    if name == "in_process":
        return dg.in_process_executor
    if name == "celery":
        from dagster_celery import celery_executor as executor
    elif name == "k8s":
        from dagster_k8s import k8s_job_executor as executor
    else:
        raise ValueError(f"INSTRUCTIE_EXECUTOR must be multiprocess, in_process, celery or k8s, not {name!r}")
    import yaml

    path = config_file or str(RESOURCE_DIR / "executors" / f"{name}.yaml")
    with open(path, encoding="utf-8") as fh:
        config = (yaml.safe_load(fh) or {}).get("execution", {}).get("config", {})
    # validate now, naming the file, rather than at the first run on a cluster
    probe = dg.GraphDefinition(name="executor_config_probe", node_defs=[_noop]).to_job(executor_def=executor)
    try:
        dg.validate_run_config(probe, {"execution": {"config": config}})
    except dg.DagsterInvalidConfigError as exc:
        raise dg.DagsterInvalidConfigError(f"{path}: invalid {name} executor config", exc.errors, config) from exc
    return executor.configured(config, name=executor.name)


@dg.op
def _noop() -> None:
    pass


def build_definitions(executor: str = "multiprocess", executor_config: str | None = None, wikidata_shards: int = 1,
                      resources: dict | None = None, **resource_args) -> dg.Definitions:
    """The graph with its jobs, checks and sensor; `resources` replaces those built from `resource_args`."""
    return dg.Definitions(
        assets=build_assets(wikidata_shards), asset_checks=CHECKS, jobs=list(JOBS), sensors=[project_files_sensor],
        resources=resources if resources is not None else build_resources(**resource_args), executor=executor_for(executor, executor_config),
    )


# `dagster dev` / the UI: the sample corpus unless INSTRUCTIE_* variables point elsewhere.
defs = build_definitions(
    executor=os.environ.get("INSTRUCTIE_EXECUTOR", "multiprocess"),
    executor_config=os.environ.get("INSTRUCTIE_EXECUTOR_CONFIG"),
    # INSTRUCTIE_WIKIDATA_SHARDS=N: the Wikidata tables as N partitions K-of-N (one per worker or machine)
    wikidata_shards=int(os.environ.get("INSTRUCTIE_WIKIDATA_SHARDS", "1")),
    db=os.environ.get("INSTRUCTIE_DB", "data/instructie"),
    data_path=os.environ.get("INSTRUCTIE_DATA_PATH", ""),
    allow_empty=os.environ.get("INSTRUCTIE_ALLOW_EMPTY", "") in ("1", "true", "yes"),
    batch_rows=int(os.environ.get("INSTRUCTIE_BATCH_ROWS", "0")) or DEFAULT_BATCH_ROWS,
    wikipedia=[p for p in os.environ.get("INSTRUCTIE_WIKIPEDIA", ",".join(SAMPLE_WIKIPEDIA)).split(",") if p],
    wikidata=os.environ.get("INSTRUCTIE_WIKIDATA", SAMPLE_WIKIDATA),
    out_dir=os.environ.get("INSTRUCTIE_EXPORT_DIR", "data/exports"),
    # the sample's gold files only go with the sample dumps
    nli_model=os.environ.get("INSTRUCTIE_NLI_MODEL"),
    ner_model=os.environ.get("INSTRUCTIE_NER_MODEL"),
    theme_model=os.environ.get("INSTRUCTIE_THEME_MODEL"),
    theme_mode=os.environ.get("INSTRUCTIE_THEME_MODE", "fallback"),
    gold=[p for p in os.environ.get("INSTRUCTIE_GOLD", "" if "INSTRUCTIE_WIKIPEDIA" in os.environ else ",".join(map(str, SAMPLE_GOLD.values()))).split(",") if p],
)
