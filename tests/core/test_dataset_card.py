"""The dataset card: configs that load, integer chart axes, a source line from the dumps' siteinfo."""

from pathlib import Path

import yaml

from instructie_assets.core.dataset_card import SAMPLE_SITENAME, card_markdown, instances_figure, text_source
from instructie_assets.core.wikitext import SiteInfo, read_siteinfo
from instructie_assets.paths import SAMPLE_WIKIPEDIA

ENWIKI = SiteInfo("Wikipedia", "enwiki", "https://en.wikipedia.org/wiki/Main_Page", "MediaWiki 1.42.0-wmf.16")
ZHWIKI = SiteInfo("维基百科", "zhwiki", "https://zh.wikipedia.org/wiki/Wikipedia:%E9%A6%96%E9%A1%B5", "MediaWiki 1.42.0-wmf.16")
# the EN sample: 2 texts per theme, none of them in valid
COUNTS = {("person", "en", "train"): 2, ("person", "en", "test"): 1, ("works", "en", "train"): 1,
          ("person", "zh", "train"): 1, ("person", "zh", "valid"): 1, ("person", "zh", "test"): 1}


def header(markdown: str) -> dict:
    return yaml.safe_load(markdown.split("---")[1])


def card(sources=None) -> str:
    return card_markdown(COUNTS, COUNTS, {"en": [("place of birth", 3)]}, {"en": {"schema": 2, "kept": 3}}, ["person", "works"],
                         {"person": "Person", "works": "Works"}, sources=sources)


def test_configs_leave_out_empty_splits():
    configs = {c["config_name"]: [f["split"] for f in c["data_files"]] for c in header(card())["configs"]}
    assert configs == {"en": ["train", "test"], "en-instructions": ["train", "test"],
                       "zh": ["train", "validation", "test"], "zh-instructions": ["train", "validation", "test"]}
    paths = {f["path"] for c in header(card())["configs"] for f in c["data_files"]}
    assert "en/*/train.jsonl" in paths and "zh/*/valid.instructions.jsonl" in paths and "en/*/valid.jsonl" not in paths
    assert "Splits without records, left out of the configs (so that each config loads): en validation, en-instructions validation." in card()


def test_source_line_from_siteinfo():
    licence, line = text_source("en", [ENWIKI])
    assert licence == "cc-by-sa-4.0"
    assert line.startswith("Texts (en): paragraphs of the English Wikipedia (dump enwiki, https://en.wikipedia.org), CC BY-SA 4.0")
    licence, line = text_source("zh", [SiteInfo(SAMPLE_SITENAME, "zhwiki", "resources/sample/src/zhwiki.yaml", "")])
    assert licence == "apache-2.0" and "not taken from Wikipedia" in line
    licence, line = text_source("en", [SiteInfo("Fandom", "enwiki", "https://x.fandom.com/wiki/Main", "")])
    assert licence == "other" and "not a Wikipedia dump" in line and "x.fandom.com" in line
    assert text_source("en", [])[0] == "other"
    # two dumps of one language with different licences: no single licence
    assert text_source("en", [ENWIKI, SiteInfo(SAMPLE_SITENAME, "enwiki", "", "")])[0] == "other"


def test_card_licence_follows_the_sources():
    wiki = card({"en": [ENWIKI], "zh": [ZHWIKI]})
    assert header(wiki)["license"] == "cc-by-sa-4.0" and "the Chinese Wikipedia (dump zhwiki" in wiki
    sample = card({lang: [read_siteinfo(p)] for lang, p in zip(("en", "zh"), SAMPLE_WIKIPEDIA)})
    assert header(sample)["license"] == "apache-2.0"
    assert "Wikipedia (CC BY-SA" not in sample and "CC BY-SA" not in sample
    assert "written for instructie's sample corpus" in sample
    mixed = card({"en": [ENWIKI], "zh": [SiteInfo(SAMPLE_SITENAME, "zhwiki", "", "")]})
    assert header(mixed)["license"] == "other"


def test_the_shipped_sample_says_its_texts_are_not_wikipedias():
    for path in SAMPLE_WIKIPEDIA:
        info = read_siteinfo(path)
        assert info.sitename == SAMPLE_SITENAME and "wikipedia.org" not in info.base


def test_chart_ticks_are_integers():
    import matplotlib.pyplot as plt

    fig = instances_figure({("person", "en", "train"): 2, ("works", "zh", "test"): 1}, ["person", "works"], {})
    try:
        ticks = fig.axes[0].get_yticks()
        assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks)
    finally:
        plt.close(fig)


def test_enterprise_html_dump_source(tmp_path):
    """An Enterprise HTML dump has no siteinfo: its first record's `is_part_of` and `url` say the same."""
    import json

    from instructie_assets.core.html_dumps import write_enterprise_dump

    record = json.loads((Path(__file__).resolve().parents[1] / "enterprise_html" / "enwiki-mike-potts.json").read_text(encoding="utf-8"))
    path = write_enterprise_dump(tmp_path / "enwiki-NS0-20240201-ENTERPRISE-HTML.json.tar.gz", [record])
    info = read_siteinfo(path)
    assert (info.sitename, info.dbname, info.base) == ("Wikipedia", "enwiki", "https://en.wikipedia.org/")
    licence, line = text_source("en", [info])
    assert licence == "cc-by-sa-4.0" and "the English Wikipedia (dump enwiki, https://en.wikipedia.org)" in line
