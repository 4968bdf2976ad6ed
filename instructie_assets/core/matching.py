"""Matching: Wikidata statements between the resolved entities of a paragraph, and value statements
whose rendered value is written in it, labelled through the theme schema and the relation map.

Every candidate records its evidence: the sentence (or sentences) where its head and tail were
found (`evidence_start`, `evidence_end`, `evidence_kind`):
  sentence           head and tail are mentioned in one sentence;
  subject_reference  the tail's sentence speaks of the article's subject as a pronoun or a
                     description ("He was born in...", "The tower is 330 metres tall", "the city's
                     eastern district", "他出生于...", "该塔高...", "全区下辖...") and the subject is
                     named elsewhere in the paragraph (T-REx's subject aligner does the same);
  part_list          the head is an item of a list of the tail's parts ("enclaves such as Rosedale,
                     Cabbagetown and The Annex"), the tail the first place named in the sentence
                     before (or the article's subject named further back with nothing named since;
                     `part_lists` in resources/relation_cues.yaml; the span covers both);
  paragraph          head and tail only in different sentences (the span covers both).
Of the several mention pairs of one statement, the one chosen is untagged first (no mention
`drop_reason`, no apposition), then a value written at its own precision (with its unit), then by
evidence (sentence, subject_reference, then the nearest sentences), then the earliest. The head and
tail surfaces are each entity's first untagged mention in the paragraph (its name as the paragraph
introduces it); a value's tail is the chosen written form. The filter turns tags and evidence into
drop reasons.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import polars as pl

from instructie_assets.core.knowledge import WikidataLookups
from instructie_assets.core.mentions import name_key, short_forms
from instructie_assets.core.relation_cues import HEAD, MENTION, TAIL, RelationCues, mask_sentence
from instructie_assets.core.schemas import RelationMap, ThemeSchema
from instructie_assets.core.sentences import sentence_index, split_sentences

ALIAS_RELATION = "alternative name"
EVIDENCE_KINDS = ("sentence", "subject_reference", "part_list", "paragraph")
TRIPLE_SCHEMA = {
    "triple_id": pl.String,
    "paragraph_id": pl.String,
    "article_id": pl.String,
    "head": pl.String,
    "head_qid": pl.String,
    "head_start": pl.Int32,
    "head_end": pl.Int32,
    "head_type": pl.String,
    "relation": pl.String,
    "tail": pl.String,
    "tail_qid": pl.String,
    "tail_start": pl.Int32,
    "tail_end": pl.Int32,
    "tail_type": pl.String,
    "property": pl.String,
    "rank": pl.String,
    "inverted": pl.Boolean,
    "statement_kind": pl.String,      # item | time | quantity | alias
    "value": pl.String,               # time/precision or amount/unit QID
    "written_precision": pl.Int32,    # time: the precision the tail is written at
    "written_unit": pl.Boolean,       # quantity: the tail writes its unit (or it has none)
    "evidence_start": pl.Int32,
    "evidence_end": pl.Int32,
    "evidence_kind": pl.String,
    "mention_drop_reason": pl.String,  # a head or tail mention's drop_reason, or apposition
    "relation_cue": pl.String,        # the cue linking head and tail (resources/relation_cues.yaml), if any
    "cue_required": pl.Boolean,       # the relation needs a linking cue in this language
    "head_source": pl.String,         # the mention source of the head's and the tail's mention (core/mentions.py)
    "tail_source": pl.String,
    "theme": pl.String,
    "language": pl.String,
}
GENDER = {"Q6581097": "male", "Q6581072": "female", "Q2449503": "male", "Q1052281": "female"}


@dataclass
class Mention:
    row: dict
    sentence: int
    reason: str | None

    @property
    def start(self) -> int:
        return self.row["start"]


# --- the subject as a pronoun or a description ------------------------------------------------------

@dataclass(frozen=True)
class SubjectProfile:
    """How a paragraph may refer to its article's subject without naming it."""

    qid: str
    coarse_type: str
    gender: str | None
    descriptions: tuple[str, ...]  # class words and name heads: "tower", "canal"; 塔, 运河

    def pronouns(self, language: str) -> tuple[str, ...]:
        """Pronouns that can stand for the subject as a sentence's subject; for a thing also its
        possessive ("Its headquarters is in...", "其第一段线路...开通": a part or attribute of it), never
        a person's ("His father was born in..." is about the father)."""
        if self.coarse_type == "human":
            if language == "zh":
                return {"male": ("他",), "female": ("她",)}.get(self.gender, ("他", "她"))
            return {"male": ("he",), "female": ("she",)}.get(self.gender, ("he", "she"))
        if language == "zh":
            return ("它", "其")
        return ("it", "its", "they", "their") if self.coarse_type == "organization" else ("it", "its")


_ZH_TIME_PREFIX = re.compile(r"^[0-9０-９一二三四五六七八九十百千〇零年月日号初中末底前后间时期代世纪至到－—\-~～、，,于在\s]*$")
_EN_TIME_PREFIX = re.compile(r"^(?:in|on|by|from|since|after|before|during|until|around|circa|c\.)\s+(?:\w+\s+){0,3}\d{3,4}\s+", re.I)
_EN_CLAUSE = re.compile(r"(?:, (?:and|but|while|whereas|although) |; )")
# A sentence that opens with "also known as" names the subject it follows (ZH drops the subject: 又名公孙树...).
_EN_ALIAS_OPENER = re.compile(r"(?:also|otherwise|formerly) (?:known|called) (?:as )?", re.I)
_ZH_ALIAS_OPENERS = ("又名", "又称", "亦称", "亦名", "简称", "俗称", "别称", "旧称", "也称", "也叫", "又叫")
_ZH_NOT_AFTER_QI = set("他中实次余它间后")  # 其他, 其中, 其实...: not the possessive 其
_ZH_CLASSIFIERS = ("", "座", "个", "部", "张", "首", "家", "所", "条", "届", "位", "名")


def description_words(class_labels: list[str], subject_names: list[str], language: str) -> tuple[str, ...]:
    """Words a sentence may use for the subject: its classes' labels and their heads (EN last word),
    and the heads of its own names (the last word of "Eiffel Tower"; the last 2-3 characters of
    巴拿马运河, 北京奥运会)."""
    out: list[str] = []
    for label in class_labels:
        out.append(label if language == "zh" else label.casefold())
        if language != "zh" and " " in label:
            out.append(label.split()[-1].casefold())
    for name in subject_names:
        if language == "zh":
            out += [name[-k:] for k in (2, 3) if len(name) > k + 1]
        elif len(name.split()) >= 2 and name.split()[-1][:1].isalpha():
            out.append(name.split()[-1].casefold())
    return tuple(sorted({w for w in out if w}, key=len, reverse=True))


def subject_reference_at(sentence: str, profile: SubjectProfile, language: str) -> int | None:
    """The scope offset of `subject_reference` (None when the sentence does not refer to the subject)."""
    found = subject_reference(sentence, profile, language)
    return None if found is None else found[0]


def subject_reference(sentence: str, profile: SubjectProfile, language: str) -> tuple[int, int, int] | None:
    """(scope, start, end) in `sentence`: the offset in `sentence` of a pronoun or description standing for the subject as the subject of
    the sentence or of one of its clauses: at its start ("He was...", "The tower is...", "运河全长..."),
    after a short opening phrase ending in a comma ("In 1967, she...") or a year ("In 2015 the
    company..."), at the start of a later clause (", and the canal was opened..."; ZH after ，); a
    sentence that opens with "also known as" (又名, 又称...) without a subject; a thing's description as a
    possessive ("The city's debt...", "located in the city's eastern district of Scarborough": what follows
    it; never a person's); ZH 全市 / 全区 (the whole of it);
    ZH also after a leading date ("2001年5月11日他在..."). None when the sentence does not refer to
    the subject so. The offset is where what the reference speaks of begins: 0 when it is the
    sentence's subject (an opening phrase is about it too: "Born in Warsaw, she..."), else its clause;
    start-end is the pronoun or description itself (empty where the sentence opens with 又名 or
    "also known as" without a subject): relation cues read the subject there."""
    if language == "zh":
        return _zh_reference_at(sentence, profile)
    openings = {0}  # the reference is the sentence's subject: the opening phrase speaks of it too ("Born in Warsaw, she...")
    comma = sentence.find(", ")
    if 0 < comma and len(sentence[:comma].split()) <= 8:
        openings.add(comma + 2)
    if (m := _EN_TIME_PREFIX.match(sentence)) is not None:
        openings.add(m.end())
    clauses = {m.end() for m in _EN_CLAUSE.finditer(sentence)}
    commas = {m.end() for m in re.finditer(r", ", sentence)}
    if _EN_ALIAS_OPENER.match(sentence):
        return 0, 0, 0
    pronoun = re.compile(rf"(?i:{'|'.join(profile.pronouns('en'))})\b(?!['’]s\b)")
    # a description is a lowercase class word after "the"/"this" ("The tower is..."), never the start of a
    # capitalised name ("The Toronto Islands") nor a possessive or "of" phrase
    words = '|'.join(re.escape(d) for d in profile.descriptions)
    description = re.compile(rf"(?:[Tt]he|[Tt]his) (?:{words})\b(?!['’]s\b| of\b| [A-Z])") if profile.descriptions else None
    # a thing's description as a possessive ("The city's population...", "located in the city's eastern
    # district of Scarborough"), like "its": a part or attribute of the subject; never a person's
    possessive = re.compile(rf"\b(?:[Tt]he|[Tt]his) (?:{words})(?=['’]s\b)") if profile.descriptions and profile.coarse_type != "human" else None
    # a thing's sentence opening with another thing's definite description ("The District is a heritage site; it
    # was listed..."): a pronoun in a later clause is that thing, not the subject
    other_opening = re.match(r"(?:The|This) ([\w-]+)", sentence)
    other_opening = other_opening is not None and other_opening.group(1).casefold() not in profile.descriptions and profile.coarse_type != "human"
    for pos in sorted(openings | clauses | commas):
        if (m := pronoun.match(sentence, pos)) is not None and not (pos not in openings and other_opening):
            return 0, pos, m.end()  # a pronoun subject after any opening or appositive: the whole sentence is about it
        if description is not None and (pos in openings or pos in clauses) and (m := description.match(sentence, pos)) is not None:
            return (0 if pos in openings else pos), pos, m.end()
        if possessive is not None and (pos in openings or pos in clauses) and (m := possessive.match(sentence, pos)) is not None:
            return (0 if pos in openings else pos), pos, m.end()
    if possessive is not None and (m := possessive.search(sentence)) is not None:
        return m.start(), m.start(), m.end()  # elsewhere: what follows it speaks of the subject's part
    return None


_EN_NAMING = re.compile(r"\b(?:called|known as|named|nicknamed|renamed|titled)\b")
_ZH_NAMING = re.compile(r"[称名叫]")


def opens_with_alias(sentence: str, language: str) -> bool:
    """The sentence names something ("It is often called the Red Planet", "又名公孙树..."): where the
    subject stands in it as a reference, it gives the subject another name."""
    return (_ZH_NAMING if language == "zh" else _EN_NAMING).search(sentence) is not None


def _zh_reference_at(sentence: str, profile: SubjectProfile) -> tuple[int, int, int] | None:
    if sentence.startswith(_ZH_ALIAS_OPENERS):
        return 0, 0, 0
    heads = set(profile.descriptions) | {x[-1] for x in profile.descriptions}  # with a demonstrative one character will do: 该峰, 该剧
    words = list(profile.pronouns("zh")) + [f"{d}{c}{x}" for d in ("该", "此", "这", "本") for c in _ZH_CLASSIFIERS for x in heads]
    words += [f"全{x}" for x in heads if len(x) == 1]  # the whole of it: 全区下辖7个街道, 全市人口...
    bare = [x for x in profile.descriptions if len(x) >= 2]  # a class or name head alone at a clause start: 运河全长...
    found = None
    for word in sorted(words + bare, key=len, reverse=True):
        i = sentence.find(word)
        while i >= 0:
            after = sentence[i + len(word):i + len(word) + 1]
            prefix = sentence[:i]
            clause = prefix[prefix.rfind("，") + 1:] if "，" in prefix else prefix
            if after != "们" and not (word == "其" and after in _ZH_NOT_AFTER_QI) and (not clause or _ZH_TIME_PREFIX.match(clause)):
                scope = 0 if "，" not in prefix else i - len(clause)
                if found is None or scope < found[0]:
                    found = (scope, i, i + len(word))
                break
            i = sentence.find(word, i + 1)
    return found


def subject_profiles(subjects: set[str], store: WikidataLookups, language: str, max_depth: int = 2) -> dict[str, tuple[str | None, tuple[str, ...]]]:
    """QID -> (gender, description words) of each article subject: P21, the labels of its classes
    (P31, then P279 up to `max_depth` steps), and the heads of its own labels and aliases."""
    claims = store.item_claims(subjects).filter(pl.col("property") == "P21")
    gender = {s: GENDER[o] for s, o in claims.select("subject", "object").iter_rows() if o in GENDER}
    classes: dict[str, set[str]] = defaultdict(set)
    for q, cls, _ in store.class_walk(subjects, max_depth).iter_rows():
        classes[q].add(cls)
    labels = store.labels({c for cs in classes.values() for c in cs} | subjects, language)
    return {
        q: (gender.get(q), description_words([t for c in sorted(classes.get(q, ())) for t, kind in labels.get(c, []) if kind == "label"],
                                             [t for t, _ in labels.get(q, [])], language))
        for q in subjects
    }


# --- choosing the mention pair of a statement ---------------------------------------------------------

_EN_NAME_RUN = re.compile(r" ((?:[A-Z][\w’'.-]*)(?: (?:[A-Z][\w’'.-]*|of|de|van|von|al|bin))*)")


def described_span(m: dict, following: dict | None, text: str, language: str) -> tuple[int, int] | None:
    """The span of the name a common noun stands right before ("the novelist Philippe Sollers",
    "the Oxford mathematician Peter M. Neumann", "作家菲利普·索莱尔斯"): the noun describes that name,
    not anyone else in the sentence. EN: the capitalised words after it; ZH: a person mention right
    after it."""
    if m["coarse_type"] == "human":
        return None
    if language == "zh":
        if following is not None and following["coarse_type"] == "human" and following["start"] == m["end"] and following["qid"] != m["qid"]:
            return following["start"], following["end"]
        return None
    if not m["surface"][:1].islower():
        return None
    run = _EN_NAME_RUN.match(text, m["end"])
    return (run.start(1), run.end(1)) if run else None


def _referenced(subject_mention: Mention, other: Mention, subject: str | None, ref_sentences: dict[int, int]) -> bool:
    """The subject is named elsewhere and `other` stands after a reference to it in its sentence."""
    at = ref_sentences.get(other.sentence)
    return subject_mention.row["qid"] == subject and at is not None and other.start >= at


def pair_key(h: Mention, t: Mention, subject: str | None, ref_sentences: dict[int, int], spans: list[tuple[int, int]], apposed: dict[int, tuple[int, int]]):
    """(sort key, evidence span, evidence kind, reason) of one head/tail mention pair."""
    reason = h.reason or t.reason
    if reason is not None and h.sentence != t.sentence:
        # the subject stands in the other's sentence as a reference: its named mention only gives the surface
        if _referenced(h, t, subject, ref_sentences) and t.reason is None:
            reason = None
        elif _referenced(t, h, subject, ref_sentences) and h.reason is None:
            reason = None
    if reason is None:
        for a, b in ((h, t), (t, h)):
            described = apposed.get(a.start)
            if described is not None and not (described[0] <= b.start and b.row["end"] <= described[1]):
                reason = "apposition"
    if h.sentence == t.sentence:
        rank, kind, span = 0, "sentence", spans[h.sentence]
    elif _referenced(h, t, subject, ref_sentences) or _referenced(t, h, subject, ref_sentences):
        other = t if h.row["qid"] == subject else h
        rank, kind, span = 1, "subject_reference", spans[other.sentence]
    else:
        lo, hi = sorted((h.sentence, t.sentence))
        rank, kind, span = 1 + hi - lo, "paragraph", (spans[lo][0], spans[hi][1])
    return (reason is not None, rank), span, kind, reason


def value_rank(t: Mention, cue: str | None = None) -> tuple[tuple, tuple]:
    """Value tails: a form written at the statement's own precision (or with its unit) first, then a
    coarser date a date cue ties to the event, before any evidence preference; the longest form after it."""
    st = t.row["statement"]
    exact = st["written_precision"] == st["precision"] if st["kind"] == "time" else bool(st["written_unit"])
    return (not exact, not exact and cue is None), (-(t.row["end"] - t.row["start"]),)


@dataclass(frozen=True)
class Chosen:
    """The mention pair of one statement, with its evidence, tag and cue."""

    head: Mention
    tail: Mention
    span: tuple[int, int]
    evidence_kind: str
    reason: str | None
    cue: str | None = None
    cue_required: bool = False


def best_pair(heads: list[Mention], tails: list[Mention], subject, ref_sentences, spans, apposed, value_rank=None, cue=None,
              part_list=None) -> Chosen | None:
    """The best (head, tail) mention pair: untagged first, then one a required cue links, then a
    value written as its statement says, then by evidence (see the module docstring). `cue(h, t)`
    gives (required, cue name or None); `part_list(h, t)` the (span, cue name) of a list of the
    tail's parts naming the head, for a pair in different sentences, or None."""
    best = None
    for h in heads:
        for t in tails:
            if h is t:
                continue
            (tagged, rank), span, kind, reason = pair_key(h, t, subject, ref_sentences, spans, apposed)
            listed = part_list(h, t) if part_list is not None and kind == "paragraph" and reason is None else None
            if listed is not None:
                (span, found), rank, kind = listed, 1, "part_list"
                required = True
            else:
                required, found = cue(h, t) if cue is not None else (False, None)
            before, after = value_rank(t, found) if value_rank else ((), ())
            key = (tagged, required and found is None, *before, rank, *after, h.start, t.start)
            if best is None or key < best[0]:
                best = (key, Chosen(h, t, span, kind, reason, found, required))
    return None if best is None else best[1]


def match_triples(
    resolved: pl.DataFrame, paragraphs: pl.DataFrame, store: WikidataLookups, schema: ThemeSchema, relation_map: RelationMap,
    language: str, cues: RelationCues | None = None,
) -> pl.DataFrame:
    """Candidate triples of one partition with their evidence and relation cues (see the module
    docstring; `cues`: resources/relation_cues.yaml, none when None)."""
    if resolved.is_empty():
        return pl.DataFrame(schema=TRIPLE_SCHEMA)
    rows = resolved.sort("paragraph_id", "start").to_dicts()
    by_paragraph: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_paragraph[r["paragraph_id"]].append(r)
    info = {pid: (text, qid) for pid, text, qid in paragraphs.select("paragraph_id", "text", "article_qid").iter_rows()}
    qids = {r["qid"] for r in rows if r["qid"]}
    claims = store.item_claims(qids).filter(pl.col("object").is_in(list(qids)))
    claims_of: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for s, p, o, rank in claims.select("subject", "property", "object", "rank").iter_rows():
        claims_of[s].append((p, o, rank))
    names = store.labels(qids, language)
    profiles = subject_profiles({q for _, q in info.values() if q}, store, language)
    theme, out = schema.key, []

    def emit(pid, head, rel, tail, prop, rank, inverted, kind, value, chosen: Chosen, tail_is_value=False):
        span = chosen.span
        statement = tail.get("statement") or {}
        out.append((
            f"{pid}|{head['start']}|{prop}|{tail['start']}", pid, head["article_id"], head["surface"], head["qid"],
            head["start"], head["end"], head["coarse_type"], rel, tail["surface"], tail["qid"], tail["start"],
            tail["end"], tail["coarse_type"], prop, rank, inverted, kind, value,
            statement.get("written_precision") if tail_is_value else None, statement.get("written_unit") if tail_is_value else None,
            span[0], span[1], chosen.evidence_kind, chosen.reason, chosen.cue, chosen.cue_required,
            head.get("mention_source"), tail.get("mention_source"), theme, language,
        ))

    for pid, mentions in by_paragraph.items():
        text, subject = info.get(pid, ("", None))
        spans = split_sentences(text, language) or [(0, len(text))]
        wrapped = [Mention(m, sentence_index(spans, m["start"]), m["drop_reason"]) for m in mentions]
        entity = [m for m in wrapped if m.row["qid"]]
        apposed: dict[int, tuple[int, int]] = {}  # mention start -> the name it stands before
        for i, m in enumerate(entity):
            nxt = entity[i + 1].row if i + 1 < len(entity) else None
            described = described_span(m.row, nxt, text, language)
            if described:
                apposed[m.start] = described
        of_qid: dict[str, list[Mention]] = defaultdict(list)
        for m in entity:
            of_qid[m.row["qid"]].append(m)
        canonical = {q: next((m for m in ms if m.reason is None), ms[0]).row for q, ms in of_qid.items()}

        ref_sentences: dict[int, int] = {}  # sentence -> offset in the paragraph of its reference to the subject
        ref_spans: dict[int, tuple[int, int]] = {}  # sentence -> the pronoun or description itself
        if subject in of_qid and subject in profiles:
            gender, descriptions = profiles[subject]
            profile = SubjectProfile(subject, canonical[subject]["coarse_type"], gender, descriptions)
            others = [m for m in entity if m.row["qid"] != subject and m.row["coarse_type"] == "human"]
            for i, (s, e) in enumerate(spans):
                found = subject_reference(text[s:e], profile, language)
                if found is not None and not any(s <= m.start < s + found[0] for m in others):
                    ref_sentences[i] = s + found[0]
                    ref_spans[i] = (s + found[1], s + found[2])

        def cue_of(kind: str, relation: str, h: Mention, t: Mention) -> tuple[bool, str | None]:
            """(required, the cue linking head h and tail t in their evidence sentence)."""
            if cues is None or not (cues.required(relation, language) if kind == "linking" else cues.dated(relation, language)):
                return False, None
            if h.sentence == t.sentence:
                i = h.sentence
            elif _referenced(h, t, subject, ref_sentences):
                i = t.sentence
            elif _referenced(t, h, subject, ref_sentences):
                i = h.sentence
            else:
                return kind == "linking", None
            marks = [(h.start, h.row["end"], HEAD), (t.start, t.row["end"], TAIL)]
            if i in ref_spans:  # the reference stands for the subject's mention outside this sentence (an alias pair has both)
                marks += [(*ref_spans[i], role) for m, role in ((h, HEAD), (t, TAIL)) if m.row["qid"] == subject and m.sentence != i]
            # other mentions read as {mention}; an EN mention written in lowercase is a common noun ("the county
            # town", "the provincial capital") and cues read it as the word it is
            marks += [(m.start, m.row["end"], MENTION) for m in wrapped
                      if m.sentence == i and not (language == "en" and m.row["surface"][:1].islower())]
            return kind == "linking", cues.find(kind, relation, language, mask_sentence(text, *spans[i], marks))

        first_named: dict[int, Mention] = {}  # each sentence's first name (an untagged entity mention; EN lowercase words are no names)
        for m in sorted(entity, key=lambda m: m.start):
            if m.reason is None and not (language == "en" and m.row["surface"][:1].islower()):
                first_named.setdefault(m.sentence, m)

        def container_of(i: int) -> Mention | None:
            """The place a list in sentence `i` is of: the first name (an untagged entity mention; EN
            lowercase common nouns are words, not names) of the sentence before (its topic: "The many
            communities of Toronto ...", "Toronto is also home to ...", 巴黎是...。下辖...); where that
            sentence names nothing, the first name of the nearest one before that does, if it is the
            article's subject."""
            for j in range(i - 1, -1, -1):
                if (first := first_named.get(j)) is not None:
                    return first if j == i - 1 or first.row["qid"] == subject else None
            return None

        def part_list_of(relation: str, h: Mention, t: Mention) -> tuple[tuple[int, int], str] | None:
            """(evidence span, cue) where head h is an item of a list of the parts of tail t (`part_lists`
            in the cue file): t is the place the list's sentence is of (`container_of`), or t is named
            in one of the two sentences after the list, where the listed parts are taken up again ("All
            six municipalities were amalgamated into ..., creating the current City of Toronto")."""
            if cues is None or not cues.listed(relation, language) or t.sentence == h.sentence:
                return None
            if t.sentence < h.sentence:
                container = container_of(h.sentence)
                if container is None or container.start != t.start:
                    return None
                first, last, marks = h.sentence, h.sentence, [(spans[h.sentence][0], spans[h.sentence][0], TAIL)]
            elif t.sentence - h.sentence <= 2:
                first, last, marks = h.sentence, t.sentence, [(t.start, t.row["end"], TAIL)]
            else:
                return None
            marks += [(h.start, h.row["end"], HEAD)]
            marks += [(m.start, m.row["end"], MENTION) for m in wrapped
                      if first <= m.sentence <= last and not (language == "en" and m.row["surface"][:1].islower())]
            found = cues.find("part_lists", relation, language, mask_sentence(text, spans[first][0], spans[last][1], marks))
            return None if found is None else ((spans[min(t.sentence, first)][0], spans[last][1]), found)

        alias_refs = {i: at for i, at in ref_sentences.items() if opens_with_alias(text[spans[i][0]:spans[i][1]], language)}
        for s, ms in of_qid.items():
            for prop, o, rank in sorted(claims_of.get(s, [])):
                if o == s or o not in of_qid:
                    continue
                rel, inverted = relation_map.label(prop, schema, language)
                cue = (lambda a, b, rel=rel: cue_of("linking", rel, b, a)) if inverted else (lambda a, b, rel=rel: cue_of("linking", rel, a, b))
                listed = (lambda a, b, rel=rel: part_list_of(rel, b, a)) if inverted else (lambda a, b, rel=rel: part_list_of(rel, a, b))
                chosen = best_pair(ms, of_qid[o], subject, ref_sentences, spans, apposed, cue=cue, part_list=listed)
                if chosen is None:
                    continue
                h, t = (canonical[o], canonical[s]) if inverted else (canonical[s], canonical[o])
                emit(pid, h, rel, t, prop, rank, inverted, "item", None, chosen)

        # Value statements: one triple each, from its best written form (see module docstring).
        tails_of: dict[tuple, list[Mention]] = defaultdict(list)
        for m in wrapped:
            for st in m.row["value_statements"] or []:
                detail = st["precision"] if st["kind"] == "time" else st["unit"]
                tails_of[(st["subject"], st["property"], st["kind"], f"{st['value']}/{detail}")].append(
                    Mention({**m.row, "statement": st}, m.sentence, m.reason))
        for (subj, prop, kind, value), tails in tails_of.items():
            if subj not in of_qid:
                continue

            rel, _ = relation_map.label(prop, schema, language)
            cue = (lambda a, b, rel=rel: cue_of("dates", rel, a, b)) if kind == "time" else None
            chosen = best_pair(of_qid[subj], tails, subject, ref_sentences, spans, apposed, value_rank, cue=cue)
            if chosen is None:
                continue
            emit(pid, canonical[subj], rel, chosen.tail.row, prop, "normal", False, kind, value, chosen, tail_is_value=True)

        # Several names of one QID: (its first mention, alternative name, another of its names).
        for q, ms in of_qid.items():
            known = {t for t, _ in names.get(q, [])}
            first = canonical[q]
            by_name: dict[str, list[Mention]] = defaultdict(list)
            for m in ms:
                by_name[name_key(m.row["surface"])].append(m)
            for key, group in by_name.items():
                if key == name_key(first["surface"]) or group[0].row["surface"] not in known:
                    continue
                if first["coarse_type"] == "human" and group[0].row["surface"] in short_forms(first["surface"], language):
                    continue  # a person's surname is how the text refers to them, not another name
                # another name is given for the subject only in its own sentence or in one that names it
                chosen = best_pair(by_name[name_key(first["surface"])], group, subject, alias_refs, spans, apposed,
                                   cue=lambda a, b: cue_of("linking", ALIAS_RELATION, a, b))
                if chosen is not None:
                    emit(pid, first, ALIAS_RELATION, chosen.tail.row, "alias", "normal", False, "alias", None, chosen)
    return pl.DataFrame(out, schema=TRIPLE_SCHEMA, orient="row").unique("triple_id", keep="first", maintain_order=True)


# Relations whose chains imply their shortcuts: (A located in C) is dropped when (A located in B) and
# (B located in C) stand in the same paragraph, so only the finest step of a chain is a triple.
TRANSITIVE_RELATIONS = ("located in",)


def reduce_transitive(candidates: pl.DataFrame, relations: tuple[str, ...]) -> pl.DataFrame:
    """Transitive reduction per paragraph and relation: drop A->C when A->B->C holds (by QID)."""
    if candidates.is_empty():
        return candidates
    edges = candidates.filter(pl.col("relation").is_in(list(relations)) & pl.col("head_qid").is_not_null() & pl.col("tail_qid").is_not_null())
    if edges.is_empty():
        return candidates
    graph: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for pid, rel, h, t in edges.select("paragraph_id", "relation", "head_qid", "tail_qid").iter_rows():
        if h != t:
            graph[(pid, rel)][h].add(t)

    def reachable_in_two_or_more(g: dict[str, set[str]], start: str, target: str) -> bool:
        frontier = [b for b in g.get(start, ()) if b != target]
        seen = set(frontier)
        while frontier:
            node = frontier.pop()
            for nxt in g.get(node, ()):
                if nxt == target:
                    return True
                if nxt not in seen and nxt != start:
                    seen.add(nxt)
                    frontier.append(nxt)
        return False

    shortcut = {
        (pid, rel, h, t)
        for (pid, rel), g in graph.items() for h, ts in g.items() for t in ts
        if reachable_in_two_or_more(g, h, t)
    }
    if not shortcut:
        return candidates
    drop = pl.DataFrame(list(shortcut), schema={"paragraph_id": pl.String, "relation": pl.String, "head_qid": pl.String, "tail_qid": pl.String}, orient="row")
    return candidates.join(drop.with_columns(pl.lit(True).alias("_shortcut")), on=["paragraph_id", "relation", "head_qid", "tail_qid"], how="left") \
        .filter(pl.col("_shortcut").is_null()).drop("_shortcut").select(list(TRIPLE_SCHEMA))
