"""Change-driven re-materialization: a sensor over the user-editable project files.

The cursor holds a content hash per file. An edited theme schema requests runs for exactly that theme's
partitions (both languages) of the assets downstream of the schema; an edited relation map, type
taxonomy, theme map or NLI template file requests the assets it affects in every partition. An added
or removed schema file is reported (its partitions change only when the code location reloads). An
invalid edit requests nothing, says why, and keeps the old cursor, so the fix is seen as the change.
"""

import hashlib
import json
from pathlib import Path

import dagster as dg

from instructie_assets.clients import ProjectFiles
from instructie_assets.core.schemas import LANGUAGES, SchemaError
from instructie_assets.partitions import THEMES, theme_language_key

SCHEMA_DOWNSTREAM = ["candidate_triples", "filtered_triples", "instruction_splits", "dataset_exports"]
AFFECTS = {
    # resource file -> (language-partitioned assets, theme x language assets)
    "relation_map.yaml": ([], SCHEMA_DOWNSTREAM),
    "nli_templates": ([], ["filtered_triples", "instruction_splits", "dataset_exports"]),
    "type_taxonomy.yaml": (["articles", "wikipedia_redirects"], ["paragraphs", "entity_mentions", "resolved_entities", *SCHEMA_DOWNSTREAM]),
    "theme_map.yaml": (["articles", "wikipedia_redirects"], ["paragraphs", "entity_mentions", "resolved_entities", *SCHEMA_DOWNSTREAM]),
}


def project_file_hashes(project: ProjectFiles) -> dict[str, str]:
    """Relative name -> sha256 of every file the sensor watches."""
    schema_dir, resource_dir = Path(project.schema_dir), Path(project.resource_dir)
    files = {f"theme_schemas/{p.name}": p for p in sorted(schema_dir.glob("*.yaml"))}
    for name in ("relation_map.yaml", "type_taxonomy.yaml", "theme_map.yaml"):
        files[f"resources/{name}"] = resource_dir / name
    files.update({f"resources/nli_templates/{p.name}": p for p in sorted((resource_dir / "nli_templates").glob("*.yaml"))})
    return {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in files.items() if path.exists()}


def _affected(name: str) -> str | None:
    if name.startswith("resources/nli_templates/"):
        return "nli_templates"
    return name.split("/", 1)[1] if name.startswith("resources/") else None


def plan_runs(old: dict[str, str], new: dict[str, str]) -> tuple[list[dg.RunRequest], list[str]]:
    """The run requests an edit needs, and lines reporting what changed."""
    changed = sorted(k for k in new if k in old and old[k] != new[k])
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    notes = [f"{k}: added (a new theme's partitions appear when the code location reloads)" for k in added if k.startswith("theme_schemas/")]
    notes += [f"{k}: removed (its partitions stay until the code location reloads; their data is kept)" for k in removed if k.startswith("theme_schemas/")]
    by_partition: dict[tuple[str, str], set[str]] = {}
    by_language: dict[str, set[str]] = {}
    for name in changed + [k for k in added if not k.startswith("theme_schemas/")]:
        tag = new[name][:12]
        if name.startswith("theme_schemas/"):
            theme = Path(name).stem
            if theme not in THEMES:
                notes.append(f"{name}: changed, but {theme} is not a partition yet (reload the code location)")
                continue
            for lang in LANGUAGES:
                by_partition.setdefault((theme, lang), set()).update(SCHEMA_DOWNSTREAM)
            notes.append(f"{name}: changed ({tag}) -> {theme} x {', '.join(LANGUAGES)}")
            continue
        kind = _affected(name)
        if kind in AFFECTS:
            per_language, per_partition = AFFECTS[kind]
            for lang in LANGUAGES:
                if per_language:
                    by_language.setdefault(lang, set()).update(per_language)
                for theme in THEMES:
                    by_partition.setdefault((theme, lang), set()).update(per_partition)
            notes.append(f"{name}: changed ({tag}) -> every partition")
    stamp = hashlib.sha256(json.dumps(new, sort_keys=True).encode()).hexdigest()[:16]
    runs = [
        dg.RunRequest(run_key=f"{stamp}:{lang}", job_name=articles_job.name, partition_key=lang,
                      asset_selection=[dg.AssetKey(a) for a in sorted(assets)])
        for lang, assets in sorted(by_language.items())
    ]
    runs += [
        dg.RunRequest(run_key=f"{stamp}:{lang}|{theme}", job_name=stages_job.name, partition_key=theme_language_key(theme, lang),
                      asset_selection=[dg.AssetKey(a) for a in sorted(assets)])
        for (theme, lang), assets in sorted(by_partition.items())
    ]
    if runs:
        runs.append(dg.RunRequest(run_key=f"{stamp}:card", job_name=card_job.name, asset_selection=[dg.AssetKey("dataset_card")]))
    return runs, notes


# One job per partitions definition (a run targets one): languages, theme x language, the card.
articles_job = dg.define_asset_job("refresh_articles", selection=["articles", "wikipedia_redirects"])
stages_job = dg.define_asset_job(
    "refresh_stages", selection=["paragraphs", "entity_mentions", "resolved_entities", *SCHEMA_DOWNSTREAM],
)
card_job = dg.define_asset_job("refresh_dataset_card", selection=["dataset_card"])
# The tail of a partition (re-filter, re-split, re-export): what a backfill after a filter change needs.
outputs_job = dg.define_asset_job("refresh_outputs", selection=["filtered_triples", "instruction_splits", "dataset_exports"])


@dg.sensor(
    name="project_files_sensor", minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.STOPPED,
    jobs=[articles_job, stages_job, card_job],
    description="Re-materializes exactly what an edit of theme_schemas/ or resources/ affects.",
)
def project_files_sensor(context: dg.SensorEvaluationContext, project: ProjectFiles):
    new = project_file_hashes(project)
    if context.cursor is None:
        return dg.SensorResult(cursor=json.dumps(new, sort_keys=True), skip_reason=f"recorded {len(new)} project files")
    old = json.loads(context.cursor)
    if old == new:
        return dg.SkipReason("no project file changed")
    try:
        config = project.load()
        project.nli_templates(config)
    except (SchemaError, ValueError, OSError) as exc:
        return dg.SkipReason(f"invalid edit, nothing re-materialized (previous data kept): {exc}")
    runs, notes = plan_runs(old, new)
    for line in notes:
        context.log.info(line)
    cursor = json.dumps(new, sort_keys=True)
    if not runs:
        return dg.SensorResult(cursor=cursor, skip_reason="; ".join(notes) or "only unwatched changes")
    return dg.SensorResult(run_requests=runs, cursor=cursor)
