"""Streaming the Wikidata JSON dump into narrow rows: labels, sitelinks, item, time and quantity claims.

The dump layout: a line `[`, then one entity per line followed by a comma, then `]`.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

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
            "wikidata_quantity_claims": pl.DataFrame(
                self.quantity_claims, schema=QUANTITY_CLAIM_SCHEMA, orient="row"
            ),
        }


def _entity_id_of(url: str) -> str:
    """Quantity units are entity URLs (http://www.wikidata.org/entity/Q11573) or "1"."""
    return url.rsplit("/", 1)[-1] if url and url != "1" else ""


def _zh_values(by_lang: dict, pick_first: bool) -> list[str]:
    out: list[str] = []
    for lang in ZH_FALLBACK:
        if lang in by_lang:
            val = by_lang[lang]
            values = [val["value"]] if isinstance(val, dict) else [a["value"] for a in val]
            for v in values:
                s = to_simplified(v)
                if s not in out:
                    out.append(s)
            if pick_first and out:
                return out[:1]
    return out


def extract_entity(entity: dict, rows: WikidataRows) -> None:
    """Append the narrow rows of one entity; deprecated statements are dropped."""
    qid = entity["id"]
    labels = entity.get("labels") or {}
    aliases = entity.get("aliases") or {}
    if "en" in labels:
        rows.labels.append((qid, "en", "label", labels["en"]["value"]))
    for a in aliases.get("en", ()):
        rows.labels.append((qid, "en", "alias", a["value"]))
    zh_label = _zh_values(labels, pick_first=True)
    for v in zh_label:
        rows.labels.append((qid, "zh", "label", v))
    # Labels of the other Chinese variants count as aliases once converted to Simplified.
    for v in _zh_values(labels, pick_first=False)[1:] + _zh_values(aliases, pick_first=False):
        if v not in zh_label:
            rows.labels.append((qid, "zh", "alias", v))
    sitelinks = entity.get("sitelinks") or {}
    for site in SITES:
        if site in sitelinks:
            rows.sitelinks.append((qid, site, sitelinks[site]["title"]))
    for prop, statements in (entity.get("claims") or {}).items():
        for st in statements:
            rank = st.get("rank", "normal")
            if rank == "deprecated":
                continue
            snak = st.get("mainsnak") or {}
            if snak.get("snaktype") != "value":
                continue
            dv = snak.get("datavalue") or {}
            value = dv.get("value")
            kind = dv.get("type")
            if kind == "wikibase-entityid" and isinstance(value, dict):
                obj = value.get("id") or f"Q{value.get('numeric-id')}"
                if obj.startswith("Q"):
                    rows.item_claims.append((qid, prop, obj, rank))
            elif kind == "time" and isinstance(value, dict):
                rows.time_claims.append(
                    (qid, prop, value["time"], int(value.get("precision", 11)), _entity_id_of(value.get("calendarmodel", "")), rank)
                )
            elif kind == "quantity" and isinstance(value, dict):
                amount_text = value["amount"]
                rows.quantity_claims.append((qid, prop, float(amount_text), amount_text.lstrip("+"), _entity_id_of(value.get("unit", "1")), rank))
    rows.entities += 1


def iter_dump_lines(path: str | Path) -> Iterator[tuple[int, int, bytes]]:
    """Yield (line number, byte offset in the decompressed stream, entity JSON bytes)."""
    offset = 0
    try:
        with open_binary(path) as fh:
            for lineno, raw in enumerate(fh, start=1):
                start = offset
                offset += len(raw)
                line = raw.strip()
                if line.endswith(b","):
                    line = line[:-1].rstrip()
                if not line or line in (b"[", b"]"):
                    continue
                yield lineno, start, line
    except (EOFError, OSError, zlib.error) as exc:
        raise DumpFormatError(path, lineno if offset else 1, offset, f"truncated or corrupt archive ({exc})") from exc


def read_wikidata_dump(path: str | Path, tolerant: bool = False, progress=None) -> WikidataRows:
    """Read a whole dump (.json, .json.gz, .json.bz2) into rows.

    A malformed line, invalid UTF-8 or an entity without an id raises DumpFormatError naming the
    file, line and byte; with `tolerant` such lines are skipped and listed in `rows.skipped`.
    """
    rows = WikidataRows()
    for lineno, byte, line in iter_dump_lines(path):
        try:
            entity = orjson.loads(line)
            if not isinstance(entity, dict) or not isinstance(entity.get("id"), str):
                raise ValueError("entity without an id")
            extract_entity(entity, rows)
        except (orjson.JSONDecodeError, ValueError, KeyError, TypeError) as exc:
            reason = "invalid UTF-8" if isinstance(exc, orjson.JSONDecodeError) and "utf-8" in str(exc).lower() else str(exc)
            err = DumpFormatError(path, lineno, byte, f"malformed entity: {reason}")
            if not tolerant:
                raise err from exc
            rows.skipped.append(str(err))
        if progress is not None:
            progress(byte)
    return rows
