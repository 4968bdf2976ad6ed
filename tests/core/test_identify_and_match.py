import polars as pl

from instructie_assets.core.articles import PARAGRAPH_SCHEMA
from instructie_assets.core.disambiguation import resolve_mentions
from instructie_assets.core.filtering import filter_triples
from instructie_assets.core.matching import match_triples
from instructie_assets.core.mentions import find_mentions
from instructie_assets.core.schemas import load_project_config
from tests.conftest import entity
from tests.core.test_schemas import ROOT

CONFIG = load_project_config(ROOT / "theme_schemas", ROOT / "resources")
WORLD = [
    entity("Q5", en=["human"], zh=["人类"]),
    entity("Q515", en=["city"], claims={"P279": ["Q486972"]}),
    entity("Q486972", en=["human settlement"], claims={"P279": ["Q82794"]}),
    entity("Q6256", en=["country"]),
    entity("Q42", en=["Douglas Adams", "Douglas Noël Adams"], zh=["道格拉斯·亚当斯"], sites={"enwiki": "Douglas Adams", "zhwiki": "道格拉斯·亚当斯"},
           claims={"P31": ["Q5"], "P19": ["Q350"], "P27": ["Q145"], "P569": ["+1952-03-11T00:00:00Z/11"], "P69": ["Q691283"]}),
    entity("Q350", en=["Cambridge"], zh=["剑桥"], sites={"enwiki": "Cambridge", "zhwiki": "剑桥"}, claims={"P31": ["Q515"], "P17": ["Q145"]}),
    entity("Q49111", en=["Cambridge"], zh=["剑桥"], sites={"enwiki": "Cambridge, Massachusetts"}, claims={"P31": ["Q515"], "P17": ["Q30"]}),
    entity("Q145", en=["United Kingdom", "UK"], zh=["英国"], sites={"enwiki": "United Kingdom", "zhwiki": "英国"}, claims={"P31": ["Q6256"]}),
    entity("Q30", en=["United States"], zh=["美国"], sites={"enwiki": "United States"}, claims={"P31": ["Q6256"]}),
    entity("Q691283", en=["St John's College"], sites={"enwiki": "St John's College, Cambridge"}, claims={"P31": ["Q3918"]}),
]


def paragraph(text, anchors, language="en", title="Douglas Adams", qid="Q42", bold=()):
    found = []
    for surface, target in anchors:
        start = text.index(surface)
        found.append({"start": start, "end": start + len(surface), "text": surface, "target": target})
    return pl.DataFrame(
        [(f"{language}:1:0", f"{language}:1", qid, title, 0, text, len(text.split()), found, [{"start": s, "end": e} for s, e in bold], 0, "person", language)],
        schema=PARAGRAPH_SCHEMA, orient="row",
    )


def run(store, paras, language="en"):
    mentions = find_mentions(paras, store, language)
    resolved = resolve_mentions(mentions, paras, store, CONFIG.taxonomy, language)
    candidates = match_triples(resolved, paras, store, CONFIG.schemas["person"], CONFIG.relation_map, language)
    return mentions, resolved, filter_triples(candidates, CONFIG.schemas["person"], language)


def test_shared_label_resolved_by_neighbour_labels(make_store):
    store = make_store(WORLD)
    text = "Douglas Noël Adams (11 March 1952 – 2001) was born in Cambridge, a city of the United Kingdom, and studied at St John's College."
    paras = paragraph(text, [("United Kingdom", "United Kingdom"), ("St John's College", "St John's College, Cambridge")], bold=[(0, 18)])
    mentions, resolved, filtered = run(store, paras)
    cam = resolved.filter(pl.col("surface") == "Cambridge").row(0, named=True)
    assert cam["mention_source"] == "gazetteer" and cam["n_candidates"] == 2
    assert cam["qid"] == "Q350" and cam["runner_up"] == "Q49111" and cam["score"] > cam["runner_up_score"]
    kept = {(r["head"], r["relation_label"], r["tail"]) for r in filtered.filter(pl.col("drop_reason").is_null()).to_dicts()}
    assert ("Douglas Noël Adams", "place of birth", "Cambridge") in kept
    assert ("Douglas Noël Adams", "country of citizenship", "United Kingdom") in kept
    assert ("Douglas Noël Adams", "date of birth", "11 March 1952") in kept
    # educated at (P69) is a true statement that no theme schema allows: kept in the table, dropped for `schema`
    dropped = {(r["relation"], r["drop_reason"]) for r in filtered.filter(pl.col("drop_reason").is_not_null()).to_dicts()}
    assert ("educated at", "schema") in dropped


def test_repeat_mention_and_month_precision(make_store):
    store = make_store(WORLD)
    text = "Douglas Adams moved to the United Kingdom in March 1952. Many years later the United Kingdom honoured him."
    mentions, resolved, filtered = run(store, paragraph(text, [("United Kingdom", "United Kingdom")]))
    sources = [(m["surface"], m["mention_source"]) for m in mentions.to_dicts()]
    assert ("United Kingdom", "link") in sources and ("United Kingdom", "repeat") in sources
    reasons = {(r["head"], r["relation_label"], r["tail"]): r["drop_reason"] for r in filtered.to_dicts()}
    # a month does not stand for a day-precise date of birth (value discipline)
    assert reasons[("Douglas Adams", "date of birth", "March 1952")] == "value_precision"
    assert reasons[("Douglas Adams", "country of citizenship", "United Kingdom")] is None


def test_traditional_chinese_paragraph(make_store):
    from instructie_assets.core.articles import paragraphs_of, ARTICLE_SCHEMA
    store = make_store(WORLD, redirects=[("英國", "英国", "zh")])
    wikitext = "'''道格拉斯·亞當斯'''（1952年3月11日－2001年5月11日）是[[英國]]作家，生於劍橋，後來成為英國最著名的幽默作家之一。他的作品被翻譯成多種語言，在世界各地廣受歡迎。"
    articles = pl.DataFrame([("zh:1", 1, "道格拉斯·亚当斯", "Q42", "person", "", wikitext, "zh")], schema=ARTICLE_SCHEMA, orient="row")
    paras = paragraphs_of(articles, "person", "zh")
    assert paras.height == 1 and "亚当斯" in paras["text"][0]
    mentions, resolved, filtered = run(store, paras, "zh")
    kept = {(r["head"], r["relation_label"], r["tail"]) for r in filtered.filter(pl.col("drop_reason").is_null()).to_dicts()}
    assert ("道格拉斯·亚当斯", "国籍", "英国") in kept
    assert ("道格拉斯·亚当斯", "出生日期", "1952年3月11日") in kept
    assert ("道格拉斯·亚当斯", "出生地点", "剑桥") in kept


def test_quantity_with_a_unit_alias_in_both_languages(make_store):
    world = WORLD + [
        entity("Q11573", en=["metre"], zh=["米"]),
        entity("Q41176", en=["building"], zh=["建筑物"]),
        entity("Q243", en=["Eiffel Tower"], zh=["埃菲尔铁塔"], sites={"enwiki": "Eiffel Tower", "zhwiki": "埃菲尔铁塔"},
               claims={"P31": ["Q41176"], "P2048": ["+330 Q11573"]}),
    ]
    store = make_store(world)
    for language, text, tail in [
        ("en", "The Eiffel Tower is a wrought-iron lattice tower. It is 330 m tall, about the height of an 81-storey building.", "330 m"),
        ("zh", "埃菲尔铁塔是一座镂空结构铁塔，高330米，相当于81层楼的高度。", "330米"),
    ]:
        paras = paragraph(text, [], language=language, title="Eiffel Tower" if language == "en" else "埃菲尔铁塔", qid="Q243")
        mentions = find_mentions(paras, store, language)
        resolved = resolve_mentions(mentions, paras, store, CONFIG.taxonomy, language)
        candidates = match_triples(resolved, paras, store, CONFIG.schemas["building"], CONFIG.relation_map, language)
        kept = filter_triples(candidates, CONFIG.schemas["building"], language).filter(pl.col("drop_reason").is_null())
        heights = kept.filter(pl.col("property") == "P2048")
        assert heights["tail"].to_list() == [tail], (language, kept.select("head", "relation", "tail").to_dicts())
        assert heights["value"][0] == "330/Q11573"  # amount/unit QID
