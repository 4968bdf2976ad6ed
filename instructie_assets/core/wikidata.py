"""Streaming the Wikidata JSON dump into narrow rows: labels, sitelinks, item, time and quantity claims.

The dump layout: a line `[`, then one entity per line followed by a comma, then `]`. Files may be
`.json`, `.json.gz` (ISA-L) or `.json.bz2` (indexed_bzip2 on several cores).

What the graph reads, and nothing else, is decoded: msgspec structs name the en and zh labels and
aliases, the enwiki/zhwiki sitelinks, and of each statement its rank and main snak value when that
value is an entity id, a time or a quantity. Everything else (descriptions, other languages,
qualifiers, references, string, text and coordinate values, lexeme forms and senses) is skipped
inside the C decoder, unread and so unvalidated: an odd coordinate (a `null` precision) or a value
type this reader does not know cannot stop the ingest. A statement whose read fields cannot be read
(a time without precision, a quantity amount that is not a number, a value snak without its value)
is skipped alone and reported with its file, line, entity and property; the entity keeps its other
rows. What breaks the stream itself (malformed JSON, a line that is not an entity, truncation, a
file that is not an archive) fails with the file, line and byte, or with `tolerant`, skips the line.

The parent process decompresses the dump into shared memory blocks of whole lines (8 MB); worker
processes (one per core) decode them, gather each table's rows as Arrow frames and write them as a
Parquet file every FILE_ROWS rows, so the parent never touches a row and decompression overlaps
decoding. Each file holds whole rows of its table (the `shard` column included), so the lake takes
the files as its own data files at the commit, unread (`StagedTableWriter.add_files`). `shard=(k, n)` keeps the entity lines whose line number is k modulo n: n machines
each parse a part, and the union of their rows equals a single run.
"""

from __future__ import annotations

import gc
import os
import re
import shutil
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import orjson
import polars as pl

from instructie_assets.core.chinese import to_simplified_many
from instructie_assets.core.dumpfiles import DumpFormatError, open_stream
from instructie_assets.core.parallel import BlockPool

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
SHARD_COLUMN = "shard"  # written into every staged file (the shard number k), so the files are whole rows of the tables
BLOCK_BYTES = 8 << 20
FILE_ROWS = 1_000_000  # rows a worker gathers per table (as Arrow frames, ~40 MB) before writing them as one Parquet file
WORKER_ENV = {"POLARS_MAX_THREADS": "1"}  # one process per core already: no thread pools competing inside them
PROBLEM_EXAMPLES = 20  # statement problems listed one by one (all are counted)
_UNREAD_VALUE_TYPES = frozenset(("string", "monolingualtext", "globecoordinate"))  # known, and not needed by the graph
KNOWN_VALUE_TYPES = frozenset(("wikibase-entityid", "time", "quantity")) | _UNREAD_VALUE_TYPES


# ------------------------------------------------------------------ the fields we read, as msgspec structs
# Empty maps are written as `[]` in the dumps (PHP arrays), hence the `| list` unions. gc=False: these
# objects hold no cycles, and the collector would otherwise walk millions of them.

class _Text(msgspec.Struct, gc=False):
    value: str


class _Site(msgspec.Struct, gc=False):
    title: str


class _Value(msgspec.Struct, gc=False, rename={"numeric_id": "numeric-id", "entity_type": "entity-type"}):
    """The fields read of every object value in one struct, told apart by the datavalue's `type`:
    an entity id (`id`, or `entity-type` + `numeric-id` in old dumps), a time (`time`, `precision`,
    `calendarmodel`), a quantity (`amount`, `unit`). Other object values (coordinates, monolingual
    texts, types to come) decode into it too and are ignored; none of their fields is checked but a
    coordinate's precision, which may be anything a number can be, `null` included."""

    id: str | None = None
    numeric_id: int | None = None
    entity_type: str = "item"
    time: str | None = None
    precision: int | float | None = None
    calendarmodel: str = ""
    amount: str | None = None
    unit: str = "1"


class _DataValue(msgspec.Struct, gc=False):
    type: str
    value: _Value | str | int | float | bool | list | None = None  # strings (ids, urls, media, shapes...) are not read


class _Snak(msgspec.Struct, gc=False):
    snaktype: str = "value"
    datavalue: _DataValue | None = None


class _Statement(msgspec.Struct, gc=False):
    mainsnak: _Snak
    rank: str = "normal"


_ZH_FIELDS = {"zh_hans": "zh-hans", "zh_cn": "zh-cn", "zh_hant": "zh-hant", "zh_tw": "zh-tw", "zh_hk": "zh-hk"}
ZH_ATTRS = tuple(k.replace("-", "_") for k in ZH_FALLBACK)


class _Labels(msgspec.Struct, rename=_ZH_FIELDS, frozen=True, gc=False):
    """Only the languages we keep; the other ~300 are skipped by the decoder."""

    en: _Text | None = None
    zh_hans: _Text | None = None
    zh_cn: _Text | None = None
    zh: _Text | None = None
    zh_hant: _Text | None = None
    zh_tw: _Text | None = None
    zh_hk: _Text | None = None


class _Aliases(msgspec.Struct, rename=_ZH_FIELDS, frozen=True, gc=False):
    en: tuple[_Text, ...] = ()
    zh_hans: tuple[_Text, ...] = ()
    zh_cn: tuple[_Text, ...] = ()
    zh: tuple[_Text, ...] = ()
    zh_hant: tuple[_Text, ...] = ()
    zh_tw: tuple[_Text, ...] = ()
    zh_hk: tuple[_Text, ...] = ()


class _Sitelinks(msgspec.Struct, frozen=True, gc=False):
    enwiki: _Site | None = None
    zhwiki: _Site | None = None


class _Entity(msgspec.Struct, gc=False):
    id: str
    labels: _Labels | list = _Labels()
    aliases: _Aliases | list = _Aliases()
    claims: dict[str, list[_Statement]] | list = {}
    sitelinks: _Sitelinks | list = _Sitelinks()


class _EntityStatementsRaw(msgspec.Struct, gc=False):
    """The same entity with each statement left undecoded: read one by one when one of them fails."""

    id: str
    labels: _Labels | list = _Labels()
    aliases: _Aliases | list = _Aliases()
    claims: dict[str, list[msgspec.Raw]] | list = {}
    sitelinks: _Sitelinks | list = _Sitelinks()


_ENTITY = msgspec.json.Decoder(_Entity)
_ENTITY_RAW = msgspec.json.Decoder(_EntityStatementsRaw)
_STATEMENT = msgspec.json.Decoder(_Statement)
_EMPTY_LABELS = _Labels()
_EMPTY_ALIASES = _Aliases()
_NO_ZH_LABELS = (None,) * 6
_NO_ZH_ALIASES = ((),) * 6
_DECIMAL = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?\Z")  # Wikibase amounts: a sign, digits, a decimal part
_ENTITY_PREFIX = {"item": "Q", "property": "P", "lexeme": "L"}


# A statement that could not be read: (line, byte, entity id, property, what was wrong)
Problem = tuple[int | None, int | None, str, str, str]


def _columns(name: str) -> tuple[list, ...]:
    return tuple([] for _ in TABLE_SCHEMAS[name])


@dataclass
class WikidataRows:
    """The rows of the five tables, column by column (one list per column, as Arrow takes them)."""

    labels: tuple[list, ...] = field(default_factory=lambda: _columns("wikidata_labels"))
    sitelinks: tuple[list, ...] = field(default_factory=lambda: _columns("wikidata_sitelinks"))
    item_claims: tuple[list, ...] = field(default_factory=lambda: _columns("wikidata_item_claims"))
    time_claims: tuple[list, ...] = field(default_factory=lambda: _columns("wikidata_time_claims"))
    quantity_claims: tuple[list, ...] = field(default_factory=lambda: _columns("wikidata_quantity_claims"))
    entities: int = 0
    skipped: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unknown_value_types: Counter = field(default_factory=Counter)  # statements of value types this reader does not know (not read)
    # (qid, zh labels in fallback order, zh alias groups): read and converted to Simplified together
    zh_pending: list[tuple[str, tuple, tuple]] = field(default_factory=list)

    def flush_zh(self) -> None:
        """Convert the pending Chinese names in one OpenCC call and append their label rows.

        The first Simplified form in fallback order (zh-hans, zh-cn, zh, zh-hant, ...) is the label;
        the other variants' labels and all aliases are aliases, de-duplicated."""
        if not self.zh_pending:
            return
        names = []  # per entity: (qid, has a label, its values in fallback order, labels first)
        flat = []
        for qid, labels, aliases in self.zh_pending:
            values = [t.value for t in labels if t is not None]
            has_label = bool(values)
            for group in aliases:
                for t in group:
                    values.append(t.value)
            names.append((qid, has_label, len(values)))
            flat += values
        converted = to_simplified_many(flat)
        qids, langs, kinds, texts = self.labels
        i = 0
        for qid, has_label, n in names:
            seen = set()
            for j in range(i, i + n):
                v = converted[j]
                if v not in seen:
                    seen.add(v)
                    qids.append(qid)
                    langs.append("zh")
                    kinds.append("label" if j == i and has_label else "alias")
                    texts.append(v)
            i += n
        self.zh_pending = []

    def tables(self) -> dict[str, tuple[list, ...]]:
        """Every table's columns (Chinese names converted first)."""
        self.flush_zh()
        return {
            "wikidata_labels": self.labels,
            "wikidata_sitelinks": self.sitelinks,
            "wikidata_item_claims": self.item_claims,
            "wikidata_time_claims": self.time_claims,
            "wikidata_quantity_claims": self.quantity_claims,
        }

    def rows(self, table: str) -> list[tuple]:
        return list(zip(*self.tables()[table]))

    def frames(self) -> dict[str, pl.DataFrame]:
        return {name: pl.DataFrame(dict(zip(TABLE_SCHEMAS[name], cols)), schema=TABLE_SCHEMAS[name]) for name, cols in self.tables().items()}


def _entity_id_of(url: str) -> str:
    """Quantity units and calendars are entity URLs (http://www.wikidata.org/entity/Q11573) or "1"."""
    return url.rsplit("/", 1)[-1] if url and url != "1" else ""


def _add_entity(e: _Entity | _EntityStatementsRaw, claims: dict, rows: WikidataRows, line: int | None, byte: int | None) -> None:
    """Append the rows of one decoded entity; `claims` maps each property to its decoded statements."""
    qid = e.id
    labels = e.labels if e.labels.__class__ is _Labels else _EMPTY_LABELS
    aliases = e.aliases if e.aliases.__class__ is _Aliases else _EMPTY_ALIASES
    if labels.en is not None or aliases.en:
        qids, langs, kinds, texts = rows.labels
        if labels.en is not None:
            qids.append(qid)
            langs.append("en")
            kinds.append("label")
            texts.append(labels.en.value)
        seen = set()
        for a in aliases.en:
            if a.value not in seen:
                seen.add(a.value)
                qids.append(qid)
                langs.append("en")
                kinds.append("alias")
                texts.append(a.value)
    zh_labels = (labels.zh_hans, labels.zh_cn, labels.zh, labels.zh_hant, labels.zh_tw, labels.zh_hk)
    zh_aliases = (aliases.zh_hans, aliases.zh_cn, aliases.zh, aliases.zh_hant, aliases.zh_tw, aliases.zh_hk)
    if zh_labels != _NO_ZH_LABELS or zh_aliases != _NO_ZH_ALIASES:  # read in flush_zh, for the whole block at once
        rows.zh_pending.append((qid, zh_labels, zh_aliases))
    sitelinks = e.sitelinks
    if sitelinks.__class__ is _Sitelinks and (sitelinks.enwiki is not None or sitelinks.zhwiki is not None):
        qids, sites, titles = rows.sitelinks
        if sitelinks.enwiki is not None:
            qids.append(qid)
            sites.append("enwiki")
            titles.append(sitelinks.enwiki.title)
        if sitelinks.zhwiki is not None:
            qids.append(qid)
            sites.append("zhwiki")
            titles.append(sitelinks.zhwiki.title)
    if not claims:
        return
    i_subject, i_property, i_object, i_rank = rows.item_claims
    t_subject, t_property, t_time, t_precision, t_calendar, t_rank = rows.time_claims
    q_subject, q_property, q_amount, q_text, q_unit, q_rank = rows.quantity_claims
    items, times, quantities = len(i_object), len(t_time), len(q_amount)
    for prop, statements in claims.items():
        for st in statements:
            rank = st.rank
            if rank == "deprecated":
                continue
            dv = st.mainsnak.datavalue
            if dv is None:
                if st.mainsnak.snaktype == "value":
                    rows.problems.append((line, byte, qid, prop, "value snak without datavalue"))
                continue
            kind = dv.type
            if kind == "wikibase-entityid":
                v = dv.value
                if v.__class__ is not _Value:
                    rows.problems.append((line, byte, qid, prop, "entity value is not an object"))
                    continue
                obj = v.id
                if obj is None:
                    if v.numeric_id is None or v.entity_type not in _ENTITY_PREFIX:
                        rows.problems.append((line, byte, qid, prop, "entity value without id or numeric-id"))
                        continue
                    obj = f"{_ENTITY_PREFIX[v.entity_type]}{v.numeric_id}"
                if obj[:1] == "Q":
                    i_property.append(prop)
                    i_object.append(obj)
                    i_rank.append(rank)
            elif kind == "time":
                v = dv.value
                if v.__class__ is not _Value or v.time is None or v.precision.__class__ is not int:
                    rows.problems.append((line, byte, qid, prop, "time value without a time or an integer precision"))
                    continue
                t_property.append(prop)
                t_time.append(v.time)
                t_precision.append(v.precision)
                t_calendar.append(_entity_id_of(v.calendarmodel))
                t_rank.append(rank)
            elif kind == "quantity":
                v = dv.value
                amount = v.amount if v.__class__ is _Value else None
                if amount is None or _DECIMAL.match(amount) is None:
                    rows.problems.append((line, byte, qid, prop, f"quantity amount is not a decimal number: {str(amount)[:40]!r}"))
                    continue
                q_property.append(prop)
                q_amount.append(float(amount))
                q_text.append(amount.lstrip("+"))
                q_unit.append(_entity_id_of(v.unit))
                q_rank.append(rank)
            elif kind not in _UNREAD_VALUE_TYPES:
                rows.unknown_value_types[kind] += 1
    if len(i_object) > items:
        i_subject += [qid] * (len(i_object) - items)
    if len(t_time) > times:
        t_subject += [qid] * (len(t_time) - times)
    if len(q_amount) > quantities:
        q_subject += [qid] * (len(q_amount) - quantities)


def _unknown_value_type(raw: msgspec.Raw) -> str | None:
    """The datavalue type of a statement that did not decode, when this reader does not know it."""
    try:
        st = msgspec.json.decode(raw)
        dv = st["mainsnak"].get("datavalue") if isinstance(st, dict) and isinstance(st.get("mainsnak"), dict) else None
        kind = dv.get("type") if isinstance(dv, dict) else None
    except (msgspec.DecodeError, UnicodeDecodeError):
        return None
    return kind if isinstance(kind, str) and kind not in KNOWN_VALUE_TYPES else None


def decode_entity(line: bytes | memoryview, rows: WikidataRows, where: tuple[int | None, int | None] = (None, None)) -> None:
    """Append the rows of one entity line (without its trailing comma). A statement that cannot be
    read is skipped and listed in `rows.problems`; the rest of the entity is kept.

    Raises msgspec errors (and UnicodeDecodeError) when the line is not a readable entity."""
    try:
        e = _ENTITY.decode(line)
    except msgspec.ValidationError:  # one statement (or the entity) does not fit: read statement by statement
        _decode_statement_by_statement(line, rows, where)
        return
    _add_entity(e, e.claims, rows, *where)
    rows.entities += 1


def _decode_statement_by_statement(line: bytes | memoryview, rows: WikidataRows, where: tuple[int | None, int | None]) -> None:
    e = _ENTITY_RAW.decode(line)
    claims = {}
    for prop, raws in (e.claims or {}).items():
        statements = claims[prop] = []
        for raw in raws:
            try:
                statements.append(_STATEMENT.decode(raw))
            except (msgspec.ValidationError, UnicodeDecodeError) as exc:
                unknown = _unknown_value_type(raw)
                if unknown is not None:  # not read by design, only counted
                    rows.unknown_value_types[unknown] += 1
                else:
                    rows.problems.append((*where, e.id, prop, str(exc).replace("`$", "`statement")))
    _add_entity(e, claims, rows, *where)
    rows.entities += 1


def extract_entity(entity: dict | bytes, rows: WikidataRows) -> None:
    """Append the narrow rows of one entity (its JSON line, or a dict); deprecated statements dropped.
    Chinese names wait in `rows.zh_pending` until `tables()`/`frames()` converts them all at once."""
    decode_entity(orjson.dumps(entity) if isinstance(entity, dict) else entity, rows)


# ------------------------------------------------------------------------------------------- blocks

@dataclass
class BlockResult:
    rows: dict[str, int]
    entities: int
    entity_lines: int  # lines holding an entity, in every shard (an empty dump has none)
    lines: int
    skipped: list[str]
    problems: int
    problem_kinds: dict[str, int]
    problem_examples: list[Problem]
    unknown_value_types: dict[str, int]
    error: tuple[int, int, str] | None = None  # (line, byte, reason) of the first bad line


def _line_error(exc: Exception, line) -> tuple[str, int]:
    """The reason a line is not an entity, and the offset in the line where it shows."""
    if isinstance(exc, UnicodeDecodeError) or "utf-8" in str(exc).lower():
        try:
            bytes(line).decode("utf-8")
        except UnicodeDecodeError as bad:
            return "invalid UTF-8", bad.start
        return "invalid UTF-8", 0
    reason = str(exc)
    if "missing required field `id`" in reason:
        reason = "entity without an id"
    return reason, 0


class BlockDecoder:
    """Decodes blocks of dump lines and writes their rows as Parquet files, FILE_ROWS rows each (in a
    worker process, or in the caller's when there is one worker)."""

    def __init__(self, path: str, shard: tuple[int, int], tolerant: bool, out_dir: str, index: int):
        self.path, self.shard, self.tolerant = path, shard, tolerant
        self.out_dir, self.index = Path(out_dir), index
        self.rows = WikidataRows()
        self.frames: dict[str, list[pl.DataFrame]] = {name: [] for name in TABLE_SCHEMAS}  # this block's rows and earlier ones, compact
        self.held = {name: 0 for name in TABLE_SCHEMAS}  # rows in self.frames
        self.written = {name: 0 for name in TABLE_SCHEMAS}
        self.files = 0
        self.seconds = {"decode and rows": 0.0, "chinese": 0.0, "parquet": 0.0}  # CPU seconds of this process

    def block(self, buf, start: int, end: int, meta: tuple[int, int]) -> BlockResult:
        """Decode `buf[start:end]`, whole lines, the first of them line `meta[0]` at byte `meta[1]`."""
        collecting = gc.isenabled()
        gc.disable()  # the decoded objects hold no cycles; collecting would walk every row kept
        try:
            return self._block(buf, start, end, meta)
        finally:
            if collecting:
                gc.enable()

    def _block(self, buf, start: int, end: int, meta: tuple[int, int]) -> BlockResult:
        first_line, first_byte = meta
        k, n = self.shard
        rows, tolerant = self.rows, self.tolerant
        rows.entities, rows.skipped, rows.problems, rows.unknown_value_types = 0, [], [], Counter()
        entity_lines = 0
        view = memoryview(buf)
        find = buf.find
        decode = _ENTITY.decode
        cpu = time.process_time  # the worker's threads included (polars and Arrow write on their own)
        started = cpu()
        pos, lineno = start, first_line
        error = None
        while pos < end:
            stop = find(b"\n", pos, end)
            if stop < 0:
                stop = end
            a, b = pos, stop
            line_start, lineno_now = pos, lineno
            pos, lineno = stop + 1, lineno + 1
            while b > a and buf[b - 1] in b" \t\r,":  # the trailing comma of the array layout
                b -= 1
            while a < b and buf[a] in b" \t":
                a += 1
            if b - a < 8 and not buf[a:b].strip(b"[], \t\r"):  # the array's brackets
                continue
            entity_lines += 1
            if n > 1 and lineno_now % n != k:
                continue
            line = view[a:b]
            try:
                e = decode(line)
                _add_entity(e, e.claims, rows, lineno_now, first_byte + line_start - start)
                rows.entities += 1
            except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError) as exc:
                where = (lineno_now, first_byte + line_start - start)
                try:
                    if not isinstance(exc, msgspec.ValidationError):
                        raise
                    _decode_statement_by_statement(line, rows, where)
                except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError) as bad:
                    reason, offset = _line_error(bad, line)
                    at = first_byte + a - start + offset
                    if not tolerant:
                        error = (lineno_now, at, f"malformed entity: {reason}")
                        break
                    rows.skipped.append(str(DumpFormatError(self.path, lineno_now, at, f"malformed entity: {reason}")))
            finally:
                line.release()
        view.release()
        t = cpu()
        self.seconds["decode and rows"] += t - started
        rows.flush_zh()
        self.seconds["chinese"] += cpu() - t
        added = {name: len(cols[0]) for name, cols in rows.tables().items()}
        if error is None:
            self._gather()
        problems = rows.problems
        return BlockResult(added, rows.entities, entity_lines, lineno - first_line, rows.skipped, len(problems),
                           dict(Counter(p[4] for p in problems)), problems[:PROBLEM_EXAMPLES], dict(rows.unknown_value_types), error)

    def _gather(self, final: bool = False) -> None:
        """Move the block's rows into compact frames; write a table's frames as one Parquet file once they
        hold FILE_ROWS rows (with `final`, whatever is left). Only whole files carry the .parquet name."""
        t = time.process_time()
        for name, cols in self.rows.tables().items():
            if cols[0]:
                # polars builds the columns from Python lists faster than pyarrow does, and needs no Arrow import
                schema = TABLE_SCHEMAS[name]
                self.frames[name].append(pl.DataFrame([pl.Series(c, values, dtype=t) for (c, t), values in zip(schema.items(), cols)]))
                self.held[name] += len(cols[0])
                for col in cols:
                    col.clear()
            if self.held[name] and (final or self.held[name] >= FILE_ROWS):
                directory = self.out_dir / name
                directory.mkdir(parents=True, exist_ok=True)
                tmp = directory / f"part-{self.index:03d}-{self.files:05d}.parquet.tmp"
                frame = pl.concat(self.frames[name], rechunk=False).with_columns(pl.lit(self.shard[0], pl.Int32).alias(SHARD_COLUMN))
                frame.write_parquet(tmp, compression="snappy")
                tmp.rename(tmp.with_suffix(""))
                self.files += 1
                self.written[name] += self.held[name]
                self.frames[name], self.held[name] = [], 0
        self.seconds["parquet"] += time.process_time() - t

    def finish(self) -> dict:
        """Write what is left; the worker's CPU seconds by stage and its rows by table."""
        self._gather(final=True)
        return {"seconds": dict(self.seconds), "rows": dict(self.written)}


# ------------------------------------------------------------------------------------------- ingest

@dataclass
class IngestStats:
    entities: int = 0
    entity_lines: int = 0
    lines: int = 0
    skipped: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=lambda: {k: 0 for k in TABLE_SCHEMAS})
    problems: int = 0  # statements skipped because they could not be read
    problem_kinds: Counter = field(default_factory=Counter)
    problem_examples: list[str] = field(default_factory=list)
    unknown_value_types: Counter = field(default_factory=Counter)  # statements not read: value types this reader does not know
    seconds: dict[str, float] = field(default_factory=dict)  # where the time went (summed over processes)
    workers: int = 1
    decompressed_bytes: int = 0

    def problem_summary(self) -> dict:
        return {"skipped_statements": self.problems, "kinds": dict(self.problem_kinds.most_common()), "first": list(self.problem_examples),
                "unknown_value_types": dict(self.unknown_value_types.most_common())}


def _where(path: str, problem: Problem) -> str:
    line, byte, qid, prop, kind = problem
    return f"{str(DumpFormatError(path, line, byte, ''))[:-2]}: {qid} {prop}: {kind}"


def _fill_blocks(fh, free_block: Callable[[], tuple[int | None, memoryview]], submit: Callable, release: Callable, path: str,
                 block_bytes: int, seconds: dict[str, float]) -> tuple[int, int]:
    """Read the decompressed stream into blocks of whole lines and `submit(meta, slot, length, data)`
    each with meta = (first line number, byte offset); returns (lines, bytes). A stream error is
    located at the first line the decompressor could not complete (after the last complete one)."""
    clock, cpu = time.perf_counter, time.process_time
    lineno, offset = 1, 0
    carry = b""
    while True:
        t = clock()
        slot, view = free_block()
        seconds["waiting for a free block (wall)"] += clock() - t
        view[: len(carry)] = carry
        pos, newlines, last_nl = len(carry), 0, -1  # the carry is the rest of a line: no newline in it
        eof = False
        oversized = None
        try:
            t = cpu()
            while pos < block_bytes:
                chunk = fh.read1(block_bytes - pos)
                if not chunk:
                    eof = True
                    break
                view[pos: pos + len(chunk)] = chunk
                k = chunk.rfind(b"\n")
                if k >= 0:
                    last_nl = pos + k
                    newlines += chunk.count(b"\n")
                pos += len(chunk)
            if not eof and last_nl < 0:  # one line longer than a block: gather it whole, send it by pipe
                oversized = bytearray(view[:pos])
                while True:
                    chunk = fh.read1(block_bytes)
                    if not chunk:
                        eof = True
                        break
                    oversized += chunk
                    k = chunk.rfind(b"\n")
                    if k >= 0:
                        last_nl = len(oversized) - len(chunk) + k
                        newlines += chunk.count(b"\n")
                        break
            seconds["decompress"] += cpu() - t
        except (EOFError, OSError, zlib.error, RuntimeError) as exc:
            if isinstance(exc, FileNotFoundError):
                raise
            line, byte = lineno + newlines, offset + last_nl + 1
            last = f"; line {line - 1} is the last complete one" if line > 1 else ""
            raise DumpFormatError(path, line, byte, f"truncated or corrupt archive: {exc}; the decompressed data stops in this line{last}") from exc
        data = oversized if oversized is not None else view
        end = len(oversized) if oversized is not None else pos
        cut = end if eof else last_nl + 1
        carry = bytes(data[cut:end])
        t = cpu()
        if cut == 0:
            release(slot)
        elif oversized is not None:
            submit((lineno, offset), slot, 0, bytes(oversized[:cut]))
        else:
            submit((lineno, offset), slot, cut, None)
        seconds["handing off blocks"] += cpu() - t
        view.release()
        lineno += newlines + (1 if eof and cut > last_nl + 1 else 0)  # a last line without a newline
        offset += cut
        if eof:
            return lineno - 1, offset


def ingest_wikidata(
    path: str | Path,
    out_dir: str | Path,
    shard: tuple[int, int] = (0, 1),
    workers: int = 0,
    tolerant: bool = False,
    progress: Callable[[int, int], None] | None = None,
    block_bytes: int = BLOCK_BYTES,
) -> IngestStats:
    """Stream a dump into Parquet files under `out_dir/<table>/` (one per worker and table; emptied first),
    each holding the table's columns and SHARD_COLUMN = k: whole rows, which the lake can take as they are.

    `shard=(k, n)` keeps the entity lines whose line number is k modulo n. `workers` processes decode
    and write (0: one per core; 1: this process, as for a dump of less than two blocks). `progress` gets (entities so far, decompressed bytes
    so far). A dump without any entity is an error, whatever the shard."""
    path, out = str(path), Path(out_dir)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    workers = workers or os.cpu_count() or 1
    if workers > 1 and _likely_size(path) < 2 * block_bytes:  # a small dump: decoded here, no process start-up
        workers = 1
    stats = IngestStats(workers=workers)
    clock = time.perf_counter
    started = clock()
    fh = open_stream(path, threads=workers)
    decoder_args = (path, shard, tolerant, str(out))

    def take(result: BlockResult) -> None:
        if result.error:
            raise DumpFormatError(path, *result.error)
        stats.entities += result.entities
        stats.entity_lines += result.entity_lines
        stats.skipped += result.skipped
        stats.problems += result.problems
        stats.problem_kinds.update(result.problem_kinds)
        stats.unknown_value_types.update(result.unknown_value_types)
        for problem in result.problem_examples[: PROBLEM_EXAMPLES - len(stats.problem_examples)]:
            stats.problem_examples.append(_where(path, problem))
        for name, n in result.rows.items():
            stats.rows[name] += n
        if progress:
            progress(stats.entities, stats.decompressed_bytes)

    read_seconds = {"decompress": 0.0, "waiting for a free block (wall)": 0.0, "handing off blocks": 0.0}
    try:
        if workers <= 1:
            decoder = BlockDecoder(*decoder_args, 0)
            buffer = bytearray(block_bytes)

            def submit(meta, slot, length, data):
                stats.decompressed_bytes = meta[1] + (length or len(data))
                take(decoder.block(buffer, 0, length, meta) if data is None else decoder.block(data, 0, len(data), meta))

            stats.lines, _ = _fill_blocks(fh, lambda: (None, memoryview(buffer)), submit, lambda slot: None, path, block_bytes, read_seconds)
            finished = [decoder.finish()]
            read_seconds["handing off blocks"] = 0.0  # it was the decoding itself, counted by the decoder
        else:
            with BlockPool(f"{__name__}:BlockDecoder", decoder_args, workers, block_bytes, env=WORKER_ENV) as pool:
                def submit(meta, slot, length, data):
                    stats.decompressed_bytes = meta[1] + (length or len(data))
                    pool.submit(meta, slot=slot, length=length, data=data)
                    for result in pool.results():
                        take(result)

                stats.lines, _ = _fill_blocks(fh, pool.free_slot, submit, pool.release_slot, path, block_bytes, read_seconds)
                t = clock()
                for result in pool.results(wait_all=True):
                    take(result)
                read_seconds["waiting for the last blocks (wall)"] = clock() - t
                finished = pool.finish()
    finally:
        fh.close()
    stats.seconds.update(read_seconds)
    for part in finished:
        for key, s in part["seconds"].items():
            stats.seconds[key] = stats.seconds.get(key, 0.0) + s
    stats.seconds["wall"] = clock() - started
    if stats.entity_lines == 0:
        raise DumpFormatError(path, None, None, f"no entities: the dump holds no entity line ({stats.lines} lines, "
                                                f"{stats.decompressed_bytes} bytes decompressed); is it the right file?")
    if stats.entities == 0 and shard[1] == 1:
        raise DumpFormatError(path, None, None, f"no readable entities: all {stats.entity_lines} entity lines were skipped as malformed")
    return stats


def _likely_size(path: str) -> int:
    """The decompressed size to expect, from the file size and typical ratios of JSON dumps."""
    size = os.path.getsize(path) if os.path.exists(path) else 0
    return size * {".gz": 8, ".bz2": 12}.get(Path(path).suffix, 1)


def staged_parquet(out_dir: str | Path, table: str) -> list[str]:
    return sorted(str(p) for p in (Path(out_dir) / table).glob("*.parquet"))


@dataclass
class WikidataTables:
    """A whole (small) dump read into memory: each table's rows as tuples, and the ingest's figures."""

    labels: list[tuple]
    sitelinks: list[tuple]
    item_claims: list[tuple]
    time_claims: list[tuple]
    quantity_claims: list[tuple]
    stats: IngestStats

    @property
    def entities(self) -> int:
        return self.stats.entities

    @property
    def skipped(self) -> list[str]:
        return self.stats.skipped


def read_wikidata_dump(path: str | Path, tolerant: bool = False, workers: int = 1, shard: tuple[int, int] = (0, 1),
                       block_bytes: int = BLOCK_BYTES) -> WikidataTables:
    """A whole (small) dump in memory: for tests and tools. Pipelines use `ingest_wikidata`."""
    with tempfile.TemporaryDirectory(prefix="wikidata-") as tmp:
        stats = ingest_wikidata(path, tmp, shard=shard, workers=workers, tolerant=tolerant, block_bytes=block_bytes)
        frames = {
            k: pl.read_parquet(files, columns=list(TABLE_SCHEMAS[k])) if (files := staged_parquet(tmp, k)) else pl.DataFrame(schema=TABLE_SCHEMAS[k])
            for k in TABLE_SCHEMAS
        }
    return WikidataTables(*(frames[k].rows() for k in TABLE_SCHEMAS), stats=stats)
