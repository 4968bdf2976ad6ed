"""Change-driven re-materialization: a sensor over the user-editable project files.

The cursor holds a content hash per file. An edited file re-materializes the first asset that reads
it and everything downstream of that asset in the build, found in the asset graph: an edited theme
schema, exactly that theme's partitions (both languages); an edited relation map, type taxonomy,
theme map or NLI template file, every partition. The request is one asset backfill, so Dagster runs
it in the graph's dependency order across partitions definitions (articles per language before the
paragraphs of every theme, the duplicate texts of a language before its splits, the card last). An
added or removed schema file is reported (its partitions change only when the code location
reloads). An invalid edit requests nothing, says why, and keeps the old cursor, so the fix is seen as
the change.
"""

import functools
import hashlib
import json
import operator
from pathlib import Path

import dagster as dg
from dagster._core.definitions.assets.graph.asset_graph_subset import AssetGraphSubset
from dagster._core.definitions.events import AssetKeyPartitionKey

from instructie_assets.clients import ProjectFiles
from instructie_assets.core.schemas import SchemaError
from instructie_assets.jobs import BUILD_JOBS
from instructie_assets.partitions import THEMES

# The first asset that reads each watched file; it and its downstream assets are re-materialized.
FIRST_READER = {
    "theme_schemas": "candidate_triples",
    "relation_map.yaml": "candidate_triples",
    "nli_templates": "filtered_triples",
    "type_taxonomy.yaml": "articles",
    "theme_map.yaml": "articles",
}


def project_file_hashes(project: ProjectFiles) -> dict[str, str]:
    """Relative name -> sha256 of every file the sensor watches."""
    schema_dir, resource_dir = Path(project.schema_dir), Path(project.resource_dir)
    files = {f"theme_schemas/{p.name}": p for p in sorted(schema_dir.glob("*.yaml"))}
    for name in ("relation_map.yaml", "type_taxonomy.yaml", "theme_map.yaml"):
        files[f"resources/{name}"] = resource_dir / name
    files.update({f"resources/nli_templates/{p.name}": p for p in sorted((resource_dir / "nli_templates").glob("*.yaml"))})
    return {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in files.items() if path.exists()}


def _watched_kind(name: str) -> str | None:
    if name.startswith("theme_schemas/"):
        return "theme_schemas"
    if name.startswith("resources/nli_templates/"):
        return "nli_templates"
    return name.split("/", 1)[1] if name.startswith("resources/") else None


def changed_readers(old: dict[str, str], new: dict[str, str]) -> tuple[dict[str, set[str] | None], list[str]]:
    """First reader asset -> the themes whose partitions an edit affects (None: every theme), and
    lines reporting what changed."""
    changed = sorted(k for k in new if k in old and old[k] != new[k])
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    notes = [f"{k}: added (a new theme's partitions appear when the code location reloads)" for k in added if k.startswith("theme_schemas/")]
    notes += [f"{k}: removed (its partitions stay until the code location reloads; their data is kept)" for k in removed if k.startswith("theme_schemas/")]
    readers: dict[str, set[str] | None] = {}
    for name in changed + [k for k in added if not k.startswith("theme_schemas/")]:
        kind = _watched_kind(name)
        if kind not in FIRST_READER:
            continue
        reader = FIRST_READER[kind]
        if kind == "theme_schemas":
            theme = Path(name).stem
            if theme not in THEMES:
                notes.append(f"{name}: changed, but {theme} is not a partition yet (reload the code location)")
                continue
            if reader not in readers or readers[reader] is not None:
                readers.setdefault(reader, set()).add(theme)
            notes.append(f"{name}: changed ({new[name][:12]}) -> {theme}, every language")
        else:
            readers[reader] = None
            notes.append(f"{name}: changed ({new[name][:12]}) -> every partition")
    return readers, notes


def affected_partitions(readers: dict[str, set[str] | None], asset_graph) -> set[AssetKeyPartitionKey]:
    """The partitions of the build's assets downstream of each reader (for the given themes), each
    asset together with those it is computed with (a multi-asset runs whole)."""
    build = BUILD_SELECTION.resolve(asset_graph)
    out: set[AssetKeyPartitionKey] = set()
    for reader, themes in readers.items():
        keys = dg.AssetSelection.assets(reader).downstream().resolve(asset_graph) & build
        keys |= {k for key in keys for k in asset_graph.get(key).execution_set_asset_keys}
        for key in sorted(keys):
            partitions = asset_graph.get(key).partitions_def
            if partitions is None:
                out.add(AssetKeyPartitionKey(key, None))
                continue
            for partition in partitions.get_partition_keys():
                by_dimension = getattr(partition, "keys_by_dimension", {})
                if themes is None or by_dimension.get("theme", None) in themes or "theme" not in by_dimension:
                    out.add(AssetKeyPartitionKey(key, partition))
    return out


BUILD_SELECTION = functools.reduce(operator.or_, (job.selection for job in BUILD_JOBS))


@dg.sensor(
    name="project_files_sensor", minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.STOPPED, asset_selection=BUILD_SELECTION,
    description="Re-materializes exactly what an edit of theme_schemas/ or resources/ affects, as one backfill in the graph's order.",
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
    readers, notes = changed_readers(old, new)
    for line in notes:
        context.log.info(line)
    cursor = json.dumps(new, sort_keys=True)
    if not readers:
        return dg.SensorResult(cursor=cursor, skip_reason="; ".join(notes) or "only unwatched changes")
    asset_graph = context.repository_def.asset_graph
    subset = AssetGraphSubset.from_asset_partition_set(affected_partitions(readers, asset_graph), asset_graph)
    stamp = hashlib.sha256(cursor.encode()).hexdigest()[:16]
    return dg.SensorResult(run_requests=[dg.RunRequest.for_asset_graph_subset(subset, tags={"instructie/project_files": stamp})], cursor=cursor)
