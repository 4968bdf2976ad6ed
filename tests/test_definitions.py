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
            "ingest_wikidata", "build_paragraphs", "build_partition"} <= {
        j.name for j in defs.get_repository_def().get_all_jobs()}
