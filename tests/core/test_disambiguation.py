"""Disambiguation's order: neighbours' labels in the paragraph, then the language's sitelink, then the
smaller QID; each step decides a case here that the steps before it leave tied."""

import polars as pl

from instructie_assets.core.disambiguation import resolve_mentions
from instructie_assets.core.mentions import MENTION_SCHEMA
from instructie_assets.core.schemas import load_project_config
from tests.conftest import entity
from tests.core.test_schemas import ROOT

TAXONOMY = load_project_config(ROOT / "theme_schemas", ROOT / "resources").taxonomy
WORLD = [
    entity("Q515", en=["city"]),
    entity("Q70", en=["Kent"], claims={"P31": ["Q515"]}),
    # two places called Northam: the smaller QID has no sitelink, the larger the enwiki article
    entity("Q102", en=["Northam"], claims={"P31": ["Q515"], "P131": ["Q70"]}),
    entity("Q104", en=["Northam"], sites={"enwiki": "Northam"}, claims={"P31": ["Q515"]}),
    # two places called Southam, neither with a sitelink
    entity("Q206", en=["Southam"], claims={"P31": ["Q515"]}),
    entity("Q208", en=["Southam"], claims={"P31": ["Q515"]}),
]


def resolve(make_store, text: str, surface: str) -> tuple:
    store = make_store(WORLD)
    start = text.index(surface)
    mentions = pl.DataFrame([{"mention_id": f"p:{start}", "paragraph_id": "p", "article_id": "a", "start": start, "end": start + len(surface),
                              "surface": surface, "mention_source": "gazetteer", "candidate_qids": sorted(store.qids_for_surfaces([surface], "en")[surface]),
                              "value_statements": [], "drop_reason": None, "theme": "person", "language": "en"}], schema=MENTION_SCHEMA)
    paragraphs = pl.DataFrame({"paragraph_id": ["p"], "text": [text]})
    row = resolve_mentions(mentions, paragraphs, store, TAXONOMY, "en").row(0, named=True)
    return row["qid"], row["score"], row["runner_up"], row["runner_up_score"], row["coarse_type"]


def test_neighbours_in_the_paragraph_decide_first(make_store):
    # Kent (Q102's neighbour) is written: Q102 wins although Q104 has the sitelink
    assert resolve(make_store, "He lived in Northam, Kent, all his life.", "Northam") == ("Q102", 1, "Q104", 0, "geographic_region")


def test_a_tie_goes_to_the_candidate_with_a_sitelink(make_store):
    assert resolve(make_store, "He lived in Northam all his life.", "Northam") == ("Q104", 0, "Q102", 0, "geographic_region")


def test_then_to_the_smaller_qid(make_store):
    assert resolve(make_store, "He lived in Southam all his life.", "Southam") == ("Q206", 0, "Q208", 0, "geographic_region")
