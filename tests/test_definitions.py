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
