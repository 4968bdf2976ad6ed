"""The real-pages corpus: its builder writes dumps the project's readers take, its judgements are
keyed so they survive small text edits, and the bench scores them as documented."""

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
import yaml

from bench.real_pages import gate, tables
from bench.real_pages_corpus import CORPUS_DIR
from bench.real_pages_corpus.corpus import Corpus, CorpusError, SharedPagesMissing, build_dumps, entity_lines
from bench.real_pages_corpus.judgements import (
    Candidate, Judgement, JudgementError, JudgementIndex, containment, judgement_template, read_judgements, score, snippet_of,
)
from instructie_assets.core.wikidata import read_wikidata_dump
from instructie_assets.core.wikitext import count_tokens, dump_language, iter_pages, split_paragraphs, wikitext_to_plain

EN_PAGE = "Tour-EP-(Band-of-Horses-EP).txt"
ZH_PAGE = "国际奥林匹克委员会.wikitext"


def small_corpus(root: Path) -> Path:
    """Two of the corpus' own real pages, a few written entities and one entity in the
    Special:EntityData wrapper, as another team would lay out theirs."""
    (root / "pages" / "en").mkdir(parents=True)
    (root / "pages" / "zh").mkdir(parents=True)
    shutil.copy(CORPUS_DIR / "pages" / "en" / EN_PAGE, root / "pages" / "en" / EN_PAGE)
    shutil.copy(CORPUS_DIR / "pages" / "zh" / ZH_PAGE, root / "pages" / "zh" / ZH_PAGE)
    (root / "entities").mkdir()
    (root / "entities" / "written.yaml").write_text(yaml.safe_dump({
        "Q990016000": {"en": ["Tour EP"], "sites": {"enwiki": "Tour EP (Band of Horses EP)"},
                       "claims": {"P31": ["Q169930"], "P175": ["Q990016001"], "P577": ["+2005-00-00T00:00:00Z/9"]}},
        "Q990016001": {"en": ["Band of Horses"], "sites": {"enwiki": "Band of Horses"}, "claims": {"P31": ["Q215380"]}},
        "Q807": {"en": ["Lausanne"], "zh": ["洛桑"], "sites": {"zhwiki": "洛桑"}, "claims": {"P1082": ["+140202 1"]}},
    }, allow_unicode=True), encoding="utf-8")
    ioc = {"type": "item", "id": "Q40970", "labels": {"zh": {"language": "zh", "value": "国际奥林匹克委员会"}},
           "aliases": {"zh": [{"language": "zh", "value": "国际奥委会"}]},
           "claims": {"P159": [{"mainsnak": {"snaktype": "value", "property": "P159", "datavalue": {
               "value": {"entity-type": "item", "numeric-id": 807, "id": "Q807"}, "type": "wikibase-entityid"}},
               "type": "statement", "rank": "normal"}]},
           "sitelinks": {"zhwiki": {"site": "zhwiki", "title": "国际奥林匹克委员会", "badges": []}}}
    (root / "entities" / "Q40970.json").write_text(json.dumps({"entities": {"Q40970": ioc}}, ensure_ascii=False), encoding="utf-8")
    (root / "manifest.yaml").write_text(yaml.safe_dump({
        "pages": [
            {"title": "Tour EP (Band of Horses EP)", "language": "en", "file": f"pages/en/{EN_PAGE}", "subject": "Q990016000"},
            {"title": "国际奥林匹克委员会", "language": "zh", "file": f"pages/zh/{ZH_PAGE}", "subject": "Q40970"},
        ],
        "entities": {"real": ["entities/Q40970.json"], "written": ["entities/written.yaml"]},
        "redirects": [{"language": "en", "title": "Tour EP", "target": "Tour EP (Band of Horses EP)"}],
    }, allow_unicode=True), encoding="utf-8")
    return root


def test_builder_writes_dumps_the_project_reads(tmp_path):
    corpus = Corpus.load(small_corpus(tmp_path / "corpus"))
    out = build_dumps(tmp_path / "dumps", corpus)
    assert dump_language(out["en"]) == "en" and dump_language(out["zh"]) == "zh"
    en = {p.title: p for p in iter_pages(out["en"])}
    assert en["Tour EP (Band of Horses EP)"].namespace == 0 and en["Tour EP (Band of Horses EP)"].redirect is None
    assert en["Tour EP (Band of Horses EP)"].text == (CORPUS_DIR / "pages/en" / EN_PAGE).read_text(encoding="utf-8")  # byte for byte
    assert en["Tour EP"].redirect == "Tour EP (Band of Horses EP)"
    zh = list(iter_pages(out["zh"]))
    assert [p.title for p in zh] == ["国际奥林匹克委员会"]
    paragraphs = [p for p in split_paragraphs(wikitext_to_plain(zh[0].text, simplify=True)) if 50 <= count_tokens(p.text, "zh") <= 512]
    assert paragraphs and paragraphs[0].text.startswith("国际奥林匹克委员会")
    assert any(a.target == "洛桑" for a in paragraphs[0].anchors)

    raw = out["wikidata"].read_bytes()
    import gzip
    lines = gzip.decompress(raw).decode("utf-8").split("\n")
    assert lines[0] == "[" and lines[-2] == "]" and all(line.endswith(",") for line in lines[1:-3])  # the dump layout
    rows = read_wikidata_dump(out["wikidata"])
    assert ("Q40970", "zhwiki", "国际奥林匹克委员会") in rows.sitelinks
    assert ("Q40970", "P159", "Q807", "normal") in rows.item_claims
    assert ("Q990016000", "P175", "Q990016001", "normal") in rows.item_claims
    assert ("Q990016000", "P577", "+2005-00-00T00:00:00Z", 9, "Q1985727", "normal") in rows.time_claims
    origins = json.loads(out["entities"].read_text(encoding="utf-8"))
    assert origins["Q40970"] == {"kind": "real", "file": "entities/Q40970.json"}
    assert origins["Q807"] == {"kind": "written", "file": "entities/written.yaml"}
    assert origins["Q990016000"]["placeholder_id"] is True


def test_builder_refuses_a_bad_corpus(tmp_path, monkeypatch):
    root = small_corpus(tmp_path / "corpus")
    written = yaml.safe_load((root / "entities/written.yaml").read_text(encoding="utf-8"))
    written["Q40970"] = {"en": ["IOC twice"]}
    (root / "entities/written.yaml").write_text(yaml.safe_dump(written, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CorpusError, match="Q40970 is already given by entities/Q40970.json"):
        build_dumps(tmp_path / "dumps", Corpus.load(root))
    del written["Q40970"]
    written["Q990016000"]["sites"] = {"enwiki": "Tour EP"}
    (root / "entities/written.yaml").write_text(yaml.safe_dump(written, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CorpusError, match="sitelink of Q990016000 is 'Tour EP', not the page title"):
        build_dumps(tmp_path / "dumps", Corpus.load(root))
    manifest = yaml.safe_load((root / "manifest.yaml").read_text(encoding="utf-8"))
    manifest["pages"][0]["file"] = "shared:enwiki/julia_kristeva.txt"
    (root / "manifest.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("INSTRUCTIE_REAL_PAGES", str(tmp_path / "absent"))
    with pytest.raises(SharedPagesMissing, match="INSTRUCTIE_REAL_PAGES"):
        Corpus.load(root).wikitext(Corpus.load(root).pages[0])


def test_team_corpus_entities_and_judgements_are_consistent():
    corpus = Corpus.load(CORPUS_DIR)
    without_shared = Corpus(corpus.root, corpus.pages, [], corpus.written_entities, corpus.redirects)
    entities, origins = entity_lines(without_shared)  # no duplicate id across the written files
    real_subjects = {"Q2112", "Q328212"}  # the shared real entities
    assert all(p.subject in origins or p.subject in real_subjects for p in corpus.pages)
    assert len({(p.language, p.title) for p in corpus.pages}) == len(corpus.pages) >= 25
    judgements = read_judgements(corpus.root / "judgements.jsonl")
    titles = {(p.language, p.title) for p in corpus.pages}
    assert judgements and all((j.language, j.article) in titles for j in judgements)
    assert {j.label for j in judgements} == {"stated", "not_stated"} and all(j.reason for j in judgements)


PARAGRAPH = ("Julia Kristeva (; ; born 24 June 1941) is a Bulgarian-French philosopher, literary critic, psychoanalyst, "
             "feminist, and, most recently, novelist, who has lived in France since the mid-1960s. She is now a professor "
             "emeritus at the University Paris Diderot.")
OTHER = ("Born in Sliven, Bulgaria to Christian parents, Kristeva is the daughter of a church accountant. Kristeva and her "
         "sister attended a Francophone school run by Dominican nuns.")


def candidate(text: str, head="Julia Kristeva", relation="occupation", tail="novelist", language="en", article="Julia Kristeva", kept=True):
    hs = text.find(head)
    ts = text.find(tail)
    return Candidate(language, article, f"{language}:1:0", text, head, relation, tail, kept, None if kept else "nli",
                     "P106", "item", "subject", "link", hs, hs + len(head), ts, ts + len(tail))


def judged(c: Candidate, label="stated") -> Judgement:
    t = judgement_template(c)
    return Judgement(t["language"], t["article"], t["paragraph"], t["head"], t["relation"], t["tail"], label, "r", t["context"])


def test_judgement_keys_survive_small_text_edits():
    j = judged(candidate(PARAGRAPH))
    assert j.paragraph.split(" ")[:4] == ["Julia", "Kristeva", "(;", ";"] and len(j.paragraph.split(" ")) == 30
    index = JudgementIndex([j])
    edited = (PARAGRAPH.replace("(; ; born", "(born").replace("Bulgarian-French", "Bulgarian–French")
              .replace("most recently", "lately") + " The author of more than 30 books.")
    assert index.find(candidate(edited)) is j  # debris gone, a word changed, a sentence added: same judgement
    assert index.find(candidate(OTHER, head="Kristeva", tail="Sliven")) is None  # another paragraph
    assert index.find(candidate(PARAGRAPH, relation="position")) is None  # another relation
    assert index.find(candidate(PARAGRAPH, tail="philosopher")) is None  # another tail
    assert index.find(candidate(PARAGRAPH, article="Julia Kristeva (disambiguation)")) is None
    assert index.find(candidate("  Julia   Kristeva (; ; born 24 June 1941)  is a Bulgarian-French philosopher, " + PARAGRAPH[70:])) is j
    zh = "国际奥林匹克委员会（，缩写：CIO；，缩写：IOC），简称国际奥委会、国际奥会，是非政府、非营利国际体育组织，负责组织举办夏季奥林匹克运动会，总部位于瑞士洛桑。"
    jz = judged(candidate(zh, head="国际奥林匹克委员会", relation="位于", tail="洛桑", language="zh", article="国际奥林匹克委员会"))
    assert len(jz.paragraph) == 60
    zh_edited = zh.replace("（，缩写：CIO；，缩写：IOC）", "（法语：Comité International Olympique，缩写：CIO）")
    assert JudgementIndex([jz]).find(candidate(zh_edited, head="国际奥林匹克委员会", relation="位于", tail="洛桑",
                                               language="zh", article="国际奥林匹克委员会")) is jz
    assert containment(snippet_of(OTHER, "en"), PARAGRAPH, "en") < 0.2
    # a triple of the last sentence: its context is that sentence
    j2 = judged(candidate(PARAGRAPH, head="professor emeritus", tail="University Paris Diderot", relation="affiliated organization"))
    assert j2.context == "She is now a professor emeritus at the University Paris Diderot."
    reworded_opening = ("Julia Kristeva (French: [kʁisteva]; Bulgarian: Юлия Кръстева; born Yuliya Stoyanova Krasteva, 24 June "
                        "1941), a thinker of Bulgarian and French nationality, has lived in France since the mid-1960s. "
                        "She is now a professor emeritus at the University Paris Diderot.")
    assert containment(j2.paragraph, reworded_opening, "en") < 0.6  # the opening no longer matches ...
    assert JudgementIndex([j2]).find(candidate(reworded_opening, head="professor emeritus", tail="University Paris Diderot",
                                               relation="affiliated organization")) is j2  # ... the context does


def test_scores_precision_recall_and_stale_judgements():
    kept_ok = candidate(PARAGRAPH, tail="novelist")
    kept_wrong = candidate(PARAGRAPH, relation="country of citizenship", tail="France")
    dropped_ok = candidate(PARAGRAPH, tail="philosopher", kept=False)
    kept_new = candidate(PARAGRAPH, tail="psychoanalyst")
    stale = judged(candidate(OTHER, head="Kristeva", relation="place of birth", tail="Sliven"))
    judgements = [judged(kept_ok), judged(kept_wrong, "not_stated"), judged(dropped_ok), stale]
    s = score([kept_ok, kept_wrong, dropped_ok, kept_new], judgements, {("en", "Julia Kristeva"): [PARAGRAPH]})
    assert s.precision == 0.5 and len(s.kept_judged) == 2
    assert s.recall == 0.5 and len(s.stated) == 2  # novelist kept, philosopher dropped; Sliven's paragraph is gone
    assert [c.tail for c in s.kept_unjudged] == ["psychoanalyst"] and s.stale == [stale]
    assert "occupation" in tables(s) and "head:item" not in tables(s)
    assert gate({"precision": 0.96, "recall": 0.86}, {"recall": 1.0})[0]
    assert not gate({"precision": 0.96, "recall": 0.84}, {"recall": 1.0})[0]
    assert not gate({"precision": 0.94, "recall": 1.0}, {"recall": 1.0})[0]
    assert not gate({"precision": 1.0, "recall": 1.0}, None)[0]


def test_a_stated_judgement_only_the_schema_or_type_rule_drops_is_out_of_recall():
    kept_ok = candidate(PARAGRAPH, tail="novelist")
    typed_away = dataclasses.replace(candidate(PARAGRAPH, relation="alternative name", tail="Kristeva", kept=False), drop_reason="type")
    both = candidate(PARAGRAPH, tail="philosopher", kept=False)  # dropped in scope once, out of scope once
    both_typed = dataclasses.replace(both, drop_reason="schema")
    judgements = [judged(kept_ok), judged(typed_away), judged(both)]
    paragraphs = {("en", "Julia Kristeva"): [PARAGRAPH]}
    s = score([kept_ok, both], judgements, paragraphs, out_of_scope=[typed_away, both_typed])
    assert [j.tail for j in s.out_of_scope] == ["Kristeva"]
    assert s.recall == 0.5 and [j.tail for j in s.stated] == ["novelist", "philosopher"]
    assert score([kept_ok, both], judgements, paragraphs).recall == 1 / 3  # without the rule it counts as lost


def test_bad_judgement_lines_name_file_and_line(tmp_path):
    path = tmp_path / "judgements.jsonl"
    good = judged(candidate(PARAGRAPH)).as_json()
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "tail": "France", "label": "maybe"}) + "\n", encoding="utf-8")
    with pytest.raises(JudgementError, match=r"judgements.jsonl: line 2: label 'maybe'"):
        read_judgements(path)
    path.write_text(json.dumps(good) + "\n\n" + json.dumps(good) + "\n", encoding="utf-8")
    with pytest.raises(JudgementError, match="line 3: judges the same triple and paragraph as line 1"):
        read_judgements(path)
    path.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(JudgementError, match="line 1: not JSON"):
        read_judgements(path)
