"""Materialize the whole asset graph in-process, phase by phase (used by the CLI and the tests)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import dagster as dg
from tqdm import tqdm

from instructie_assets.core.lake import lake_cursor, lake_location, table_exists
from instructie_assets.core.run_locks import RunLocks
from instructie_assets.core.schemas import LANGUAGES
from instructie_assets.definitions import ASSETS, build_resources
from instructie_assets.partitions import THEMES, shard_keys, theme_language_key

WIKIDATA_KEYS = ["wikidata_labels", "wikidata_sitelinks", "wikidata_item_claims", "wikidata_time_claims", "wikidata_quantity_claims"]
LANGUAGE_KEYS = ["articles", "wikipedia_redirects"]
STAGE_KEYS = ["entity_mentions", "resolved_entities", "candidate_triples", "filtered_triples", "instruction_splits", "dataset_exports"]


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
    theme_mode: str = "fallback"
    stop_after: str = ""  # "dumps": only the Wikidata and Wikipedia readers
    data_path: str = ""  # with a postgres: catalog in `db`, where the Parquet files go (shared path or s3://...)
    allow_empty: bool = False  # let empty results replace non-empty tables (refused otherwise)
    wait: bool = False  # wait for another run writing the same units instead of failing at once


def _resources(options: BuildOptions) -> dict:
    return build_resources(
        options.db, options.wikipedia, options.wikidata, options.out_dir, tolerant=options.tolerant, gold=options.gold,
        nli_model=options.nli_model, ner_model=options.ner_model, workers=options.workers,
        theme_model=options.theme_model, theme_mode=options.theme_mode, data_path=options.data_path, allow_empty=options.allow_empty,
    )


def _locked(options: BuildOptions, units: list[str]) -> RunLocks:
    """The run locks of the units a run writes, taken (or LockHeldError; see core/run_locks.py)."""
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


def _run(selection: list[str], resources: dict, instance, partition_key=None) -> list[CheckOutcome]:
    result = dg.materialize(
        ASSETS, selection=selection, resources=resources, instance=instance, partition_key=partition_key,
        raise_on_error=False, run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
    )
    _raise_on_failure(result, str(partition_key or "unpartitioned"))
    outcomes = [
        CheckOutcome(str(partition_key), e.check_name, e.passed, e.severity.value, {k: v.value for k, v in e.metadata.items()})
        for e in result.get_asset_check_evaluations()
    ]
    blocking = [o for o in outcomes if not o.passed and o.severity == "ERROR"]
    if blocking:
        raise BuildError("; ".join(f"check {o.check} failed for {o.partition}: {o.metadata}" for o in blocking))
    return outcomes


def build(options: BuildOptions, progress: bool = True) -> list[CheckOutcome]:
    """Materialize everything the options select; returns the asset check outcomes of every partition."""
    resources = _resources(options)
    languages = [lang for lang in options.languages if resources["dumps"].wikipedia_for(lang)]
    keys = [(t, lang) for lang in languages for t in options.themes]
    units = ([] if options.skip_wikidata else [f"wikidata-{k}" for k in shard_keys()]) + [f"articles-{lang}" for lang in languages]
    if options.stop_after != "dumps":
        units += [f"partition-{t}-{lang}" for t, lang in keys]
    with _locked(options, units):
        return _build(options, resources, languages, keys, progress)


def _build(options: BuildOptions, resources: dict, languages: list[str], keys: list[tuple[str, str]], progress: bool) -> list[CheckOutcome]:
    instance = _instance()
    if not options.skip_wikidata:
        for key in shard_keys():
            _run(WIKIDATA_KEYS, resources, instance, partition_key=key)
    for lang in languages:
        _run(LANGUAGE_KEYS, resources, instance, partition_key=lang)
    if options.stop_after == "dumps":
        return []
    # paragraphs of every partition first: instruction_splits keeps each text once across partitions
    for theme, lang in tqdm(keys, desc="paragraphs", disable=not progress):
        _run(["paragraphs"], resources, instance, partition_key=theme_language_key(theme, lang))
    outcomes = []
    for theme, lang in tqdm(keys, desc="partitions", disable=not progress):
        outcomes += _run(STAGE_KEYS, resources, instance, partition_key=theme_language_key(theme, lang))
    outcomes += _run(["dataset_card"], resources, instance)
    return outcomes


def ingest_wikidata_shard(options: BuildOptions, shard: str) -> None:
    """Materialize one Wikidata shard (`K-of-N`) into `options.db`: the unit of work of one machine.
    INSTRUCTIE_WIKIDATA_SHARDS must be N in this process (the CLI sets it)."""
    if shard not in shard_keys():
        raise BuildError(f"shard {shard} is not a partition here (INSTRUCTIE_WIKIDATA_SHARDS gives {', '.join(shard_keys())})")
    with _locked(options, [f"wikidata-{shard}"]):
        _run(WIKIDATA_KEYS, _resources(options), _instance(), partition_key=shard)


def train_theme_classifier(options: BuildOptions, base_model: str, model_dir: str, data_dir: str, size: int = 5000, epochs: int = 3,
                           device: str = "auto") -> dict:
    """Materialize the training set and the fine-tuned classifier on an already built database."""
    result = dg.materialize(
        ASSETS, selection=["theme_training_set", "theme_classifier_model"], resources=_resources(options), instance=_instance(),
        raise_on_error=False,
        run_config={"ops": {
            "theme_training_set": {"config": {"size": size, "data_dir": data_dir}},
            "theme_classifier_model": {"config": {"base_model": base_model, "model_dir": model_dir, "data_dir": data_dir, "epochs": epochs, "device": device}},
        }, "loggers": {"console": {"config": {"log_level": "WARNING"}}}},
    )
    _raise_on_failure(result, "theme classifier training")
    materialization = result.asset_materializations_for_node("theme_classifier_model")[0]
    return {k: v.value for k, v in materialization.metadata.items()}


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
