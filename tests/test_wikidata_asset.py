"""The Wikidata asset on the real-shape dump: skipped statements in its metadata; an empty dump fails, tables kept."""

import dagster as dg

from instructie_assets.storage.lake import lake_cursor, lake_location

from instructie_assets.definitions import ASSETS, build_resources
from instructie_assets.paths import SAMPLE_WIKIPEDIA
from instructie_assets.jobs import WIKIDATA
from tests.core.test_wikidata_real_shapes import ENTITIES, EXPECTED, write_dump


def materialize(db: str, dump: str):
    return dg.materialize(ASSETS, selection=dg.AssetSelection.groups(WIKIDATA), partition_key="0-of-1", raise_on_error=False,
                          resources=build_resources(db, SAMPLE_WIKIPEDIA, dump, "/tmp/unused-exports", workers=2))


def test_real_shapes_through_the_asset_then_an_empty_dump(tmp_path):
    db = str(tmp_path / "lake")
    result = materialize(db, str(write_dump(tmp_path / "wikidata-real.json.gz", ENTITIES)))
    assert result.success
    events = [e.event_specific_data.materialization for e in result.get_asset_materialization_events()]
    meta = {m.asset_key.path[-1]: {k: v.value for k, v in m.metadata.items()} for m in events}
    claims = meta["wikidata_item_claims"]
    assert claims["rows"] == EXPECTED["wikidata_item_claims"] and claims["entities"] == 24
    assert claims["skipped_statements"] == 4
    assert claims["skipped_statement_kinds"]["value snak without datavalue"] == 1
    assert "Q900000002 P17: value snak without datavalue" in claims["skipped_statements_first"]
    assert claims["unknown_value_types"] == {"wikibase-future": 1, "newtext": 1}
    with lake_cursor(lake_location(db)) as conn:
        before = {k: conn.execute(f"SELECT count(*) FROM main.{k}").fetchone()[0] for k in EXPECTED}
    assert before == EXPECTED
    empty = tmp_path / "wikidata-empty.json.gz"
    empty.write_bytes(b"")
    failed = materialize(db, str(empty))
    assert not failed.success
    message = next(e for e in failed.all_events if e.is_step_failure).step_failure_data.error.cause.message
    assert "wikidata-empty.json.gz: no entities" in message
    with lake_cursor(lake_location(db)) as conn:
        assert {k: conn.execute(f"SELECT count(*) FROM main.{k}").fetchone()[0] for k in EXPECTED} == before
