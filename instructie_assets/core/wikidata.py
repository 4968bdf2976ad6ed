"""Streaming the Wikidata JSON dump into narrow rows: labels, sitelinks, item, time and quantity claims.

The dump layout: a line `[`, then one entity per line followed by a comma, then `]`. Files may be
`.json`, `.json.gz` (decompressed in parallel by rapidgzip) or `.json.bz2` (indexed_bzip2).

Entities are decoded with msgspec against typed structs that name only the fields we keep, so
descriptions, qualifiers, references and the other languages are skipped inside the C decoder. The
decompressed stream goes to worker processes in blocks of whole lines (8 MB); each worker writes its
block's rows as Parquet files, and at most two blocks per worker are in flight, so memory stays
bounded whatever the dump size; DuckDB then loads the files in one parallel scan. `shard=(k, n)` keeps the entity lines whose line number
is k modulo n: n machines each parse a part, and the union of their rows equals a single run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import orjson
import polars as pl

from instructie_assets.core.chinese import to_simplified_many
from instructie_assets.core.dumpfiles import DumpFormatError, open_binary
from instructie_assets.core.parallel import ordered_map

ZH_FALLBACK = ("zh-hans", "zh-cn", "zh", "zh-hant", "zh-tw", "zh-hk")
SITES = ("enwiki", "zhwiki")

LABEL_SCHEMA = {"qid": pl.String, "language": pl.String, "kind": pl.String, "text": pl.String}
SITELINK_SCHEMA = {"qid": pl.String, "site": pl.String, "title": pl.String}
ITEM_CLAIM_SCHEMA = {"subject": pl.String, "property": pl.String, "object": pl.String, "rank": pl.String}
TIME_CLAIM_SCHEMA = {
    "subject": pl.String,
    "property": pl.String,
    "time": pl.String,
    "precision": pl.Int32,
    "calendar": pl.String,
    "rank": pl.String,
}
QUANTITY_CLAIM_SCHEMA = {
    "subject": pl.String,
    "property": pl.String,
    "amount": pl.Float64,
    "amount_text": pl.String,
    "unit": pl.String,
    "rank": pl.String,
}
TABLE_SCHEMAS = {
    "wikidata_labels": LABEL_SCHEMA,
    "wikidata_sitelinks": SITELINK_SCHEMA,
    "wikidata_item_claims": ITEM_CLAIM_SCHEMA,
    "wikidata_time_claims": TIME_CLAIM_SCHEMA,
    "wikidata_quantity_claims": QUANTITY_CLAIM_SCHEMA,
}
BLOCK_BYTES = 8 << 20


# ------------------------------------------------------------------ the fields we keep, as msgspec structs
# Empty maps are written as `[]` in the dumps (PHP arrays), hence the `| list` unions.

class _Text(msgspec.Struct):
    value: str


class _Site(msgspec.Struct):
    title: str


class _Value(msgspec.Struct, rename={"numeric_id": "numeric-id"}):
    """Every value shape we read (item, time, quantity) in one struct; other shapes (coordinates,
    monolingual text) decode into it too and are ignored by `type`, strings stay strings."""

    id: str | None = None
    numeric_id: int | None = None
    time: str | None = None
    precision: int | float = 11  # a float in coordinates
    calendarmodel: str = ""
    amount: str | None = None
    unit: str = "1"


class _DataValue(msgspec.Struct):
    type: str
    value: _Value | str | float | list | None = None


class _Snak(msgspec.Struct):
    snaktype: str
    datavalue: _DataValue | None = None


class _Statement(msgspec.Struct):
    mainsnak: _Snak
    rank: str = "normal"


_ZH_FIELDS = {"zh_hans": "zh-hans", "zh_cn": "zh-cn", "zh_hant": "zh-hant", "zh_tw": "zh-tw", "zh_hk": "zh-hk"}
ZH_ATTRS = tuple(k.replace("-", "_") for k in ZH_FALLBACK)


class _Labels(msgspec.Struct, rename=_ZH_FIELDS, frozen=True):
    """Only the languages we keep; the other ~300 are skipped by the decoder."""

    en: _Text | None = None
    zh_hans: _Text | None = None
    zh_cn: _Text | None = None
    zh: _Text | None = None
    zh_hant: _Text | None = None
    zh_tw: _Text | None = None
    zh_hk: _Text | None = None


class _Aliases(msgspec.Struct, rename=_ZH_FIELDS, frozen=True):
    en: tuple[_Text, ...] = ()
    zh_hans: tuple[_Text, ...] = ()
    zh_cn: tuple[_Text, ...] = ()
    zh: tuple[_Text, ...] = ()
    zh_hant: tuple[_Text, ...] = ()
    zh_tw: tuple[_Text, ...] = ()
    zh_hk: tuple[_Text, ...] = ()


class _Sitelinks(msgspec.Struct, frozen=True):
    enwiki: _Site | None = None
    zhwiki: _Site | None = None


class _Entity(msgspec.Struct):
    id: str
    labels: _Labels | list = _Labels()
    aliases: _Aliases | list = _Aliases()
    claims: dict[str, list[_Statement]] | list = {}
    sitelinks: _Sitelinks | list = _Sitelinks()


_ENTITY = msgspec.json.Decoder(_Entity)
_EMPTY_LABELS = _Labels()
_EMPTY_ALIASES = _Aliases()


@dataclass
class WikidataRows:
    labels: list[tuple] = field(default_factory=list)
    sitelinks: list[tuple] = field(default_factory=list)
    item_claims: list[tuple] = field(default_factory=list)
    time_claims: list[tuple] = field(default_factory=list)
    quantity_claims: list[tuple] = field(default_factory=list)
    entities: int = 0
    skipped: list[str] = field(default_factory=list)
    # (qid, zh label values in fallback order, zh alias values): converted to Simplified together
    zh_pending: list[tuple[str, list[str], list[str]]] = field(default_factory=list)

    def flush_zh(self) -> None:
        """Convert the pending Chinese names in one OpenCC call and append their label rows.

        The first Simplified form in fallback order (zh-hans, zh-cn, zh, zh-hant, ...) is the label;
        the other variants' labels and all aliases are aliases, de-duplicated."""
        if not self.zh_pending:
            return
        flat = [v for _, labels, aliases in self.zh_pending for v in labels + aliases]
        converted = iter(to_simplified_many(flat))
        for qid, labels, aliases in self.zh_pending:
            label_forms = [next(converted) for _ in labels]
            alias_forms = [next(converted) for _ in aliases]
            if not label_forms and not alias_forms:
                continue
            label = label_forms[0] if label_forms else None
            if label is not None:
                self.labels.append((qid, "zh", "label", label))
            seen = {label}
            for v in label_forms[1:] + alias_forms:
                if v not in seen:
                    seen.add(v)
                    self.labels.append((qid, "zh", "alias", v))
        self.zh_pending = []

    def frames(self) -> dict[str, pl.DataFrame]:
        self.flush_zh()
        return {
            "wikidata_labels": pl.DataFrame(self.labels, schema=LABEL_SCHEMA, orient="row").unique(maintain_order=True),
            "wikidata_sitelinks": pl.DataFrame(self.sitelinks, schema=SITELINK_SCHEMA, orient="row"),
            "wikidata_item_claims": pl.DataFrame(self.item_claims, schema=ITEM_CLAIM_SCHEMA, orient="row"),
            "wikidata_time_claims": pl.DataFrame(self.time_claims, schema=TIME_CLAIM_SCHEMA, orient="row"),
            "wikidata_quantity_claims": pl.DataFrame(self.quantity_claims, schema=QUANTITY_CLAIM_SCHEMA, orient="row"),
        }


def _entity_id_of(url: str) -> str:
    """Quantity units and calendars are entity URLs (http://www.wikidata.org/entity/Q11573) or "1"."""
    return url.rsplit("/", 1)[-1] if url and url != "1" else ""


def extract_entity(entity: dict | bytes, rows: WikidataRows) -> None:
    """Append the narrow rows of one entity (its JSON line, or a dict); deprecated statements dropped.
    Chinese names wait in `rows.zh_pending` until `frames()` converts them all at once.

    Raises msgspec errors (and UnicodeDecodeError) on malformed input."""
    e = _ENTITY.decode(orjson.dumps(entity) if isinstance(entity, dict) else entity)
    qid = e.id
    labels = e.labels if isinstance(e.labels, _Labels) else _EMPTY_LABELS
    aliases = e.aliases if isinstance(e.aliases, _Aliases) else _EMPTY_ALIASES
    if labels.en is not None:
        rows.labels.append((qid, "en", "label", labels.en.value))
    for a in aliases.en:
        rows.labels.append((qid, "en", "alias", a.value))
    zh_labels = [t.value for t in (getattr(labels, a) for a in ZH_ATTRS) if t is not None]
    zh_aliases = [t.value for a in ZH_ATTRS for t in getattr(aliases, a)]
    if zh_labels or zh_aliases:
        rows.zh_pending.append((qid, zh_labels, zh_aliases))
    if isinstance(e.sitelinks, _Sitelinks):
        if e.sitelinks.enwiki is not None:
            rows.sitelinks.append((qid, "enwiki", e.sitelinks.enwiki.title))
        if e.sitelinks.zhwiki is not None:
            rows.sitelinks.append((qid, "zhwiki", e.sitelinks.zhwiki.title))
    for prop, statements in (e.claims or {}).items():
        for st in statements:
            rank = st.rank
            snak = st.mainsnak
            if rank == "deprecated" or snak.snaktype != "value" or snak.datavalue is None:
                continue
            kind, v = snak.datavalue.type, snak.datavalue.value
            if not isinstance(v, _Value):
                continue
            if kind == "wikibase-entityid":
                obj = v.id or (f"Q{v.numeric_id}" if v.numeric_id is not None else "")
                if obj.startswith("Q"):
                    rows.item_claims.append((qid, prop, obj, rank))
            elif kind == "time" and v.time is not None:
                rows.time_claims.append((qid, prop, v.time, int(v.precision), _entity_id_of(v.calendarmodel), rank))
            elif kind == "quantity" and v.amount is not None:
                rows.quantity_claims.append((qid, prop, float(v.amount), v.amount.lstrip("+"), _entity_id_of(v.unit), rank))
    rows.entities += 1


# ------------------------------------------------------------------------------------------- blocks

Block = tuple[int, int, bytes]  # (line number of its first line, byte offset in the decompressed stream, whole lines)


def iter_blocks(path: str | Path, threads: int = 1, block_bytes: int = BLOCK_BYTES) -> Iterator[Block]:
    """The decompressed dump in blocks of whole lines (no per-line work here: workers split them)."""
    lineno, offset, carry = 1, 0, b""
    try:
        with open_binary(path, threads) as fh:
            while True:
                chunk = fh.read(block_bytes)
                if not chunk:
                    break
                data = carry + chunk if carry else chunk
                cut = data.rfind(b"\n") + 1
                if cut == 0:
                    carry = data
                    continue
                block, carry = data[:cut], data[cut:]
                yield lineno, offset, block
                lineno += block.count(b"\n")
                offset += len(block)
    except (EOFError, OSError, zlib.error, RuntimeError, ValueError) as exc:
        if isinstance(exc, (FileNotFoundError, DumpFormatError)):
            raise
        raise DumpFormatError(path, lineno, offset + len(carry), f"truncated or corrupt archive ({exc})") from exc
    if carry:
        yield lineno, offset, carry


@dataclass
class BatchResult:
    rows: dict[str, int]
    entities: int
    bytes_read: int
    skipped: list[str]
    error: tuple[int, int, str] | None = None  # (line, byte, reason) of the first bad line


def parse_block(path: str, block: Block, shard: tuple[int, int], tolerant: bool, out_dir: str) -> BatchResult:
    """Decode the entity lines of one block that belong to the shard and write its rows as Parquet
    files `<out_dir>/<table>/<first line>.parquet` (runs in a worker process). A bad line is an error
    naming the file, line and byte, or, when tolerant, a skipped line listed in the result."""
    first_line, first_byte, data = block
    k, n = shard
    rows = WikidataRows()
    byte = first_byte
    for lineno, raw in enumerate(data.split(b"\n"), start=first_line):
        start = byte
        byte += len(raw) + 1
        if n > 1 and lineno % n != k:
            continue
        line = raw.strip()
        if line.endswith(b","):
            line = line[:-1].rstrip()
        if not line or line in (b"[", b"]"):
            continue
        try:
            try:
                line.decode("utf-8")  # msgspec skips unread fields unchecked; the whole line must be UTF-8
            except UnicodeDecodeError as exc:
                start += raw.find(line) + exc.start
                raise
            extract_entity(line, rows)
        except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, ValueError) as exc:
            reason = "invalid UTF-8" if isinstance(exc, UnicodeDecodeError) or "utf-8" in str(exc).lower() else str(exc)
            if "missing required field `id`" in reason:
                reason = "entity without an id"
            if not tolerant:
                return BatchResult({}, rows.entities, 0, rows.skipped, error=(lineno, start, f"malformed entity: {reason}"))
            rows.skipped.append(str(DumpFormatError(path, lineno, start, f"malformed entity: {reason}")))
    counts = {}
    for name, frame in rows.frames().items():
        counts[name] = frame.height
        if frame.height:
            table_dir = Path(out_dir) / name
            table_dir.mkdir(parents=True, exist_ok=True)
            tmp = table_dir / f"{first_line:012d}.parquet.tmp"
            frame.write_parquet(tmp, compression="snappy")
            tmp.rename(tmp.with_suffix(""))  # only whole files carry the .parquet name
    return BatchResult(counts, rows.entities, first_byte + len(data), rows.skipped)


@dataclass
class IngestStats:
    entities: int = 0
    skipped: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=lambda: {k: 0 for k in TABLE_SCHEMAS})


def ingest_wikidata(
    path: str | Path,
    out_dir: str | Path,
    shard: tuple[int, int] = (0, 1),
    workers: int = 0,
    tolerant: bool = False,
    progress: Callable[[int, int], None] | None = None,
    block_bytes: int = BLOCK_BYTES,
) -> IngestStats:
    """Stream a dump into Parquet files under `out_dir/<table>/` (one per block and table; emptied first).

    `shard=(k, n)` keeps the entity lines whose line number is k modulo n. `workers` processes decode
    and write (0: one per core; 1: this process; a dump of fewer than two blocks is always decoded
    here). `progress` gets (entities so far, decompressed bytes read so far)."""
    path, out = str(path), Path(out_dir)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    workers = workers or os.cpu_count() or 1
    stats = IngestStats()
    blocks = iter_blocks(path, threads=workers, block_bytes=block_bytes)
    for result in ordered_map(parse_block, ((path, block, shard, tolerant, str(out)) for block in blocks), workers):
        if result.error:
            raise DumpFormatError(path, *result.error)
        stats.entities += result.entities
        stats.skipped += result.skipped
        for name, n in result.rows.items():
            stats.rows[name] += n
        if progress:
            progress(stats.entities, result.bytes_read)
    return stats


def staged_parquet(out_dir: str | Path, table: str) -> list[str]:
    return sorted(str(p) for p in (Path(out_dir) / table).glob("*.parquet"))


def read_wikidata_dump(path: str | Path, tolerant: bool = False, workers: int = 1, shard: tuple[int, int] = (0, 1)) -> WikidataRows:
    """A whole (small) dump in memory: for tests and tools. Pipelines use `ingest_wikidata`."""
    with tempfile.TemporaryDirectory(prefix="wikidata-") as tmp:
        stats = ingest_wikidata(path, tmp, shard=shard, workers=workers, tolerant=tolerant)
        frames = {
            k: pl.read_parquet(files) if (files := staged_parquet(tmp, k)) else pl.DataFrame(schema=TABLE_SCHEMAS[k])
            for k in TABLE_SCHEMAS
        }
    rows = WikidataRows(entities=stats.entities, skipped=stats.skipped)
    rows.labels = frames["wikidata_labels"].rows()
    rows.sitelinks = frames["wikidata_sitelinks"].rows()
    rows.item_claims = frames["wikidata_item_claims"].rows()
    rows.time_claims = frames["wikidata_time_claims"].rows()
    rows.quantity_claims = frames["wikidata_quantity_claims"].rows()
    return rows
