"""Streaming the Wikidata JSON dump into narrow rows: labels, sitelinks, item, time and quantity claims.

The dump layout: a line `[`, then one entity per line followed by a comma, then `]`. Files may be
`.json`, `.json.gz` (decompressed in parallel by rapidgzip) or `.json.bz2` (indexed_bzip2).

Entities are decoded with msgspec against typed structs that name only the fields we keep, so
descriptions, qualifiers, references and the other languages are skipped inside the C decoder. Lines
go to worker processes in batches of a few MB; at most two batches per worker are in flight, so
memory stays bounded whatever the dump size. `shard=(k, n)` keeps the entity lines whose ordinal is
k modulo n: n machines each parse a part, and the union of their rows equals a single run.
"""

from __future__ import annotations

import itertools
import os
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import msgspec
import orjson
import polars as pl

from instructie_assets.core.chinese import to_simplified
from instructie_assets.core.dumpfiles import DumpFormatError, open_binary

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
BATCH_BYTES = 8 << 20


# ------------------------------------------------------------------ the fields we keep, as msgspec structs
# Empty maps are written as `[]` in the dumps (PHP arrays), hence the `| list` unions.

class _Text(msgspec.Struct):
    value: str


class _Site(msgspec.Struct):
    title: str


class _DataValue(msgspec.Struct):
    type: str
    value: msgspec.Raw


class _Snak(msgspec.Struct):
    snaktype: str
    datavalue: _DataValue | None = None


class _Statement(msgspec.Struct):
    mainsnak: _Snak
    rank: str = "normal"


class _Entity(msgspec.Struct):
    id: str
    labels: dict[str, _Text] | list = {}
    aliases: dict[str, list[_Text]] | list = {}
    claims: dict[str, list[_Statement]] | list = {}
    sitelinks: dict[str, _Site] | list = {}


class _EntityId(msgspec.Struct, rename={"numeric_id": "numeric-id"}):
    id: str | None = None
    numeric_id: int | None = None


class _Time(msgspec.Struct):
    time: str
    precision: int = 11
    calendarmodel: str = ""


class _Quantity(msgspec.Struct):
    amount: str
    unit: str = "1"


_ENTITY = msgspec.json.Decoder(_Entity)
_ENTITY_ID = msgspec.json.Decoder(_EntityId)
_TIME = msgspec.json.Decoder(_Time)
_QUANTITY = msgspec.json.Decoder(_Quantity)


@dataclass
class WikidataRows:
    labels: list[tuple] = field(default_factory=list)
    sitelinks: list[tuple] = field(default_factory=list)
    item_claims: list[tuple] = field(default_factory=list)
    time_claims: list[tuple] = field(default_factory=list)
    quantity_claims: list[tuple] = field(default_factory=list)
    entities: int = 0
    skipped: list[str] = field(default_factory=list)

    def frames(self) -> dict[str, pl.DataFrame]:
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


def _zh_values(by_lang: dict, pick_first: bool) -> list[str]:
    out: list[str] = []
    for lang in ZH_FALLBACK:
        if lang in by_lang:
            val = by_lang[lang]
            for v in ([val.value] if isinstance(val, _Text) else [a.value for a in val]):
                s = to_simplified(v)
                if s not in out:
                    out.append(s)
            if pick_first and out:
                return out[:1]
    return out


def extract_entity(entity: dict | bytes, rows: WikidataRows) -> None:
    """Append the narrow rows of one entity (its JSON line, or a dict); deprecated statements dropped.

    Raises msgspec errors (and UnicodeDecodeError) on malformed input, ValueError without an id."""
    e = _ENTITY.decode(orjson.dumps(entity) if isinstance(entity, dict) else entity)
    qid = e.id
    labels = e.labels or {}
    aliases = e.aliases or {}
    if "en" in labels:
        rows.labels.append((qid, "en", "label", labels["en"].value))
    for a in aliases.get("en", ()):
        rows.labels.append((qid, "en", "alias", a.value))
    zh_label = _zh_values(labels, pick_first=True)
    for v in zh_label:
        rows.labels.append((qid, "zh", "label", v))
    # Labels of the other Chinese variants count as aliases once converted to Simplified.
    for v in _zh_values(labels, pick_first=False)[1:] + _zh_values(aliases, pick_first=False):
        if v not in zh_label:
            rows.labels.append((qid, "zh", "alias", v))
    sitelinks = e.sitelinks or {}
    for site in SITES:
        if site in sitelinks:
            rows.sitelinks.append((qid, site, sitelinks[site].title))
    for prop, statements in (e.claims or {}).items():
        for st in statements:
            rank = st.rank
            snak = st.mainsnak
            if rank == "deprecated" or snak.snaktype != "value" or snak.datavalue is None:
                continue
            kind = snak.datavalue.type
            if kind == "wikibase-entityid":
                v = _ENTITY_ID.decode(snak.datavalue.value)
                obj = v.id or (f"Q{v.numeric_id}" if v.numeric_id is not None else "")
                if obj.startswith("Q"):
                    rows.item_claims.append((qid, prop, obj, rank))
            elif kind == "time":
                t = _TIME.decode(snak.datavalue.value)
                rows.time_claims.append((qid, prop, t.time, t.precision, _entity_id_of(t.calendarmodel), rank))
            elif kind == "quantity":
                q = _QUANTITY.decode(snak.datavalue.value)
                rows.quantity_claims.append((qid, prop, float(q.amount), q.amount.lstrip("+"), _entity_id_of(q.unit), rank))
    rows.entities += 1


# ------------------------------------------------------------------------------------------ batches

Line = tuple[int, int, bytes]  # (line number, byte offset in the decompressed stream, entity JSON)


def iter_dump_lines(path: str | Path, shard: tuple[int, int] = (0, 1), threads: int = 1) -> Iterator[Line]:
    """Entity lines of a dump (those of this shard), with their line number and byte offset."""
    k, n = shard
    offset, lineno, ordinal = 0, 0, 0
    try:
        with open_binary(path, threads) as fh:
            for lineno, raw in enumerate(fh, start=1):
                start = offset
                offset += len(raw)
                line = raw.strip()
                if line.endswith(b","):
                    line = line[:-1].rstrip()
                if not line or line in (b"[", b"]"):
                    continue
                if ordinal % n == k:
                    yield lineno, start, line
                ordinal += 1
    except (EOFError, OSError, zlib.error, RuntimeError, ValueError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise DumpFormatError(path, lineno + 1, offset, f"truncated or corrupt archive ({exc})") from exc


def iter_batches(lines: Iterator[Line], batch_bytes: int = BATCH_BYTES) -> Iterator[list[Line]]:
    batch, size = [], 0
    for item in lines:
        batch.append(item)
        size += len(item[2])
        if size >= batch_bytes:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


@dataclass
class BatchResult:
    frames: dict[str, pl.DataFrame]
    entities: int
    bytes_read: int
    skipped: list[str]
    error: tuple[int, int, str] | None = None  # (line, byte, reason) of the first bad line


def parse_batch(path: str, batch: list[Line], tolerant: bool) -> BatchResult:
    """Decode one batch (runs in a worker process). A bad line is an error naming the file, line and
    byte, or, when tolerant, a skipped line listed in the result."""
    rows = WikidataRows()
    for lineno, byte, line in batch:
        try:
            try:
                line.decode("utf-8")  # msgspec skips unread fields unchecked; the whole line must be UTF-8
            except UnicodeDecodeError as exc:
                byte += exc.start
                raise
            extract_entity(line, rows)
        except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, ValueError) as exc:
            reason = "invalid UTF-8" if isinstance(exc, UnicodeDecodeError) or "utf-8" in str(exc).lower() else str(exc)
            if "missing required field `id`" in reason:
                reason = "entity without an id"
            if not tolerant:
                return BatchResult({}, rows.entities, 0, rows.skipped, error=(lineno, byte, f"malformed entity: {reason}"))
            rows.skipped.append(str(DumpFormatError(path, lineno, byte, f"malformed entity: {reason}")))
    last = batch[-1] if batch else (0, 0, b"")
    return BatchResult(rows.frames(), rows.entities, last[1] + len(last[2]), rows.skipped)


@dataclass
class IngestStats:
    entities: int = 0
    skipped: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=lambda: {k: 0 for k in TABLE_SCHEMAS})


def ingest_wikidata(
    path: str | Path,
    sink: Callable[[dict[str, pl.DataFrame]], None],
    shard: tuple[int, int] = (0, 1),
    workers: int = 0,
    tolerant: bool = False,
    progress: Callable[[int, int], None] | None = None,
    batch_bytes: int = BATCH_BYTES,
) -> IngestStats:
    """Stream a dump into `sink` (called with each batch's frames, in dump order).

    `workers` processes decode (0: one per core; 1: this process; a dump of fewer than two batches
    is always decoded here). `progress` gets (entities so far, decompressed bytes read so far)."""
    path = str(path)
    workers = workers or os.cpu_count() or 1
    stats = IngestStats()
    batches = iter_batches(iter_dump_lines(path, shard, threads=workers), batch_bytes)
    head = list(itertools.islice(batches, 2))
    batches = itertools.chain(head, batches)

    def take(result: BatchResult) -> None:
        if result.error:
            raise DumpFormatError(path, *result.error)
        stats.entities += result.entities
        stats.skipped += result.skipped
        for name, frame in result.frames.items():
            stats.rows[name] += frame.height
        sink(result.frames)
        if progress:
            progress(stats.entities, result.bytes_read)

    if workers <= 1 or len(head) < 2:
        for batch in batches:
            take(parse_batch(path, batch, tolerant))
        return stats
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        in_flight: deque = deque()
        try:
            for batch in batches:
                in_flight.append(pool.submit(parse_batch, path, batch, tolerant))
                while len(in_flight) >= 2 * workers:
                    take(in_flight.popleft().result())
            while in_flight:
                take(in_flight.popleft().result())
        except BaseException:
            for f in in_flight:
                f.cancel()
            raise
    return stats


def read_wikidata_dump(path: str | Path, tolerant: bool = False, workers: int = 1, shard: tuple[int, int] = (0, 1)) -> WikidataRows:
    """A whole (small) dump in memory: for tests and the sample. Large dumps go through
    `ingest_wikidata` into DuckDB."""
    parts: dict[str, list[pl.DataFrame]] = {k: [] for k in TABLE_SCHEMAS}

    def sink(frames: dict[str, pl.DataFrame]) -> None:
        for k, f in frames.items():
            parts[k].append(f)

    stats = ingest_wikidata(path, sink, shard=shard, workers=workers, tolerant=tolerant)
    rows = WikidataRows(entities=stats.entities, skipped=stats.skipped)
    frames = {k: pl.concat(v) if v else pl.DataFrame(schema=TABLE_SCHEMAS[k]) for k, v in parts.items()}
    rows.labels = frames["wikidata_labels"].rows()
    rows.sitelinks = frames["wikidata_sitelinks"].rows()
    rows.item_claims = frames["wikidata_item_claims"].rows()
    rows.time_claims = frames["wikidata_time_claims"].rows()
    rows.quantity_claims = frames["wikidata_quantity_claims"].rows()
    return rows
