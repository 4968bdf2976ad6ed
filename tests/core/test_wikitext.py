from pathlib import Path

import pytest

from instructie_assets.core.wikitext import (
    count_tokens, is_disambiguation, normalize_title, split_paragraphs, wikitext_to_plain,
)

WIKITEXT = """{{Infobox person|name=X|birth_place=[[Cambridge]]}}
'''Douglas Noël Adams''' was an English [[Novelist|author]] and ''[[humorist]]''.<ref>{{cite web|url=x}}</ref> He lived in [[London_(city)#History|London]]. [[File:X.jpg|thumb|A [[cat]]]] Many [[cat]]s.<!-- note --> It is {{convert|330|m}} tall.
{| class="wikitable"
| a || b
|}

== References ==
{{Reflist}}
[[Category:Writers]]
"""


def test_plain_text_and_exact_anchor_offsets():
    paras = split_paragraphs(wikitext_to_plain(WIKITEXT))
    assert len(paras) == 1
    p = paras[0]
    assert p.text == "Douglas Noël Adams was an English author and humorist. He lived in London. Many cats. It is 330 metres tall."
    for a in p.anchors:
        assert p.text[a.start:a.end] == a.text
    assert [(a.text, a.target) for a in p.anchors] == [
        ("author", "Novelist"), ("humorist", "Humorist"), ("London", "London (city)"), ("cats", "Cat"),
    ]
    assert p.text[p.bold[0][0]:p.bold[0][1]] == "Douglas Noël Adams"
    for marker in ("{{", "[[", "<ref", "|}", "Reflist", "Writers"):
        assert marker not in p.text


def test_traditional_chinese_is_simplified_with_exact_offsets():
    plain = wikitext_to_plain("'''道格拉斯·亞當斯'''是[[英國]]作家，生於[[劍橋]]。", simplify=True)
    assert plain.text == "道格拉斯·亚当斯是英国作家，生于剑桥。"
    assert [(plain.text[a.start:a.end], a.target) for a in plain.anchors] == [("英国", "英國"), ("剑桥", "劍橋")]


def test_title_normalisation():
    assert normalize_title("london_(city)#History") == "London (city)"
    assert normalize_title("  iPhone ") == "IPhone"


def test_disambiguation_and_token_counts():
    assert is_disambiguation("'''Cambridge''' may refer to:\n* [[A]]\n{{disambiguation|geo}}")
    assert is_disambiguation("{{消歧义}}")
    assert not is_disambiguation("{{Infobox person}} text")
    assert is_disambiguation("{{Disambig}}") and is_disambiguation("{{ Set_index_article }}")
    assert not is_disambiguation("{{Infobox|note={{disambiguation}}}} text")  # only a top-level template counts
    assert count_tokens("one two  three", "en") == 3
    assert count_tokens("道格拉斯 是", "zh") == 5


def test_prestrip_changes_nothing_but_speed():
    import yaml

    from bench.generate import wikipedia_pages
    from instructie_assets.core.wikitext import split_paragraphs, wikitext_to_plain

    root = Path(__file__).resolve().parents[2] / "resources/sample/src"
    texts = [(p["text"], name == "zhwiki") for name in ("enwiki", "zhwiki")
             for p in yaml.safe_load((root / f"{name}.yaml").read_text(encoding="utf-8"))["pages"] if p.get("text")]
    texts += [(t, lang == "zh") for lang in ("en", "zh") for _, _, t, r in wikipedia_pages(40, lang, seed=9) if r is None]
    texts += [(p.read_text(encoding="utf-8"), p.parent.name == "zhwiki") for p in sorted((root.parents[2] / "tests" / "real_pages").glob("*/*.txt"))]
    for text, zh in texts:
        fast_plain, slow_plain = wikitext_to_plain(text, simplify=zh), wikitext_to_plain(text, simplify=zh, strip_first=False)
        assert split_paragraphs(fast_plain) == split_paragraphs(slow_plain), text[:80]
        assert fast_plain.dropped_templates == slow_plain.dropped_templates, text[:80]


@pytest.mark.slow  # builds and loads a tiny transformers model (torch)
def test_token_count_with_a_hugging_face_tokenizer(tiny_nli_dir):
    text = "Douglas Adams was born in Cambridge ."
    assert count_tokens(text, "en") == 7
    assert count_tokens(text, "en", tokenizer=tiny_nli_dir) == 7  # the tiny WordPiece knows these words
    assert count_tokens("巴黎位于法国。", "zh") == 7
    assert count_tokens("巴黎位于法国。", "zh", tokenizer=tiny_nli_dir) == 7  # one token per CJK character
    assert count_tokens("scarab", "en", tokenizer=tiny_nli_dir) == 6  # unknown word: one WordPiece per letter


# --- what a reader sees: templates, links, quotes, brackets, lists (literal snippets of real pages' kinds)

def plain_paragraphs(text: str, zh: bool = False, **kw):
    paras = split_paragraphs(wikitext_to_plain(text, simplify=zh, **kw))
    for p in paras:
        for a in p.anchors:
            assert p.text[a.start:a.end] == a.text
    return paras


def test_lead_templates_render_and_brackets_stay_clean_en():
    text = ("'''Julia Kristeva''' ({{IPA-fr|kʁisteva|lang}}; {{lang-bg|Юлия Кръстева}}; born {{birth date|1941|6|24|df=y}}) "
            "is a [[Bulgarians|Bulgarian]]-French [[philosopher]].<ref>{{cite web|url=x}}</ref>\n\n"
            "'''Bodmin''' ({{IPAc-en|ˈ|b|ɒ|d|m|ɪ|n}}) is a town, {{convert|2|to|4|km|mi}} from the sea; he died "
            "{{death date and age|2012|2|16|1929|8|22}}, {{circa|1900}}, {{lang|fr|la Ville}} {{nowrap|in [[Cornwall]]}}.")
    first, second = plain_paragraphs(text)
    assert first.text == ("Julia Kristeva (French: [kʁisteva]; Bulgarian: Юлия Кръстева; born 24 June 1941) "
                          "is a Bulgarian-French philosopher.")
    assert second.text == ("Bodmin is a town, 2 to 4 kilometres from the sea; he died February 16, 2012 (aged 82), "
                           "c. 1900, la Ville in Cornwall.")
    assert [(a.text, a.target) for a in second.anchors] == [("Cornwall", "Cornwall")]  # a link inside a rendered parameter
    assert [(a.text, a.target) for a in first.anchors][:3] == [("French", "French language"), ("Bulgarian", "Bulgarian language"), ("Bulgarian", "Bulgarians")]


def test_unknown_templates_are_dropped_and_counted_by_name_ignored_ones_are_not():
    plain = wikitext_to_plain("{{Infobox person|name=X}}A {{Frobnicate|1}} b {{frobnicate}} c.{{citation needed}} {{Authority control}}")
    assert split_paragraphs(plain)[0].text == "A b c."
    assert plain.dropped_templates == {"frobnicate": 2}
    # the cheap pre-parse keeps unknown templates for the walker, so both paths count the same
    assert wikitext_to_plain("A {{Frobnicate}} b", strip_first=False).dropped_templates == {"frobnicate": 1}


def test_zh_templates_render_facts_back_into_the_text():
    text = ("'''韦罗妮卡·罗思'''（'''Veronica Roth'''，{{bd|1988年|8月19日||}}）美国作家。"
            "'''韦伊诺·坦内尔'''（{{lang-fi|Väinö Tanner}}，{{bd|1881年|3月12日|1966年|4月19日|catIdx=T}}）。"
            "在比勒費爾德的{{link-de|新城聖母教堂|Neustädter Marienkirche}}，於1400左右製作。"
            "由{{tsl|en|Christian Pouga|克里斯蒂安·布嘎}}和{{le|克里斯蒂安·布嘎|Christian Pouga|布嘎}}替补，"
            "{{lang|en|Divergent}}。")
    (p,) = plain_paragraphs(text, zh=True)
    assert p.text == ("韦罗妮卡·罗思（Veronica Roth，1988年8月19日—）美国作家。韦伊诺·坦内尔（芬兰语：Väinö Tanner，"
                      "1881年3月12日—1966年4月19日）。在比勒费尔德的新城圣母教堂，于1400左右制作。"
                      "由克里斯蒂安·布嘎和布嘎替补，Divergent。")
    assert [(a.text, a.target) for a in p.anchors] == [
        ("芬兰语", "芬兰语"), ("新城圣母教堂", "新城聖母教堂"), ("克里斯蒂安·布嘎", "克里斯蒂安·布嘎"), ("布嘎", "克里斯蒂安·布嘎"),
    ]


def test_interwiki_and_wiktionary_links_keep_their_text_without_anchors():
    (p,) = plain_paragraphs("after the [[wiktionary:amalgamation|amalgamation]] of [[:fr:Lycée Henri-IV|a lycée]] and "
                            "[[wikt:school]]s, see [[s:Some text|the text]].[[fr:Bodmin]][[Category:Towns]][[File:x.jpg|thumb|A cat]]")
    assert p.text == "after the amalgamation of a lycée and wikt:schools, see the text."
    assert p.anchors == []


def test_quotes_balance_as_mediawiki_reads_them():
    # Toronto Star: three italic runs and one bold run on the line; the bold run is an apostrophe
    (p,) = plain_paragraphs("with The ''Star'''s performance. The ''Star'' editor was replaced")
    assert p.text == "with The Star's performance. The Star editor was replaced"
    lines = {
        "the ''[[Daily Planet]]'''s editor": "the Daily Planet's editor",
        "l''''amour": "l'amour",  # four: an apostrophe and bold
        "'''''both''''' x": "both x",
        "an ''open italic": "an open italic",  # closed at the end of the line
        "it'''s a '''b''' c": "its a b c",  # odd bold, even italics: all bold, as MediaWiki shows it
    }
    for source, expected in lines.items():
        (q,) = plain_paragraphs(source)
        assert q.text == expected, source
    assert plain_paragraphs("the ''[[Daily Planet]]'''s editor")[0].anchors[0].text == "Daily Planet"
    plain = wikitext_to_plain("'''''both''''' x")
    assert [plain.text[s:e] for s, e in plain.bold] == ["both"]


def test_brackets_emptied_by_removed_content_are_cleaned_with_exact_offsets():
    cases = {
        "'''Bodmin''' ({{IPAc-en|b}}) is a [[town]].": "Bodmin is a town.",
        "'''Gregory Serper''' ({{Frob}}) (born 1969) is a [[chess]] player.": "Gregory Serper (born 1969) is a chess player.",
        "The Senate ({{Frob|a}}, {{Frob|b}}, {{Frob|c}}), is the [[upper house]].": "The Senate, is the upper house.",
        "X ({{Frob}}; {{Frob}}; born 1941) wrote [[A]], {{Frob}}, and [[B]].": "X (born 1941) wrote A, and B.",
    }
    for source, expected in cases.items():
        (p,) = plain_paragraphs(source)
        assert p.text == expected, source
    (z,) = plain_paragraphs("'''比勒费尔德'''（{{Frob|Bielefeld}}，{{Frob}}）是[[德国]]城市。", zh=True)
    assert z.text == "比勒费尔德是德国城市。" and [(a.text, a.target) for a in z.anchors] == [("德国", "德国")]


def test_lists_are_never_glued_to_prose_dropped_by_default_or_their_own_paragraphs():
    text = ("Notable columnists include:\n*[[Pierre Berton]]\n*Debra Black\n** Margaret L. Bream\n"
            "Despite that, he stayed.\n:\"An indented quote line.\"\nAfter it.\n# one\n# two\n\n== Later ==\nMore text.")
    dropped = plain_paragraphs(text)
    assert [p.text for p in dropped] == ["Notable columnists include:", "Despite that, he stayed.", "\"An indented quote line.\"",
                                         "After it.", "More text."]
    assert [p.kind for p in dropped] == ["prose", "prose", "indented", "prose", "prose"]
    assert [p.section for p in dropped] == [0, 0, 0, 0, 1]
    kept = plain_paragraphs(text, keep_lists=True)
    items = [p for p in kept if p.kind == "list"]
    assert [p.text for p in items] == ["Pierre Berton", "Debra Black", "Margaret L. Bream", "one", "two"]
    assert [(a.text, a.target) for a in items[0].anchors] == [("Pierre Berton", "Pierre Berton")]
    zh = plain_paragraphs("作品：\n* 《分歧者》（2011）\n* 《反叛者》（2012）\n她住在芝加哥。", zh=True)
    assert [p.text for p in zh] == ["作品：", "她住在芝加哥。"]


def test_short_paragraphs_of_one_section_merge_up_to_the_maximum():
    from instructie_assets.core.wikitext import merge_short_paragraphs

    text = ("'''A''' is a [[city]] in the north.\n\nIt has a [[harbour]].\n\nIt is old.\n\n== History ==\nFounded in 1200.\n\n"
            "Rebuilt in 1500.\n* a list item\nLong " + "word " * 60 + "end.\n\nTail.")
    paras = split_paragraphs(wikitext_to_plain(text, keep_lists=True))
    merged = merge_short_paragraphs(paras, "en", min_tokens=10, max_tokens=40)
    assert [p.text for p in merged][:4] == ["A is a city in the north. It has a harbour.", "It is old.",  # 11 tokens: long enough
                                            "Founded in 1200. Rebuilt in 1500.", "a list item"]
    assert merged[0].index == 0 and merged[2].index == 3  # a merged paragraph keeps its first part's index
    harbour = merged[0].anchors[1]
    assert (harbour.text, merged[0].text[harbour.start:harbour.end]) == ("harbour", "harbour")
    assert [p.text for p in merged][4:] == ["Long " + "word " * 60 + "end.", "Tail."]  # over the maximum: not merged
    zh = merge_short_paragraphs(split_paragraphs(wikitext_to_plain("甲是城市。\n\n乙是港口。", simplify=True)), "zh", 10, 40)
    assert [p.text for p in zh] == ["甲是城市。乙是港口。"]


def test_tables_galleries_and_headings_break_paragraphs():
    text = ("A line.\n{| class=\"wikitable\"\n| x || y\n|}\nB line.\n<gallery>\nFile:a.jpg|A caption\n</gallery>\nC line.\n"
            "=== Sub ===\nD line.")
    for strip_first in (True, False):
        paras = split_paragraphs(wikitext_to_plain(text, strip_first=strip_first))
        assert [p.text for p in paras] == ["A line.", "B line.", "C line.", "D line."]
