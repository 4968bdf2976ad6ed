"""One partition of each stage, materialized by its job with fake resources: exact rows.

The corpus (tests/assets/corpus.py) places one case per rule; a wrong row names the rule that broke.
"""

import json
from pathlib import Path

import polars as pl

from tests.assets.conftest import PERSON


def rows(df: pl.DataFrame, *columns: str, by: tuple[str, ...] = ()) -> list[tuple]:
    return df.sort(list(by or columns)).select(columns).rows()


def test_articles_take_theme_and_qid_from_their_item(world):
    assert rows(world.table("articles"), "article_id", "title", "qid", "theme", "theme_reason") == [
        ("en:101", "Ada Example", "Q90001", "person", "type human -> person"),
        ("en:102", "Northam", "Q90004", "geographic_location", "type geographic_region -> geographic_location"),
        ("en:113", "Ben Example", "Q90003", "person", "type human -> person"),
        ("en:114", "Cara Example", "Q90008", "person", "type human -> person"),
    ]
    assert rows(world.table("wikipedia_redirects"), "title", "target", "language") == []  # the dump has no redirect page


def test_paragraphs_of_the_partition(world):
    person = world.table("paragraphs", "theme = 'person'")
    assert rows(person, "paragraph_id", "article_id", "paragraph_index", "n_tokens") == [
        ("en:101:0", "en:101", 0, 58), ("en:101:1", "en:101", 1, 52), ("en:101:2", "en:101", 2, 51),
        ("en:113:0", "en:113", 0, 53), ("en:114:0", "en:114", 0, 54),
    ]
    (text, anchors, bold), = person.filter(pl.col("paragraph_id") == "en:114:0").select("text", "anchors", "bold").rows()
    assert text.startswith("Cara Example was a writer and the sister of Ben Example; she was born in Kent County and lived by the sea. Her")
    assert anchors == [{"start": 44, "end": 55, "text": "Ben Example", "target": "Ben (painter)"}] and bold == [{"start": 0, "end": 12}]


def test_duplicate_texts_name_the_paragraph_that_keeps_the_text(world):
    # the Chronicle paragraph stands in Ada's article (person) and Northam's (geographic_location)
    assert rows(world.table("duplicate_texts"), "paragraph_id", "theme", "kept_paragraph_id", "kept_theme", "language") == [
        ("en:102:1", "geographic_location", "en:101:2", "person", "en"),
    ]


def test_entity_mentions(world):
    assert rows(world.table("entity_mentions", "theme = 'person'"), "paragraph_id", "start", "end", "surface", "mention_source", "candidate_qids", "drop_reason",
                by=("paragraph_id", "start")) == [
        ("en:101:0", 0, 11, "Ada Example", "bold", ["Q90001"], None),
        ("en:101:0", 13, 29, "10 December 1815", "value", [], None),
        ("en:101:0", 32, 48, "27 November 1852", "value", [], None),
        # lowercase gazetteer matches are tagged (a profession's triple is exempt in the filter)
        ("en:101:0", 65, 71, "writer", "gazetteer", ["Q90006"], "common_noun"),
        ("en:101:0", 97, 104, "Northam", "gazetteer", ["Q90002", "Q90004"], None),
        ("en:101:1", 0, 11, "Ada Example", "subject", ["Q90001"], None),
        ("en:101:1", 23, 38, "Northam College", "gazetteer", ["Q90007"], None),
        ("en:101:1", 58, 69, "Sea Example", "gazetteer", ["Q90009"], None),
        ("en:101:2", 4, 11, "Northam", "gazetteer", ["Q90002", "Q90004"], "inside_name"),  # in `The Northam Chronicle`
        ("en:113:0", 0, 11, "Ben Example", "bold", ["Q90003"], None),
        ("en:113:0", 13, 25, "3 March 1820", "value", [], None),
        ("en:113:0", 33, 40, "painter", "gazetteer", ["Q90010"], "common_noun"),
        ("en:113:0", 57, 64, "Northam", "gazetteer", ["Q90002", "Q90004"], None),
        ("en:114:0", 0, 12, "Cara Example", "bold", ["Q90008"], None),
        ("en:114:0", 19, 25, "writer", "gazetteer", ["Q90006"], "common_noun"),
        ("en:114:0", 44, 55, "Ben Example", "link", ["Q90003"], None),  # through the redirect `Ben (painter)`
        ("en:114:0", 73, 84, "Kent County", "gazetteer", ["Q90005"], None),
    ]


def test_resolved_entities_break_ties_by_sitelink(world):
    # Northam: Q90002 (near Kent County, no sitelink) vs Q90004 (Ada's and Ben's town, the enwiki article).
    # en:101:0 names Ada and Kent County (1 : 1) and en:101:2 neither (0 : 0): the sitelink decides;
    # en:113:0 names Ben (1 : 0): the neighbours decide.
    assert rows(world.table("resolved_entities", "theme = 'person'"), "paragraph_id", "surface", "qid", "coarse_type", "score", "runner_up",
                "runner_up_score", by=("paragraph_id", "start")) == [
        ("en:101:0", "Ada Example", "Q90001", "human", None, None, None),
        ("en:101:0", "10 December 1815", None, "time", None, None, None),
        ("en:101:0", "27 November 1852", None, "time", None, None, None),
        ("en:101:0", "writer", "Q90006", "profession", None, None, None),
        ("en:101:0", "Northam", "Q90004", "geographic_region", 1, "Q90002", 1),
        ("en:101:1", "Ada Example", "Q90001", "human", None, None, None),
        ("en:101:1", "Northam College", "Q90007", "organization", None, None, None),
        ("en:101:1", "Sea Example", "Q90009", "transport", None, None, None),
        ("en:101:2", "Northam", "Q90004", "geographic_region", 0, "Q90002", 0),
        ("en:113:0", "Ben Example", "Q90003", "human", None, None, None),
        ("en:113:0", "3 March 1820", None, "time", None, None, None),
        ("en:113:0", "painter", "Q90010", "profession", None, None, None),
        ("en:113:0", "Northam", "Q90004", "geographic_region", 1, "Q90002", 0),
        ("en:114:0", "Cara Example", "Q90008", "human", None, None, None),
        ("en:114:0", "writer", "Q90006", "profession", None, None, None),
        ("en:114:0", "Ben Example", "Q90003", "human", None, None, None),
        ("en:114:0", "Kent County", "Q90005", "geographic_region", None, None, None),
    ]


TRIPLES = [  # (paragraph, head, relation, tail, property, head/tail offsets, drop reason)
    ("en:101:0", "Ada Example", "date of birth", "10 December 1815", "P569", (0, 11, 13, 29), None),
    ("en:101:0", "Ada Example", "date of death", "27 November 1852", "P570", (0, 11, 32, 48), None),
    ("en:101:0", "Ada Example", "occupation", "writer", "P106", (0, 11, 65, 71), None),
    # same head and tail strings, two relations: both stand (the duplicate rule compares the relation too)
    ("en:101:0", "Ada Example", "place of birth", "Northam", "P19", (0, 11, 97, 104), None),
    ("en:101:0", "Ada Example", "place of death", "Northam", "P20", (0, 11, 97, 104), None),
    ("en:101:1", "Ada Example", "educated at", "Northam College", "P69", (0, 11, 23, 38), "schema"),
    ("en:101:1", "Ada Example", "spouse", "Sea Example", "P26", (0, 11, 58, 69), "type"),
    ("en:113:0", "Ben Example", "date of birth", "3 March 1820", "P569", (0, 11, 13, 25), None),
    ("en:113:0", "Ben Example", "occupation", "painter", "P106", (0, 11, 33, 40), None),
    ("en:113:0", "Ben Example", "place of birth", "Northam", "P19", (0, 11, 57, 64), None),
    ("en:114:0", "Cara Example", "occupation", "writer", "P106", (0, 12, 19, 25), None),
    ("en:114:0", "Cara Example", "place of birth", "Kent County", "P19", (0, 12, 73, 84), None),
    ("en:114:0", "Cara Example", "sibling", "Ben Example", "P3373", (0, 12, 44, 55), None),
]


def triples(df: pl.DataFrame) -> list[tuple]:
    return [(p, h, r, t, prop, (hs, he, ts, te), reason) for p, h, r, t, prop, hs, he, ts, te, reason in rows(
        df, "paragraph_id", "head", "relation", "tail", "property", "head_start", "head_end", "tail_start", "tail_end", "drop_reason",
        by=("paragraph_id", "relation"))]


def test_candidate_triples(world):
    assert triples(world.table("candidate_triples", "theme = 'person'").with_columns(pl.lit(None).alias("drop_reason"))) == [
        t[:-1] + (None,) for t in TRIPLES]
    assert world.table("candidate_triples", "theme = 'geographic_location'").height == 0


def test_filtered_triples_keep_the_first_reason(world):
    filtered = world.table("filtered_triples", "theme = 'person'")
    assert triples(filtered) == TRIPLES
    assert filtered["nli_score"].null_count() == filtered.height  # no NLI model configured


def test_instruction_splits_by_article(world):
    # en:101 (Ada) hashes below 0.8: train; en:113 (Ben) in [0.8, 0.9): valid; en:114 (Cara) above 0.9: test
    assert rows(world.table("instruction_splits", "theme = 'person'"), "paragraph_id", "article_id", "split", "chunk", "negative",
                "template_id", "format_id", "output") == [
        ("en:101:0", "en:101", "train", 0, False, 3, 0,
         "(Ada Example,date of birth,10 December 1815)\n(Ada Example,occupation,writer)\n(Ada Example,place of death,Northam)\n"
         "(Ada Example,date of death,27 November 1852)\n(Ada Example,place of birth,Northam)"),
        ("en:101:1", "en:101", "train", 0, True, 3, 1, "NAN"),  # every candidate dropped by a rule: a negative
        ("en:101:2", "en:101", "train", 0, True, 3, 2, "NAN"),
        ("en:113:0", "en:113", "valid", 0, False, 3, 3,
         '[{"head": "Ben Example", "relation": "date of birth", "tail": "3 March 1820"}, '
         '{"head": "Ben Example", "relation": "occupation", "tail": "painter"}, '
         '{"head": "Ben Example", "relation": "place of birth", "tail": "Northam"}]'),
        ("en:114:0", "en:114", "test", 0, False, 0, 0,
         "(Cara Example,sibling,Ben Example)\n(Cara Example,place of birth,Kent County)\n(Cara Example,occupation,writer)"),
    ]
    # Northam's copy of the Chronicle paragraph is left out (Ada's keeps the text); its other paragraph is a negative
    assert rows(world.table("instruction_splits", "theme = 'geographic_location'"), "paragraph_id", "split", "negative", "output") == [
        ("en:102:0", "train", True, "NAN")]


def test_dataset_exports_write_each_text_once(world):
    base = Path(world.out) / "en"

    def ids(path):
        return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]

    texts = dict(world.table("paragraphs").select("paragraph_id", "text").iter_rows())
    from instructie_assets.core.instructions import text_id

    assert ids(base / "person/train.jsonl") == sorted(text_id(texts[p]) for p in ("en:101:0", "en:101:1", "en:101:2"))
    assert ids(base / "person/valid.jsonl") == [text_id(texts["en:113:0"])]
    assert ids(base / "person/test.jsonl") == [text_id(texts["en:114:0"])]
    assert ids(base / "geographic_location/train.jsonl") == [text_id(texts["en:102:0"])]
    (valid,) = [json.loads(line) for line in (base / "person/valid.jsonl").read_text(encoding="utf-8").splitlines()]
    assert valid["relation"] == [
        {"head": "Ben Example", "head_type": "human", "relation": "date of birth", "tail": "3 March 1820", "tail_type": "time"},
        {"head": "Ben Example", "head_type": "human", "relation": "occupation", "tail": "painter", "tail_type": "profession"},
        {"head": "Ben Example", "head_type": "human", "relation": "place of birth", "tail": "Northam", "tail_type": "geographic region"},
    ]


def test_dataset_card_counts_every_partition(world):
    card = (Path(world.out) / "README.md").read_text(encoding="utf-8")
    # texts per theme and split (train, valid, test): Ada's three, Ben's, Cara's; Northam's one (its copy left out)
    assert "| Person | 3 | 1 | 1 |" in card and "| Geographic_Location | 1 | 0 | 0 |" in card and "| **all** | 4 | 1 | 1 |" in card
    assert "**en**: occupation 3, place of birth 3, date of birth 2, date of death 1, place of death 1, sibling 1" in card
    assert json.loads((Path(world.out) / "schema_en.json").read_text(encoding="utf-8"))["Person"][0] == "place of birth"


def test_runs_carry_their_jobs_names_in_the_graphs_order(world):
    runs = sorted(world.instance.get_runs(), key=lambda r: world.instance.get_run_record_by_id(r.run_id).create_timestamp)
    assert [(r.job_name, r.tags.get("dagster/partition", "")) for r in runs][:7] == [
        ("refresh_articles", "en"), ("refresh_paragraphs", "en|geographic_location"), ("refresh_paragraphs", "en|person"),
        ("find_duplicate_texts", "en"), ("refresh_stages", "en|geographic_location"), ("refresh_stages", "en|person"),
        ("refresh_dataset_card", ""),
    ]


def test_checks_ran_with_their_jobs(world):
    person = world.checks[str(PERSON)]
    assert {k: v.passed for k, v in person.items()} == {
        "schema_and_type_violations": True, "spans_at_offsets": True, "yield_and_diversity": True, "gold_f1": True,
        "nli_applied": False,  # no model: the 11 triples that reach the NLI rule carry no score
    }
    assert person["nli_applied"].metadata["eligible"] == 11 and person["nli_applied"].metadata["scored"] == 0
    assert person["nli_applied"].metadata["nli"].startswith("not applied")
    assert world.checks["card"]["texts_unique_across_partitions"].passed


def test_sampling_drops_paragraphs_of_common_label_combinations(world):
    """Threshold 0 gives p = 0 to every label combination: every kept triple goes to `sampling` (the
    default, 100, keeps these three rare combinations: test_filtered_triples). Re-run, then restored."""
    try:
        world.run("refresh_outputs", PERSON, run_config={"ops": {"filtered_triples": {"config": {"sampling_threshold": 0}}}},
                  assets=["filtered_triples"])
        filtered = world.table("filtered_triples", "theme = 'person'")
        assert filtered.filter(pl.col("drop_reason") == "sampling").height == 11
        assert filtered.filter(pl.col("drop_reason").is_in(["schema", "type"])).height == 2
    finally:
        world.run("refresh_outputs", PERSON, assets=["filtered_triples"])
    assert triples(world.table("filtered_triples", "theme = 'person'")) == TRIPLES
