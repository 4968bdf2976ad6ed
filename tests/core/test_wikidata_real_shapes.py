"""The real dump's shapes: every real entity the team collected (tests/fixtures/wikidata/SOURCES.md),
Q42, and copies of them carrying the anomalies reported from real dumps, loaded strict and tolerant
with the row counts stated here."""

import bz2
import copy
import gzip
import json
from collections import Counter
from pathlib import Path

import pytest

from instructie_assets.core.dumpfiles import DumpFormatError
from instructie_assets.core.wikidata import TABLE_SCHEMAS, WikidataRows, extract_entity, read_wikidata_dump

ROOT = Path(__file__).resolve().parents[2]
REAL = [json.loads(line) for line in (ROOT / "tests/fixtures/wikidata/real-entities.jsonl").read_text(encoding="utf-8").splitlines()]
Q42 = json.loads((ROOT / "resources/sample/src/Q42-entitydata.json").read_text(encoding="utf-8"))["entities"]["Q42"]


def real(qid: str, new_id: str) -> dict:
    entity = copy.deepcopy(next(e for e in REAL + [Q42] if e["id"] == qid))
    entity["id"] = new_id
    return entity


def snak(datatype: str, value_type: str, value, prop: str = "P9999") -> dict:
    return {"mainsnak": {"snaktype": "value", "property": prop, "datavalue": {"value": value, "type": value_type}, "datatype": datatype},
            "type": "statement", "rank": "normal"}


def anomalies() -> list[dict]:
    """Copies of real entities (new ids Q9000000xx) with the shapes reported from real dumps written in."""
    out = []
    e = real("Q2112", "Q900000001")  # a coordinate whose precision is null (as in Q151356); descriptions as []
    e["claims"]["P625"][0]["mainsnak"]["datavalue"]["value"]["precision"] = None
    e["descriptions"] = []
    out.append(e)
    e = real("Q2112", "Q900000002")  # a value snak without its datavalue: that statement (P17 -> Q183, preferred) alone is skipped
    del e["claims"]["P17"][0]["mainsnak"]["datavalue"]
    out.append(e)
    e = real("Q646148", "Q900000003")  # a time whose precision is null: that statement (P569) alone is skipped
    e["claims"]["P569"][0]["mainsnak"]["datavalue"]["value"]["precision"] = None
    out.append(e)
    e = real("Q2112", "Q900000004")  # a quantity amount that is not a number: that statement (P1082) alone is skipped
    e["claims"]["P1082"][0]["mainsnak"]["datavalue"]["value"]["amount"] = "about 300000"
    out.append(e)
    e = real("Q4132785", "Q900000005")  # value types this reader does not know (a future datatype): counted, not read
    e["claims"]["P9998"] = [snak("wikibase-future", "wikibase-future", {"time": 7, "shape": [1, 2]}, "P9998")]
    e["claims"]["P9999"] = [snak("newtext", "newtext", "abc")]
    out.append(e)
    e = real("Q1", "Q900000006")  # a datavalue without its type: that statement alone is skipped
    del e["claims"]["P580"][0]["mainsnak"]["datavalue"]["type"]
    out.append(e)
    e = real("Q328212", "Q900000007")  # empty maps written as [] (PHP arrays), in the entity and in statements
    e["labels"], e["aliases"], e["sitelinks"] = [], [], []
    for statements in e["claims"].values():
        for st in statements:
            st["qualifiers"], st["references"] = [], []
    out.append(e)
    # the datatypes the real files lack, written as the Wikibase JSON documentation gives them
    out.append({"type": "item", "id": "Q900000008", "labels": {"en": {"language": "en", "value": "Shapes"}}, "descriptions": [], "aliases": [],
                "sitelinks": [], "claims": {
                    "P3896": [snak("geo-shape", "string", "Data:Germany.map", "P3896")],
                    "P4179": [snak("tabular-data", "string", "Data:Weather/Bielefeld.tab", "P4179")],
                    "P6604": [snak("musical-notation", "string", "\\relative c' { c d e f }", "P6604")],
                    "P2534": [snak("math", "string", "E = mc^2", "P2534")],
                    "P5830": [snak("wikibase-form", "wikibase-entityid", {"entity-type": "form", "id": "L525-F1"}, "P5830")],
                    "P7018": [snak("wikibase-sense", "wikibase-entityid", {"entity-type": "sense", "id": "L525-S1"}, "P7018")],
                    "P1449": [snak("monolingualtext", "monolingualtext", {"text": "Bielefeld", "language": "de"}, "P1449")],
                    "P625": [snak("globe-coordinate", "globecoordinate", {"latitude": 52.0, "longitude": 8.5, "altitude": None, "precision": None,
                                                                          "globe": "http://www.wikidata.org/entity/Q2"}, "P625")],
                    "P31": [snak("wikibase-item", "wikibase-entityid", {"entity-type": "item", "numeric-id": 5, "id": "Q5"}, "P31"),
                            {**snak("wikibase-item", "wikibase-entityid", {"entity-type": "item", "numeric-id": 6, "id": "Q6"}, "P31"), "rank": "deprecated"},
                            {"mainsnak": {"snaktype": "somevalue", "property": "P31", "datatype": "wikibase-item"}, "rank": "normal"}],
                }})
    return out


ENTITIES = REAL + [Q42] + anomalies()  # 15 + 1 + 8 = 24 entities


def write_dump(path: Path, entities: list[dict], extra_lines: list[bytes] = ()) -> Path:
    lines = [json.dumps(e, ensure_ascii=False, separators=(",", ":")).encode() for e in entities] + list(extra_lines)
    body = b"[\n" + b",\n".join(lines) + b"\n]\n"
    path.write_bytes(gzip.compress(body) if path.suffix == ".gz" else bz2.compress(body) if path.suffix == ".bz2" else body)
    return path


# Row counts of the 24 entities, stated once: labels, sitelinks, item, time and quantity claims.
EXPECTED = {"wikidata_labels": 35, "wikidata_sitelinks": 20, "wikidata_item_claims": 458, "wikidata_time_claims": 18, "wikidata_quantity_claims": 93}
PROBLEMS = 4  # the statements of Q900000002, Q900000003, Q900000004, Q900000006


def counts(tables) -> dict[str, int]:
    return {name: len(getattr(tables, name.removeprefix("wikidata_"))) for name in TABLE_SCHEMAS}


def test_each_real_entity_alone_gives_its_rows():
    per_entity = {}
    for e in REAL + [Q42]:
        rows = WikidataRows()
        extract_entity(e, rows)
        per_entity[e["id"]] = tuple(len(rows.rows(name)) for name in TABLE_SCHEMAS)
        assert rows.problems == [] and not rows.unknown_value_types, e["id"]
    assert per_entity == {
        "L525": (0, 0, 1, 0, 0), "P3035": (0, 0, 0, 0, 0), "P8098": (2, 0, 14, 0, 1), "Q1": (0, 0, 0, 1, 0), "Q19180293": (0, 0, 1, 0, 0),
        "Q2112": (2, 2, 76, 2, 23), "Q235557": (0, 0, 0, 0, 0), "Q328212": (2, 2, 8, 1, 0), "Q4132785": (3, 2, 8, 1, 0),
        "Q483718": (1, 0, 0, 0, 0), "Q571": (5, 2, 11, 0, 0), "Q646148": (2, 1, 17, 2, 0), "Q4115189": (0, 0, 0, 0, 0),
        "Q900000101": (0, 0, 0, 0, 0), "Q900000100": (0, 0, 1, 0, 0), "Q42": (6, 2, 60, 2, 1),
    }


def test_old_claim_layout_and_entity_kinds():
    rows = WikidataRows()
    extract_entity(next(e for e in REAL if e["id"] == "Q900000100"), rows)
    # numeric ids only: an item value is Q123; a property value (numeric-id 123) is P123, not an item claim
    assert rows.rows("wikidata_item_claims") == [("Q900000100", "P1", "Q123", "normal")]
    rows = WikidataRows()
    extract_entity(next(e for e in REAL if e["id"] == "Q235557"), rows)  # entity-schema values (E79) are not items
    assert rows.rows("wikidata_item_claims") == []


@pytest.mark.parametrize("suffix, workers", [(".json", 1), (".json.gz", 2), (".json.bz2", 2)])
def test_real_shapes_load_strict_and_tolerant_with_stated_counts(tmp_path, suffix, workers):
    path = write_dump(tmp_path / f"wikidata-real{suffix}", ENTITIES)
    for tolerant in (False, True):
        # 64 KB blocks: the copies of Q2112 (~110 KB a line) are longer than a block and go whole through the pipe
        tables = read_wikidata_dump(path, tolerant=tolerant, workers=workers, block_bytes=64 << 10)
        assert tables.entities == 24 and tables.skipped == [] and tables.stats.workers == workers
        assert counts(tables) == EXPECTED
        stats = tables.stats
        assert stats.problems == PROBLEMS
        assert stats.problem_kinds == {
            "value snak without datavalue": 1,
            "time value without a time or an integer precision": 1,
            "quantity amount is not a decimal number: 'about 300000'": 1,
            "Object missing required field `type` - at `statement.mainsnak.datavalue`": 1,
        }
        assert dict(stats.unknown_value_types) == {"wikibase-future": 1, "newtext": 1}
        # each skipped statement named by file, line, byte, entity and property (Q900000001 is line 18)
        assert [p.split(": ", 3)[2:] for p in stats.problem_examples] == [
            ["Q900000002 P17", "value snak without datavalue"],
            ["Q900000003 P569", "time value without a time or an integer precision"],
            ["Q900000004 P1082", "quantity amount is not a decimal number: 'about 300000'"],
            ["Q900000006 P580", "Object missing required field `type` - at `statement.mainsnak.datavalue`"],
        ]
        assert stats.problem_examples[0].startswith(f"wikidata-real{suffix}: line 19 (byte ")


def test_a_bad_statement_costs_only_itself(tmp_path):
    tables = read_wikidata_dump(write_dump(tmp_path / "w.json", ENTITIES))
    item = Counter(r[1:] for r in tables.item_claims if r[0] == "Q900000002")
    full = Counter(r[1:] for r in tables.item_claims if r[0] == "Q2112")
    assert full - item == Counter({("P17", "Q183", "preferred"): 1}) and not item - full
    assert {r[1:] for r in tables.labels if r[0] == "Q900000002"} == {r[1:] for r in tables.labels if r[0] == "Q2112"}
    assert {r for r in tables.time_claims if r[0] == "Q900000003"} != set()  # its other time statement stays
    assert [r[1] for r in tables.time_claims if r[0] == "Q900000003"] == [r[1] for r in tables.time_claims if r[0] == "Q646148" and r[1] != "P569"]
    # the coordinate with a null precision (not read) leaves its entity whole
    assert Counter(r[1:] for r in tables.item_claims if r[0] == "Q900000001") == full
    # the shapes entity: one item claim (the deprecated and somevalue statements give none), its label
    assert [r for r in tables.item_claims if r[0] == "Q900000008"] == [("Q900000008", "P31", "Q5", "normal")]
    assert [r for r in tables.labels if r[0] == "Q900000008"] == [("Q900000008", "en", "label", "Shapes")]


def test_what_breaks_the_stream_still_fails_strict(tmp_path):
    path = write_dump(tmp_path / "wikidata-real.json", ENTITIES, extra_lines=[b'{"type":"item","id":"Q9","labels":{"en":'])
    body = path.read_bytes()
    with pytest.raises(DumpFormatError) as err:
        read_wikidata_dump(path)
    assert err.value.line == 26 and err.value.byte == body.index(b'{"type":"item","id":"Q9"')
    assert str(err.value).startswith(f"wikidata-real.json: line 26 (byte {err.value.byte}): malformed entity: ")
    tables = read_wikidata_dump(path, tolerant=True)
    assert counts(tables) == EXPECTED and len(tables.skipped) == 1 and "line 26" in tables.skipped[0]
