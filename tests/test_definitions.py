import dagster as dg

from instructie_assets.definitions import defs
from instructie_assets.partitions import THEMES, theme_language

STAGES = {"paragraphs", "entity_mentions", "resolved_entities", "candidate_triples", "filtered_triples", "instruction_splits"}


def test_definitions_load_with_expected_assets():
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert STAGES <= keys
    assert {"articles", "wikipedia_redirects", "wikidata_labels", "wikidata_sitelinks", "wikidata_item_claims",
            "wikidata_time_claims", "wikidata_quantity_claims", "dataset_exports"} <= keys


def test_24_partitions_from_theme_schema_files():
    assert len(THEMES) == 12
    assert len(theme_language.get_partition_keys()) == 24
    graph = defs.resolve_asset_graph()
    for name in STAGES:
        assert graph.get(dg.AssetKey(name)).partitions_def == theme_language


def test_definitions_validate_as_a_code_location_loads_them():
    # what `dagster dev` / the webserver do: resolves every job and sensor target
    dg.Definitions.validate_loadable(defs)
    assert {"train_theme_classifier", "refresh_articles", "refresh_stages", "refresh_outputs", "refresh_dataset_card",
            "ingest_wikidata", "refresh_paragraphs"} <= {
        j.name for j in defs.get_repository_def().get_all_jobs()}


def test_every_build_asset_belongs_to_exactly_one_build_job_of_one_partitions_definition():
    from instructie_assets.jobs import BUILD_JOBS, THEME_CLASSIFIER

    graph = defs.resolve_asset_graph()
    owners: dict[str, list[str]] = {}
    for job in BUILD_JOBS:
        keys = job.selection.resolve(graph)
        assert len({graph.get(k).partitions_def for k in keys}) == 1, job.name
        for key in keys:
            owners.setdefault(key.to_user_string(), []).append(job.name)
    others = {k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).group_name == THEME_CLASSIFIER}
    assert {k.to_user_string() for k in graph.get_all_asset_keys()} - others == set(owners)
    assert all(len(v) == 1 for v in owners.values()), owners


def test_the_runner_names_no_asset():
    """The runner knows jobs, not assets: no asset key is a string in its code (the table summary and
    the theme-change lines it prints for the CLI are reports over the tables, not a plan, and are left out)."""
    import ast
    import re
    from pathlib import Path

    import instructie_assets.runner as runner

    tree = ast.parse(Path(runner.__file__).read_text(encoding="utf-8"))
    planning = [node for node in tree.body if not (isinstance(node, ast.FunctionDef) and node.name in ("summary", "theme_changes"))]
    strings = {n.value for node in planning for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    assets = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    words = {w for s in strings for w in re.findall(r"\w+", s)}
    assert words & assets == set()
