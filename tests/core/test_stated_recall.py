"""Rules that keep stated triples the sentence and value rules would lose, each with EN and ZH literals:
a day written after its year, the article subject's parts across a paragraph, date cues, capital cues."""

import polars as pl
import pytest

from instructie_assets.core.filtering import FilterOptions, filter_triples
from instructie_assets.core.matching import TRIPLE_SCHEMA
from instructie_assets.core.mentions import en_name_extent, inside_name_reason
from instructie_assets.core.values import DAY, yearless_date_stands, yearless_forms
from tests.conftest import entity
from tests.core.test_stated_triples import CONFIG, WORLD, _masked, paragraph, reasons, run

TOWER = dict(title="Eiffel Tower", qid="Q243", theme="building")


@pytest.fixture
def store(make_store):
    return make_store(WORLD + [
        entity("Q7725634", en=["literary work"], zh=["文学作品"]),
        entity("Q777", en=["Book of Optics"], zh=["光学之书"], sites={"enwiki": "Book of Optics", "zhwiki": "光学之书"},
               claims={"P31": ["Q7725634"]}),
        entity("Q700", en=["Alhazen"], zh=["海什木"], sites={"enwiki": "Alhazen", "zhwiki": "海什木"},
               claims={"P31": ["Q5"], "P21": ["Q6581097"], "P800": ["Q777"]}),
    ])


# --- a day written after its year ------------------------------------------------------------------------

def test_yearless_forms_only_for_day_precise_dates():
    assert yearless_forms("+1894-06-23T00:00:00Z", DAY, "en") == ["23 June", "June 23"]
    assert yearless_forms("+1894-06-23T00:00:00Z", DAY, "zh") == ["6月23日"]
    assert yearless_forms("+1894-06-00T00:00:00Z", 10, "zh") == [] == yearless_forms("+1894-00-00T00:00:00Z", 9, "en")


@pytest.mark.parametrize("text, day, language, stands", [
    ("In 1894 Coubertin wrote to the federations. On 23 June the committee was founded.", "23 June", "en", True),
    ("In 1894 Coubertin wrote to them; the committee was founded on June 23.", "June 23", "en", True),
    ("In 1893 Coubertin wrote to them. On 23 June the committee was founded.", "23 June", "en", False),       # another year
    ("In 1894 Coubertin wrote to them. The following year, on 23 June, it was founded.", "23 June", "en", False),  # moved on
    ("In 1894 Coubertin wrote to them. On 23 June 1895 the committee was founded.", "23 June", "en", False),  # its own year
    ("On 23 June the committee was founded.", "23 June", "en", False),                                         # no year before
    ("1894年，顾拜旦致函各国体育组织。在同年6月16日举行大会。6月23日国际奥委会成立。", "6月23日", "zh", True),
    ("1893年，顾拜旦致函各国体育组织。6月23日国际奥委会成立。", "6月23日", "zh", False),
    ("1894年，顾拜旦致函各国体育组织。次年6月23日国际奥委会成立。", "6月23日", "zh", False),
    ("1894年，顾拜旦致函各国体育组织。两年后6月23日国际奥委会成立。", "6月23日", "zh", False),
])
def test_a_day_without_its_year_stands_after_that_year(text, day, language, stands):
    start = text.index(day)
    assert yearless_date_stands(text, start, start + len(day), 1894, language) is stands


@pytest.mark.parametrize("text, language, kept", [
    ("Work on the Eiffel Tower began in 1887; on 28 January the foundations were laid.", "en", True),
    ("Work on the Eiffel Tower began in 1886; on 28 January the foundations were laid.", "en", False),
    ("1887年，埃菲尔铁塔于1月28日动工。", "zh", True),
    ("1886年，埃菲尔铁塔于1月28日动工。", "zh", False),
])
def test_a_day_written_after_its_year_is_the_day_precise_date(store, text, language, kept):
    title = "埃菲尔铁塔" if language == "zh" else "Eiffel Tower"
    mentions, _, filtered = run(store, paragraph(text, language=language, **{**TOWER, "title": title}), language, "building")
    dates = filtered.filter(pl.col("property") == "P571")
    day = "1月28日" if language == "zh" else "28 January"
    if kept:
        full = "1887年1月28日" if language == "zh" else "28 January 1887"
        assert dates.select("tail", "tail_written", "drop_reason").rows() == [(full, day, None)]
    else:
        assert dates.is_empty() and day not in mentions["surface"].to_list()


# --- the article subject's parts across a paragraph ----------------------------------------------------------

def _candidate(relation="work", prop="P800", head_source="subject", tail_source="link", evidence_kind="paragraph", tail_type="product"):
    row = {k: None for k in TRIPLE_SCHEMA}
    row.update(triple_id="t1", paragraph_id="p1", article_id="a1", head="Julia Kristeva", head_qid="Q159876", head_start=0, head_end=14,
               head_type="human", relation=relation, tail="Powers of Horror", tail_qid="Q777", tail_start=40, tail_end=56,
               tail_type=tail_type, property=prop, rank="normal", statement_kind="item", evidence_start=0, evidence_end=80,
               evidence_kind=evidence_kind, head_source=head_source, tail_source=tail_source, theme="person", language="en")
    return pl.DataFrame([row], schema=TRIPLE_SCHEMA)


@pytest.mark.parametrize("changes, reason", [
    ({}, None),                                   # the subject's work, linked in this paragraph
    ({"tail_source": "gazetteer"}, None),          # named here without a link
    ({"tail_source": "repeat"}, "evidence"),       # a repeat of a name linked earlier: only mentioned again
    ({"head_source": "link"}, "evidence"),         # the head is someone the article links, not its subject
    ({"relation": "place of birth", "prop": "P19", "tail_type": "geographic_region"}, "evidence"),  # not a part or work of the subject
])
def test_subject_parts_hold_across_the_sentences_of_its_paragraph(changes, reason):
    filtered = filter_triples(_candidate(**changes), CONFIG.schemas["person"], "en")
    assert filtered["drop_reason"].to_list() == [reason]
    off = filter_triples(_candidate(**changes), CONFIG.schemas["person"], "en", options=FilterOptions(subject_part_relations=()))
    assert off["drop_reason"].to_list() == ["evidence"]


@pytest.mark.parametrize("text, anchors, language, title", [
    ("Alhazen studied light and vision. Book of Optics was translated into Latin.", [("Book of Optics", "Book of Optics")], "en", "Alhazen"),
    ("海什木研究光与视觉。光学之书被译成拉丁文。", [("光学之书", "光学之书")], "zh", "海什木"),
])
def test_a_work_linked_in_its_authors_paragraph_is_kept_across_sentences(store, text, anchors, language, title):
    paras = paragraph(text, anchors, language=language, title=title, qid="Q700")
    _, _, filtered = run(store, paras, language)
    work = filtered.filter(pl.col("property") == "P800")
    assert work.select("evidence_kind", "head_source", "tail_source", "drop_reason").rows() == [("paragraph", "subject", "link", None)]
    _, _, strict = run(store, paras, language, options=FilterOptions(subject_part_relations=()))
    assert strict.filter(pl.col("property") == "P800")["drop_reason"].to_list() == ["evidence"]


# --- date cues and capital cues ---------------------------------------------------------------------------------

@pytest.mark.parametrize("relation, sentence, tied", [
    ("date of death", "He hid from the caliph 〔H〕 until the caliph's death in 〔T〕.", True),
    ("date of death", "He hid from the caliph 〔H〕 until the vizier's death in 〔T〕.", False),  # another's death
    ("date of incorporation", "First convened in 〔T〕, the 〔H〕's powers are set by the constitution.", True),
    ("date of incorporation", "In 〔T〕, the 〔H〕 moved to a new building.", False),
])
def test_en_date_cues(relation, sentence, tied):
    assert (CONFIG.relation_cues.find("dates", relation, "en", _masked(sentence)) is not None) == tied


def test_date_cues_are_on_by_default(store):
    _, _, filtered = run(store, paragraph("Julia Kristeva, born in 1941 in Paris, is a writer."))
    assert filtered.filter(pl.col("property") == "P569")["drop_reason"].to_list() == [None]
    _, _, filtered = run(store, paragraph("Julia Kristeva, a writer, gave a lecture in 1941 in Paris."))
    assert filtered.filter(pl.col("property") == "P569")["drop_reason"].to_list() == ["value_precision"]


@pytest.mark.parametrize("sentence, stated", [
    ("The settlement became 〔T〕, which the governor 〔M〕 designated as the capital of 〔H〕.", True),
    ("The settlement became 〔T〕, which the governor 〔M〕 left for 〔H〕.", False),
    ("It was formerly the county town of 〔H〕 until the courts moved to 〔T〕 which is also the administrative centre.", True),
    ("It was formerly the county town of 〔H〕 until the courts moved to 〔T〕 which is also a market town.", False),
])
def test_en_capital_cues_in_a_relative_clause(sentence, stated):
    assert (CONFIG.relation_cues.find("linking", "capital", "en", _masked(sentence)) is not None) == stated


# --- an initial inside a person's name ------------------------------------------------------------------------

def test_an_initial_continues_a_name_to_the_right():
    text = "He served as counsel to President of the United States Lyndon B. Johnson from 1965."
    start = text.index("President")
    end = start + len("President of the United States")
    assert text[slice(*en_name_extent(text, start, end))] == "President of the United States Lyndon B. Johnson"
    johnson = text.index("Lyndon")
    assert inside_name_reason(text, start, end, [], "en", [(johnson, johnson + len("Lyndon B. Johnson"))]) is None
    assert inside_name_reason(text, start, end, [], "en") == "inside_name"
    sentence_end = "He met Lyndon B. Johnson. Then he left."
    s = sentence_end.index("Lyndon")
    assert en_name_extent(sentence_end, s, s + len("Lyndon")) == (s, s + len("Lyndon B. Johnson"))


def test_a_numbered_part_of_a_work_does_not_make_a_longer_name():
    text = "His work on catoptrics in Book V of the Book of Optics contains a discussion."
    start = text.index("Book of Optics")
    assert en_name_extent(text, start, start + len("Book of Optics")) == (start, start + len("Book of Optics"))
    other = "He was King Henry VIII of England."  # a regnal number is part of the name before `of`
    england = other.index("England")
    assert other[slice(*en_name_extent(other, england, england + len("England")))] == "Henry VIII of England"
