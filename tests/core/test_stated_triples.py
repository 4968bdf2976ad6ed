"""Every rule that keeps unstated triples out, each on a small literal EN and ZH text.

Each test asserts the rule's reason on the triple (or mention) it is about and that the stated
triple beside it stays, so a rule that drops too much fails as surely as one that drops nothing.
"""

import polars as pl
import pytest

from instructie_assets.config import FilterConfig
from instructie_assets.core.articles import PARAGRAPH_SCHEMA
from instructie_assets.core.dataset_card import card_markdown
from instructie_assets.core.disambiguation import resolve_mentions
from instructie_assets.core.drop_reasons import MENTION_DROP_REASONS, TRIPLE_DROP_REASONS
from instructie_assets.core.filtering import DROP_REASONS, FilterOptions, drop_counts, filter_triples
from instructie_assets.core.matching import match_triples
from instructie_assets.core.mentions import find_mentions
from instructie_assets.core.nli import nli_premise
from instructie_assets.core.relation_cues import HEAD, MENTION, TAIL, CueError, load_relation_cues, mask_sentence, parse_relation_cues
from instructie_assets.core.schemas import SchemaError, load_project_config, parse_theme_schema
from instructie_assets.core.sentences import split_sentences
from instructie_assets.paths import RESOURCE_DIR, SCHEMA_DIR
from tests.conftest import entity

CONFIG = load_project_config(SCHEMA_DIR, RESOURCE_DIR)
WORLD = [
    entity("Q5", en=["human"], zh=["人类"]),
    entity("Q515", en=["city"], zh=["城市"], claims={"P279": ["Q486972"]}),
    entity("Q486972", en=["human settlement"], zh=["人类聚居地"]),
    entity("Q6256", en=["country"], zh=["国家"]),
    entity("Q28640", en=["profession"], zh=["职业"]),
    entity("Q6581097", en=["male"], zh=["男性"]),
    entity("Q6581072", en=["female"], zh=["女性"]),
    entity("Q36180", en=["writer", "author"], zh=["作家"], claims={"P31": ["Q28640"]}),
    entity("Q6625963", en=["novelist"], zh=["小说家"], claims={"P31": ["Q28640"]}),
    entity("Q145", en=["United Kingdom"], zh=["英国"], sites={"enwiki": "United Kingdom", "zhwiki": "英国"}, claims={"P31": ["Q6256"]}),
    entity("Q142", en=["France"], zh=["法国"], sites={"enwiki": "France", "zhwiki": "法国"}, claims={"P31": ["Q6256"]}),
    entity("Q41", en=["Greece"], zh=["希腊"], sites={"enwiki": "Greece", "zhwiki": "希腊"}, claims={"P31": ["Q6256"]}),
    entity("Q350", en=["Cambridge"], zh=["剑桥"], sites={"enwiki": "Cambridge", "zhwiki": "剑桥"}, claims={"P31": ["Q515"], "P17": ["Q145"]}),
    entity("Q35794", en=["University of Cambridge"], zh=["剑桥大学"], sites={"enwiki": "University of Cambridge"}, claims={"P131": ["Q350"]}),
    entity("Q90", en=["Paris"], zh=["巴黎"], sites={"enwiki": "Paris", "zhwiki": "巴黎"}, claims={"P31": ["Q515"], "P17": ["Q142"]}),
    entity("Q4000", en=["county"], zh=["郡"], claims={"P31": ["Q515"]}),
    # Julia Kristeva, her husband, and the university of a press
    entity("Q159876", en=["Julia Kristeva"], zh=["朱莉娅·克里斯蒂娃"], sites={"enwiki": "Julia Kristeva", "zhwiki": "朱莉娅·克里斯蒂娃"},
           claims={"P31": ["Q5"], "P21": ["Q6581072"], "P106": ["Q6625963", "Q36180"], "P26": ["Q12345"], "P27": ["Q142"],
                   "P19": ["Q90"], "P108": ["Q49088"], "P69": ["Q35794"], "P569": ["+1941-06-24T00:00:00Z/11"]}),
    entity("Q12345", en=["Philippe Sollers"], zh=["菲利普·索莱尔斯"], sites={"enwiki": "Philippe Sollers", "zhwiki": "菲利普·索莱尔斯"},
           claims={"P31": ["Q5"], "P21": ["Q6581097"], "P106": ["Q6625963"], "P26": ["Q159876"]}),
    entity("Q49088", en=["Columbia University"], zh=["哥伦比亚大学"], sites={"enwiki": "Columbia University", "zhwiki": "哥伦比亚大学"},
           claims={"P31": ["Q3918"]}),
    entity("Q3918", en=["university"], zh=["大学"], claims={"P279": ["Q43229"]}),
    entity("Q43229", en=["organization"], zh=["组织"]),
    # a town with a population, a county and a height
    entity("Q3957", en=["town"], zh=["镇"], claims={"P279": ["Q486972"]}),
    entity("Q11573", en=["metre"], zh=["米"]),
    entity("Q174728", en=[], zh=[]),  # a unit with no label in either language
    entity("Q12518", en=["tower"], zh=["塔"], claims={"P279": ["Q811979"]}),
    entity("Q811979", en=["architectural structure"], zh=["建筑结构"]),
    entity("Q243", en=["Eiffel Tower"], zh=["埃菲尔铁塔"], sites={"enwiki": "Eiffel Tower", "zhwiki": "埃菲尔铁塔"},
           claims={"P31": ["Q12518"], "P131": ["Q90"], "P2048": ["+330 Q11573"], "P2049": ["+125 Q174728"],
                   "P571": ["+1887-01-28T00:00:00Z/11"]}),
    entity("Q1000", en=["Bodmin"], zh=["博德明"], sites={"enwiki": "Bodmin", "zhwiki": "博德明"},
           claims={"P31": ["Q3957"], "P131": ["Q4000"], "P17": ["Q145"]}),
]


def paragraph(text, anchors=(), language="en", title="Julia Kristeva", qid="Q159876", bold=(), section=0, theme="person"):
    found = []
    for surface, target in anchors:
        start = text.index(surface)
        found.append({"start": start, "end": start + len(surface), "text": surface, "target": target})
    spans = [{"start": text.index(b), "end": text.index(b) + len(b)} for b in bold]
    return pl.DataFrame(
        [(f"{language}:1:{section}", f"{language}:1", qid, title, section, text, len(text.split()), found, spans, section, theme, language)],
        schema=PARAGRAPH_SCHEMA, orient="row",
    )


def run(store, paras, language="en", theme="person", options=FilterOptions(), cues=CONFIG.relation_cues):
    mentions = find_mentions(paras, store, language)
    resolved = resolve_mentions(mentions, paras, store, CONFIG.taxonomy, language)
    candidates = match_triples(resolved, paras, store, CONFIG.schemas[theme], CONFIG.relation_map, language, cues)
    return mentions, candidates, filter_triples(candidates, CONFIG.schemas[theme], language, options=options)


def reasons(filtered):
    return {(r["head"], r["relation_label"], r["tail"]): r["drop_reason"] for r in filtered.to_dicts()}


def mention_reasons(mentions):
    return {(m["surface"], m["start"]): m["drop_reason"] for m in mentions.to_dicts()}


@pytest.fixture
def store(make_store):
    return make_store(WORLD)


# --- sentences ---------------------------------------------------------------------------------------

def test_sentences_keep_abbreviations_and_initials_whole():
    text = ("St. Petroc's Infant School was founded in 1840 by Dr. J. R. Smith, who lived in the U.S. for a while. "
            "He died in 1902. Mr. Sollers was an editor.")
    sentences = [text[s:e] for s, e in split_sentences(text, "en")]
    assert sentences == ["St. Petroc's Infant School was founded in 1840 by Dr. J. R. Smith, who lived in the U.S. for a while.",
                         "He died in 1902.", "Mr. Sollers was an editor."]


def test_zh_sentences_end_at_full_width_stops_and_semicolons():
    text = "他出生于剑桥；后来移居伦敦。她说：“我很好。”J.K. 罗琳高330米。1889年建成"
    assert [text[s:e] for s, e in split_sentences(text, "zh")] == ["他出生于剑桥；", "后来移居伦敦。", "她说：“我很好。”", "J.K. 罗琳高330米。", "1889年建成"]


# --- mention rules -------------------------------------------------------------------------------------

def test_inside_name_en_and_zh(store):
    text = "Julia Kristeva taught at Columbia University. Columbia University Press published her books."
    mentions, _, filtered = run(store, paragraph(text))
    tags = mention_reasons(mentions)
    assert tags[("Columbia University", 25)] is None
    assert tags[("Columbia University", text.rindex("Columbia University"))] == "inside_name"
    zh = "朱莉娅·克里斯蒂娃在哥伦比亚大学出版社出版了著作。"
    mentions, _, filtered = run(store, paragraph(zh, language="zh", title="朱莉娅·克里斯蒂娃"), "zh")
    assert reasons(filtered)[("朱莉娅·克里斯蒂娃", "所属组织", "哥伦比亚大学")] == "inside_name"
    zh = "朱莉娅·克里斯蒂娃曾在哥伦比亚大学任教。"
    assert reasons(run(store, paragraph(zh, language="zh", title="朱莉娅·克里斯蒂娃"), "zh")[2])[("朱莉娅·克里斯蒂娃", "所属组织", "哥伦比亚大学")] is None


def test_a_surname_inside_another_persons_name_is_not_the_subject(store):
    text = "Julia Kristeva married in Paris. Their friend Marc Kristeva was born in Cambridge."
    mentions, _, filtered = run(store, paragraph(text))
    assert mention_reasons(mentions)[("Kristeva", text.rindex("Kristeva"))] == "inside_name"
    assert ("Julia Kristeva", "place of birth", "Cambridge") not in {k for k, v in reasons(filtered).items() if v is None}
    zh = "朱莉娅·克里斯蒂娃在巴黎结婚。她的朋友马克·克里斯蒂娃出生于剑桥。"
    mentions, _, filtered = run(store, paragraph(zh, language="zh", title="朱莉娅·克里斯蒂娃"), "zh")
    assert mention_reasons(mentions)[("克里斯蒂娃", zh.rindex("克里斯蒂娃"))] == "inside_name"


def test_bold_only_in_the_lead_and_only_as_the_subjects_name(store):
    text = "Other books on Julia Kristeva: a study of her work in Paris."
    out = find_mentions(paragraph(text, bold=["Other books on Julia Kristeva:"], section=2), store, "en")
    assert ("Other books on Julia Kristeva:", 0) not in {k for k, v in mention_reasons(out).items() if v is None}
    lead = find_mentions(paragraph("Julia Joyaux Kristeva is a writer born in Paris.", bold=["Julia Joyaux Kristeva"]), store, "en")
    assert mention_reasons(lead)[("Julia Joyaux Kristeva", 0)] is None
    other = find_mentions(paragraph("The Semiotic is a term of Julia Kristeva.", bold=["The Semiotic"]), store, "en")
    assert mention_reasons(other)[("The Semiotic", 0)] == "bold_not_subject"
    zh = find_mentions(paragraph("符号学是朱莉娅·克里斯蒂娃的术语。", language="zh", title="朱莉娅·克里斯蒂娃", bold=["符号学"]), store, "zh")
    assert mention_reasons(zh)[("符号学", 0)] == "bold_not_subject"
    zh_lead = find_mentions(paragraph("朱莉娅·约亚克里斯蒂娃是作家。", language="zh", title="朱莉娅·克里斯蒂娃", bold=["朱莉娅·约亚克里斯蒂娃"]), store, "zh")
    assert mention_reasons(zh_lead)[("朱莉娅·约亚克里斯蒂娃", 0)] is None


def test_en_common_nouns_never_reach_class_items_but_professions_do(store):
    text = "Bodmin is a town in the county of Cornwall, in the United Kingdom, where the writer lived."
    mentions, _, filtered = run(store, paragraph(text, [("United Kingdom", "United Kingdom")], title="Bodmin", qid="Q1000",
                                                 theme="geographic_location"), theme="geographic_location")
    tags = mention_reasons(mentions)
    assert tags[("county", text.index("county"))] == "common_noun"
    got = reasons(filtered)
    assert got[("Bodmin", "located in", "county")] == "common_noun"
    assert got[("Bodmin", "located in", "United Kingdom")] is None
    people = run(store, paragraph("Julia Kristeva is a French novelist and writer.", [("French", "France")]))[2]
    assert reasons(people)[("Julia Kristeva", "occupation", "novelist")] is None  # a profession is written as a common noun
    zh = "博德明是位于郡的镇。"  # no capitals in ZH: the rule is EN-only
    zh_mentions = find_mentions(paragraph(zh, language="zh", title="博德明", qid="Q1000", theme="geographic_location"), store, "zh")
    assert mention_reasons(zh_mentions)[("郡", zh.index("郡"))] is None


def test_a_demonym_link_is_not_repeated_as_its_country(store):
    text = "Julia Kristeva sang a [[Greek]] song in Paris. Later it was sung in Greek in Greece."
    text = text.replace("[[Greek]]", "Greek")
    mentions, _, filtered = run(store, paragraph(text, [("Greek", "Greece"), ("Greece", "Greece")]))
    tags = mention_reasons(mentions)
    assert tags[("Greek", text.rindex("Greek"))] == "anchor_not_name"
    zh = "朱莉娅·克里斯蒂娃唱了一首希腊语歌曲。后来她用希腊语演唱。"
    mentions = find_mentions(paragraph(zh, [("希腊语", "希腊")], language="zh", title="朱莉娅·克里斯蒂娃"), store, "zh")
    second = zh.index("后来")
    # neither the link's text nor the country's name inside it stands for Greece in the second sentence
    assert not [m for m in mentions.to_dicts() if m["start"] >= second and m["drop_reason"] is None and m["candidate_qids"] == ["Q41"]]
    assert {m["drop_reason"] for m in mentions.to_dicts() if m["start"] >= second} <= {"anchor_not_name", "inside_name"}


def test_longest_match_wins_across_sources(store):
    for language, text, title, longer, inner, cambridge in [
        ("en", "Julia Kristeva visited Cambridge and studied at the University of Cambridge.", "Julia Kristeva",
         "University of Cambridge", "Cambridge", "Cambridge"),
        ("zh", "朱莉娅·克里斯蒂娃访问了剑桥，并在剑桥大学学习。", "朱莉娅·克里斯蒂娃", "剑桥大学", "剑桥", "剑桥"),
    ]:
        mentions = find_mentions(paragraph(text, [(cambridge, cambridge)], language=language, title=title), store, language)
        kept = [(m["surface"], m["start"], m["mention_source"]) for m in mentions.to_dicts() if m["drop_reason"] is None]
        start = text.index(longer)
        assert (longer, start, "gazetteer") in kept  # the neighbour's longer label beats the repeat of the link inside it
        assert (inner, start + (len(longer) - len(inner) if language == "en" else 0), "repeat") not in kept


# --- value rules ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("language,text,written,title", [
    ("en", "Julia Kristeva, born in 1941 in Paris, is a writer. She was born on 24 June 1941.", "24 June 1941", "Julia Kristeva"),
    ("zh", "朱莉娅·克里斯蒂娃1941年生于巴黎。她生于1941年6月24日。", "1941年6月24日", "朱莉娅·克里斯蒂娃"),
])
def test_a_day_precise_date_needs_its_day(store, language, text, written, title):
    _, _, filtered = run(store, paragraph(text, language=language, title=title), language)
    births = filtered.filter(pl.col("property") == "P569")
    assert births["tail"].to_list() == [written] and births["drop_reason"].to_list() == [None]
    year_only = text.split("。")[0] + "。" if language == "zh" else text.split(". ")[0] + "."
    # (the rule alone: a date cue, "born in 1941", would tie the year to the birth)
    _, _, filtered = run(store, paragraph(year_only, language=language, title=title), language, options=FilterOptions(date_cues=False))
    assert filtered.filter(pl.col("property") == "P569")["drop_reason"].to_list() == ["value_precision"]
    kept = filter_triples(run(store, paragraph(year_only, language=language, title=title), language)[1], CONFIG.schemas["person"], language,
                          options=FilterOptions(coarsest_date="year"))
    assert kept.filter(pl.col("property") == "P569")["drop_reason"].to_list() == [None]


@pytest.mark.parametrize("language,text", [
    ("en", "The Eiffel Tower is 330 metres tall and 125 wide."),
    ("zh", "埃菲尔铁塔高330米，宽125。"),
])
def test_a_quantity_needs_its_unit(store, language, text):
    title = "Eiffel Tower" if language == "en" else "埃菲尔铁塔"
    _, _, filtered = run(store, paragraph(text, language=language, title=title, qid="Q243", theme="building"), language, "building")
    by_property = {r["property"]: r["drop_reason"] for r in filtered.to_dicts()}
    assert by_property["P2048"] is None  # 330 metres / 330米
    assert by_property["P2049"] == "value_unit"  # 125 of a unit the text does not write
    lenient = filter_triples(run(store, paragraph(text, language=language, title=title, qid="Q243", theme="building"), language, "building")[1],
                             CONFIG.schemas["building"], language, options=FilterOptions(quantity_needs_unit=False))
    assert {r["property"]: r["drop_reason"] for r in lenient.to_dicts()}["P2049"] is None


# --- evidence ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("language,text,title,pair", [
    ("en", "Julia Kristeva is a writer. The city of Paris is large.", "Julia Kristeva", ("Julia Kristeva", "place of birth", "Paris")),
    ("zh", "朱莉娅·克里斯蒂娃是作家。巴黎是一座大城市。", "朱莉娅·克里斯蒂娃", ("朱莉娅·克里斯蒂娃", "出生地点", "巴黎")),
])
def test_head_and_tail_in_one_sentence(store, language, text, title, pair):
    _, candidates, filtered = run(store, paragraph(text, language=language, title=title), language)
    assert reasons(filtered)[pair] == "evidence"
    row = filtered.filter(pl.col("property") == "P19").row(0, named=True)
    assert row["evidence_kind"] == "paragraph" and (row["evidence_start"], row["evidence_end"]) == (0, len(text))
    wide = filter_triples(candidates, CONFIG.schemas["person"], language, options=FilterOptions(evidence="paragraph"))
    assert reasons(wide)[pair] is None


@pytest.mark.parametrize("language,text,title,stated,other", [
    ("en", "Julia Kristeva is a writer. She was born in Paris. He was born in Cambridge.", "Julia Kristeva",
     ("Julia Kristeva", "place of birth", "Paris"), "Cambridge"),
    ("zh", "朱莉娅·克里斯蒂娃是作家。她出生于巴黎。他出生于剑桥。", "朱莉娅·克里斯蒂娃",
     ("朱莉娅·克里斯蒂娃", "出生地点", "巴黎"), "剑桥"),
])
def test_the_subject_as_a_pronoun_of_its_gender(make_store, language, text, title, stated, other):
    world = [e for e in WORLD if e["id"] != "Q159876"] + [entity(
        "Q159876", en=["Julia Kristeva"], zh=["朱莉娅·克里斯蒂娃"], sites={"enwiki": "Julia Kristeva", "zhwiki": "朱莉娅·克里斯蒂娃"},
        claims={"P31": ["Q5"], "P21": ["Q6581072"], "P19": ["Q90", "Q350"]})]
    store = make_store(world)
    _, _, filtered = run(store, paragraph(text, language=language, title=title), language)
    got = {(r["head"], r["relation_label"], r["tail"]): (r["drop_reason"], r["evidence_kind"]) for r in filtered.to_dicts()}
    assert got[stated] == (None, "subject_reference")
    assert got[(stated[0], stated[1], other)] == ("evidence", "paragraph")  # "He" is not her
    off = filter_triples(run(store, paragraph(text, language=language, title=title), language)[1], CONFIG.schemas["person"], language,
                         options=FilterOptions(subject_reference=False))
    assert reasons(off)[stated] == "evidence"


@pytest.mark.parametrize("language,text,title", [
    ("en", "The Eiffel Tower stands in Paris. The tower is 330 metres tall.", "Eiffel Tower"),
    ("zh", "埃菲尔铁塔位于巴黎。该塔高330米。", "埃菲尔铁塔"),
])
def test_the_subject_as_a_description(store, language, text, title):
    _, _, filtered = run(store, paragraph(text, language=language, title=title, qid="Q243", theme="building"), language, "building")
    height = filtered.filter(pl.col("property") == "P2048").row(0, named=True)
    assert (height["drop_reason"], height["evidence_kind"]) == (None, "subject_reference")
    assert text[height["evidence_start"]:height["evidence_end"]] == text.split(". ")[1] if language == "en" else "该塔高330米。"


@pytest.mark.parametrize("language,text,title", [
    ("en", "In 1967 Julia Kristeva married the novelist Philippe Sollers in Paris.", "Julia Kristeva"),
    ("zh", "1967年朱莉娅·克里斯蒂娃嫁给了小说家菲利普·索莱尔斯。", "朱莉娅·克里斯蒂娃"),
])
def test_a_noun_before_a_name_describes_that_name(store, language, text, title):
    anchors = [("Philippe Sollers", "Philippe Sollers")] if language == "en" else [("菲利普·索莱尔斯", "菲利普·索莱尔斯")]
    _, _, filtered = run(store, paragraph(text, anchors, language=language, title=title), language)
    got = reasons(filtered)
    novelist = "novelist" if language == "en" else "小说家"
    occupation = "occupation" if language == "en" else "职业"
    sollers = anchors[0][0]
    assert got[(title, occupation, novelist)] == "apposition"
    assert got[(sollers, occupation, novelist)] is None
    assert got[(title, "spouse" if language == "en" else "配偶", sollers)] is None


PARIS_PARTS = [e for e in WORLD if e["id"] != "Q90"] + [
    entity("Q90", en=["Paris"], zh=["巴黎"], sites={"enwiki": "Paris", "zhwiki": "巴黎"}, claims={"P31": ["Q515"], "P17": ["Q142"]}),
    entity("Q2001", en=["Montmartre"], zh=["蒙马特"], sites={"enwiki": "Montmartre", "zhwiki": "蒙马特"}, claims={"P31": ["Q3957"], "P131": ["Q90"]}),
    entity("Q2002", en=["Le Marais"], zh=["玛黑"], sites={"enwiki": "Le Marais", "zhwiki": "玛黑"}, claims={"P31": ["Q3957"], "P131": ["Q90"]}),
    entity("Q2003", en=["Lyon"], zh=["里昂"], sites={"enwiki": "Lyon", "zhwiki": "里昂"}, claims={"P31": ["Q515"]}),
]


def located_in_paris(store, text, language, options=FilterOptions()):
    """(drop reason, evidence kind, cue) of "Montmartre located in Paris" in a paragraph of the article Paris."""
    anchors = [(n, n) for n in (("Montmartre", "Le Marais", "Lyon") if language == "en" else ("蒙马特", "玛黑", "里昂")) if n in text]
    paras = paragraph(text, anchors, language=language, title="Paris" if language == "en" else "巴黎", qid="Q90", theme="geographic_location")
    _, _, filtered = run(store, paras, language, "geographic_location", options)
    row = filtered.filter((pl.col("property") == "P131") & (pl.col("head_qid") == "Q2001")).row(0, named=True)
    return row["drop_reason"], row["evidence_kind"], row["relation_cue"]


@pytest.mark.parametrize("language,listed,unlisted,elsewhere", [
    ("en", "Paris is large. Famous neighbourhoods include Montmartre and Le Marais.",
     "Paris is large. Famous parks include Montmartre and Le Marais.",                # no word for parts of a place
     "Paris is large. Old villages such as Montmartre and Le Marais in Lyon grew."),  # the list is Lyon's
    ("zh", "巴黎是法国首都。下辖蒙马特、玛黑等区。",
     "巴黎是法国首都。著名的公园有蒙马特、玛黑。",
     "巴黎是法国首都。里昂下辖蒙马特、玛黑等区。"),
])
def test_a_list_of_the_parts_of_the_place_named_before(make_store, language, listed, unlisted, elsewhere):
    store = make_store(PARIS_PARTS)
    assert located_in_paris(store, listed, language) == (None, "part_list", f"located in/{language}/part_list")
    assert located_in_paris(store, unlisted, language)[0] == "evidence"
    assert located_in_paris(store, elsewhere, language)[0] in ("evidence", "no_relation_cue")
    assert located_in_paris(store, listed, language, FilterOptions(part_lists=False))[0] == "evidence"


def test_a_list_within_the_place_the_paragraph_is_about(make_store):
    store = make_store(PARIS_PARTS)
    text = "Paris is large. Industry moved out to the suburbs; but also within the present {}: Montmartre and Le Marais."
    assert located_in_paris(store, text.format("city"), "en") == (None, "part_list", "located in/en/within_the_place")
    assert located_in_paris(store, text.format("decade"), "en")[0] == "evidence"  # no place: a list of something else


def test_a_part_list_needs_its_place_named_in_the_sentence_before_or_as_the_subject(make_store):
    store = make_store(PARIS_PARTS)
    # Lyon is named last before the list: the list is not of Paris's parts
    assert located_in_paris(store, "Paris is large. Lyon is old. Famous neighbourhoods include Montmartre and Le Marais.", "en")[0] == "evidence"
    # the article's subject, with nothing named since, may stand further back
    assert located_in_paris(store, "Paris is large. It grew. Famous neighbourhoods include Montmartre and Le Marais.", "en")[:2] == (None, "part_list")


@pytest.mark.parametrize("language,merged,unmerged", [
    ("en", "Paris is large. The old villages of Montmartre and Le Marais grew. In 1860 these villages were merged into Paris.",
     "Paris is large. The old villages of Montmartre and Le Marais grew. In 1860 these villages were poor, unlike Paris."),
    ("zh", "巴黎是法国首都。蒙马特、玛黑等村历史悠久。1860年，这些村并入巴黎。",
     "巴黎是法国首都。蒙马特、玛黑等村历史悠久。1860年，这些村比巴黎穷。"),
])
def test_a_list_of_parts_taken_up_again_as_merged_into_the_place(make_store, language, merged, unmerged):
    store = make_store(PARIS_PARTS)
    assert located_in_paris(store, merged, language) == (None, "part_list", f"located in/{language}/merged_into")
    assert located_in_paris(store, unmerged, language)[0] == "evidence"


@pytest.mark.parametrize("language,text,kind", [
    ("en", "Paris is large. Tourists see the city's northern district of Montmartre.", "subject_reference"),
    ("zh", "巴黎是法国首都。全市下辖蒙马特、玛黑等区。", "subject_reference"),
])
def test_the_subject_as_a_possessive_or_the_whole_of_it(make_store, language, text, kind):
    store = make_store(PARIS_PARTS)
    no_lists = FilterOptions(part_lists=False)
    reason, evidence, cue = located_in_paris(store, text, language, no_lists)
    assert (reason, evidence) == (None, kind) and cue is not None
    unreferenced = text.replace("the city's", "a") if language == "en" else text.replace("全市", "全省")  # a province is not Paris
    assert located_in_paris(store, unreferenced, language, no_lists)[0] == "evidence"


# --- relation cues -------------------------------------------------------------------------------------

# The mechanism on a literal cue per language (the project's own cues live in resources/relation_cues.yaml).
LITERAL_CUES = parse_relation_cues({
    "macros": {"en": {"in": r"(?:in|within)"}},
    "linking": {"located in": {"en": {"in": r"{head} is a {mention}? ?town {in} the {tail}"}, "zh": {"weiyu": "{head}是位于{tail}"}}},
}, "literal")


@pytest.mark.parametrize("language,stated,unstated,title,uk", [
    ("en", "Bodmin is a town in the United Kingdom.", "Bodmin sent soldiers, and the United Kingdom paid them.", "Bodmin", "United Kingdom"),
    ("zh", "博德明是位于英国的镇。", "博德明派出士兵，英国付钱。", "博德明", "英国"),
])
def test_a_linking_relation_needs_its_cue(store, language, stated, unstated, title, uk):
    def located(text, cues=LITERAL_CUES, options=FilterOptions()):
        paras = paragraph(text, [(uk, uk)], language=language, title=title, qid="Q1000", theme="geographic_location")
        _, _, filtered = run(store, paras, language, "geographic_location", options, cues)
        return filtered.filter(pl.col("property") == "P17").row(0, named=True)

    row = located(stated)
    assert (row["drop_reason"], row["relation_cue"]) == (None, f"located in/{language}/{'in' if language == 'en' else 'weiyu'}")
    row = located(unstated)
    assert (row["drop_reason"], row["relation_cue"], row["cue_required"]) == ("no_relation_cue", None, True)
    assert located(unstated, options=FilterOptions(relation_cues=False))["drop_reason"] is None
    assert located(unstated, cues=parse_relation_cues({"linking": {}}, "none"))["drop_reason"] is None  # not listed: co-mention


def test_the_project_cues_read_how_en_writes_a_place_and_a_citizenship(store):
    geo = {"title": "Bodmin", "qid": "Q1000", "theme": "geographic_location"}
    for text, reason in [
        ("Bodmin is a civil parish and historic town in the United Kingdom.", None),
        ("Bodmin, United Kingdom, has a moor.", None),
        ("Bodmin sent soldiers to the United Kingdom and Cornwall.", "no_relation_cue"),
        ("The lower classes of the United Kingdom and Bodmin were poor.", "no_relation_cue"),
        ("By 1900 Bodmin had surpassed Truro as the United Kingdom's most populous town.", None),
        ("Bodmin grew as a major destination for immigrants to the United Kingdom.", None),
        ("Bodmin sent immigrants to the United Kingdom.", "no_relation_cue"),
        ("The parliament of the United Kingdom consists of two houses known respectively as Bodmin and Truro.", None),
        ("The United Kingdom consists of many counties, unlike Bodmin.", "no_relation_cue"),
        ("The United Kingdom comprises the towns of Bodmin and Truro.", None),                # a word for its parts, then the list
        ("The United Kingdom is divided into 2 wards: Bodmin and Truro.", None),
        ("The United Kingdom comprises the parks of Bodmin.", "no_relation_cue"),             # parks are no parts of a place
        ("The cost of living in Bodmin was ranked highest in the United Kingdom As of 2011.", None),  # {{As of}} names nothing
        ("The cost of living in Bodmin was ranked highest in the United Kingdom Malting Company.", "no_relation_cue"),
    ]:
        _, _, filtered = run(store, paragraph(text, [("United Kingdom", "United Kingdom")], **geo), theme="geographic_location")
        assert filtered.filter(pl.col("property") == "P17")["drop_reason"].to_list() == [reason], text
    for text, reason in [
        ("Julia Kristeva is a French writer.", None),                      # a demonym before her description
        ("Julia Kristeva moved to France in 1966.", "no_relation_cue"),    # moving is no citizenship
        ("Julia Kristeva is a French-born writer.", "no_relation_cue"),    # nor being born there
    ]:
        anchor = "French" if "French" in text else "France"
        _, _, filtered = run(store, paragraph(text, [(anchor, "France")]))
        assert filtered.filter(pl.col("property") == "P27")["drop_reason"].to_list() == [reason], text


def test_a_pronoun_subject_takes_the_heads_place_in_a_cue(store):
    text = "Bodmin has a moor. It is a town in the United Kingdom."
    _, _, filtered = run(store, paragraph(text, [("United Kingdom", "United Kingdom")], title="Bodmin", qid="Q1000",
                                          theme="geographic_location"), theme="geographic_location", cues=LITERAL_CUES)
    row = filtered.filter(pl.col("property") == "P17").row(0, named=True)
    assert (row["drop_reason"], row["evidence_kind"], row["relation_cue"]) == (None, "subject_reference", "located in/en/in")


@pytest.mark.parametrize("text,reason", [
    ("Bodmin has a moor. In 1900, it was a town in the United Kingdom.", None),
    ("Bodmin has a moor. The town is old, and it is in the United Kingdom.", None),       # its own description opens it
    ("Bodmin has a moor. The town's market is old, and it is in the United Kingdom.", None),
    ("Bodmin has a moor. The moor is a park; it is in the United Kingdom.", "evidence"),  # "it" is the moor
])
def test_a_later_clauses_it_is_the_thing_the_sentence_opens_with(store, text, reason):
    _, _, filtered = run(store, paragraph(text, [("United Kingdom", "United Kingdom")], title="Bodmin", qid="Q1000",
                                          theme="geographic_location"), theme="geographic_location")
    assert filtered.filter(pl.col("property") == "P17")["drop_reason"].to_list() == [reason]


def test_mask_sentence_marks_head_tail_and_other_mentions():
    text = "Intro. Bodmin is a town in Cornwall, UK."
    s = text.index("Bodmin")
    masked = mask_sentence(text, s, len(text), [(s, s + 6, HEAD), (text.index("Cornwall"), text.index("Cornwall") + 8, TAIL),
                                                (s, s + 9, MENTION), (text.index("UK"), text.index("UK") + 2, MENTION)])
    assert masked == f"{HEAD} is a town in {TAIL}, {MENTION}."  # the overlapping mention gives way to the head
    assert mask_sentence(text, s, len(text), [(s, s, HEAD)]) == f"{HEAD}Bodmin is a town in Cornwall, UK."


@pytest.mark.parametrize("raw,message", [
    ({"linking": {"located in": {"en": {"broken": "{head} in ({tail}"}}}}, "linking.located in.en.broken: not a valid regular expression"),
    ({"linking": {"located in": {"en": {"typo": "{head} in {tial}"}}}}, "linking.located in.en.typo: unknown placeholder {tial}"),
    ({"linking": {"locatd in": {"en": {"in": "{head} in {tail}"}}}}, "linking.locatd in: `locatd in` is no relation"),
    ({"linking": {"located in": {"fr": {"in": "{head} à {tail}"}}}}, "linking.located in: expected `en` and/or `zh`"),
    ({"linking": {"located in": {"en": {"empty": ""}}}}, "linking.located in.en.empty: a cue must be a non-empty string"),
    ({"macros": {"en": {"head": "x"}}}, "macros.en.head: a macro name is a lowercase identifier"),
    ({"cues": {}}, "unknown key(s) cues"),
])
def test_a_bad_cue_file_names_the_file_and_the_cue(tmp_path, raw, message):
    import yaml
    path = tmp_path / "relation_cues.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CueError) as err:
        load_relation_cues(path, {"located in"})
    assert str(err.value).startswith(f"{path}: ") and message in str(err.value)
    path.write_text("linking: [unclosed", encoding="utf-8")
    with pytest.raises(CueError, match="not valid YAML"):
        load_relation_cues(path)
    with pytest.raises(SchemaError, match="relation_cues.yaml"):  # the project's loader names it too
        import shutil
        resources = tmp_path / "resources"
        shutil.copytree(RESOURCE_DIR, resources)
        (resources / "relation_cues.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        load_project_config(SCHEMA_DIR, resources)


def test_the_project_cue_file_loads_and_lists_the_linking_relations():
    assert {"located in", "capital", "country of citizenship", "country of origin", "publisher", "parent"} <= CONFIG.relation_cues.relations()
    assert CONFIG.relation_cues.required("located in", "en") and not CONFIG.relation_cues.required("occupation", "en")


def test_a_date_cue_lets_a_year_stand_only_when_on(store):
    text = "Julia Kristeva, born in 1941 in Paris, is a writer."
    _, candidates, filtered = run(store, paragraph(text), options=FilterOptions(date_cues=False))
    row = filtered.filter(pl.col("property") == "P569").row(0, named=True)
    assert (row["drop_reason"], row["relation_cue"]) == ("value_precision", "date of birth/en/event_of_head")
    cued = filter_triples(candidates, CONFIG.schemas["person"], "en", options=FilterOptions(date_cues=True))
    assert cued.filter(pl.col("property") == "P569")["drop_reason"].to_list() == [None]
    other_event = "Julia Kristeva, a writer, gave a lecture in 1941 in Paris."
    _, candidates, _ = run(store, paragraph(other_event))
    cued = filter_triples(candidates, CONFIG.schemas["person"], "en", options=FilterOptions(date_cues=True))
    assert cued.filter(pl.col("property") == "P569")["drop_reason"].to_list() == ["value_precision"]


# --- relation mappings -----------------------------------------------------------------------------------

def test_place_of_death_and_burial_place_are_not_one_fact():
    person = CONFIG.schemas["person"]
    assert CONFIG.relation_map.label("P20", person, "en") == ("place of death", False)
    assert CONFIG.relation_map.label("P119", person, "en") == ("burial place", False)  # not in the EN schema: dropped
    assert CONFIG.relation_map.label("P119", person, "zh") == ("place of death", False)  # published ZH name: 墓地
    assert person.relation("place of death").name("zh") == "墓地"
    assert CONFIG.relation_map.label("P1619", CONFIG.schemas["building"], "en")[0] != "creation time"
    assert CONFIG.relation_map.label("P577", CONFIG.schemas["artificial_object"], "en")[0] != "production date"


def test_per_language_properties_are_validated():
    text = """theme: person
name: {en: Person, zh: 人物}
cate: {en: Person, zh: 人物}
relations:
- name: {en: place of death, zh: 墓地}
  properties: {en: [P20]}
  head_types: [human]
  tail_types: [geographic_region]
"""
    with pytest.raises(SchemaError, match="per-language"):
        parse_theme_schema(text, "theme_schemas/person.yaml", set(CONFIG.taxonomy.keys))
    ok = parse_theme_schema(text.replace("{en: [P20]}", "{en: [P20], zh: [P119]}"), "theme_schemas/person.yaml", set(CONFIG.taxonomy.keys))
    assert ok.relation("place of death").properties_for("zh") == ("P119",)


# --- one list of reasons -----------------------------------------------------------------------------

def test_one_list_of_drop_reasons_everywhere():
    assert set(MENTION_DROP_REASONS) < set(TRIPLE_DROP_REASONS) and DROP_REASONS == tuple(TRIPLE_DROP_REASONS)
    counts = drop_counts(pl.DataFrame({"drop_reason": [None, "evidence", "inside_name"]}))
    assert counts == {**{f"dropped_{r}": 0 for r in TRIPLE_DROP_REASONS}, "dropped_evidence": 1, "dropped_inside_name": 1, "kept": 1}
    card = card_markdown({}, {}, {"en": []}, {"en": {"evidence": 3, "kept": 2}}, [], {})
    assert "| language | " + " | ".join([*TRIPLE_DROP_REASONS, "kept"]) + " |" in card
    row = ["3" if r == "evidence" else "0" for r in TRIPLE_DROP_REASONS] + ["2"]
    assert "| en | " + " | ".join(row) + " |" in card
    assert all(f"`{r}`" in card for r in TRIPLE_DROP_REASONS)


def test_filter_config_carries_every_filter_option():
    assert FilterConfig().options() == FilterOptions()
    assert FilterConfig(evidence="paragraph", coarsest_date="month").options().evidence == "paragraph"


def test_nli_premise_is_the_evidence_sentence_with_the_named_subject():
    text = "Julia Kristeva is a writer. She was born in Paris. She taught in New York."
    row = {"evidence_start": 28, "evidence_end": 50, "head_start": 0, "tail_start": 44}
    assert nli_premise(row, text, "en") == "Julia Kristeva is a writer. She was born in Paris."
    assert nli_premise(row, text, "en", "paragraph") == text
    zh = "朱莉娅·克里斯蒂娃是作家。她出生于巴黎。"
    assert nli_premise({"evidence_start": 13, "evidence_end": 20, "head_start": 0, "tail_start": 17}, zh, "zh") == "朱莉娅·克里斯蒂娃是作家。 她出生于巴黎。"


# --- ZH relation cues (resources/relation_cues.yaml, zh entries) -------------------------------------------

def test_zh_a_stop_inside_a_closed_bracket_ends_no_sentence():
    text = "国际奥林匹克委员会（法语：Comité，缩写：CIO；英语：IOC），简称国际奥委会。它成立于1894年。她说：“我很好。”（括号没有关"
    assert [text[s:e] for s, e in split_sentences(text, "zh")] == [
        "国际奥林匹克委员会（法语：Comité，缩写：CIO；英语：IOC），简称国际奥委会。", "它成立于1894年。", "她说：“我很好。”", "（括号没有关"]


def _masked(text: str) -> str:
    """〔H〕, 〔T〕, 〔M〕 written as the head, tail and other-mention marks a cue reads."""
    from instructie_assets.core.relation_cues import HEAD, MENTION, TAIL
    return text.replace("〔H〕", HEAD).replace("〔T〕", TAIL).replace("〔M〕", MENTION)


@pytest.mark.parametrize("relation, sentence, stated", [
    # located in: a location verb, a place chain, a class after 是...的, jurisdiction, a clause without a subject
    ("located in", "〔H〕（德语：Brandenburger Tor）是位于〔T〕首都〔M〕的新古典主义风格建筑。", True),
    ("located in", "总部位于〔T〕〔H〕。", True),
    ("located in", "〔H〕（德语：Bielefeld）是〔T〕〔M〕的一座城市，位于〔M〕的东边。", True),
    ("located in", "〔H〕，是非营利国际体育组织，负责举办〔M〕，总部位于〔M〕〔T〕。", True),
    ("located in", "〔H〕属于〔T〕管辖。", True),
    ("located in", "柏林亦划分为〔H〕和〔M〕，分属〔T〕和〔M〕管辖。", True),
    ("located in", "穿过〔T〕城区最大的公园〔H〕。", True),
    # ...and co-mention that says nothing of where the head lies
    ("located in", "〔H〕是〔M〕的象征，也是〔T〕的国家象征标志。", False),
    ("located in", "如今，作为〔T〕标志的〔H〕又成为了欧洲一体化进程的象征。", False),
    ("located in", "〔M〕被任命为〔T〕总理，游行队伍从〔H〕通过。", False),
    ("located in", "〔H〕的主要火车站是〔T〕ICE高速铁路系统的一部分。", False),
    ("located in", "士兵攻入〔T〕，攻克了〔M〕的地堡和〔H〕。", False),
    # alternative name: 又名 lists (the subject left out), brackets, 简称, 故称; never a part's name
    ("alternative name", "〔H〕又名〔M〕、〔T〕、〔M〕等，其裸露的〔M〕子称为〔M〕。", True),
    ("alternative name", "〔H〕又名〔M〕、〔M〕等，其裸露的种子称为〔T〕。", False),
    ("alternative name", "〔H〕（法语：Comité，缩写：CIO；英语：IOC），简称〔M〕、〔T〕，是国际体育组织。", True),
    ("alternative name", "〔H〕（化学式：〔T〕）是一种无机化合物。", True),
    ("alternative name", "以种子繁殖〔H〕需要20年才会结果，故称“〔T〕”。", True),
    ("alternative name", "〔H〕在〔M〕古代称为「银果」，如今又称为「〔T〕」。", True),
    ("alternative name", "〔H〕，〔M〕称〔T〕，是地球上海拔最高的山峰。", True),
    ("alternative name", "1865年，〔H〕以英国测量师〔M〕的名字命名为〔T〕。", True),
    ("alternative name", "〔H〕的种子称为〔T〕，有点像杏子。", False),
    ("alternative name", "〔H〕种子可以食用，在〔M〕被称为〔T〕。", False),
    # country of citizenship: 籍, the country before an occupation; an origin (裔) or a move is none
    ("country of citizenship", "是由国际体育活动家、〔T〕籍的〔H〕发起成立。", True),
    ("country of citizenship", "〔H〕（Veronica Roth，〔M〕—）〔T〕〔M〕和短篇小说作家。", True),
    ("country of citizenship", "〔T〕游泳运动员〔H〕赢得八枚金牌。", True),
    ("country of citizenship", "〔H〕（〔M〕－〔M〕），〔T〕裔〔M〕〔M〕。", False),
    ("country of citizenship", "〔H〕于1891年移居〔T〕。", False),
    # founded by: 由...创立 / 发起成立; a president is no founder
    ("founded by", "〔H〕成立于〔M〕，是由国际体育活动家、〔M〕籍的〔T〕发起成立。", True),
    ("founded by", "〔H〕由〔T〕和〔M〕于〔M〕创立。", True),
    ("founded by", "6月23日〔H〕成立，〔M〕籍的〔T〕出任主席。", False),
    # parent taxon: the larger rank written before the smaller one
    ("parent taxon", "属〔T〕〔H〕惟一现存物种。", True),
    ("parent taxon", "〔H〕叶子在〔T〕中很特别。", False),
    # distribution: a place where a name is used is no range
    ("distribution", "〔H〕原产于〔T〕。", True),
    ("distribution", "〔H〕种子可以食用，在〔T〕被称为〔M〕。", False),
])
def test_zh_relation_cues(relation, sentence, stated):
    found = CONFIG.relation_cues.find("linking", relation, "zh", _masked(sentence))
    assert (found is not None) == stated, (sentence, found)


@pytest.mark.parametrize("sentence, tied", [
    ("〔H〕于〔T〕动工，1889年3月31日落成。", True),
    ("〔H〕由〔M〕和〔M〕于〔T〕创立。", True),
    ("〔M〕于〔T〕接手该工程，〔H〕于〔M〕正式通航。", False),
])
def test_zh_date_cues_tie_a_coarser_date_to_the_founding(sentence, tied):
    assert (CONFIG.relation_cues.find("dates", "inception", "zh", _masked(sentence)) is not None) == tied


def run_cued(store, paras, language, theme, options=FilterOptions()):
    mentions = find_mentions(paras, store, language)
    resolved = resolve_mentions(mentions, paras, store, CONFIG.taxonomy, language)
    candidates = match_triples(resolved, paras, store, CONFIG.schemas[theme], CONFIG.relation_map, language, CONFIG.relation_cues)
    return candidates, filter_triples(candidates, CONFIG.schemas[theme], language, options=options)


def test_zh_located_in_needs_a_cue(store):
    para = lambda text: paragraph(text, [("法国", "法国")], language="zh", title="巴黎", qid="Q90", theme="geographic_location")
    _, kept = run_cued(store, para("巴黎是法国的首都，也是法国最大的城市。"), "zh", "geographic_location")
    assert reasons(kept)[("巴黎", "位于", "法国")] is None
    _, dropped = run_cued(store, para("巴黎是法国人的骄傲。"), "zh", "geographic_location")
    assert reasons(dropped)[("巴黎", "位于", "法国")] == "no_relation_cue"
    _, off = run_cued(store, para("巴黎是法国人的骄傲。"), "zh", "geographic_location", FilterOptions(relation_cues=False))
    assert reasons(off)[("巴黎", "位于", "法国")] is None


def test_zh_citizenship_needs_a_cue(store):
    para = lambda text: paragraph(text, [("法国", "法国")], language="zh", title="朱莉娅·克里斯蒂娃")
    _, kept = run_cued(store, para("朱莉娅·克里斯蒂娃是法国籍作家。"), "zh", "person")
    assert reasons(kept)[("朱莉娅·克里斯蒂娃", "国籍", "法国")] is None
    _, dropped = run_cued(store, para("朱莉娅·克里斯蒂娃后来移居法国。"), "zh", "person")
    assert reasons(dropped)[("朱莉娅·克里斯蒂娃", "国籍", "法国")] == "no_relation_cue"


def test_zh_a_sentence_opening_with_another_name_gives_the_subject_that_name(make_store):
    world = [e for e in WORLD if e["id"] != "Q243"] + [
        entity("Q243", en=["Eiffel Tower"], zh=["埃菲尔铁塔", "铁娘子", "塔顶"], sites={"enwiki": "Eiffel Tower", "zhwiki": "埃菲尔铁塔"},
               claims={"P31": ["Q12518"], "P131": ["Q90"]})]
    text = "埃菲尔铁塔是巴黎的地标。又名铁娘子，其最高处称为塔顶。"
    para = paragraph(text, [("巴黎", "巴黎")], language="zh", title="埃菲尔铁塔", qid="Q243", bold=["埃菲尔铁塔", "铁娘子", "塔顶"], theme="building")
    _, filtered = run_cued(make_store(world), para, "zh", "building")
    got = reasons(filtered)
    assert got[("埃菲尔铁塔", "别名", "铁娘子")] is None  # the subject left out before 又名 reads as the head
    assert got[("埃菲尔铁塔", "别名", "塔顶")] == "no_relation_cue"  # a part's name (其...称为) is not the subject's
