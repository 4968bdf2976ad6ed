"""Run-time knobs of the stages, typed; each default says where it comes from."""

from __future__ import annotations

import dagster as dg


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


class SplitConfig(dg.Config):
    train: float = 0.8
    valid: float = 0.1
    test: float = 0.1
    seed: int = 42
    # pool: the 16 instructions (4 templates x 4 output formats); json_schema: {"instruction","schema","input"}
    # with output {"<relation>": [{"subject","object"}]}.
    style: str = "pool"
    # Paragraphs with no triple at all: exported as negatives in "train" only (default), in "all" splits, or "none".
    negatives: str = "train"
    # Write NAN for every listed label the text does not hold.
    explicit_nan: bool = False
    # Add this many labels of other themes to each instruction (hard negatives).
    negative_labels: int = 0
    # Split a label list longer than this into several instructions (0: never).
    label_chunk_size: int = 0
