"""Run-time knobs of the stages, typed; each default says where it comes from."""

from __future__ import annotations

from typing import Literal

import dagster as dg

from instructie_assets.core.filtering import FilterOptions
from instructie_assets.core.instructions import InstructionStyle, Negatives


class ParagraphConfig(dg.Config):
    # InstructIE keeps paragraphs of 50-512 tokens (paper, section 3.1).
    min_tokens: int = 50
    max_tokens: int = 512
    # Tokens are EN words and ZH characters; a Hugging Face tokenizer (hub id or local directory)
    # counts them instead when set.
    tokenizer: str = ""
    # List items never run into prose; by default they are dropped (the paper keeps running text),
    # with keep_lists each item is a paragraph of its own (and still needs min_tokens).
    keep_lists: bool = False
    # Merge consecutive short paragraphs of one section up to max_tokens before the length filter,
    # so short leads are not lost (off: the paper's plain 50-512 rule).
    merge_short: bool = False


class FilterConfig(dg.Config):
    # The authors' NLI threshold (0.5); used only when an NLI model is configured.
    nli_threshold: float = 0.5
    # Label-centric sampling: p_keep = min(1, (threshold / frequency) ** exponent).
    sampling_threshold: int = 100
    sampling_exponent: float = 0.5
    seed: int = 42
    # Date rule: False keeps a date's tail as written ("December 2009"); True writes the statement's
    # value at its own precision ("4 December 2009"). `tail_written` keeps the text's form.
    refine_dates: bool = False
    # Value discipline (drop reason `value_precision`): the coarsest written form a finer date may
    # take. "own": a date matches only text written at its own precision (a day-precise date needs
    # its day; a year alone never stands for it; measured on real pages, year-only matches were
    # often another event's year); "month" / "year" accept coarser forms.
    coarsest_date: Literal["own", "month", "year"] = "own"
    # Value discipline (drop reason `value_unit`): a quantity with a unit needs its unit in the text.
    quantity_needs_unit: bool = True
    # Evidence locality (drop reason `evidence`): "sentence" keeps a triple only when head and tail
    # are found in one sentence (sentencex for EN; 。！？； for ZH); "paragraph" anywhere in it.
    evidence: Literal["sentence", "paragraph"] = "sentence"
    # Count the article's subject as present where a sentence refers to it as a pronoun or a
    # description ("He was born in...", "The tower is...", "他出生于...", "该塔高..."), as T-REx does.
    subject_reference: bool = True
    # Relations of the article subject's own parts and works (an album's tracks, a band's members, an
    # author's works; EN relation names): in a paragraph of the subject's own article they are stated across
    # its sentences where the tail is named as the page introduces it (a link, or a name not linked
    # before), not where it repeats a name linked earlier. Measured on the judged real pages: 7 stated, 0 not.
    # Empty: sentence evidence for them too.
    subject_part_relations: list[str] = ["tracklist", "member", "work"]
    # A `located in` written as a list of the tail's parts ("The many communities of Toronto ...
    # enclaves such as Rosedale, Cabbagetown..."), the tail the first place named in the sentence before
    # (`part_lists` in resources/relation_cues.yaml); off: dropped with `evidence`.
    part_lists: bool = True
    # Relations listed under `linking` in resources/relation_cues.yaml (located in, capital, citizenship,
    # ...) are kept only where one of their cues links head and tail in the evidence sentence
    # ("Bodmin, Cornwall", "the capital of", "位于"): drop reason `no_relation_cue`; off: co-mention is enough.
    relation_cues: bool = True
    # A date written coarser than its statement stands where a `dates` cue of resources/relation_cues.yaml
    # ties it to the event ("First convened in 1973", "until the caliph's death in 1021"): the year is then
    # this event's, not another one's (on the judged real pages: +2 stated, 0 not stated); off: `coarsest_date`
    # alone decides.
    date_cues: bool = True
    # NLI premise: "sentence" (default: the evidence sentence, plus the sentences naming head and
    # tail when they stand elsewhere; sharper and faster) or "paragraph" (the authors' choice).
    nli_premise: Literal["sentence", "paragraph"] = "sentence"

    def options(self) -> FilterOptions:
        """The same knobs as core's FilterOptions."""
        values = {name: getattr(self, name) for name in FilterOptions.__dataclass_fields__}
        return FilterOptions(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})


class SplitConfig(dg.Config):
    train: float = 0.8
    valid: float = 0.1
    test: float = 0.1
    seed: int = 42
    # pool: the 16 instructions (4 templates x 4 output formats); json_schema: {"instruction","schema","input"}
    # with output {"<relation>": [{"subject","object"}]}.
    style: InstructionStyle = "pool"
    # Paragraphs with no triple at all: exported as negatives in "train" only (default), in "all" splits, or "none".
    negatives: Negatives = "train"
    # Write NAN for every listed label the text does not hold.
    explicit_nan: bool = False
    # Add this many labels of other themes to each instruction (hard negatives).
    negative_labels: int = 0
    # Split a label list longer than this into several instructions (0: never).
    label_chunk_size: int = 0
