"""A linked corpus of any size in the real formats: Wikipedia articles (EN and ZH, export-0.10 XML,
.bz2) about Wikidata items (a JSON dump, .json.gz) that state what the items' statements say.

  python -m bench.linked_corpus N OUT_DIR        N articles per language (+ redirects), their items

Unlike `bench.generate` (realistic bulk, random links), the pages are linked the way real pages are,
so every stage of the graph does real work on them:

* each article is about one item (person, city, organization, building, literary work: 40/25/15/10/10
  per cent, as on Wikipedia, where people and places lead); both languages have an article per item,
  reached through the item's `enwiki`/`zhwiki` sitelink;
* an article links the items its subject's statements point at (birthplace, employer, author, ...),
  the anchors are those items' labels (or a redirect's alias), and the linked items' labels come back
  unlinked later; the subject is named in bold in the lead and by its surname later (people);
* the sentences say what the statements say, one fact or two per sentence, head and tail in the same
  sentence: dates at the statement's own precision ("4 December 1960", "1960年12月4日"), quantities
  with their unit ("123 metres", "345.6 square kilometres", "1,234,567");
* items also hold what real items hold: labels in dozens of languages, external ids, references,
  qualifiers, statements about items no page mentions (`bench.generate.wikidata_entity`'s bulk), and
  the dump has as many items again that no article is about (Wikidata is larger than Wikipedia);
* pages carry infoboxes, references, files, tables, categories and sections; one page in ten is a
  redirect (an alias of an item, to its article); links to other items and filler sentences between.

Everything is seeded: the same N gives the same bytes. The classes (human, city, ...) are the real
QIDs the type taxonomy and the theme map list; the items are numbered from Q100000000 up.
"""

from __future__ import annotations

import bz2
import gzip
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bench.generate import LANGS, _item, _page_xml, _snak, name, siteinfo, wikidata_entity

FIRST_QID = 100_000_000
KINDS = {"person": 0.40, "city": 0.25, "organization": 0.15, "building": 0.10, "work": 0.10}
THEME_OF_KIND = {"person": "person", "city": "geographic_location", "organization": "organization", "building": "building",
                 "work": "works"}
THEMES = sorted(THEME_OF_KIND.values())
CLASSES = {  # class QID: (EN label, ZH label, coarse type it stands for in resources/type_taxonomy.yaml)
    "Q5": ("human", "人类"), "Q515": ("city", "城市"), "Q6256": ("country", "国家"), "Q43229": ("organization", "组织"),
    "Q41176": ("building", "建筑物"), "Q7725634": ("literary work", "文学作品"), "Q28640": ("profession", "职业"),
    "Q11573": ("metre", "米"), "Q712226": ("square kilometre", "平方公里"),
}
KIND_CLASS = {"person": "Q5", "city": "Q515", "organization": "Q43229", "building": "Q41176", "work": "Q7725634"}
OCCUPATIONS = [("writer", "作家"), ("painter", "画家"), ("physicist", "物理学家"), ("chemist", "化学家"), ("architect", "建筑师"),
               ("composer", "作曲家"), ("journalist", "记者"), ("engineer", "工程师"), ("politician", "政治家"),
               ("historian", "历史学家"), ("poet", "诗人"), ("actor", "演员"), ("philosopher", "哲学家"), ("economist", "经济学家"),
               ("mathematician", "数学家"), ("photographer", "摄影师"), ("diplomat", "外交官"), ("sculptor", "雕塑家"),
               ("biologist", "生物学家"), ("translator", "翻译家")]
ZH_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
ZH_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘"
ZH_PLACE = "安宁平山河江湖海川原林溪泉岭峰石岩州城阳阴东西南北中新清长永德兴隆昌盛丰和顺康泰宝金玉银云龙凤鹤松柏桂兰梅竹青白红黄紫春夏秋冬远武文华明光"
ZH_ORG_SUFFIX = ["公司", "集团", "学会", "出版社", "研究所", "银行", "协会"]
ZH_BUILDING_SUFFIX = ["塔", "大厦", "宫", "寺", "大桥", "体育场", "剧院"]
EN_BUILDING = ["Tower", "Palace", "Hall", "Cathedral", "Bridge", "Stadium", "Theatre"]
EN_ORG = ["Company", "Group", "Society", "Press", "Institute", "Bank", "Association"]
ZH_KIND_WORD = {"person": "人物", "city": "城市", "organization": "组织", "building": "建筑", "work": "作品", "country": "国家", "occupation": "职业"}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
FILLER_EN = ["the", "region", "its", "early", "history", "was", "marked", "by", "long", "periods", "of", "growth", "and", "change",
             "while", "local", "records", "describe", "several", "families", "trade", "routes", "new", "schools", "in", "later",
             "years", "a", "number", "works", "were", "published", "about", "this", "period", "many", "visitors", "came", "to",
             "see", "old", "market", "with", "river", "valley", "north", "south", "public", "life", "during", "that", "time"]
FILLER_ZH = "的一是在不了有和人这中大为上个我以要他时来用们生到作地于出就分对成会可也其后年间该地区历史发展经济文化多次重要记载"


@dataclass
class Item:
    qid: str
    kind: str
    en: str
    zh: str
    en_title: str
    zh_title: str
    en_alias: str | None = None
    claims: dict[str, list] = field(default_factory=dict)  # property -> [("item", qid) | ("time", (y, m, d, precision)) | ("quantity", (amount, unit))]

    def add(self, prop: str, kind: str, value) -> None:
        self.claims.setdefault(prop, []).append((kind, value))

    def first(self, prop: str):
        return self.claims[prop][0][1] if prop in self.claims else None


def kind_sequence(n: int) -> list[str]:
    """The kinds of `n` articles in `KINDS`' shares, interleaved so that every prefix keeps the shares."""
    counts = dict.fromkeys(KINDS, 0)
    out = []
    for i in range(n):
        kind = max(KINDS, key=lambda k: KINDS[k] * (i + 1) - counts[k])
        counts[kind] += 1
        out.append(kind)
    return out


def _en_name(rng: random.Random, kind: str) -> str:
    base = name(rng)
    if kind == "person":
        return f"{name(rng).split()[0]} {base.split()[-1]}"
    if kind == "organization":
        return f"{base} {rng.choice(EN_ORG)}"
    if kind == "building":
        return f"{base} {rng.choice(EN_BUILDING)}"
    if kind == "work":
        return f"The {base}"
    return base


def _zh_name(rng: random.Random, kind: str) -> str:
    if kind == "person":
        return rng.choice(ZH_SURNAMES) + "".join(rng.choice(ZH_GIVEN) for _ in range(rng.randint(1, 2)))
    base = "".join(rng.choice(ZH_PLACE) for _ in range(rng.randint(2, 3)))
    if kind == "organization":
        return base + rng.choice(ZH_ORG_SUFFIX)
    if kind == "building":
        return base + rng.choice(ZH_BUILDING_SUFFIX)
    if kind == "work":
        return base + rng.choice(["记", "传", "集", "志", "录"])
    return base + ("市" if kind == "city" else "")


def _date(rng: random.Random, lo: int, hi: int, precision: int) -> tuple[int, int, int, int]:
    return (rng.randint(lo, hi), rng.randint(1, 12), rng.randint(1, 28), precision)


class Corpus:
    """The items and articles of a corpus of `n` articles per language."""

    def __init__(self, n: int, seed: int = 0):
        self.n, self.seed = n, seed
        rng = random.Random(f"linked-corpus:{seed}:{n}")
        taken_en: set[str] = set()
        taken_zh: set[str] = set()
        self.items: list[Item] = []
        self.by_kind: dict[str, list[Item]] = {k: [] for k in (*KINDS, "country", "occupation")}

        def unique(make, taken: set[str], kind_word: str) -> tuple[str, str]:
            label = make()
            while label in taken and rng.random() < 0.5:  # some namesakes stay: disambiguation has work to do
                label = make()
            title = label
            k = 2
            while title in taken:
                title = f"{label} ({kind_word})" if k == 2 else f"{label} ({kind_word} {k})"
                k += 1
            taken.add(label)
            taken.add(title)
            return label, title

        def new_item(kind: str, make_en=None, make_zh=None, word: str = "") -> Item:
            qid = f"Q{FIRST_QID + len(self.items)}"
            en, en_title = unique(make_en or (lambda: _en_name(rng, kind)), taken_en, word or kind)
            zh, zh_title = unique(make_zh or (lambda: _zh_name(rng, kind)), taken_zh, ZH_KIND_WORD.get(kind, word))
            item = Item(qid, kind, en, zh, en_title, zh_title)
            self.items.append(item)
            self.by_kind[kind].append(item)
            return item

        for _ in range(max(8, min(60, n // 50))):
            new_item("country", lambda: name(rng).split()[0] + "ia", lambda: _zh_name(rng, "country") + "国", "country") \
                .add("P31", "item", "Q6256")
        for en, zh in OCCUPATIONS:
            occupation = new_item("occupation", lambda: en, lambda: zh, "occupation")
            occupation.en_title = en[:1].upper() + en[1:]
            occupation.add("P31", "item", "Q28640")
        self.subjects = [new_item(kind) for kind in kind_sequence(n)]
        for item in self.subjects:
            if rng.random() < 0.3:
                alias = _en_name(rng, item.kind)
                if alias not in taken_en:
                    taken_en.add(alias)
                    item.en_alias = alias
        for item in self.subjects:
            self._statements(rng, item)
        self.extra = n  # items no article is about, as many again

    def pick(self, rng: random.Random, kind: str, other_than: Item | None = None) -> Item:
        pool = self.by_kind[kind]
        choice = rng.choice(pool)
        return choice if choice is not other_than or len(pool) == 1 else rng.choice(pool)

    def _statements(self, rng: random.Random, s: Item) -> None:
        s.add("P31", "item", KIND_CLASS[s.kind])
        country = self.pick(rng, "country")
        if s.kind == "person":
            s.add("P569", "time", _date(rng, 1850, 1990, 11))
            s.add("P19", "item", self.pick(rng, "city").qid)
            s.add("P27", "item", country.qid)
            for occ in rng.sample(self.by_kind["occupation"], rng.randint(1, 2)):
                s.add("P106", "item", occ.qid)
            s.add("P108", "item", self.pick(rng, "organization").qid)
            if rng.random() < 0.6:
                spouse = self.pick(rng, "person", s)
                s.add("P26", "item", spouse.qid)
                spouse.add("P26", "item", s.qid)
            if rng.random() < 0.5:
                born = s.first("P569")[0]
                s.add("P570", "time", _date(rng, born + 30, born + 90, 11))
                s.add("P20", "item", self.pick(rng, "city").qid)
        elif s.kind == "city":
            s.add("P17", "item", country.qid)
            s.add("P1082", "quantity", (str(rng.randint(5_000, 9_000_000)), "1"))
            s.add("P2046", "quantity", (f"{rng.randint(10, 2000)}.{rng.randint(1, 9)}", "Q712226"))
            s.add("P571", "time", _date(rng, 800, 1900, 9))
        elif s.kind == "organization":
            s.add("P571", "time", _date(rng, 1800, 2015, rng.choice([9, 11])))
            s.add("P112", "item", self.pick(rng, "person").qid)
            s.add("P159", "item", self.pick(rng, "city").qid)
            s.add("P17", "item", country.qid)
        elif s.kind == "building":
            s.add("P131", "item", self.pick(rng, "city").qid)
            s.add("P17", "item", country.qid)
            s.add("P571", "time", _date(rng, 1100, 2015, 9))
            s.add("P2048", "quantity", (str(rng.randint(12, 600)), "Q11573"))
            s.add("P84", "item", self.pick(rng, "person").qid)
        else:  # work
            s.add("P50", "item", self.pick(rng, "person").qid)
            s.add("P577", "time", _date(rng, 1700, 2020, 11))
            s.add("P123", "item", self.pick(rng, "organization").qid)
            s.add("P495", "item", country.qid)

    # ---------------------------------------------------------------------------------- Wikidata

    def entity(self, rng: random.Random, item: Item, index: int) -> dict:
        """The item as a dump entity: `bench.generate`'s bulk (labels in many languages, external ids,
        references) with its own EN/ZH names, statements and sitelinks."""
        e = wikidata_entity(rng, index, self.n)
        e["id"] = item.qid
        keep = {k: v for k, v in e["labels"].items() if not k.startswith(("en", "zh"))}
        e["labels"] = {**keep, "en": {"language": "en", "value": item.en}, "zh": {"language": "zh", "value": item.zh},
                       "zh-hans": {"language": "zh-hans", "value": item.zh}}
        e["aliases"] = {k: v for k, v in e["aliases"].items() if not k.startswith(("en", "zh"))}
        if item.en_alias:
            e["aliases"]["en"] = [{"language": "en", "value": item.en_alias}]
        e["descriptions"] = {k: v for k, v in e["descriptions"].items() if not k.startswith(("en", "zh"))}
        claims = {p: sts for p, sts in e["claims"].items() if p.startswith("P") and p not in OWN_PROPERTIES}
        for prop, values in item.claims.items():
            claims[prop] = [self._statement(rng, item.qid, prop, kind, value) for kind, value in values]
        e["claims"] = claims
        sitelinks = {k: v for k, v in e["sitelinks"].items() if k not in ("enwiki", "zhwiki")}
        sitelinks["enwiki"] = {"site": "enwiki", "title": item.en_title, "badges": []}
        sitelinks["zhwiki"] = {"site": "zhwiki", "title": item.zh_title, "badges": []}
        e["sitelinks"] = sitelinks
        return e

    @staticmethod
    def _statement(rng: random.Random, qid: str, prop: str, kind: str, value) -> dict:
        if kind == "item":
            snak = _snak(prop, "wikibase-entityid", _item(int(value[1:])))
        elif kind == "time":
            y, m, d, precision = value
            snak = _snak(prop, "time", {"time": f"+{y:04d}-{m:02d}-{d:02d}T00:00:00Z", "timezone": 0, "before": 0, "after": 0,
                                        "precision": precision, "calendarmodel": "http://www.wikidata.org/entity/Q1985727"})
        else:
            amount, unit = value
            snak = _snak(prop, "quantity", {"amount": f"+{amount}", "unit": unit if unit == "1" else f"http://www.wikidata.org/entity/{unit}"})
        return {"mainsnak": snak, "type": "statement", "id": f"{qid}${rng.getrandbits(64):016X}", "rank": "normal"}

    def class_entities(self) -> list[dict]:
        out = []
        for qid, (en, zh) in CLASSES.items():
            out.append({"type": "item", "id": qid, "labels": {"en": {"language": "en", "value": en}, "zh": {"language": "zh", "value": zh}},
                        "descriptions": {}, "aliases": {}, "claims": {}, "sitelinks": {}})
        return out

    def write_wikidata(self, path: Path) -> int:
        rng = random.Random(f"linked-corpus-wikidata:{self.seed}:{self.n}")
        count = 0
        with gzip.open(path, "wb", compresslevel=6) as fh:
            fh.write(b"[\n")

            def put(entity: dict) -> None:
                nonlocal count
                fh.write((b",\n" if count else b"") + json.dumps(entity, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
                count += 1

            for e in self.class_entities():
                put(e)
            for i, item in enumerate(self.items):
                put(self.entity(rng, item, i))
            for j in range(self.extra):  # items no article is about: no enwiki/zhwiki sitelink
                e = wikidata_entity(rng, j, self.n)
                e["id"] = f"Q{FIRST_QID + len(self.items) + j}"
                e["sitelinks"] = {k: v for k, v in e["sitelinks"].items() if k not in ("enwiki", "zhwiki")}
                e["claims"] = {p: sts for p, sts in e["claims"].items() if p not in ("P31", "P279")}
                put(e)
            fh.write(b"\n]\n")
        return count

    # ---------------------------------------------------------------------------------- Wikipedia

    def by_qid(self, qid: str) -> Item:
        return self.items[int(qid[1:]) - FIRST_QID]

    def write_wikipedia(self, path: Path, language: str) -> int:
        rng = random.Random(f"linked-corpus-{language}:{self.seed}:{self.n}")
        pages = 0
        with bz2.open(path, "wb", compresslevel=6) as fh:
            fh.write(siteinfo(language).encode("utf-8"))
            page_id = 1
            for item in self.subjects:
                title = item.en_title if language == "en" else item.zh_title
                text = (EnglishPage if language == "en" else ChinesePage)(self, item, rng).wikitext()
                fh.write(_page_xml(page_id, title, text).encode("utf-8"))
                page_id += 1
                pages += 1
                redirect = item.en_alias if language == "en" else traditional(item.zh_title)
                if redirect and redirect != title:  # a redirect to it: an alias (EN), the title in Traditional script (ZH)
                    fh.write(_page_xml(page_id, redirect, f"#REDIRECT [[{title}]]", title).encode("utf-8"))
                    page_id += 1
                    pages += 1
            fh.write(b"</mediawiki>\n")
        return pages


OWN_PROPERTIES = {"P31", "P279", "P17", "P131", "P27", "P19", "P20", "P106", "P108", "P159", "P50", "P569", "P570", "P571", "P577",
                  "P1082", "P2046", "P2048", "P26", "P112", "P84", "P123", "P495", "P2043", "P2067", "P580", "P585"}


class EnglishPage:
    """One article's wikitext: infobox, bold lead stating the subject's facts, sections of facts and
    filler with links to other items, references, a table, a file, categories."""

    def __init__(self, corpus: Corpus, item: Item, rng: random.Random):
        self.c, self.s, self.rng = corpus, item, rng
        self.linked: set[str] = set()

    def link(self, qid: str) -> str:
        """The first mention of an item links it (by its label, or through its alias' redirect); later ones repeat the label."""
        item = self.c.by_qid(qid)
        if qid in self.linked:
            return item.en
        self.linked.add(qid)
        if item.en_alias and self.rng.random() < 0.3:
            return f"[[{item.en_alias}]]"
        return f"[[{item.en_title}]]" if item.en_title == item.en else f"[[{item.en_title}|{item.en}]]"

    def date(self, value) -> str:
        y, m, d, precision = value
        if precision >= 11:
            return f"{d} {MONTHS[m - 1]} {y}" if self.rng.random() < 0.7 else f"{MONTHS[m - 1]} {d}, {y}"
        return str(y)

    def filler(self, words: int) -> str:
        out = [self.rng.choice(FILLER_EN) for _ in range(words)]
        return " ".join(out).capitalize() + "."

    def ref(self) -> str:
        r = self.rng
        return (f'<ref name="r{r.randint(1, 99)}">{{{{cite web|url=https://example.org/{r.randint(1, 10**6)}|title={name(r)}|'
                f'publisher={name(r)}|access-date=2024-01-01}}}}</ref>')

    def surname(self) -> str:
        return self.s.en.split()[-1] if self.s.kind == "person" else self.s.en

    def facts(self) -> list[str]:
        s, c, link = self.s, self.c, self.link
        nm = self.surname()
        if s.kind == "person":
            occ = [c.by_qid(q) for k, q in s.claims["P106"]]
            occs = " and ".join(f"[[{o.en_title}|{o.en}]]" for o in occ)
            out = [f"'''{s.en}''' is a {occs} from {link(s.first('P27'))}.",
                   f"{nm} was born on {self.date(s.first('P569'))} in {link(s.first('P19'))}.",
                   f"{nm} worked for {link(s.first('P108'))} for many years."]
            if "P26" in s.claims:
                out.append(f"{nm} married {link(s.first('P26'))} in {s.first('P569')[0] + self.rng.randint(20, 35)}.")
            if "P570" in s.claims:
                out.append(f"{nm} died on {self.date(s.first('P570'))} in {link(s.first('P20'))}.")
            return out
        if s.kind == "city":
            return [f"'''{s.en}''' is a city in {link(s.first('P17'))}.",
                    f"{s.en} has a population of {int(s.first('P1082')[0]):,} and an area of {s.first('P2046')[0]} square kilometres.",
                    f"{s.en} was founded in {self.date(s.first('P571'))}."]
        if s.kind == "organization":
            return [f"'''{s.en}''' is an organization based in {link(s.first('P159'))}, {link(s.first('P17'))}.",
                    f"{s.en} was founded on {self.date(s.first('P571'))} by {link(s.first('P112'))}." if s.first("P571")[3] >= 11 else
                    f"{s.en} was founded in {self.date(s.first('P571'))} by {link(s.first('P112'))}."]
        if s.kind == "building":
            return [f"'''{s.en}''' is a building in {link(s.first('P131'))}, {link(s.first('P17'))}.",
                    f"{s.en} was built in {self.date(s.first('P571'))} to a design by {link(s.first('P84'))}.",
                    f"{s.en} is {s.first('P2048')[0]} metres tall."]
        return [f"'''{s.en}''' is a novel by {link(s.first('P50'))}.",
                f"{s.en} was published on {self.date(s.first('P577'))} by {link(s.first('P123'))} in {link(s.first('P495'))}."]

    def other_links(self, k: int) -> str:
        """A sentence linking items the subject has no statement about (mentions, no triple)."""
        picks = [self.c.pick(self.rng, kind).qid for kind in self.rng.sample(["person", "city", "organization", "building", "work"], k)]
        return f"{self.surname()} is often mentioned together with " + ", ".join(self.link(q) for q in picks) + "."

    def paragraph(self, sentences: list[str], filler: int) -> str:
        """The sentences in order, filler between them (never before the first: a lead opens with its subject)."""
        body = list(sentences)
        for _ in range(filler):
            body.insert(self.rng.randint(1, len(body)), self.filler(self.rng.randint(10, 18)))
        if self.rng.random() < 0.5:
            body[-1] += self.ref()
        return " ".join(body)

    def infobox(self) -> str:
        return (f"{{{{Infobox {self.s.kind}\n| name = {self.s.en}\n| image = {self.s.en.replace(' ', '_')}.jpg\n"
                f"| caption = {self.filler(6)}\n}}}}")

    def wikitext(self) -> str:
        facts = self.facts()
        lead = self.paragraph([f for f in facts[:3]], 2)
        parts = [f"{{{{Short description|{self.filler(4)[:-1]}}}}}", self.infobox(), lead,
                 "[[File:Example.jpg|thumb|" + self.filler(5) + "]]", "== History ==",
                 self.paragraph(facts[3:] + [self.other_links(2)], 3)]
        for section in self.rng.sample(["Legacy", "Geography", "Culture", "Works", "Reception", "Notes"], self.rng.randint(2, 5)):
            parts += [f"== {section} ==", self.paragraph([self.other_links(self.rng.randint(1, 3))], self.rng.randint(3, 6))]
        parts += ["{| class=\"wikitable\"\n|-\n! Year !! Value\n|-\n| 2001 || " + str(self.rng.randint(1, 999)) + "\n|}",
                  "== References ==", "{{Reflist}}", f"[[Category:{self.filler(2)[:-1]}]]"]
        return "\n\n".join(parts)


class ChinesePage(EnglishPage):
    def link(self, qid: str) -> str:
        item = self.c.by_qid(qid)
        if qid in self.linked:
            return item.zh
        self.linked.add(qid)
        if item.kind not in ("country", "occupation") and self.rng.random() < 0.15 and traditional(item.zh_title) != item.zh_title:
            return f"[[{traditional(item.zh_title)}|{traditional(item.zh)}]]"
        return f"[[{item.zh_title}]]" if item.zh_title == item.zh else f"[[{item.zh_title}|{item.zh}]]"

    def date(self, value) -> str:
        y, m, d, precision = value
        return f"{y}年{m}月{d}日" if precision >= 11 else f"{y}年"

    def filler(self, words: int) -> str:
        return "".join(self.rng.choice(FILLER_ZH) for _ in range(words * 2)) + "。"

    def ref(self) -> str:
        return f"<ref>{{{{cite web|url=https://example.org/{self.rng.randint(1, 10**6)}|title={_zh_name(self.rng, 'work')}}}}}</ref>"

    def surname(self) -> str:
        return self.s.zh

    def facts(self) -> list[str]:
        s, c, link = self.s, self.c, self.link
        nm = s.zh
        if s.kind == "person":
            occs = "、".join(f"[[{c.by_qid(q).zh_title}]]" for k, q in s.claims["P106"])
            out = [f"'''{nm}'''是{link(s.first('P27'))}{occs}。",
                   f"{nm}于{self.date(s.first('P569'))}出生于{link(s.first('P19'))}。",
                   f"{nm}长期任职于{link(s.first('P108'))}。"]
            if "P26" in s.claims:
                out.append(f"{nm}与{link(s.first('P26'))}结婚。")
            if "P570" in s.claims:
                out.append(f"{nm}于{self.date(s.first('P570'))}在{link(s.first('P20'))}逝世。")
            return out
        if s.kind == "city":
            return [f"'''{nm}'''是{link(s.first('P17'))}的一座城市。",
                    f"{nm}人口为{int(s.first('P1082')[0]):,}，面积为{s.first('P2046')[0]}平方公里。",
                    f"{nm}建于{self.date(s.first('P571'))}。"]
        if s.kind == "organization":
            return [f"'''{nm}'''是总部位于{link(s.first('P17'))}{link(s.first('P159'))}的组织。",
                    f"{nm}由{link(s.first('P112'))}于{self.date(s.first('P571'))}创立。"]
        if s.kind == "building":
            return [f"'''{nm}'''是位于{link(s.first('P17'))}{link(s.first('P131'))}的建筑。",
                    f"{nm}建于{self.date(s.first('P571'))}，由{link(s.first('P84'))}设计。",
                    f"{nm}高{s.first('P2048')[0]}米。"]
        return [f"《'''{nm}'''》是{link(s.first('P50'))}的小说。",
                f"《{nm}》于{self.date(s.first('P577'))}由{link(s.first('P123'))}在{link(s.first('P495'))}出版。"]

    def other_links(self, k: int) -> str:
        picks = [self.c.pick(self.rng, kind).qid for kind in self.rng.sample(["person", "city", "organization", "building", "work"], k)]
        return f"{self.s.zh}常与" + "、".join(self.link(q) for q in picks) + "一同被提及。"

    def paragraph(self, sentences: list[str], filler: int) -> str:
        """The sentences in order, filler between them (never before the first: a lead opens with its subject)."""
        body = list(sentences)
        for _ in range(filler):
            body.insert(self.rng.randint(1, len(body)), self.filler(self.rng.randint(10, 18)))
        if self.rng.random() < 0.5:
            body[-1] += self.ref()
        return "".join(body)

    def infobox(self) -> str:
        return f"{{{{Infobox {self.s.kind}\n| name = {self.s.zh}\n| image = Example.jpg\n}}}}"

    def wikitext(self) -> str:
        facts = self.facts()
        parts = [self.infobox(), self.paragraph(facts[:3], 2), "[[File:Example.jpg|thumb|" + self.filler(5) + "]]", "== 历史 ==",
                 self.paragraph(facts[3:] + [self.other_links(2)], 3)]
        for section in self.rng.sample(["影响", "地理", "文化", "作品", "评价", "注释"], self.rng.randint(2, 5)):
            parts += [f"== {section} ==", self.paragraph([self.other_links(self.rng.randint(1, 3))], self.rng.randint(3, 6))]
        parts += ["== 参考文献 ==", "{{reflist}}", f"[[Category:{_zh_name(self.rng, 'city')}]]"]
        return "\n\n".join(parts)


_S2T = None


def traditional(text: str) -> str:
    """`text` in Traditional script (ZH pages mix scripts; redirects from Traditional titles are common)."""
    global _S2T
    if _S2T is None:
        import opencc

        _S2T = opencc.OpenCC("s2t")
    return _S2T.convert(text)


def write_corpus(n: int, out: Path, seed: int = 0) -> dict[str, Path]:
    """`wikidata.json.gz`, `enwiki-pages-articles.xml.bz2`, `zhwiki-pages-articles.xml.bz2` under `out`."""
    out.mkdir(parents=True, exist_ok=True)
    corpus = Corpus(n, seed)
    paths = {"wikidata": out / "wikidata.json.gz", "en": out / "enwiki-pages-articles.xml.bz2", "zh": out / "zhwiki-pages-articles.xml.bz2"}
    corpus.write_wikidata(paths["wikidata"])
    corpus.write_wikipedia(paths["en"], "en")
    corpus.write_wikipedia(paths["zh"], "zh")
    return paths


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    paths = write_corpus(int(argv[0]), Path(argv[1]))
    for p in paths.values():
        print(f"wrote {p} ({p.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
