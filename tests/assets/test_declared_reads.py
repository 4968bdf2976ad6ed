"""Dagster's graph shows every read: each asset's SQL and Wikidata lookups touch only tables it
declares upstream (or its own), recorded while the asset runs on the test corpus."""

import re

import dagster as dg
import pytest

from instructie_assets.duckdb_wikidata import TABLES_OF_LOOKUP
from tests.assets import conftest
from tests.assets.conftest import PERSON, recording_definitions

# (job, partition, asset, run config) for every asset that reads tables through a resource
READERS = [
    ("refresh_articles", "en", "articles", None),
    ("refresh_paragraphs", PERSON, "paragraphs", None),
    ("find_duplicate_texts", "en", "duplicate_texts", None),
    ("refresh_stages", PERSON, "entity_mentions", None),
    ("refresh_stages", PERSON, "resolved_entities", None),
    ("refresh_stages", PERSON, "candidate_triples", None),
    ("refresh_dataset_card", None, "dataset_card", None),
]
TABLE = re.compile(r"\bmain\.(\w+)")
STAGING = re.compile(r"__staging\w*$")


def tables_read(calls: list[str]) -> set[str]:
    read = set()
    for call in calls:
        read |= set(TABLES_OF_LOOKUP.get(call, ()))
        read |= set(TABLE.findall(call)) if " " in call else set()
    return {STAGING.sub("", t) for t in read}  # a writer's staging tables are its own


@pytest.fixture(scope="module")
def recording(world):
    return recording_definitions(world)


def run_alone(defs, world, job, partition, asset, run_config):
    """Materialize `asset` (with the assets computed together with it) in its job."""
    keys = list(defs.resolve_asset_graph().get(dg.AssetKey(asset)).execution_set_asset_keys)
    return defs.resolve_job_def(job).execute_in_process(partition_key=partition, instance=world.instance, asset_selection=keys,
                                                         run_config=run_config or {})


def upstream(defs, asset: str) -> set[str]:
    node = defs.resolve_asset_graph().get(dg.AssetKey(asset))
    # a multi-asset's tables are written together: each one's own table counts as its own
    own = {k.to_user_string() for k in node.execution_set_asset_keys}
    return {k.to_user_string() for k in node.parent_keys} | own


@pytest.mark.parametrize("job, partition, asset, run_config", READERS, ids=[r[2] for r in READERS])
def test_every_table_an_asset_reads_is_declared_upstream(world, recording, job, partition, asset, run_config):
    conftest.CALLS.clear()
    assert run_alone(recording, world, job, partition, asset, run_config).success
    read = tables_read(conftest.CALLS)
    assert read, f"{asset} read nothing the recorder saw"
    assert read <= upstream(recording, asset), f"{asset} reads {sorted(read - upstream(recording, asset))} undeclared"


def test_wikidata_readers_declare_exactly_the_tables_they_read(world, recording):
    """No stage declares a Wikidata table it never reads either (the corpus exercises every lookup)."""
    for job, partition, asset, run_config in READERS:
        if asset not in ("articles", "entity_mentions", "resolved_entities", "candidate_triples"):
            continue
        conftest.CALLS.clear()
        run_alone(recording, world, job, partition, asset, run_config)
        looked_up = {t for call in conftest.CALLS for t in TABLES_OF_LOOKUP.get(call, ())}
        parents = {k.to_user_string() for k in recording.resolve_asset_graph().get(dg.AssetKey(asset)).parent_keys}
        declared = {t for t in parents if t.startswith("wikidata_") or t == "wikipedia_redirects"}
        assert looked_up == declared, asset


def test_the_graph_shows_the_cross_partition_reads():
    from instructie_assets.definitions import defs

    graph = defs.resolve_asset_graph()

    def parents(name):
        return {k.to_user_string() for k in graph.get(dg.AssetKey(name)).parent_keys}

    assert "duplicate_texts" in parents("instruction_splits")
    assert parents("duplicate_texts") == {"paragraphs"}
    assert {"dataset_exports", "instruction_splits", "filtered_triples"} <= parents("dataset_card")
    assert {"paragraphs", "articles"} <= parents("theme_training_set")
    # duplicate_texts[en] reads the paragraphs of every theme in en; instruction_splits[en|person] reads duplicate_texts[en]
    from instructie_assets.partitions import THEMES, theme_language_key

    upstream_of = graph.get_parent_partition_keys_for_child
    assert set(upstream_of("en", dg.AssetKey("paragraphs"), dg.AssetKey("duplicate_texts")).partitions_subset.get_partition_keys()) == {
        theme_language_key(t, "en") for t in THEMES}
    assert set(upstream_of(PERSON, dg.AssetKey("duplicate_texts"), dg.AssetKey("instruction_splits")).partitions_subset.get_partition_keys()) == {"en"}
