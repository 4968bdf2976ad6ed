"""Identify: entity and value mentions of each paragraph.

One function per mention source (`MENTION_SOURCES`, in the order they win a tie on the same span):
  link       `link_mentions`: an anchor; its target title through redirects to its sitelink QID
  bold       `bold_mentions`: a bold span of the lead that shares a word with the subject's names
  subject    `subject_surfaces`: the article's own item (its page never links it): title without
             qualifier, labels, aliases, accepted bold names, and for a human their surnames
  repeat     `repeat_surfaces`: unlinked repeats of a linked entity's labels, aliases and anchor texts
  gazetteer  `gazetteer_surfaces`: labels and aliases of the one-hop Wikidata neighbours of the
             article's item and linked entities (one Aho-Corasick automaton per article)
  ner        `ner_mentions`: spans of an optional NER model whose surface is a Wikidata label or alias
  value      `value_surfaces`: time and quantity values of those entities, rendered as text writes them

Rules that tag a mention with a `drop_reason` (core/drop_reasons.py) instead of deleting it:
  inside_name       `inside_name_reason`: inside a longer name of something else
  common_noun       `common_noun_reason`: EN gazetteer matches must be proper names (professions
                    excepted, in core/disambiguation.py)
  bold_not_subject  `bold_reason`: bold spans count only in the lead and only as the subject's names
  anchor_not_name   `anchor_name_reason`: a link text repeats only when it is a name of its target
Selection (`select_mentions`): links and accepted bold names (the page's own markup of a name) always
stand; then untagged mentions, the longer span first, then
the source order, then the earlier; tagged mentions are kept (with their reason) where no kept mention
overlaps them, so the filter can count what each rule removed. Overlapped candidates are counted.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl

from instructie_assets.core.chinese import to_simplified
from instructie_assets.core.drop_reasons import MENTION_DROP_REASONS
from instructie_assets.core.gazetteer import Gazetteer
from instructie_assets.core.knowledge import WikidataLookups
from instructie_assets.core.ner import EntitySpan
from instructie_assets.core.values import DAY, TIME, quantity_forms, time_forms, unit_words, writes_its_year, yearless_date_stands, yearless_forms

MENTION_SOURCES = ("link", "bold", "subject", "repeat", "gazetteer", "ner", "value")
SOURCE_RANK = {s: i for i, s in enumerate(MENTION_SOURCES)}
# A time or quantity statement a value mention writes, and how this form writes it.
VALUE_STATEMENT = pl.Struct({
    "kind": pl.String,               # time | quantity
    "subject": pl.String,            # the QID whose statement it is
    "property": pl.String,
    "value": pl.String,              # +YYYY-MM-DDT00:00:00Z, or the amount as in the dump
    "precision": pl.Int32,           # time: the statement's precision (9 year, 10 month, 11 day)
    "unit": pl.String,               # quantity: unit QID ("" when dimensionless)
    "written_precision": pl.Int32,   # time: the precision this form writes
    "written_unit": pl.Boolean,      # quantity: the form writes the unit (or there is none)
})
MENTION_SCHEMA = {
    "mention_id": pl.String,
    "paragraph_id": pl.String,
    "article_id": pl.String,
    "start": pl.Int32,
    "end": pl.Int32,
    "surface": pl.String,
    "mention_source": pl.String,
    "candidate_qids": pl.List(pl.String),
    "value_statements": pl.List(VALUE_STATEMENT),
    "drop_reason": pl.String,
    "theme": pl.String,
    "language": pl.String,
}
QUALIFIER = re.compile(r"\s*[\(（].*?[\)）]\s*$|,.*$")
MIN_GAZETTEER_LEN = {"en": 2, "zh": 1}
HUMAN = "Q5"


@dataclass
class Found:
    """A mention candidate of one paragraph."""

    start: int
    end: int
    source: str
    qids: list[str] = field(default_factory=list)
    values: list[dict] = field(default_factory=list)
    lookup: bool = False  # candidate QIDs also from the label table (gazetteer, ner, unresolved anchors)
    reason: str | None = None


def title_base(title: str) -> str:
    """`Mercury (planet)` -> `Mercury`; `Santa Barbara, California` -> `Santa Barbara`."""
    return QUALIFIER.sub("", title).strip() or title


def short_forms(label: str, language: str) -> list[str]:
    """Later short forms of a name: a surname (`Douglas Adams` -> `Adams`; `道格拉斯·亚当斯` -> `亚当斯`)."""
    if language == "zh":
        parts = [p for p in re.split(r"[·・•]", label) if p]
        return [parts[-1]] if len(parts) > 1 and len(parts[-1]) >= 2 else []
    words = label.split()
    if len(words) >= 2 and words[-1][:1].isupper() and len(words[-1]) >= 3:
        return [words[-1]]
    return []


def resolve_link_targets(
    targets: set[str], language: str, store: WikidataLookups, max_hops: int = 3
) -> dict[str, str]:
    """Anchor target title -> QID: through redirects (several hops), then the `<lang>wiki` sitelink."""
    site = f"{language}wiki"
    variants = {t: [t] + ([to_simplified(t)] if language == "zh" else []) for t in targets}
    titles = {v for vs in variants.values() for v in vs}
    resolved = {t: t for t in titles}
    for _ in range(max_hops):
        redirects = store.redirects(language, set(resolved.values()))
        if not redirects:
            break
        changed = False
        for t, cur in resolved.items():
            if cur in redirects and redirects[cur] != cur:
                resolved[t] = redirects[cur]
                changed = True
        if not changed:
            break
    finals = set(resolved.values()) | {to_simplified(v) for v in resolved.values()} if language == "zh" else set(resolved.values())
    qids = store.sitelink_qids(site, finals)
    out: dict[str, str] = {}
    for t, vs in variants.items():
        for v in vs:
            final = resolved[v]
            q = qids.get(final) or (qids.get(to_simplified(final)) if language == "zh" else None)
            if q:
                out[t] = q
                break
    return out


# --- names ----------------------------------------------------------------------------------------

_EN_WORD = re.compile(r"[^\W\d_][\w'’.-]*")


def name_key(surface: str) -> str:
    """Names that differ only in case or a leading English article are one name."""
    key = surface.casefold().strip()
    return key[4:] if key.startswith("the ") else key


def name_words(name: str) -> set[str]:
    """EN: the capitalised words of a name, casefolded."""
    return {w.rstrip(".").casefold() for w in _EN_WORD.findall(name) if w[:1].isupper() and len(w.rstrip(".")) >= 2}


def shares_a_name(surface: str, names: Iterable[str], language: str) -> bool:
    """A bold span is one of the subject's names when it shares a capitalised word with one (EN) or
    two consecutive characters (ZH)."""
    if language == "zh":
        grams = {surface[i:i + 2] for i in range(len(surface) - 1)} - {"·"}
        return any(g in name for name in names for g in grams if "·" not in g)
    words = name_words(surface)
    return any(words & name_words(name) for name in names)


def is_name_of(text: str, names: Iterable[str], language: str) -> bool:
    """`text` is one of `names` or (EN) whole words of one, (ZH) two or more characters of one."""
    key = name_key(text)
    if not key:
        return False
    for name in names:
        nk = name_key(name)
        if key == nk:
            return True
        if language == "zh":
            if len(key) >= 2 and key in nk:
                return True
        elif re.search(rf"(?<!\w){re.escape(key)}(?!\w)", nk) and key[:1].isalpha() and text[:1].isupper():
            return True
    return False


# --- mention sources ------------------------------------------------------------------------------

def link_mentions(paragraph: dict, link_qid: dict[str, str]) -> list[Found]:
    """Every anchor: its target's QID, or (target unknown) a lookup of its text among labels."""
    out = []
    for a in paragraph["anchors"] or []:
        q = link_qid.get(a["target"])
        out.append(Found(a["start"], a["end"], "link", [q] if q else [], lookup=q is None))
    return out


def bold_reason(paragraph: dict, surface: str, subject_names: list[str], language: str) -> str | None:
    """`bold_not_subject` unless the span is in the lead (section 0) and shares a word with the
    subject's names: bold elsewhere marks terms, headings and titles, not the subject."""
    if paragraph.get("section", 0) != 0 or not shares_a_name(surface, subject_names, language):
        return "bold_not_subject"
    return None


def bold_mentions(paragraph: dict, subject: str | None, subject_names: list[str], language: str) -> list[Found]:
    """The subject's bold names in the lead (bold spans elsewhere are tagged `bold_not_subject`)."""
    if not subject:
        return []
    out = []
    for b in paragraph["bold"] or []:
        surface = paragraph["text"][b["start"]:b["end"]].strip()
        if surface:
            out.append(Found(b["start"], b["end"], "bold", [subject], reason=bold_reason(paragraph, surface, subject_names, language)))
    return out


def accepted_bold_names(paragraphs: list[dict], subject_names: list[str], language: str) -> list[str]:
    """Bold spans of an article that `bold_reason` accepts: they join the subject's names."""
    names = []
    for p in paragraphs:
        for b in p["bold"] or []:
            surface = p["text"][b["start"]:b["end"]].strip()
            if surface and bold_reason(p, surface, subject_names, language) is None:
                names.append(surface)
    return names


def subject_surfaces(
    title: str, labels: list[str], bold_names: list[str], is_human: bool, other_anchor_texts: set[str], language: str
) -> list[str]:
    """Names of the article's own subject: title without qualifier, labels and aliases, its bold
    names; for a human also surnames (never one that is another linked entity's anchor text); for
    a kind with a lowercase EN label ("lion") its plural."""
    names = [title_base(title)] + list(labels)
    if language == "zh":
        names = [to_simplified(n) for n in names]
    names += bold_names
    if is_human:
        for name in list(names):
            names += [s for s in short_forms(name, language) if s not in other_anchor_texts]
    elif language == "en":  # a kind (a lowercase label: "lion") is also written in the plural ("Adult male lions weigh...")
        names += [plural(n) for n in labels if n.islower() and n.isalpha()]
    return list(dict.fromkeys(n for n in names if n))


def plural(noun: str) -> str:
    """The regular English plural of a lowercase noun: lion -> lions, species -> species, ash -> ashes."""
    if noun.endswith(("ss", "x", "z", "ch", "sh")):
        return noun + "es"
    if noun.endswith("s"):  # species, series
        return noun
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def anchor_name_reason(anchor_text: str, target_names: list[str], language: str) -> str | None:
    """A link's text repeats as its target only when it is a name of the target (a label, alias or
    title, or whole words of one): `Greek` linked to Greece, `author` linked to Novelist do not."""
    return None if is_name_of(anchor_text, target_names, language) else "anchor_not_name"


def repeat_surfaces(
    linked: dict[str, set[tuple[str, str]]], labels: dict[str, list[tuple[str, str]]], language: str
) -> list[tuple[str, str, str | None]]:
    """(surface, QID, reason) of unlinked repeats: each linked entity's labels and aliases, and the
    texts it was linked with (tagged `anchor_not_name` when the text is not one of its names)."""
    out = []
    for q, anchors in linked.items():
        names = [t for t, _ in labels.get(q, [])] + [title_base(target) for _, target in anchors]
        for t, _ in labels.get(q, []):
            out.append((t, q, None))
        for text, _ in anchors:
            out.append((text, q, anchor_name_reason(text, names, language)))
    return out


def common_noun_reason(surface: str, language: str) -> str | None:
    """EN gazetteer matches are proper names: a surface with no capital letter (`the town`, `poem`,
    `1984`) never reaches an item, which is how common nouns reached class items. Disambiguation
    lifts the tag from professions, which text names with common nouns ("an American author")."""
    if language == "zh" or any(c.isupper() for c in surface):
        return None
    return "common_noun"


def gazetteer_surfaces(
    neighbour_qids: Iterable[str], labels: dict[str, list[tuple[str, str]]], language: str
) -> list[tuple[str, str, str | None]]:
    """(surface, QID, reason) for the labels and aliases of the article's one-hop neighbours."""
    out = []
    for q in neighbour_qids:
        for s, _ in labels.get(q, []):
            if len(s) >= MIN_GAZETTEER_LEN[language]:
                out.append((s, q, common_noun_reason(s, language)))
    return out


def value_surfaces(qids: Iterable[str], value_forms: dict[str, list[tuple[str, dict]]]) -> list[tuple[str, dict]]:
    """(surface, statement) for every rendered form of the time and quantity statements of `qids`."""
    return [(form, statement) for q in qids for form, statement in value_forms.get(q, ())]


def value_mentions(text: str, start: int, end: int, statements: list[dict], language: str) -> list[dict]:
    """The statements a value form at text[start:end] writes: a date written without its year ("6月23日")
    only where the paragraph gave that year before it (core/values.py `yearless_date_stands`)."""
    out = []
    for st in statements:
        if st["kind"] == "time" and not writes_its_year(text[start:end], st["value"]):
            if not yearless_date_stands(text, start, end, int(TIME.match(st["value"]).group(1)), language):
                continue
        out.append(st)
    return out


def ner_mentions(paragraph: dict, spans: Iterable[EntitySpan]) -> list[Found]:
    """NER spans; their candidates come from the label table (a span without a label is no mention)."""
    text = paragraph["text"]
    return [Found(s.start, s.end, "ner", lookup=True) for s in spans if text[s.start:s.end].strip()]


def value_forms_of(store: WikidataLookups, qids: set[str], language: str) -> dict[str, list[tuple[str, dict]]]:
    """QID -> [(form, statement)] for every written form of its time and quantity statements."""
    times = store.time_claims(qids)
    quantities = store.quantity_claims(qids)
    unit_labels = store.labels(set(quantities["unit"].to_list()) - {""}, language)
    out: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for subj, prop, time, precision in times.select("subject", "property", "time", "precision").iter_rows():
        for form, written in time_forms(time, precision, language):
            out[subj].append((form, {"kind": "time", "subject": subj, "property": prop, "value": time, "precision": precision,
                                     "unit": None, "written_precision": written, "written_unit": None}))
        for form in yearless_forms(time, precision, language):  # kept only after its year (`value_mentions`)
            out[subj].append((form, {"kind": "time", "subject": subj, "property": prop, "value": time, "precision": precision,
                                     "unit": None, "written_precision": DAY, "written_unit": None}))
    for subj, prop, amount, unit in quantities.select("subject", "property", "amount_text", "unit").iter_rows():
        words = unit_words(unit, language, [t for t, _ in unit_labels.get(unit, [])]) if unit else []
        forms = quantity_forms(amount, words, language) if unit else [(f, True) for f, _ in quantity_forms(amount, [], language)]
        for form, with_unit in forms:
            out[subj].append((form, {"kind": "quantity", "subject": subj, "property": prop, "value": amount, "precision": None,
                                     "unit": unit, "written_precision": None, "written_unit": with_unit}))
    return out


# --- the inside-name rule -------------------------------------------------------------------------

# Words that begin a sentence without beginning a name, titles before a name, and articles: none
# of them makes a name longer.
EN_NOT_NAME_WORDS = frozenset("""
a an the in on at of to by for from with as after before during since until under over between among
through throughout within without upon into onto about against across along around behind beyond
he she it they we i you his her its their our my your this that these those there here who which
when while where although though because if unless whereas but and or nor so yet then however also
both many some several most all each every other another such no not only even later early today
born following like unlike despite according
sir dame dr mr mrs ms miss lord lady king queen prince princess president pope general gen captain
capt professor prof rev reverend bishop archbishop emperor empress duke duchess count countess baron
senator governor mayor chancellor minister judge justice colonel major lieutenant admiral father
brother sister saint st
january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday
""".split())
EN_CONNECTORS = r"(?:of|de|du|des|la|le|von|van|der|den|da|di|del|y|al)"
# A possessive continues a name only into one of these heads: `St. Petroc's Infant School`, not
# `Kristeva's Powers of Horror`.
EN_NAME_HEADS = frozenset("""
school college university academy institute church chapel cathedral abbey priory minster hospital
infirmary street road lane square park bridge hall house well gate tower castle palace museum gallery
library theatre theater station hotel inn club society cross island bay hill wood field fields prize
award cup fair festival day centre center court manor farm mill garden gardens
""".split())
_EN_RIGHT = re.compile(rf" (?:{EN_CONNECTORS}(?: the)? )?([^\W\d_][\w’'-]*\.?)")
_EN_NUMBERED_PART = re.compile(r"\b(?:Book|Volume|Part|Chapter|Act|Canto|Section|Appendix)\s+[IVXLC]+\s+of\s+(?:the\s+)?$")
_EN_LEFT = re.compile(rf"([^\W\d_][\w’'.-]*) (?:{EN_CONNECTORS}(?: the)? )?$")
ZH_DOTS = "·・•‧"
# Heads that make a place or person name part of a longer name: 剑桥大学, 比勒费尔德铁路高架桥, 诺贝尔奖;
# 语 and 文 make a language of a country (希腊语 is not 希腊).
ZH_NAME_SUFFIXES = tuple(sorted("""
大学 学院 学校 中学 小学 出版社 公司 集团 银行 医院 教堂 大教堂 修道院 车站 机场 大桥 铁路 高架桥 公园 博物馆 美术馆
图书馆 剧院 体育场 球场 广场 大街 大道 协会 学会 委员会 研究所 研究院 基金会 俱乐部 时报 日报 晚报 周刊 杂志
电视台 电台 奖 战役 战争 条约 宣言 王朝 帝国 王国 宫 城堡 铁塔 塔 站 桥 路 街 寺 队 语 文
""".split(), key=len, reverse=True))


def en_name_extent(text: str, start: int, end: int) -> tuple[int, int]:
    """The longer capitalised name (words joined by single spaces, hyphens or connectors such as
    `of`) that the span `start:end` lies in; the span itself when it stands alone or is no
    capitalised name itself ("the physicist Pierre Curie": `physicist` is in no name)."""
    s, e = start, end
    if not text[start:start + 1].isupper():
        return s, e
    # hyphen- or apostrophe-joined capitalised words: Skłodowska-Curie, O'Brien, Paris-Saclay (not Toronto-based)
    while s > 1 and text[s - 1] in "-'’" and text[s - 2].isalpha():
        m = re.search(r"[\w'’-]+$", text[:s - 1])
        if m is None or not text[m.start()].isupper():
            break
        s = m.start()
    while e + 1 < len(text) and text[e] == "-" and text[e + 1].isupper():
        m = re.match(r"[\w'’-]+", text[e + 1:])
        e = e + 1 + (m.end() if m else 0)
    # words to the right
    pos, possessive, words = e, False, []
    if text[pos:pos + 2] in ("'s", "’s"):
        possessive, pos = True, pos + 2
    while (m := _EN_RIGHT.match(text, pos)) is not None:
        word = m.group(1)
        if not word[:1].isupper() or word.casefold().rstrip(".") in EN_NOT_NAME_WORDS:
            break
        initial = re.fullmatch(r"[A-Z]\.", word) is not None  # "Lyndon B. Johnson": an initial continues the name
        words.append(word if initial else word.rstrip("."))
        pos = m.end() - (1 if word.endswith(".") and not initial else 0)
        if word.endswith(".") and not initial:  # the end of a sentence (or of an abbreviation: the name stops there too)
            break
    if words and (not possessive or words[-1].casefold() in EN_NAME_HEADS):
        e = pos
    # a numbered part of a work before it ("Book V of the Book of Optics") is no longer name: the work is named whole
    if _EN_NUMBERED_PART.search(text, 0, s):
        return s, e
    # words to the left; a word with a full stop ends a sentence unless it is an initial ("John F. Kennedy")
    while (m := _EN_LEFT.search(text, 0, s)) is not None:
        word = m.group(1)
        if word.endswith(".") and not re.fullmatch(r"[A-Z]\.", word):
            break
        if word.endswith(("'s", "’s", "'", "’")):  # a possessor is a name of its own: Ptolemy's Almagest
            break
        if not word[:1].isupper() or word.rstrip(".").casefold() in EN_NOT_NAME_WORDS or word.rstrip(".").casefold().rstrip("s") in EN_NOT_NAME_WORDS:
            break
        s = m.start()
    return s, e


def zh_name_extent(text: str, start: int, end: int) -> tuple[int, int]:
    """The longer name a ZH span lies in: other parts of a dotted transliterated name (芭芭拉·罗思),
    or a head such as 大学 or 奖 right after it (剑桥大学, 诺贝尔奖)."""
    s, e = start, end
    if s > 1 and text[s - 1] in ZH_DOTS:
        s -= 1
        while s > 0 and _is_cjk(text[s - 1]):
            s -= 1
    if e + 1 < len(text) and text[e] in ZH_DOTS and _is_cjk(text[e + 1]):
        e += 1
        while e < len(text) and _is_cjk(text[e]):
            e += 1
    else:
        for suffix in ZH_NAME_SUFFIXES:
            if text.startswith(suffix, e):
                e += len(suffix)
                break
    return s, e


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff"


def inside_name_reason(
    text: str, start: int, end: int, names: Iterable[str], language: str, other_mentions: Iterable[tuple[int, int]] = ()
) -> str | None:
    """`inside_name` when the span lies strictly inside a longer name and that longer name is not a
    name of the same entity (one of `names`, its labels and aliases, found in the text around it).
    Where the longer run holds another mention, two names stand side by side ("President of the
    United States Lyndon B. Johnson"): no longer name then."""
    s, e = zh_name_extent(text, start, end) if language == "zh" else en_name_extent(text, start, end)
    if (s, e) == (start, end):
        return None
    if any(s <= os_ and oe <= e and (oe <= start or os_ >= end) for os_, oe in other_mentions):
        return None
    window = text[max(0, s - 4):e + 4].casefold()
    for name in names:
        key = name.casefold()
        if len(key) > end - start and key in window:
            i = window.find(key)
            base = max(0, s - 4)
            while i >= 0:
                if base + i <= start and base + i + len(key) >= end:
                    return None
                i = window.find(key, i + 1)
    return "inside_name"


# --- selection ------------------------------------------------------------------------------------

def select_mentions(found: list[Found]) -> tuple[list[Found], int]:
    """Links and accepted bold names always stand; then untagged mentions, longest first (then source order, then earlier);
    then tagged ones where nothing kept overlaps them. Returns the mentions by start and how many
    candidates lost to an overlapping one."""
    def key(m: Found):
        return (-(m.end - m.start), SOURCE_RANK[m.source], m.start)

    def stands(m: Found) -> bool:  # the page's own markup of a name: a link, or an accepted bold name
        return m.source == "link" or (m.source == "bold" and m.reason is None)

    links = sorted((m for m in found if stands(m)), key=lambda m: (SOURCE_RANK[m.source], m.start))
    untagged = sorted((m for m in found if not stands(m) and m.reason is None), key=key)
    tagged = sorted((m for m in found if not stands(m) and m.reason is not None), key=key)
    taken: list[Found] = []
    occupied: list[tuple[int, int]] = []
    overlapped = 0
    for m in links + untagged + tagged:
        if any(m.start < e and s < m.end for s, e in occupied):
            overlapped += 1
            continue
        taken.append(m)
        occupied.append((m.start, m.end))
    return sorted(taken, key=lambda m: m.start), overlapped


def _best_entry(refs: list[tuple[str, object, str | None]]) -> tuple[str, list, str | None]:
    """Of the entries of one surface, the untagged ones of the first source (else the tagged ones)."""
    ranked = sorted({(reason is not None, SOURCE_RANK[source], source, reason) for source, _, reason in refs})
    _, _, source, reason = ranked[0]
    return source, [ref for s, ref, r in refs if s == source and r == reason], reason


# --- the stage ------------------------------------------------------------------------------------

@dataclass
class ArticleNames:
    subject: str | None
    subject_names: list[str]
    linked: dict[str, set[tuple[str, str]]]  # qid -> {(anchor text, target title)}
    gazetteer: Gazetteer


def article_names(
    paras: list[dict], language: str, link_qid: dict[str, str], labels: dict[str, list[tuple[str, str]]],
    neighbours_of: dict[str, set[str]], humans: set[str], value_forms: dict[str, list[tuple[str, dict]]],
) -> ArticleNames:
    """Every surface the article's paragraphs are searched for, in one automaton."""
    subject, title = paras[0]["article_qid"], paras[0]["title"]
    linked: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for p in paras:
        for a in p["anchors"] or []:
            q = link_qid.get(a["target"])
            if q:
                linked[q].add((a["text"], a["target"]))
    entries: dict[str, list[tuple[str, object, str | None]]] = defaultdict(list)

    def add(surface: str, source: str, ref: object, reason: str | None) -> None:
        if surface and (source, ref, reason) not in entries[surface]:
            entries[surface].append((source, ref, reason))

    subject_names: list[str] = []
    if subject:
        base = [title_base(title)] + [t for t, _ in labels.get(subject, [])]
        bold = accepted_bold_names(paras, [to_simplified(n) for n in base] if language == "zh" else base, language)
        others = {text for q, anchors in linked.items() if q != subject for text, _ in anchors}
        subject_names = subject_surfaces(title, [t for t, _ in labels.get(subject, [])], bold, subject in humans, others, language)
        for name in subject_names:
            add(name, "subject", subject, None)
    for surface, q, reason in repeat_surfaces(linked, labels, language):
        add(surface, "repeat", q, reason)
    neighbours = set().union(*(neighbours_of.get(q, set()) for q in {subject, *linked} if q))
    for surface, q, reason in gazetteer_surfaces(sorted(neighbours), labels, language):
        add(surface, "gazetteer", q, reason)
    for surface, statement in value_surfaces(sorted({subject, *linked} - {None}), value_forms):
        add(surface, "value", tuple(sorted(statement.items())), None)
    return ArticleNames(subject, subject_names, linked, Gazetteer(entries.items(), word_boundaries=language != "zh"))


def paragraph_candidates(paragraph: dict, names: ArticleNames, link_qid: dict[str, str], language: str,
                         ner_spans: Iterable[EntitySpan]) -> list[Found]:
    """Every source's candidates in one paragraph, before selection."""
    found = link_mentions(paragraph, link_qid) + bold_mentions(paragraph, names.subject, names.subject_names, language)
    for start, end, _, refs in names.gazetteer.occurrences(paragraph["text"]):
        source, best, reason = _best_entry(refs)
        if source == "value":
            values = value_mentions(paragraph["text"], start, end, [dict(r) for r in best], language)
            if values:
                found.append(Found(start, end, "value", values=values))
        else:
            found.append(Found(start, end, source, list(best), lookup=source == "gazetteer", reason=reason))
    return found + ner_mentions(paragraph, ner_spans)


def find_mentions(
    paragraphs: pl.DataFrame, store: WikidataLookups, language: str, ner_spans: dict[str, list[EntitySpan]] | None = None,
    counts: Counter | None = None,
) -> pl.DataFrame:
    """All mentions of every paragraph of one partition (one language), tagged ones with their
    `drop_reason`. `ner_spans` (paragraph id -> spans from an NER model) adds `ner` mentions whose
    surface is a Wikidata label or alias. `counts`, when given, receives `overlapped` (candidates
    that lost to an overlapping mention) and `unresolved` (mentions no QID was found for)."""
    if paragraphs.is_empty():
        return pl.DataFrame(schema=MENTION_SCHEMA)
    counts = counts if counts is not None else Counter()
    rows = paragraphs.sort("article_id", "paragraph_index").to_dicts()
    link_qid = resolve_link_targets({a["target"] for r in rows for a in (r["anchors"] or [])}, language, store)

    by_article: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_article[r["article_id"]].append(r)
    subjects = {r["article_qid"] for r in rows if r["article_qid"]}
    focus = subjects | set(link_qid.values())
    neighbours_of: dict[str, set[str]] = defaultdict(set)
    humans: set[str] = set()
    for s, prop, o in store.item_claims(focus).select("subject", "property", "object").iter_rows():
        neighbours_of[s].add(o)
        if prop == "P31" and o == HUMAN:
            humans.add(s)
    labels = store.labels(focus | {o for os in neighbours_of.values() for o in os}, language)
    value_forms = value_forms_of(store, focus, language)

    per_paragraph: list[tuple[dict, ArticleNames, list[Found]]] = []
    for paras in by_article.values():
        names = article_names(paras, language, link_qid, labels, neighbours_of, humans, value_forms)
        for p in paras:
            found = paragraph_candidates(p, names, link_qid, language, (ner_spans or {}).get(p["paragraph_id"], ()))
            per_paragraph.append((p, names, found))

    # Label -> candidate QIDs for gazetteer hits, NER spans and unresolved anchors (the shared-label case).
    lookups = {p["text"][m.start:m.end] for p, _, found in per_paragraph for m in found if m.lookup}
    by_label = store.qids_for_surfaces(lookups, language)
    for p, _, found in per_paragraph:
        for m in found:
            if m.lookup:
                m.qids = sorted(set(m.qids) | set(by_label.get(p["text"][m.start:m.end], [])), key=lambda q: int(q[1:]))
    names_of = store.labels({q for _, _, found in per_paragraph for m in found for q in m.qids}, language)

    theme = rows[0]["theme"]
    out_rows = []
    for p, names, found in per_paragraph:
        text = p["text"]
        kept = []
        for m in found:
            if m.source != "value" and not m.qids:
                counts["unresolved"] += 1
                continue
            kept.append(m)
        established = [(m.start, m.end) for m in kept if m.source != "value" and m.reason is None]
        for m in kept:
            if m.reason is None and m.source not in ("link", "value", "bold"):
                own = [t for q in m.qids for t, _ in names_of.get(q, [])]
                if names.subject in m.qids:
                    own += names.subject_names
                others = [(a, b) for a, b in established if b <= m.start or a >= m.end]
                m.reason = inside_name_reason(text, m.start, m.end, own, language, others)
        selected, overlapped = select_mentions(kept)
        counts["overlapped"] += overlapped
        for m in selected:
            out_rows.append((
                f"{p['paragraph_id']}:{m.start}-{m.end}", p["paragraph_id"], p["article_id"], m.start, m.end,
                text[m.start:m.end], m.source, m.qids, m.values, m.reason, theme, language,
            ))
    return pl.DataFrame(out_rows, schema=MENTION_SCHEMA, orient="row")


def mention_counts(mentions: pl.DataFrame, counts: Counter) -> dict[str, int | dict]:
    """Metadata of entity_mentions: mentions by source, tagged ones by reason (every reason, zeros
    included), and the candidates that lost to an overlapping mention or found no QID."""
    by_source = {s: 0 for s in MENTION_SOURCES}
    tagged = {f"tagged_{r}": 0 for r in MENTION_DROP_REASONS}
    if mentions.height:
        for source, n in mentions.group_by("mention_source").len().iter_rows():
            by_source[source] = int(n)
        for reason, n in mentions.group_by("drop_reason").len().iter_rows():
            if reason is not None:
                tagged[f"tagged_{reason}"] = int(n)
    return {"by_mention_source": by_source, **tagged, "overlapped": int(counts.get("overlapped", 0)),
            "unresolved": int(counts.get("unresolved", 0))}
