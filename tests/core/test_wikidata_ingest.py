"""Wikidata ingest at scale: workers, shards, staged writes, bad archives."""

import bz2
import gzip
import tempfile
import zlib

import duckdb
import pytest

from bench.generate import wikidata_lines, write_wikidata_dump
from instructie_assets.core.dumpfiles import DumpFormatError
from instructie_assets.storage.duckdb_tables import StagedTableWriter, merge_shard_databases
from instructie_assets.storage.lake import lake_location, open_lake
from instructie_assets.core.wikidata import TABLE_SCHEMAS, ingest_wikidata, read_wikidata_dump, staged_parquet


@pytest.fixture(scope="module")
def dump(tmp_path_factory):
    return write_wikidata_dump(tmp_path_factory.mktemp("wd") / "wikidata-gen.json.bz2", 300, seed=3)


def table_rows(conn, name):
    cols = ", ".join(TABLE_SCHEMAS[name])
    return sorted(conn.execute(f"SELECT {cols} FROM main.{name}").fetchall(), key=repr)


def ingest_into(conn, path, shard, workers=1, block_bytes=64 << 10, staging=None):
    staging = staging or tempfile.mkdtemp(prefix="staging-")
    stats = ingest_wikidata(path, staging, shard=shard, workers=workers, block_bytes=block_bytes)
    writer = StagedTableWriter(conn, TABLE_SCHEMAS, "shard", shard[0])
    writer.begin()
    writer.add_files({name: staged_parquet(staging, name) for name in TABLE_SCHEMAS})
    writer.commit()
    return stats


def test_generated_entities_give_every_kind_of_row(dump):
    rows = read_wikidata_dump(dump)
    assert rows.entities == 300
    assert rows.labels and rows.sitelinks and rows.item_claims and rows.time_claims and rows.quantity_claims
    assert all(r[3] != "deprecated" for r in rows.item_claims)
    assert {r[1] for r in rows.labels} == {"en", "zh"}


def test_worker_processes_give_the_same_rows_as_one_process(dump):
    one, many = duckdb.connect(), duckdb.connect()
    ingest_into(one, dump, (0, 1), workers=1)
    stats = ingest_into(many, dump, (0, 1), workers=2)  # 64 KB batches: many batches over two processes
    assert stats.entities == 300
    for name in TABLE_SCHEMAS:
        assert table_rows(one, name) == table_rows(many, name), name


def test_union_of_shards_equals_a_single_run(dump, tmp_path):
    single = duckdb.connect()
    ingest_into(single, dump, (0, 1))
    # three shards, each in its own lake (three machines), merged into one
    paths = []
    for k in range(3):
        path = str(tmp_path / f"shard{k}")
        with open_lake(lake_location(path)) as conn:
            stats = ingest_into(conn, dump, (k, 3))
            assert 90 <= stats.entities <= 110
        paths.append(path)
    merged = open_lake(lake_location(str(tmp_path / "merged")))
    merge_shard_databases(merged, paths, list(TABLE_SCHEMAS))
    for name in TABLE_SCHEMAS:
        assert table_rows(merged, name) == table_rows(single, name), name
    assert merged.execute("SELECT list_sort(list(DISTINCT shard)) FROM main.wikidata_labels").fetchone()[0] == [0, 1, 2]
    # merging a shard again replaces its rows instead of doubling them
    merge_shard_databases(merged, paths[:1], list(TABLE_SCHEMAS))
    for name in TABLE_SCHEMAS:
        assert table_rows(merged, name) == table_rows(single, name), name


def test_failed_ingest_leaves_committed_rows_and_reruns_cleanly(dump, tmp_path):
    conn = duckdb.connect()
    ingest_into(conn, dump, (0, 1))
    before = {name: table_rows(conn, name) for name in TABLE_SCHEMAS}
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"[\n" + b'{"id":"Q1"},\n' * 5 + b'{"id":"Q9",\n]\n')
    staging = tmp_path / "staging"
    with pytest.raises(DumpFormatError, match=r"bad.json: line 7 \(byte 67\)"):
        ingest_wikidata(bad, staging, workers=1)
    # a writer that began and never committed (a killed run): the table is as it was
    StagedTableWriter(conn, TABLE_SCHEMAS, "shard", 0).begin()
    assert {name: table_rows(conn, name) for name in TABLE_SCHEMAS} == before
    ingest_into(conn, dump, (0, 1), staging=staging)  # the rerun empties the staging and replaces the shard's rows
    assert {name: table_rows(conn, name) for name in TABLE_SCHEMAS} == before
    assert not [t for (t,) in conn.execute("SELECT table_name FROM information_schema.tables").fetchall() if "staging" in t]
    assert merged_rows_unchanged_by_a_bad_merge(conn, tmp_path, before)


def merged_rows_unchanged_by_a_bad_merge(conn, tmp_path, before):
    """A shard path that is not a database fails the merge naming it, and changes nothing."""
    with pytest.raises(FileNotFoundError, match="no-such-shard: no such shard database"):
        merge_shard_databases(conn, [str(tmp_path / "no-such-shard")], list(TABLE_SCHEMAS))
    return {name: table_rows(conn, name) for name in TABLE_SCHEMAS} == before


@pytest.mark.parametrize("suffix", [".json.gz", ".json.bz2"])
def test_truncated_archive_is_located_at_its_last_complete_line(tmp_path, suffix):
    body = b"".join(wikidata_lines(60, seed=1))
    compress = (lambda b: gzip.compress(b)) if suffix == ".json.gz" else (lambda b: bz2.compress(b, 1))  # 100 KB bz2 blocks
    whole = compress(body)
    path = tmp_path / f"wikidata-cut{suffix}"
    path.write_bytes(whole[: len(whole) * 2 // 3])
    # what the decompressor can give of the cut file, and so the first line it cannot complete
    decoder = zlib.decompressobj(31) if suffix == ".json.gz" else bz2.BZ2Decompressor()
    decodable = decoder.decompress(path.read_bytes())
    line, byte = decodable.count(b"\n") + 1, decodable.rfind(b"\n") + 1
    assert 10 < line < 55
    name = "gz" if suffix == ".json.gz" else "bz2"
    for workers in (1, 2):  # Python's decoder, and ISA-L / indexed_bzip2 with the process pool
        with pytest.raises(DumpFormatError) as err:
            ingest_wikidata(path, tmp_path / "staging", workers=workers, block_bytes=16 << 10)
        assert (err.value.line, err.value.byte) == (line, byte)
        assert str(err.value) == (f"wikidata-cut{suffix}: line {line} (byte {byte}): truncated or corrupt archive: the .{name} file is truncated "
                                  f"(it ends inside a compressed {'member' if name == 'gz' else 'block'}); the decompressed data stops in this line; "
                                  f"line {line - 1} is the last complete one")


@pytest.mark.parametrize("name, data", [
    ("wikidata-empty.json", b""), ("wikidata-empty.json.gz", b""), ("wikidata-brackets.json", b"[ ]\n"),
    ("wikidata-brackets2.json", b"[\n]\n"), ("wikidata-nothing.json.bz2", bz2.compress(b"")), ("wikidata-brackets.json.gz", gzip.compress(b"[\n]\n")),
])
def test_a_dump_without_entities_is_an_error_naming_the_file(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    for workers in (1, 2):
        with pytest.raises(DumpFormatError, match=rf"^{name}: no entities: the dump holds no entity line"):
            ingest_wikidata(path, tmp_path / "staging", workers=workers)
    # every entity line malformed, tolerant: nothing readable is an error too
    bad = tmp_path / "wikidata-bad.json"
    bad.write_bytes(b'[\n{"id":\n{"labels":{}}\n]\n')
    with pytest.raises(DumpFormatError, match=r"^wikidata-bad.json: no readable entities: all 2 entity lines were skipped as malformed"):
        ingest_wikidata(bad, tmp_path / "staging", workers=1, tolerant=True)
    # a shard without entities of a dump that has some is fine: the dump is not empty
    one = tmp_path / "one.json"
    one.write_bytes(b'[\n{"id":"Q1","labels":{"en":{"value":"x"}}}\n]\n')
    assert ingest_wikidata(one, tmp_path / "staging", shard=(1, 2), workers=1).entities == 0  # its line 2 is in shard 0


def test_not_an_archive(tmp_path):
    path = tmp_path / "wikidata.json.bz2"
    path.write_bytes(b"[\n{}\n]\n")
    with pytest.raises(DumpFormatError, match=r"wikidata.json.bz2: line 1 \(byte 0\): not a bz2 archive"):
        read_wikidata_dump(path)
    gz = tmp_path / "wikidata.json.gz"
    gz.write_bytes(b"[\n{}\n]\n")
    with pytest.raises(DumpFormatError, match=r"wikidata.json.gz: line 1 \(byte 0\): not a gzip archive"):
        read_wikidata_dump(gz)


def test_empty_maps_written_as_arrays(tmp_path):
    # real dumps write an empty map as [] (PHP arrays)
    path = tmp_path / "w.json"
    path.write_bytes(b'[\n{"type":"item","id":"Q7","labels":[],"descriptions":[],"aliases":[],"claims":[],"sitelinks":[]}\n]\n')
    rows = read_wikidata_dump(path)
    assert rows.entities == 1 and rows.labels == [] and rows.item_claims == []


def test_tolerant_mode_counts_and_locates_skipped_lines(tmp_path):
    path = tmp_path / "w.json.gz"
    body = b'[\n{"id":"Q1"},\n{"id":\n{"id":"Q3"},\n{"labels":{}}\n]\n'
    path.write_bytes(gzip.compress(body))
    rows = read_wikidata_dump(path, tolerant=True)
    assert rows.entities == 2
    assert [s.split(":")[1].strip() for s in rows.skipped] == ["line 3 (byte 15)", "line 5 (byte 35)"]
