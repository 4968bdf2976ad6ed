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
    for text, zh in texts:
        fast = split_paragraphs(wikitext_to_plain(text, simplify=zh))
        slow = split_paragraphs(wikitext_to_plain(text, simplify=zh, strip_first=False))
        assert fast == slow, text[:80]


@pytest.mark.slow  # builds and loads a tiny transformers model (torch)
def test_token_count_with_a_hugging_face_tokenizer(tiny_nli_dir):
    text = "Douglas Adams was born in Cambridge ."
    assert count_tokens(text, "en") == 7
    assert count_tokens(text, "en", tokenizer=tiny_nli_dir) == 7  # the tiny WordPiece knows these words
    assert count_tokens("巴黎位于法国。", "zh") == 7
    assert count_tokens("巴黎位于法国。", "zh", tokenizer=tiny_nli_dir) == 7  # one token per CJK character
    assert count_tokens("scarab", "en", tokenizer=tiny_nli_dir) == 6  # unknown word: one WordPiece per letter
