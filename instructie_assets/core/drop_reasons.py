"""Why a mention or a triple was not kept: the one list, in the order the rules run.

The filter, the asset checks, the asset metadata and the dataset card all read these lists, so a
new rule appears everywhere by being added here (with a line saying what it means).

Mention rules tag a mention in `entity_mentions.drop_reason` and the mention travels on; a
candidate triple built on a tagged mention is dropped in `filtered_triples` with the mention's
reason, so every rule is counted where it costs a triple (and can be judged there).
"""

from __future__ import annotations

MENTION_DROP_REASONS: dict[str, str] = {
    "inside_name": "the mention lies inside a longer name of something else (`Columbia University` in "
                   "`Columbia University Press`, a surname in another person's full name, 剑桥 in 剑桥大学)",
    "common_noun": "an EN gazetteer match that is not a proper name (no capital letter: `the town`, `poem`) "
                   "and not a profession",
    "bold_not_subject": "a bold span outside the lead, or one that shares no word with the subject's names",
    "anchor_not_name": "a repeat of a link's text that is not a name of its target (a demonym or adjective: "
                       "`Greek` linked to Greece)",
}

# Triple rules, in the order they run; a triple keeps the first reason that applies.
TRIPLE_DROP_REASONS: dict[str, str] = {
    "schema": "the relation is not the theme's, or its source property is not listed for it (in this language)",
    "type": "head or tail coarse type is not allowed for the relation",
    **{k: f"head or tail mention: {v}" for k, v in MENTION_DROP_REASONS.items()},
    "apposition": "head or tail is a common noun set right before another name (`the novelist Philippe Sollers`): "
                  "it describes that name, not the other end of the triple",
    "value_precision": "a date written coarser than the statement's precision (a year alone for a day-precise date)",
    "value_unit": "a quantity with a unit written as a bare number",
    "evidence": "head and tail are not in one sentence (or only through the subject as a pronoun, when that is off)",
    "no_relation_cue": "the relation needs words linking head and tail (resources/relation_cues.yaml: `Bodmin, Cornwall`, "
                       "`the capital of`, `位于`, `…籍`) and its evidence sentence has none: co-mention does not state it",
    "duplicate": "the same (head, relation, tail) strings are already kept in the paragraph",
    "nli": "the NLI model does not find the premise to entail the triple",
    "sampling": "label-centric sampling dropped the paragraph (its label combination is common)",
}


def drop_count_keys() -> list[str]:
    """`dropped_<reason>` for every triple reason, then `kept`: the metadata keys of filtered_triples."""
    return [f"dropped_{r}" for r in TRIPLE_DROP_REASONS] + ["kept"]
