"""The project-files sensor: the backfill it requests and its cursor, for edits, additions and invalid edits."""

import json
import shutil

import dagster as dg
import pytest

from instructie_assets.clients import ProjectFiles
from instructie_assets.definitions import defs
from instructie_assets.partitions import THEMES
from instructie_assets.paths import RESOURCE_DIR, SCHEMA_DIR
from instructie_assets.sensors import project_files_sensor

SCHEMA_DOWNSTREAM = ["candidate_triples", "filtered_triples", "instruction_splits", "dataset_exports"]


@pytest.fixture
def project(tmp_path):
    schemas, resources = tmp_path / "theme_schemas", tmp_path / "resources"
    shutil.copytree(SCHEMA_DIR, schemas)
    resources.mkdir()
    for name in ("relation_map.yaml", "type_taxonomy.yaml", "theme_map.yaml"):
        shutil.copy(RESOURCE_DIR / name, resources / name)
    shutil.copytree(RESOURCE_DIR / "nli_templates", resources / "nli_templates")
    return ProjectFiles(schema_dir=str(schemas), resource_dir=str(resources))


def tick(project, cursor):
    result = project_files_sensor(dg.build_sensor_context(cursor=cursor, resources={"project": project}, definitions=defs))
    if isinstance(result, dg.SkipReason):
        return [], cursor, result.skip_message
    skip = result.skip_reason.skip_message if result.skip_reason else None
    return result.run_requests or [], result.cursor, skip


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def planned(runs) -> dict[str, set[str]]:
    """Asset -> partitions of the one backfill requested ("" for an unpartitioned asset)."""
    assert len(runs) == 1 and runs[0].requires_backfill_daemon()
    out: dict[str, set[str]] = {}
    for key, partition in runs[0].asset_graph_subset.iterate_asset_partitions():
        out.setdefault(key.to_user_string(), set()).add(str(partition or ""))
    return out


def every(theme=None):
    return {f"{lang}|{t}" for lang in ("en", "zh") for t in (THEMES if theme is None else [theme])}


def test_first_tick_records_hashes_and_requests_nothing(project):
    runs, cursor, skip = tick(project, None)
    assert runs == [] and "recorded" in skip
    hashes = json.loads(cursor)
    assert "theme_schemas/person.yaml" in hashes and "resources/nli_templates/zh.yaml" in hashes
    assert tick(project, cursor)[0] == []  # nothing changed


def test_schema_edit_requests_exactly_that_themes_partitions(project, tmp_path):
    _, cursor, _ = tick(project, None)
    edit(tmp_path / "theme_schemas/person.yaml", "properties: [P19]", "properties: [P19, P1321]")
    runs, new_cursor, _ = tick(project, cursor)
    assert planned(runs) == {**{a: every("person") for a in SCHEMA_DOWNSTREAM}, "dataset_card": {""}}
    changed = {k for k, v in json.loads(new_cursor).items() if json.loads(cursor)[k] != v}
    assert changed == {"theme_schemas/person.yaml"}
    assert tick(project, new_cursor)[0] == []


def test_invalid_edit_requests_nothing_keeps_the_cursor_and_the_fix_runs(project, tmp_path):
    _, cursor, _ = tick(project, None)
    path = tmp_path / "theme_schemas/person.yaml"
    edit(path, "tail_types: [geographic_region]", "tail_types: [alien]")
    runs, kept, skip = tick(project, cursor)
    assert runs == [] and kept == cursor
    assert "invalid edit" in skip and "person.yaml" in skip and "alien" in skip
    edit(path, "tail_types: [alien]", "tail_types: [geographic_region, organization]")
    runs, _, _ = tick(project, kept)
    assert planned(runs)["filtered_triples"] == every("person")


def test_resource_edits_request_the_assets_they_affect(project, tmp_path):
    _, cursor, _ = tick(project, None)
    edit(tmp_path / "resources/relation_map.yaml", "educated at: {properties: [P69]}", "educated at: {properties: [P69, P512]}")
    runs, cursor, _ = tick(project, cursor)
    assert planned(runs) == {**{a: every() for a in SCHEMA_DOWNSTREAM}, "dataset_card": {""}}
    (tmp_path / "resources/nli_templates/en.yaml").write_text(
        (tmp_path / "resources/nli_templates/en.yaml").read_text(encoding="utf-8") + "# reworded\n", encoding="utf-8")
    runs, cursor, _ = tick(project, cursor)
    assert planned(runs) == {"filtered_triples": every(), "instruction_splits": every(), "dataset_exports": every(), "dataset_card": {""}}
    (tmp_path / "resources/theme_map.yaml").write_text((tmp_path / "resources/theme_map.yaml").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    runs, cursor, _ = tick(project, cursor)
    # the articles (and the redirects, read in the same pass) of both languages, then everything after them;
    # the theme classifier's training set (not part of the build) is left alone
    plan = planned(runs)
    assert plan["articles"] == plan["wikipedia_redirects"] == plan["duplicate_texts"] == {"en", "zh"}
    assert all(plan[a] == every() for a in ("paragraphs", "entity_mentions", "resolved_entities", *SCHEMA_DOWNSTREAM))
    assert set(plan) == {"articles", "wikipedia_redirects", "paragraphs", "duplicate_texts", "entity_mentions", "resolved_entities",
                         *SCHEMA_DOWNSTREAM, "dataset_card"}


def test_added_schema_file_is_reported(project, tmp_path):
    _, cursor, _ = tick(project, None)
    new = tmp_path / "theme_schemas/vehicle.yaml"
    new.write_text((tmp_path / "theme_schemas/transport.yaml").read_text(encoding="utf-8").replace("theme: transport", "theme: vehicle"), encoding="utf-8")
    runs, new_cursor, skip = tick(project, cursor)
    assert runs == [] and "vehicle.yaml: added" in skip and "reloads" in skip
    assert "theme_schemas/vehicle.yaml" in json.loads(new_cursor)
