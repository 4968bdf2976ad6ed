"""Run the jobs the Definitions hold, in-process, in the order of the asset graph (the CLI and the tests).

The runner knows no asset keys and no order of its own: `jobs.BUILD_JOBS` says what a build
materializes, the asset graph's dependencies say in which order (a job runs after every job whose
assets its assets read), and each job runs once per partition the options select. A backfill from
the UI follows the same dependencies. Runs carry their job's name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from typing import Literal

import dagster as dg
from tqdm import tqdm

from instructie_assets.assets.theme_training import theme_classifier_model, training_run_config
from instructie_assets.clients import DEFAULT_BATCH_ROWS
from instructie_assets.storage.lake import lake_cursor, lake_location, table_exists
from instructie_assets.storage.run_locks import RunLocks
from instructie_assets.core.schemas import LANGUAGES
from instructie_assets.definitions import build_definitions, build_resources
from instructie_assets.jobs import BUILD_JOBS, DUMP_JOBS, ingest_wikidata_job, train_theme_classifier_job
from instructie_assets.partitions import THEMES, parse_shard, run_lock_unit, selected_partition_keys, shard_keys


class BuildError(RuntimeError):
    pass


@dataclass
class BuildOptions:
    wikipedia: list[str]
    wikidata: str
    db: str
    out_dir: str
    themes: list[str] = field(default_factory=lambda: list(THEMES))
    languages: list[str] = field(default_factory=lambda: list(LANGUAGES))
    tolerant: bool = False
    skip_wikidata: bool = False
    gold: list[str] = field(default_factory=list)
    nli_model: str | None = None  # None: NliSettings' default (the mDeBERTa XNLI model)
    ner_model: str | None = None  # None: no NER model (links, subject, repeats, gazetteer, values only)
    workers: int = 0  # dump-decoding processes; 0 = one per core
    theme_model: str | None = None  # None: themes from Wikidata only
    theme_mode: Literal["fallback", "override", "per_paragraph"] = "fallback"
    stop_after: Literal["", "dumps"] = ""  # "dumps": only the Wikidata and Wikipedia readers
    wikidata_shards: int = 1  # the Wikidata dump read as this many shards, one run each
    log_level: str = "WARNING"  # Dagster's console logger; the CLI sets CRITICAL and keeps the events in a log file
    data_path: str = ""  # with a postgres: catalog in `db`, where the Parquet files go (shared path or s3://...)
    allow_empty: bool = False  # let empty results replace non-empty tables (refused otherwise)
    batch_rows: int = DEFAULT_BATCH_ROWS  # rows per batch of the stages after paragraphs (bounded memory)
    wait: bool = False  # wait for another run writing the same units instead of failing at once

    def __post_init__(self) -> None:
        if self.theme_mode not in ("fallback", "override", "per_paragraph"):
            raise ValueError(f"theme_mode must be fallback, override or per_paragraph, not {self.theme_mode!r}")
        if self.stop_after not in ("", "dumps"):
            raise ValueError(f"stop_after must be '' or 'dumps', not {self.stop_after!r}")


def _resources(options: BuildOptions) -> dict:
    return build_resources(
        options.db, options.wikipedia, options.wikidata, options.out_dir, tolerant=options.tolerant, gold=options.gold,
        nli_model=options.nli_model, ner_model=options.ner_model, workers=options.workers,
        theme_model=options.theme_model, theme_mode=options.theme_mode, data_path=options.data_path, allow_empty=options.allow_empty,
        batch_rows=options.batch_rows,
    )


def _definitions(options: BuildOptions, resources: dict | None = None) -> dg.Definitions:
    return build_definitions(executor="in_process", wikidata_shards=options.wikidata_shards, resources=resources or _resources(options))


def _locked(options: BuildOptions, units: list[str]) -> RunLocks:
    """The run locks of the units a run writes, taken (or LockHeldError; see storage/run_locks.py)."""
    return RunLocks(lake_location(options.db, options.data_path), units).acquire(
        wait=options.wait, say=lambda line: print(f"instructie: {line}", flush=True))


def _instance() -> dg.DagsterInstance:
    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()


@dataclass
class CheckOutcome:
    partition: str
    check: str
    passed: bool
    severity: str
    metadata: dict


def _raise_on_failure(result, what: str) -> None:
    """A failed run as a BuildError naming the step and the underlying error (file, line, byte...)."""
    if result.success:
        return
    for event in result.all_events:
        if event.is_step_failure:
            err = event.step_failure_data.error
            message = err.cause.message if err and err.cause else (err.message if err else "step failed")
            raise BuildError(f"{event.step_key} ({what}): {message.strip()}")
    raise BuildError(f"run for {what} failed")


def _run(defs: dg.Definitions, job_name: str, instance, partition_key=None, run_config: dict | None = None,
         log_level: str = "WARNING") -> tuple[list[CheckOutcome], object]:
    result = defs.resolve_job_def(job_name).execute_in_process(
        instance=instance, partition_key=partition_key, raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}, **(run_config or {})},
    )
    _raise_on_failure(result, str(partition_key or "unpartitioned"))
    outcomes = [
        CheckOutcome(str(partition_key), e.check_name, e.passed, e.severity.value, {k: v.value for k, v in e.metadata.items()})
        for e in result.get_asset_check_evaluations()
    ]
    blocking = [o for o in outcomes if not o.passed and o.severity == "ERROR"]
    if blocking:
        raise BuildError("; ".join(f"check {o.check} failed for {o.partition}: {o.metadata}" for o in blocking))
    return outcomes, result


def job_order(defs: dg.Definitions, jobs) -> list[str]:
    """The names of `jobs` in the asset graph's order: a job comes after every job holding an asset
    that one of its assets depends on (ties by name, so the order given does not matter)."""
    graph = defs.resolve_asset_graph()
    assets_of = {job.name: job.selection.resolve(graph) for job in jobs}
    job_of = {key: name for name, keys in assets_of.items() for key in keys}
    sorter = TopologicalSorter({
        name: {job_of[parent] for key in keys for parent in graph.get(key).parent_keys if job_of.get(parent, name) != name}
        for name, keys in assets_of.items()
    })
    sorter.prepare()
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        order += ready
        sorter.done(*ready)
    return order


def build_plan(defs: dg.Definitions, options: BuildOptions, languages: list[str]) -> list[tuple[str, list]]:
    """(job name, partition keys) in the order the runs go."""
    jobs = [job for job in BUILD_JOBS if not (options.skip_wikidata and job is ingest_wikidata_job)]
    if options.stop_after == "dumps":
        jobs = [job for job in jobs if job in DUMP_JOBS]
    plan = []
    for name in job_order(defs, jobs):
        partitions = defs.resolve_job_def(name).partitions_def
        plan.append((name, selected_partition_keys(partitions, options.themes, languages, shard_keys(options.wikidata_shards))))
    return plan


def run_plan(defs: dg.Definitions, plan: list[tuple[str, list]], instance, progress: bool = False,
             log_level: str = "WARNING") -> list[CheckOutcome]:
    """Run each job of the plan once per partition key, in order; the asset check outcomes of every run."""
    outcomes = []
    for name, keys in plan:
        for key in tqdm(keys, desc=name, disable=not progress or len(keys) < 2):
            outcomes += _run(defs, name, instance, partition_key=key, log_level=log_level)[0]
    return outcomes


def build(options: BuildOptions, progress: bool = True) -> list[CheckOutcome]:
    """Materialize everything the options select; returns the asset check outcomes of every partition."""
    resources = _resources(options)
    defs = _definitions(options, resources)
    languages = [lang for lang in options.languages if resources["dumps"].wikipedia_for(lang)]
    plan = build_plan(defs, options, languages)
    units = sorted({unit for _, keys in plan for key in keys if (unit := run_lock_unit(key))})
    with _locked(options, units):
        return run_plan(defs, plan, _instance(), progress, options.log_level)


def ingest_wikidata_shard(options: BuildOptions, shard: str) -> None:
    """Materialize one Wikidata shard (`K-of-N`) into `options.db`: the unit of work of one machine."""
    try:
        _, n = parse_shard(shard)
    except ValueError as exc:
        raise BuildError(str(exc)) from None
    options.wikidata_shards = n
    with _locked(options, [run_lock_unit(shard)]):
        _run(_definitions(options), ingest_wikidata_job.name, _instance(), partition_key=shard, log_level=options.log_level)


def train_theme_classifier(options: BuildOptions, base_model: str, model_dir: str, data_dir: str, size: int = 5000, epochs: int = 3,
                           device: str = "auto") -> dict:
    """Materialize the training set and the fine-tuned classifier on an already built database."""
    _, result = _run(_definitions(options), train_theme_classifier_job.name, _instance(),
                     run_config=training_run_config(size, data_dir, base_model, model_dir, epochs, device), log_level=options.log_level)
    (materialization,) = [m for m in result.get_asset_materialization_events() if m.asset_key == theme_classifier_model.key]
    return {k: v.value for k, v in materialization.materialization.metadata.items()}


def theme_changes(options: BuildOptions) -> list[str]:
    """Lines reporting a theme set that differs from the database's: a new theme_schemas/ file adds
    partitions; a theme with rows but no schema file is no longer built (its rows stay, its exports are
    removed by the card)."""
    con = lake_cursor(lake_location(options.db, options.data_path))
    try:
        if not table_exists(con, "paragraphs"):
            return []
        stored = {t for (t,) in con.execute("SELECT DISTINCT theme FROM main.paragraphs").fetchall()}
    finally:
        con.close()
    lines = [f"theme_schemas/{t}.yaml: a new theme: this build adds its partitions ({', '.join(f'{t}|{lang}' for lang in LANGUAGES)})"
             for t in sorted(set(THEMES) - stored) if stored]
    lines += [f"theme {t}: rows in the database but no theme_schemas/{t}.yaml: it is no longer built (its rows stay; its exports are removed)"
              for t in sorted(stored - set(THEMES))]
    return lines


def summary(db: str, data_path: str = "") -> list[dict]:
    """Per partition: paragraphs, triples kept, triples dropped by reason."""
    con = lake_cursor(lake_location(db, data_path))
    try:
        paragraphs = dict(
            ((t, lang), n) for t, lang, n in con.execute("SELECT theme, language, count(*) FROM main.paragraphs GROUP BY ALL").fetchall()
        )
        drops: dict[tuple[str, str], dict[str, int]] = {}
        for t, lang, reason, n in con.execute(
            "SELECT theme, language, coalesce(drop_reason, 'kept'), count(*) FROM main.filtered_triples GROUP BY ALL"
        ).fetchall():
            drops.setdefault((t, lang), {})[reason] = n
    finally:
        con.close()
    out = []
    for key in sorted(set(paragraphs) | set(drops), key=lambda k: (k[1], k[0])):
        d = drops.get(key, {})
        out.append({"theme": key[0], "language": key[1], "paragraphs": paragraphs.get(key, 0), "kept": d.pop("kept", 0), "dropped": d})
    return out
