"""The output formats of instruction records: writing them, and reading any of them back.

Four line formats from the instruction pool (`format_id` 0-3) and the JSON-schema style:

  0 tuple      (head,relation,tail)                       one per line
  1 natural    head is H, relation is R, tail is T         one per line (ZH: 头实体是H，关系是R，尾实体是T)
  2 relation   relation: head, tail                        one per line (ZH: 关系：头实体，尾实体)
  3 json       [{"head": .., "relation": .., "tail": ..}]
  schema_json  {"<relation>": [{"subject": .., "object": ..}]}

The parser detects the format per record and per line, after Unicode NFKC (so full-width ZH
punctuation reads like ASCII). `NAN` (alone, or as a head, tail or relation's whole value), empty
outputs and lines in no format (refusals, chatter) give no triples. Entity names may contain commas:
among the ways to split a line, the one whose relation is a known label and whose head and tail occur
in the input text wins.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field

FORMAT_NAMES = ("tuple", "natural", "relation", "json")
NAN = "NAN"

_NATURAL = {
    "en": re.compile(r"^head is (?P<h>.+?),\s*relation is (?P<r>.+?),\s*tail is (?P<t>.+)$", re.IGNORECASE),
    "zh": re.compile(r"^头实体是(?P<h>.+?),\s*关系是(?P<r>.+?),\s*尾实体是(?P<t>.+)$"),
}
_TUPLE = re.compile(r"^\((?P<inner>.*)\)$")
_RELATION = re.compile(r"^(?P<r>[^:]+?)\s*:\s*(?P<rest>.+)$")


def nfkc(s: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", s).split())


def serialize(triples: list[dict], format_id: int | str, language: str) -> str:
    """Write triples (dicts with head, relation, tail) in one output format, in the given order."""
    if format_id in (3, "json"):
        return json.dumps([{"head": t["head"], "relation": t["relation"], "tail": t["tail"]} for t in triples], ensure_ascii=False)
    if format_id == "schema_json":
        grouped: dict[str, list[dict]] = {}
        for t in triples:
            grouped.setdefault(t["relation"], []).append({"subject": t["head"], "object": t["tail"]})
        return json.dumps(grouped, ensure_ascii=False)
    lines = []
    for t in triples:
        h, r, tl = t["head"], t["relation"], t["tail"]
        if format_id in (0, "tuple"):
            lines.append(f"({h},{r},{tl})")
        elif format_id in (1, "natural"):
            lines.append(f"头实体是{h}，关系是{r}，尾实体是{tl}" if language == "zh" else f"head is {h}, relation is {r}, tail is {tl}")
        elif format_id in (2, "relation"):
            lines.append(f"{r}：{h}，{tl}" if language == "zh" else f"{r}: {h}, {tl}")
        else:
            raise ValueError(f"unknown output format {format_id!r}")
    return "\n".join(lines)


@dataclass
class ParsedOutput:
    format: str  # tuple | natural | relation | json | schema_json | nan | empty | unparsed
    triples: list[tuple[str, str, str]] = field(default_factory=list)
    unparsed_lines: int = 0


def _is_nan(s: str) -> bool:
    return s.strip().upper() in ("NAN", "NONE", "") or s.strip() == "无"


def _clean(triples: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    out = []
    for h, r, t in triples:
        h, r, t = nfkc(h), nfkc(r), nfkc(t)
        if not (_is_nan(h) or _is_nan(r) or _is_nan(t)):
            out.append((h, r, t))
    return out


def _best_split(parts: list[str], n_head_parts_options: list[tuple[int, int]], labels: set[str], text: str) -> tuple[str, str, str]:
    """Choose how comma-separated parts form (head, relation, tail) when names contain commas."""
    best, best_score = None, None
    for i, j in n_head_parts_options:
        h, r, t = ",".join(parts[:i]).strip(), ",".join(parts[i:j]).strip(), ",".join(parts[j:]).strip()
        score = (r in labels, bool(text) and h in text, bool(text) and t in text, "," not in r, -i)
        if best_score is None or score > best_score:
            best, best_score = (h, r, t), score
    return best


def _split_tuple(inner: str, labels: set[str], text: str) -> tuple[str, str, str] | None:
    parts = inner.split(",")
    if len(parts) < 3:
        return None
    options = [(i, j) for i in range(1, len(parts) - 1) for j in range(i + 1, len(parts))]
    return _best_split(parts, options, labels, text)


def _split_head_tail(rest: str, text: str) -> tuple[str, str] | None:
    parts = rest.split(",")
    if len(parts) < 2:
        return None
    best, best_score = None, None
    for i in range(1, len(parts)):
        h, t = ",".join(parts[:i]).strip(), ",".join(parts[i:]).strip()
        score = (bool(text) and h in text, bool(text) and t in text, -i)
        if best_score is None or score > best_score:
            best, best_score = (h, t), score
    return best


def _parse_json(value) -> tuple[str, list[tuple[str, str, str]]] | None:
    if isinstance(value, list) and all(isinstance(x, dict) for x in value):
        if all({"head", "relation", "tail"} <= set(x) for x in value):
            return "json", [(str(x["head"]), str(x["relation"]), str(x["tail"])) for x in value]
        return None
    if isinstance(value, dict) and all(isinstance(v, list) or v is None or isinstance(v, str) for v in value.values()):
        triples = []
        for relation, items in value.items():
            if not isinstance(items, list):  # "relation": "NAN"
                continue
            for x in items:
                if not (isinstance(x, dict) and "subject" in x and "object" in x):
                    return None
                triples.append((str(x["subject"]), str(relation), str(x["object"])))
        return "schema_json", triples
    return None


def parse_output(output: str | None, labels: set[str] | frozenset[str] = frozenset(), text: str = "") -> ParsedOutput:
    """Read an output in any known format; never raises on free text."""
    raw = (output or "").strip()
    if not raw:
        return ParsedOutput("empty")
    if raw.upper() == NAN:
        return ParsedOutput("nan")
    labels = {nfkc(x) for x in labels}
    text = nfkc(text) if text else ""
    if raw[0] in "[{":
        try:
            parsed = _parse_json(json.loads(raw))
        except json.JSONDecodeError:
            parsed = None
        if parsed is not None:
            return ParsedOutput(parsed[0], _clean(parsed[1]))
    triples: list[tuple[str, str, str]] = []
    formats: dict[str, int] = {}
    unparsed = 0
    for line in raw.splitlines():
        line = nfkc(line)
        if not line:
            continue
        if line.upper() == NAN:
            formats["nan"] = formats.get("nan", 0) + 1
            continue
        found = None
        m = _TUPLE.match(line)
        if m:
            split = _split_tuple(m.group("inner"), labels, text)
            if split:
                found = ("tuple", split)
        if found is None:
            for pattern in _NATURAL.values():
                m = pattern.match(line)
                if m:
                    found = ("natural", (m.group("h"), m.group("r"), m.group("t")))
                    break
        if found is None:
            m = _RELATION.match(line)
            if m:
                rest = m.group("rest").strip()
                if _is_nan(rest):
                    formats["relation"] = formats.get("relation", 0) + 1
                    continue
                split = _split_head_tail(rest, text)
                if split and (not labels or nfkc(m.group("r")) in labels or (text and split[0] in text and split[1] in text)):
                    found = ("relation", (split[0], m.group("r"), split[1]))
        if found is None:
            unparsed += 1
            continue
        formats[found[0]] = formats.get(found[0], 0) + 1
        triples.append(found[1])
    if not formats:
        return ParsedOutput("unparsed", [], unparsed)
    fmt = max(formats.items(), key=lambda kv: (kv[1], kv[0] != "nan"))[0]
    return ParsedOutput(fmt, _clean(triples), unparsed)
