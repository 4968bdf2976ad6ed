"""Judgements of the pipeline's triples on real pages, keyed so that they survive small text changes.

A judgement is one JSON line:

    {"language": "en", "article": "Julia Kristeva",
     "paragraph": "Born in Sliven, Bulgaria to Christian parents, Kristeva is the daughter of ...",
     "head": "Julia Kristeva", "relation": "place of birth", "tail": "Sliven",
     "label": "stated", "reason": "\"Born in Sliven\"", "context": "..."}

* `article`, `head`, `relation` (the label in the paragraph's language, `relation_label`), `tail`
  (as written in the text, `tail_written`) are compared after NFKC and whitespace normalisation.
* `paragraph` is the opening of the paragraph the triple was judged in (about 30 words; 60
  characters in ZH). A row's paragraph is the judgement's when most of the snippet's word pairs
  (character pairs in ZH) occur in the row's paragraph text (`containment` >= MIN_CONTAINMENT), so
  the key holds when the wikitext rendering changes a few words, drops debris, or ids and offsets
  move; never by paragraph_id or offsets.
* `context` is the sentence(s) around head and tail when judged: the reader's evidence, and the
  second fingerprint: a row's paragraph also matches when it contains most of the context's word
  pairs, so a paragraph whose opening was rewritten (a lead template now rendered) still matches.
* `label` is `stated` or `not_stated`; `reason` says why in a few words.

Scope: every candidate that passes the schema and type rules, i.e. each `filtered_triples` row whose
`drop_reason` is null or a reason after those (`nli`, `sampling`, and any rule added later). Rows
dropped as `duplicate`, `schema` or `type` are outside the measurement.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

LABELS = ("stated", "not_stated")
OUT_OF_SCOPE = frozenset({"duplicate", "schema", "type"})
MIN_CONTAINMENT = 0.6
SNIPPET_WORDS = 30
SNIPPET_CHARS_ZH = 60
_WORD = re.compile(r"\w+", re.UNICODE)
_CJK_OR_WORD = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W_]+", re.UNICODE)


class JudgementError(ValueError):
    """A judgements file that cannot be used: names the file, the line and what is wrong."""


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "")).strip()


def _tokens(text: str, language: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower()
    if language == "zh":
        return _CJK_OR_WORD.findall(text)
    return _WORD.findall(text)


def _pairs(tokens: list[str]) -> set[tuple[str, str]]:
    return set(zip(tokens, tokens[1:])) if len(tokens) > 1 else {(t, "") for t in tokens}


def snippet_of(paragraph: str, language: str) -> str:
    """The opening of a paragraph kept in a judgement: 30 words (EN) or 60 characters (ZH)."""
    text = normalize(paragraph)
    if language == "zh":
        return text[:SNIPPET_CHARS_ZH]
    words = text.split(" ")
    return " ".join(words[:SNIPPET_WORDS])


def containment(snippet: str, paragraph: str, language: str) -> float:
    """Share of the snippet's consecutive token pairs that occur in the paragraph (0..1)."""
    wanted = _pairs(_tokens(snippet, language))
    if not wanted:
        return 0.0
    have = _pairs(_tokens(paragraph, language))
    return len(wanted & have) / len(wanted)


@dataclass(frozen=True)
class Judgement:
    language: str
    article: str
    paragraph: str
    head: str
    relation: str
    tail: str
    label: str
    reason: str = ""
    context: str = ""
    line: int = 0

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return triple_key(self.language, self.article, self.head, self.relation, self.tail)

    def as_json(self) -> dict:
        return {"language": self.language, "article": self.article, "paragraph": self.paragraph, "head": self.head,
                "relation": self.relation, "tail": self.tail, "label": self.label, "reason": self.reason,
                "context": self.context}


def triple_key(language: str, article: str, head: str, relation: str, tail: str) -> tuple[str, str, str, str, str]:
    return (language, normalize(article), normalize(head), normalize(relation), normalize(tail))


def read_judgements(path: str | Path) -> list[Judgement]:
    """The judgements of a file; a bad line fails with the file and line. A missing file is empty."""
    path = Path(path)
    if not path.exists():
        return []
    out = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise JudgementError(f"{path}: line {n}: not JSON ({exc.msg})") from exc
        missing = [k for k in ("language", "article", "paragraph", "head", "relation", "tail", "label") if not row.get(k)]
        if missing:
            raise JudgementError(f"{path}: line {n}: missing {', '.join(missing)}")
        if row["label"] not in LABELS:
            raise JudgementError(f"{path}: line {n}: label {row['label']!r} is not one of {', '.join(LABELS)}")
        out.append(Judgement(row["language"], row["article"], row["paragraph"], row["head"], row["relation"], row["tail"],
                             row["label"], row.get("reason", ""), row.get("context", ""), n))
    seen: dict[tuple, int] = {}
    for j in out:
        k = (j.key, normalize(j.paragraph))
        if k in seen:
            raise JudgementError(f"{path}: line {j.line}: judges the same triple and paragraph as line {seen[k]}")
        seen[k] = j.line
    return out


@dataclass(frozen=True)
class Candidate:
    """One in-scope `filtered_triples` row with what the matcher and the reports need."""

    language: str
    article: str
    paragraph_id: str
    paragraph_text: str
    head: str
    relation: str
    tail: str
    kept: bool
    drop_reason: str | None
    pid: str = ""
    source: str = ""
    head_source: str = ""
    tail_source: str = ""
    head_start: int = 0
    head_end: int = 0
    tail_start: int = 0
    tail_end: int = 0

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return triple_key(self.language, self.article, self.head, self.relation, self.tail)


def paragraph_match(j: "Judgement", paragraph: str) -> float:
    """How well a paragraph text is the one a judgement was made on: the better of the containment
    of its opening snippet and of its context sentence(s)."""
    score = containment(j.paragraph, paragraph, j.language)
    if j.context and score < 1.0:
        score = max(score, containment(j.context, paragraph, j.language))
    return score


class JudgementIndex:
    """Finds the judgement of a candidate: same key, and the paragraph that contains its snippet or
    its context best."""

    def __init__(self, judgements: Iterable[Judgement], min_containment: float = MIN_CONTAINMENT):
        self.by_key: dict[tuple, list[Judgement]] = {}
        for j in judgements:
            self.by_key.setdefault(j.key, []).append(j)
        self.min_containment = min_containment

    def find(self, candidate: Candidate) -> Judgement | None:
        best, best_score = None, 0.0
        for j in self.by_key.get(candidate.key, []):
            score = paragraph_match(j, candidate.paragraph_text)
            if score > best_score:
                best, best_score = j, score
        return best if best_score >= self.min_containment else None


def sentence_context(text: str, start: int, end: int, language: str, limit: int = 600) -> str:
    """The sentence(s) of `text` that hold [start, end): a reader's aid, not part of the key."""
    ender = re.compile(r"[。！？；!?]" if language == "zh" else r"[.!?](?=\s)")
    left = 0
    for m in ender.finditer(text, 0, start):
        left = m.end()
    m = ender.search(text, end)
    out = text[left: m.end() if m else len(text)].strip()
    return out if len(out) <= limit else out[: limit - 1] + "…"


def judgement_template(candidate: Candidate) -> dict:
    """An unjudged candidate in the judgements' layout, `label` empty, for a person to fill in."""
    lo = min(candidate.head_start, candidate.tail_start)
    hi = max(candidate.head_end, candidate.tail_end)
    return {"language": candidate.language, "article": candidate.article,
            "paragraph": snippet_of(candidate.paragraph_text, candidate.language), "head": candidate.head,
            "relation": candidate.relation, "tail": candidate.tail, "label": "", "reason": "",
            "context": sentence_context(candidate.paragraph_text, lo, hi, candidate.language),
            "drop_reason": candidate.drop_reason, "property": candidate.pid,
            "sources": f"{candidate.head_source}/{candidate.tail_source}"}


@dataclass
class Scores:
    """Precision of the kept triples and recall of the stated candidates, with the rows behind them."""

    kept_judged: list[tuple[Candidate, Judgement]] = field(default_factory=list)
    kept_unjudged: list[Candidate] = field(default_factory=list)
    dropped_unjudged: list[Candidate] = field(default_factory=list)
    stated: list[Judgement] = field(default_factory=list)
    stated_kept: list[Judgement] = field(default_factory=list)
    stale: list[Judgement] = field(default_factory=list)
    out_of_scope: list[Judgement] = field(default_factory=list)

    @property
    def precision(self) -> float:
        n = len(self.kept_judged)
        return sum(j.label == "stated" for _, j in self.kept_judged) / n if n else 0.0

    @property
    def recall(self) -> float:
        return len(self.stated_kept) / len(self.stated) if self.stated else 0.0


def score(candidates: list[Candidate], judgements: list[Judgement], paragraphs: dict[tuple[str, str], list[str]],
          min_containment: float = MIN_CONTAINMENT, out_of_scope: list[Candidate] = ()) -> Scores:
    """Match in-scope candidates to judgements.

    `paragraphs` maps (language, article) to the texts of the article's current paragraphs: a stated
    judgement whose paragraph matches none of them is `stale` (the text changed too much to say) and
    left out of recall, reported apart; one on an article that is not in this run is ignored.
    `out_of_scope` are the rows the schema, type and duplicate rules dropped (`OUT_OF_SCOPE`): a stated
    judgement that matches one of them and no in-scope candidate is not a candidate the stated-ness
    rules could keep (the judged population is what passes the schema and type rules), so it is
    reported as `out_of_scope` and left out of recall, as a stale one is."""
    index = JudgementIndex(judgements, min_containment)
    out = Scores()
    kept_judgements: set[int] = set()
    in_scope_judgements = {id(j) for c in candidates if (j := index.find(c)) is not None}
    scope_only = {id(j) for c in out_of_scope if (j := index.find(c)) is not None} - in_scope_judgements
    for c in candidates:
        j = index.find(c)
        if c.kept:
            if j is None:
                out.kept_unjudged.append(c)
            else:
                out.kept_judged.append((c, j))
                kept_judgements.add(id(j))
        elif j is None:
            out.dropped_unjudged.append(c)
    articles = {(lang, normalize(a)): texts for (lang, a), texts in paragraphs.items()}
    for j in judgements:
        if j.label != "stated":
            continue
        texts = articles.get((j.language, normalize(j.article)))
        if texts is None:
            continue
        if not any(paragraph_match(j, t) >= min_containment for t in texts):
            out.stale.append(j)
            continue
        if id(j) in scope_only:
            out.out_of_scope.append(j)
            continue
        out.stated.append(j)
        if id(j) in kept_judgements:
            out.stated_kept.append(j)
    return out


def in_scope(drop_reason: str | None) -> bool:
    return drop_reason not in OUT_OF_SCOPE


def read_candidates(db: str | Path, out_of_scope: list[Candidate] | None = None) -> tuple[list[Candidate], dict[tuple[str, str], list[str]]]:
    """In-scope rows of `filtered_triples` with their paragraph text and the mention sources of head and
    tail (from `resolved_entities` at the same paragraph and offsets), and every paragraph's text. The
    out-of-scope rows are appended to `out_of_scope` when it is given."""
    from instructie_assets.storage.lake import lake_cursor, lake_location

    con = lake_cursor(lake_location(str(db)))
    try:
        rows = con.execute(
            """
            WITH src AS (
                SELECT paragraph_id, start, "end", string_agg(DISTINCT mention_source, '+' ORDER BY mention_source) AS source
                FROM main.resolved_entities GROUP BY ALL
            )
            SELECT f.language, p.title, f.paragraph_id, p.text, f.head, f.relation_label, f.tail_written, f.tail,
                   f.drop_reason, f.property, f.statement_kind, hs.source, ts.source,
                   f.head_start, f.head_end, f.tail_start, f.tail_end
            FROM main.filtered_triples f
            JOIN main.paragraphs p USING (paragraph_id)
            LEFT JOIN src hs ON hs.paragraph_id = f.paragraph_id AND hs.start = f.head_start AND hs."end" = f.head_end
            LEFT JOIN src ts ON ts.paragraph_id = f.paragraph_id AND ts.start = f.tail_start AND ts."end" = f.tail_end
            ORDER BY f.language, p.title, f.paragraph_id, f.head_start, f.tail_start, f.relation_label
            """
        ).fetchall()
        paragraph_rows = con.execute("SELECT language, title, text FROM main.paragraphs").fetchall()
    finally:
        con.close()
    candidates = []
    for (lang, title, pid, text, head, rel, tail_written, tail, reason, prop, source, hsrc, tsrc,
         hs, he, ts, te) in rows:
        target = candidates if in_scope(reason) else out_of_scope
        if target is None:
            continue
        target.append(Candidate(lang, title, pid, text, head, rel, tail_written or tail, reason is None, reason,
                                    prop or "", source or "", hsrc or "-", tsrc or "-", hs, he, ts, te))
    paragraphs: dict[tuple[str, str], list[str]] = {}
    for lang, title, text in paragraph_rows:
        paragraphs.setdefault((lang, title), []).append(text)
    return candidates, paragraphs


def unjudged(db: str | Path, judgements_path: str | Path, kept_only: bool = False) -> list[dict]:
    """In-scope candidates of a built database that no judgement covers, as judgement templates."""
    candidates, _ = read_candidates(db)
    index = JudgementIndex(read_judgements(judgements_path))
    return [judgement_template(c) for c in candidates if (c.kept or not kept_only) and index.find(c) is None]
