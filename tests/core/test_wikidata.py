import gzip
import json
from pathlib import Path

import pytest

from instructie_assets.core.dumpfiles import DumpFormatError
from instructie_assets.core.wikidata import WikidataRows, extract_entity, read_wikidata_dump

ROOT = Path(__file__).resolve().parents[2]
Q42 = json.loads((ROOT / "resources/sample/src/Q42-entitydata.json").read_text(encoding="utf-8"))["entities"]["Q42"]


def write_dump(path: Path, lines: list[bytes]) -> Path:
    body = b"[\n" + b",\n".join(lines) + b"\n]\n"
    path.write_bytes(gzip.compress(body) if path.suffix == ".gz" else body)
    return path


def test_real_entity_q42():
    rows = WikidataRows()
    extract_entity(Q42, rows)
    labels = {(lang, kind, text) for _, lang, kind, text in rows.frames()["wikidata_labels"].rows()}
    assert ("en", "label", "Douglas Adams") in labels
    assert ("zh", "label", "道格拉斯·亚当斯") in labels  # zh-hans first, Simplified
    assert ("zh", "alias", "亚当斯") in labels  # the zh alias 亞當斯 converted
    assert ("Q42", "enwiki", "Douglas Adams") in rows.rows("wikidata_sitelinks")
    assert ("Q42", "P19", "Q350", "normal") in rows.rows("wikidata_item_claims")
    assert ("Q42", "P569", "+1952-03-11T00:00:00Z", 11, "Q1985727", "normal") in rows.rows("wikidata_time_claims")
    assert rows.rows("wikidata_quantity_claims")[0][1:5] == ("P2048", 1.96, "1.96", "Q11573")


def test_deprecated_statements_are_dropped():
    entity = {"id": "Q1", "claims": {"P31": [
        {"mainsnak": {"snaktype": "value", "datavalue": {"type": "wikibase-entityid", "value": {"id": "Q5"}}}, "rank": "deprecated"},
        {"mainsnak": {"snaktype": "somevalue"}, "rank": "normal"},
        {"mainsnak": {"snaktype": "value", "datavalue": {"type": "wikibase-entityid", "value": {"id": "Q6"}}}, "rank": "preferred"},
    ]}}
    rows = WikidataRows()
    extract_entity(entity, rows)
    assert rows.rows("wikidata_item_claims") == [("Q1", "P31", "Q6", "preferred")]


def test_dump_layout_gz(tmp_path):
    path = write_dump(tmp_path / "dump.json.gz", [json.dumps(Q42).encode(), b'{"id":"Q2","labels":{"en":{"language":"en","value":"Earth"}}}'])
    rows = read_wikidata_dump(path)
    assert rows.entities == 2


@pytest.mark.parametrize(
    "line, reason, byte",
    [(b'{"id":"Q2",', "malformed entity", 15), (b'{"labels":{}}', "entity without an id", 15),
     (b'{"id":"Q2","labels":{"en":{"value":"\xff"}}}', "malformed entity: invalid UTF-8", 51),  # the byte of the bad sequence itself
     (b'{"id":"Q2","labels":{"en":{"language":"en","value":7}}}', "Expected `str`, got `int`", 15)],
)
def test_bad_line_names_file_line_and_byte(tmp_path, line, reason, byte):
    good = b'{"id":"Q1"}'
    path = write_dump(tmp_path / "wikidata-all.json", [good, line])
    with pytest.raises(DumpFormatError) as err:
        read_wikidata_dump(path)
    assert str(err.value).startswith(f"wikidata-all.json: line 3 (byte {byte}): ")
    assert reason in str(err.value)
    rows = read_wikidata_dump(path, tolerant=True)
    assert rows.entities == 1 and len(rows.skipped) == 1 and "line 3" in rows.skipped[0]


def test_truncated_archive(tmp_path):
    path = write_dump(tmp_path / "dump.json.gz", [json.dumps(Q42).encode()] * 3)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DumpFormatError, match="dump.json.gz: .*truncated or corrupt"):
        read_wikidata_dump(path)


def test_unread_fields_are_not_validated(tmp_path):
    # bytes that are not UTF-8 in a description (not read) pass; the same in a label (read) fail, located
    good = b'{"id":"Q1","descriptions":{"en":{"language":"en","value":"bad \xff byte"}},"labels":{"en":{"language":"en","value":"One"}}}'
    rows = read_wikidata_dump(write_dump(tmp_path / "w.json", [good]))
    assert rows.labels == [("Q1", "en", "label", "One")]
    bad = good.replace(b"One", b"O\xffne")
    with pytest.raises(DumpFormatError, match=r"w.json: line 2 \(byte \d+\): malformed entity: invalid UTF-8"):
        read_wikidata_dump(write_dump(tmp_path / "w.json", [bad]))
