"""Wikipedia dumps: multistream with index, bad input with file/line/byte, streaming ingest."""

import bz2

import pytest

from bench.generate import multistream_index_path, write_wikipedia_dump
from instructie_assets.core.dumpfiles import DumpFormatError
from instructie_assets.core.wikitext import iter_multistream_pages, iter_pages, multistream_index_for, read_multistream_index


@pytest.fixture(scope="module")
def dumps(tmp_path_factory):
    root = tmp_path_factory.mktemp("wiki")
    plain = write_wikipedia_dump(root / "enwiki-gen-pages-articles.xml.bz2", 230, "en", seed=5)
    multi = write_wikipedia_dump(root / "enwiki-gen-pages-articles-multistream.xml.bz2", 230, "en", seed=5, multistream=True, pages_per_stream=10)
    return plain, multi


def as_tuples(pages):
    return [(p.page_id, p.title, p.redirect, p.text) for p in pages]


def test_multistream_with_index_equals_the_plain_dump(dumps):
    plain, multi = dumps
    assert multistream_index_for(multi) == multistream_index_path(multi)
    assert multistream_index_for(plain) is None
    expected = as_tuples(iter_pages(plain))
    assert len(expected) == 230 and sum(1 for p in expected if p[2]) == 23  # one page in ten is a redirect
    assert as_tuples(iter_pages(multi, threads=1)) == expected  # sequential through the whole archive
    assert as_tuples(iter_pages(multi, threads=2)) == expected  # through the index
    index = multistream_index_path(multi)
    assert as_tuples(iter_multistream_pages(multi, index, workers=2, group_size=4)) == expected  # 6 groups on two processes
    assert as_tuples(iter_pages(plain, threads=2)) == expected  # bz2 blocks decoded on two threads


def test_multistream_shards_cover_the_dump_once(dumps):
    plain, multi = dumps
    index = multistream_index_path(multi)
    assert len(read_multistream_index(index)) == 23
    parts = [as_tuples(iter_multistream_pages(multi, index, workers=1, shard=(k, 3))) for k in range(3)]
    assert all(parts) and sum(parts, []) == as_tuples(iter_pages(plain))


def _export(body: bytes) -> bytes:
    return (b'<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/" version="0.10" xml:lang="en">\n'
            b"  <siteinfo>\n    <dbname>enwiki</dbname>\n  </siteinfo>\n" + body + b"</mediawiki>\n")


PAGE = b"  <page>\n    <title>Alpha</title>\n    <ns>0</ns>\n    <id>1</id>\n    <revision>\n      <id>2</id>\n      <text>Alpha is a letter.</text>\n    </revision>\n  </page>\n"


def test_malformed_xml_names_file_line_and_byte(tmp_path):
    path = tmp_path / "enwiki-bad.xml"
    data = _export(PAGE + b"  <page>\n    <title>Beta</titel>\n  </page>\n")
    path.write_bytes(data)
    with pytest.raises(DumpFormatError) as err:
        list(iter_pages(path))
    line_start = data.index(b"    <title>Beta")
    assert err.value.line == 15 and err.value.byte is not None and line_start <= err.value.byte < line_start + 40
    assert str(err.value).startswith(f"enwiki-bad.xml: line 15 (byte {err.value.byte}): malformed XML: mismatched tag")


def test_invalid_utf8_names_file_line_and_byte(tmp_path):
    path = tmp_path / "enwiki-utf8.xml.bz2"
    data = _export(PAGE.replace(b"a letter", b"a l\xffetter"))
    path.write_bytes(bz2.compress(data))
    with pytest.raises(DumpFormatError) as err:
        list(iter_pages(path))
    assert err.value.line == 11 and err.value.byte == data.index(b"\xff")
    assert "malformed XML: not well-formed (invalid token)" in str(err.value)


@pytest.mark.parametrize("threads", [1, 2])
def test_truncated_bz2_names_file_and_position(dumps, tmp_path, threads):
    plain, _ = dumps
    cut = tmp_path / "enwiki-cut.xml.bz2"
    data = plain.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(DumpFormatError, match=r"enwiki-cut.xml.bz2: line \d+ \(byte \d+\): (truncated or corrupt archive|malformed XML)"):
        list(iter_pages(cut, threads=threads))


def test_not_an_export(tmp_path):
    path = tmp_path / "enwiki-x.xml"
    path.write_bytes(b"<html><body>not a dump</body></html>\n")
    with pytest.raises(DumpFormatError, match=r"enwiki-x.xml: line 1 \(byte 0\): not a MediaWiki XML export"):
        list(iter_pages(path))
