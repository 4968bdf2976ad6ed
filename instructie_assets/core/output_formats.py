"""The output formats of instruction records: writing them, and reading any of them back.

Our pool writes four line formats (`format_id` 0-3) and the JSON-schema style:

  0 tuple        (head,relation,tail)                        one per line
  1 natural      head is H, relation is R, tail is T          one per line (ZH: 头实体是H，关系是R，尾实体是T)
  2 relation     relation: head, tail                         one per line (ZH: 关系：头实体，尾实体)
  3 json         [{"head": .., "relation": .., "tail": ..}]
  schema_json    {"<relation>": [{"subject": .., "object": ..}]}

The reader also takes what the authors' tools write (DeepKE `kg2instruction` converters, current and
earlier templates; DeepKE / IEPile `ie2instruction`):

  tuple_run               (h, r, t),(h, r, t)                 several tuples on one line (earlier kg2instruction)
  natural_kg2instruction  Subject is H,Relation is R,Object is T  (ZH: 头实体是H,关系是R,尾实体是T)
  natural_blocks          头实体是H / 关系是R / 尾实体是T on three lines, blank line between (earlier kg2instruction)
  relation_kg2instruction R：H,T  (EN and ZH)
  python_dict             {'head': 'H', 'relation': 'R', 'tail': 'T'}  one per line
  python_list             [{'head': 'H', 'relation': 'R', 'tail': 'T'}, ...]  (earlier kg2instruction)
  schema_json_head_tail   {"<relation>": [{"head": .., "tail": ..}]}  (DeepKE ie2instruction)

`schema_json` is also IEPile's RE output. The earlier templates' prefix line 输入中包含的关系三元组是： is
skipped. The format is detected per record and per line; full-width and ASCII brackets, commas and
colons both read. `NAN` (alone, or as a head, tail or relation's whole value), empty outputs and lines in
no format (refusals, chatter) give no triples. Entity names may contain commas: among the ways to split
a line, the one whose relation is a known label and whose head and tail occur in the input text wins.

Triples come back twice: NFKC- and whitespace-normalised (`triples`), and as written, stripped
(`raw_triples`, what the authors' evaluators compare).
"""

from __future__ import annotations

import ast
import json
import re
import unicodedata
from dataclasses import dataclass, field

FORMAT_NAMES = ("tuple", "natural", "relation", "json")
NAN = "NAN"
AUTHORS_PREFIX = "输入中包含的关系三元组是"

_SEP = "[,，]"
_NATURAL_EN = re.compile(rf"^(?P<lead>head|subject)\s+is\s*(?P<h>.+?)\s*{_SEP}\s*relation\s+is\s*(?P<r>.+?)\s*{_SEP}\s*(?:tail|object)\s+is\s*(?P<t>.+)$", re.IGNORECASE)
_NATURAL_ZH = re.compile(rf"^头实体是\s*(?P<h>.+?)\s*{_SEP}\s*关系是\s*(?P<r>.+?)\s*{_SEP}\s*尾实体是\s*(?P<t>.+)$")
_BLOCK = (re.compile(r"^头实体是\s*(.+)$"), re.compile(r"^关系是\s*(.+)$"), re.compile(r"^尾实体是\s*(.+)$"))
_RELATION = re.compile(r"^(?P<r>[^:：]+?)\s*(?P<colon>[:：])\s*(?P<rest>.+)$")
_DICT_CHUNK = re.compile(r"\{[^{}]*\}")
_OPEN, _CLOSE = "(（", ")）"
_MAX_COMMAS = 8  # commas inside one name that a split considers


def nfkc(s: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", s).split())


def serialize(triples: list[dict], format_id: int | str, language: str) -> str:
    """Write triples (dicts with head, relation, tail) in one output format, in the given order.

    Formats 0-3 and `schema_json` are the pool's; the others are written as the authors' converters
    write them (used as the ROUGE reference for predictions in those formats)."""
    rows = [(t["head"], t["relation"], t["tail"]) for t in triples]
    zh = language == "zh"
    if format_id in (3, "json"):
        return json.dumps([{"head": h, "relation": r, "tail": t} for h, r, t in rows], ensure_ascii=False)
    if format_id in ("schema_json", "schema_json_head_tail"):
        keys = ("subject", "object") if format_id == "schema_json" else ("head", "tail")
        grouped: dict[str, list[dict]] = {}
        for h, r, t in rows:
            grouped.setdefault(r, []).append({keys[0]: h, keys[1]: t})
        return json.dumps(grouped, ensure_ascii=False)
    if format_id == "python_list":
        return str([{"head": h, "relation": r, "tail": t} for h, r, t in rows])
    if format_id == "tuple_run":
        return ",".join(f"({h},{r},{t})" if zh else f"({h}, {r}, {t})" for h, r, t in rows)
    if format_id == "natural_blocks":
        return "".join(f"头实体是{h}\n关系是{r}\n尾实体是{t}\n\n" for h, r, t in rows)
    lines = []
    for h, r, t in rows:
        if format_id in (0, "tuple"):
            lines.append(f"({h},{r},{t})")
        elif format_id in (1, "natural"):
            lines.append(f"头实体是{h}，关系是{r}，尾实体是{t}" if zh else f"head is {h}, relation is {r}, tail is {t}")
        elif format_id in (2, "relation"):
            lines.append(f"{r}：{h}，{t}" if zh else f"{r}: {h}, {t}")
        elif format_id == "natural_kg2instruction":
            lines.append(f"头实体是{h},关系是{r},尾实体是{t}" if zh else f"Subject is {h},Relation is {r},Object is {t}")
        elif format_id == "relation_kg2instruction":
            lines.append(f"{r}：{h},{t}")
        elif format_id == "python_dict":
            lines.append(str({"head": h, "relation": r, "tail": t}))
        else:
            raise ValueError(f"unknown output format {format_id!r}")
    return "\n".join(lines)


@dataclass
class ParsedOutput:
    format: str  # a format name above | nan | empty | unparsed
    triples: list[tuple[str, str, str]] = field(default_factory=list)  # NFKC + whitespace normalised
    unparsed_lines: int = 0
    raw_triples: list[tuple[str, str, str]] = field(default_factory=list)  # as written, stripped


def _is_nan(s: str) -> bool:
    return s.strip().upper() in ("NAN", "NONE", "") or s.strip() == "无"


def _cleaned(found: list[tuple[str, str, str]]) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    triples, raw = [], []
    for h, r, t in found:
        h, r, t = str(h).strip(), str(r).strip(), str(t).strip()
        if not (_is_nan(h) or _is_nan(r) or _is_nan(t)):
            triples.append((nfkc(h), nfkc(r), nfkc(t)))
            raw.append((h, r, t))
    return triples, raw


def _pieces(s: str) -> tuple[list[str], list[str]]:
    """Split on ASCII and full-width commas, keeping the separators to join pieces back."""
    parts = re.split(f"({_SEP})", s)
    return parts[0::2], parts[1::2]


def _join(parts: list[str], seps: list[str], i: int, j: int) -> str:
    out = parts[i]
    for k in range(i + 1, j):
        out += seps[k - 1] + parts[k]
    return out.strip()


def _split_tuple(inner: str, labels: set[str], text: str) -> tuple[str, str, str] | None:
    parts, seps = _pieces(inner)
    if len(parts) < 3:
        return None
    best, best_score = None, None
    n = len(parts)  # names hold a few commas: heads end in the first pieces, tails start in the last ones
    for i in range(1, min(n - 1, _MAX_COMMAS + 1)):
        for j in range(max(i + 1, n - _MAX_COMMAS - 1), n):
            h, r, t = _join(parts, seps, 0, i), _join(parts, seps, i, j), _join(parts, seps, j, len(parts))
            score = (nfkc(r) in labels, bool(text) and nfkc(h) in text, bool(text) and nfkc(t) in text, not re.search(_SEP, r), -i)
            if best_score is None or score > best_score:
                best, best_score = (h, r, t), score
    return best


def _split_head_tail(rest: str, text: str) -> tuple[str, str] | None:
    parts, seps = _pieces(rest)
    if len(parts) < 2:
        return None
    best, best_score = None, None
    for i in range(1, len(parts)):
        h, t = _join(parts, seps, 0, i), _join(parts, seps, i, len(parts))
        score = (bool(text) and nfkc(h) in text, bool(text) and nfkc(t) in text, -i)
        if best_score is None or score > best_score:
            best, best_score = (h, t), score
    return best


def _paren_groups(line: str) -> list[str] | None:
    """The insides of the top-level (..) groups when the line is nothing but such groups."""
    groups, depth, start = [], 0, 0
    for i, c in enumerate(line):
        if c in _OPEN:
            if depth == 0:
                start = i + 1
            depth += 1
        elif c in _CLOSE:
            if depth == 0:
                return None
            depth -= 1
            if depth == 0:
                groups.append(line[start:i])
        elif depth == 0 and not (c.isspace() or c in ",，;；、"):
            return None
    return groups if groups and depth == 0 else None


def _load_literal(s: str) -> tuple[object, str] | None:
    """A JSON value, else a Python literal (what `str()` of a dict or list writes)."""
    try:
        return json.loads(s), "json"
    except (json.JSONDecodeError, RecursionError):
        pass
    try:
        return ast.literal_eval(s), "python"
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _text_value(v) -> str | None:
    if isinstance(v, str):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    return None


def _triple_of(d: dict) -> tuple[str, str, str] | None:
    parts = [_text_value(d.get(k)) for k in ("head", "relation", "tail")]
    return None if None in parts else tuple(parts)


def _structured(value, how: str) -> tuple[str, list[tuple[str, str, str]]] | None:
    """(format, triples) of a parsed JSON / Python value in one of the structured formats, else None."""
    if isinstance(value, list):
        triples = [x for x in (_triple_of(d) for d in value if isinstance(d, dict)) if x]
        if value and not triples:
            return None
        return ("json" if how == "json" else "python_list"), triples
    if not isinstance(value, dict):
        return None
    if {"head", "relation", "tail"} <= set(value):
        triple = _triple_of(value)
        return ("python_dict", [triple]) if triple else None
    if not all(isinstance(k, str) and (v is None or isinstance(v, (list, str))) for k, v in value.items()):
        return None
    triples, styles = [], {"schema_json": 0, "schema_json_head_tail": 0}
    for relation, items in value.items():
        if not isinstance(items, list):  # "relation": "NAN" / null: nothing of that relation
            continue
        for item in items:
            if not isinstance(item, dict):
                continue
            if "subject" in item or "object" in item:
                h, t, styles["schema_json"] = item.get("subject"), item.get("object"), styles["schema_json"] + 1
            else:
                h, t, styles["schema_json_head_tail"] = item.get("head"), item.get("tail"), styles["schema_json_head_tail"] + 1
            h, t = _text_value(h), _text_value(t)
            if h is not None and t is not None:
                triples.append((h, relation, t))
    return max(styles, key=lambda k: (styles[k], k == "schema_json")), triples


def _dict_chunks(s: str) -> list[tuple[str, str, str]]:
    """Triples of every complete {...} in a structured output that does not parse whole (cut off)."""
    out = []
    for chunk in _DICT_CHUNK.findall(s):
        loaded = _load_literal(chunk)
        if loaded and isinstance(loaded[0], dict):
            triple = _triple_of(loaded[0])
            if triple:
                out.append(triple)
    return out


def _strip_prefix(raw: str) -> str:
    """Drop the earlier kg2instruction templates' first words 输入中包含的关系三元组是：."""
    return raw[len(AUTHORS_PREFIX):].lstrip(":：").strip() if raw.startswith(AUTHORS_PREFIX) else raw


def parse_output(output: str | None, labels: set[str] | frozenset[str] = frozenset(), text: str = "") -> ParsedOutput:
    """Read an output in any known format; never raises on free text."""
    raw = _strip_prefix((output or "").strip())
    if not raw:
        return ParsedOutput("empty")
    if nfkc(raw).upper() == NAN:
        return ParsedOutput("nan")
    labels = {nfkc(x) for x in labels}
    text = nfkc(text) if text else ""
    if raw[0] in "[{":
        loaded = _load_literal(raw)
        parsed = _structured(*loaded) if loaded else None
        if parsed is not None:
            return ParsedOutput(parsed[0], *_with_raw(_cleaned(parsed[1]), 0))
        if raw[0] == "[" and "\n" not in raw:
            chunks = _dict_chunks(raw)
            if chunks:
                return ParsedOutput("python_list", *_with_raw(_cleaned(chunks), 0))
    found: list[tuple[str, str, str]] = []
    formats: dict[str, int] = {}
    unparsed = 0
    lines = [x.strip() for x in raw.splitlines()]
    i = 0
    while i < len(lines):
        line, i = lines[i], i + 1
        if not line:
            continue
        if nfkc(line).upper() == NAN:
            formats["nan"] = formats.get("nan", 0) + 1
            continue
        fmt, triples = _parse_line(line, labels, text)
        if fmt is None and _BLOCK[0].match(line) and i + 1 < len(lines) and _BLOCK[1].match(lines[i]) and _BLOCK[2].match(lines[i + 1]):
            fmt = "natural_blocks"
            triples = [(_BLOCK[0].match(line).group(1), _BLOCK[1].match(lines[i]).group(1), _BLOCK[2].match(lines[i + 1]).group(1))]
            i += 2
        if fmt is None:
            unparsed += 1
            continue
        if fmt == "relation_nan":
            formats["relation"] = formats.get("relation", 0) + 1
            continue
        formats[fmt] = formats.get(fmt, 0) + 1
        found += triples
    if not formats:
        return ParsedOutput("unparsed", [], unparsed)
    fmt = max(formats.items(), key=lambda kv: (kv[1], kv[0] != "nan"))[0]
    return ParsedOutput(fmt, *_with_raw(_cleaned(found), unparsed))


def _with_raw(cleaned, unparsed: int) -> tuple[list, int, list]:
    triples, raw = cleaned
    return triples, unparsed, raw


def _parse_line(line: str, labels: set[str], text: str) -> tuple[str | None, list[tuple[str, str, str]]]:
    """(format, triples) of one line, or (None, []) when it is in no format."""
    if line[0] in "[{":
        loaded = _load_literal(line)
        parsed = _structured(*loaded) if loaded else None
        if parsed is not None:
            return parsed
        chunks = _dict_chunks(line)
        if chunks:
            return ("python_list" if line[0] == "[" else "python_dict"), chunks
    groups = _paren_groups(line)
    if groups:
        splits = [s for s in (_split_tuple(g, labels, text) for g in groups) if s]
        if splits:
            return ("tuple_run" if len(groups) > 1 else "tuple"), splits
    m = _NATURAL_EN.match(line)
    if m:
        kg2 = m.group("lead").lower() == "subject"
        return ("natural_kg2instruction" if kg2 else "natural"), [(m.group("h"), m.group("r"), m.group("t"))]
    m = _NATURAL_ZH.match(line)
    if m:
        return ("natural" if "，" in line else "natural_kg2instruction"), [(m.group("h"), m.group("r"), m.group("t"))]
    m = _RELATION.match(line)
    if m:
        rest = m.group("rest").strip()
        if _is_nan(rest):
            return "relation_nan", []
        split = _split_head_tail(rest, text)
        if split and (not labels or nfkc(m.group("r")) in labels or (text and nfkc(split[0]) in text and nfkc(split[1]) in text)):
            kg2 = m.group("colon") == "：" and "，" not in rest and "," in rest
            return ("relation_kg2instruction" if kg2 else "relation"), [(split[0], m.group("r"), split[1])]
    return None, []
