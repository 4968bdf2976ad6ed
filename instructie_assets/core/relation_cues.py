"""Relation cues: the words that link a head and a tail in their evidence sentence.

For some relations two names in one sentence say nothing about how they relate: "德国总理" and the
Brandenburg Gate in one sentence do not place the gate in Germany, "moved to France" is no
citizenship, a parent company is no publisher. A relation listed under `linking` in
`resources/relation_cues.yaml` is kept only where one of its cues (in the triple's language)
matches the evidence sentence; otherwise the filter drops it with `no_relation_cue`. Relations
not listed keep the co-mention rule (head and tail in one sentence).

A relation listed under `part_lists` may also be written as a list of the parts of a place named
just before the list's sentence ("The many residential communities of Toronto ... Victorian houses
can be found in enclaves such as Rosedale, Cabbagetown and The Annex"; "全市下辖...。A、B等街道..."):
the head is an item of the list, the tail the first place named in the sentence before. Such a cue is
matched in the list's sentence with a zero-length `{tail}` at its start (the place named before it).

A date relation listed under `dates` may be written coarser than its statement's precision where a
cue ties the written date to the event ("First convened in 1973", "until his death in 1021"): the
year then belongs to this event, not to another one of the sentence (`value_precision` otherwise).

Pattern language. A cue is a Python regular expression searched in the evidence sentence, in which
the head's span reads `{head}`, the tail's `{tail}`, and every other entity or value mention
`{mention}`. Where the article's subject stands in the sentence as a pronoun or a description ("It
was formerly the county town of Cornwall", "该塔..."), or is left out where a ZH sentence opens
with 又名 / 简称, that place reads as the subject's role (`{head}` or `{tail}`). The file's `macros`
(per language) name further pieces, written `{name}` too (a lowercase identifier in braces; regex
counts such as `{0,3}` are left alone); a macro may use the ones before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HEAD, TAIL, MENTION = "\ue001", "\ue002", "\ue003"
BUILT_INS = {"head": HEAD, "tail": TAIL, "mention": MENTION}
LANGUAGES = ("en", "zh")
KINDS = ("linking", "dates", "part_lists")
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


class CueError(ValueError):
    """The relation cue file is invalid; the message names the file and the cue."""


@dataclass(frozen=True)
class Cue:
    name: str        # `<relation>/<language>/<cue name>`: recorded on the triple it links
    pattern: str     # as written in the file
    regex: re.Pattern

    def matches(self, masked: str) -> bool:
        return self.regex.search(masked) is not None


@dataclass(frozen=True)
class RelationCues:
    """Cues per kind (`linking`, `dates`), relation and language."""

    cues: dict[tuple[str, str, str], tuple[Cue, ...]] = field(default_factory=dict)

    def required(self, relation: str, language: str) -> bool:
        """The relation needs a linking cue in this language."""
        return ("linking", relation, language) in self.cues

    def listed(self, relation: str, language: str) -> bool:
        """The relation may be written as a list of a place's parts (`part_lists`)."""
        return ("part_lists", relation, language) in self.cues

    def dated(self, relation: str, language: str) -> bool:
        """A coarser written date of this relation stands where a date cue ties it to the event."""
        return ("dates", relation, language) in self.cues

    def relations(self, kind: str = "linking") -> set[str]:
        return {r for k, r, _ in self.cues if k == kind}

    def find(self, kind: str, relation: str, language: str, masked: str) -> str | None:
        """The name of the first cue of `relation` that matches the masked sentence, or None."""
        for cue in self.cues.get((kind, relation, language), ()):
            if cue.matches(masked):
                return cue.name
        return None


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    (as_, ae), (bs, be) = a, b
    if as_ == ae:
        return bs < as_ < be
    if bs == be:
        return as_ < bs < ae
    return as_ < be and bs < ae


def mask_sentence(text: str, start: int, end: int, marks: list[tuple[int, int, str]]) -> str:
    """`text[start:end]` with each marked span written as its mark (HEAD, TAIL or MENTION). A mark
    of zero length is inserted; a mark overlapping an earlier one of `marks` is left out, so head
    and tail come first."""
    taken: list[tuple[int, int, str]] = []
    for s, e, mark in marks:
        if start <= s <= e <= end and not any(_overlap((s, e), (ts, te)) for ts, te, _ in taken):
            taken.append((s, e, mark))
    out, pos = [], start
    for s, e, mark in sorted(taken, key=lambda m: (m[0], m[1])):
        out.append(text[pos:s])
        out.append(mark)
        pos = e
    out.append(text[pos:end])
    return "".join(out)


def _expand(pattern: str, macros: dict[str, str], where: str) -> str:
    def replace(m: re.Match) -> str:
        name = m.group(1)
        if name in BUILT_INS:
            return re.escape(BUILT_INS[name])
        if name in macros:
            return f"(?:{macros[name]})"
        raise CueError(f"{where}: unknown placeholder {{{name}}} (built in: head, tail, mention; macros: {', '.join(macros) or 'none'})")
    return _PLACEHOLDER.sub(replace, pattern)


def _compile(pattern: str, macros: dict[str, str], where: str) -> re.Pattern:
    if not isinstance(pattern, str) or not pattern.strip():
        raise CueError(f"{where}: a cue must be a non-empty string")
    try:
        return re.compile(_expand(pattern, macros, where))
    except re.error as exc:
        raise CueError(f"{where}: not a valid regular expression ({exc})") from exc


def parse_relation_cues(raw: object, where: str, known_relations: set[str] | None = None) -> RelationCues:
    """Cues from the file's content; `known_relations` (every relation name of the schemas and
    the relation map) catches a misspelt relation."""
    if not isinstance(raw, dict):
        raise CueError(f"{where}: expected a mapping with `macros`, `linking`, `dates` and `part_lists`")
    unknown = set(raw) - {"macros", *KINDS}
    if unknown:
        raise CueError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    macros: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    for lang, defs in (raw.get("macros") or {}).items():
        if lang not in LANGUAGES or not isinstance(defs, dict):
            raise CueError(f"{where}: macros.{lang}: expected a mapping per language ({', '.join(LANGUAGES)})")
        for name, body in defs.items():
            here = f"{where}: macros.{lang}.{name}"
            if not _PLACEHOLDER.fullmatch(f"{{{name}}}") or name in BUILT_INS:
                raise CueError(f"{here}: a macro name is a lowercase identifier other than head, tail, mention")
            macros[lang][name] = _expand(str(body), macros[lang], here)
            _compile(f"{{{name}}}", macros[lang], here)
    cues: dict[tuple[str, str, str], tuple[Cue, ...]] = {}
    for kind in KINDS:
        relations = raw.get(kind) or {}
        if not isinstance(relations, dict):
            raise CueError(f"{where}: `{kind}` must map relation names to cues per language")
        for relation, per_language in relations.items():
            here = f"{where}: {kind}.{relation}"
            if known_relations is not None and relation not in known_relations:
                raise CueError(f"{here}: `{relation}` is no relation of the theme schemas or the relation map")
            if not isinstance(per_language, dict) or set(per_language) - set(LANGUAGES):
                raise CueError(f"{here}: expected `en` and/or `zh`, each a mapping of cue name -> pattern")
            for lang, named in per_language.items():
                if not isinstance(named, dict) or not named:
                    raise CueError(f"{here}.{lang}: expected a mapping of cue name -> pattern")
                cues[(kind, relation, lang)] = tuple(
                    Cue(f"{relation}/{lang}/{name}", pattern, _compile(pattern, macros[lang], f"{here}.{lang}.{name}"))
                    for name, pattern in named.items()
                )
    return RelationCues(cues)


def load_relation_cues(path: Path, known_relations: set[str] | None = None) -> RelationCues:
    """The cues of `path`; a missing file means no relation needs a cue."""
    if not path.exists():
        return RelationCues()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CueError(f"{path}: not valid YAML: {exc}") from exc
    return parse_relation_cues(raw, str(path), known_relations)
