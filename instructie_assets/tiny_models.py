"""Tiny random transformers models, built locally, for tests and benchmarks (no downloads).

They go through exactly the loading path real models take (`from_pretrained` on a directory): a
WordPiece tokenizer over the given texts' words and CJK characters, and a 2-layer BERT with hidden
size 32. Their predictions are random but deterministic for a seed.
"""

from __future__ import annotations

import re
from pathlib import Path

_SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
_PIECES = re.compile(r"[\u3400-\u9fff]|[^\W\u3400-\u9fff]+")


def _tokenizer(texts: list[str], max_length: int):
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    words = sorted({w for t in texts for w in _PIECES.findall(t.lower())})
    chars = sorted({c for w in words for c in w})
    vocab = {w: i for i, w in enumerate(dict.fromkeys(_SPECIAL + words + chars + [f"##{c}" for c in chars]))}
    tk = Tokenizer(models.WordPiece(vocab=vocab, unk_token="[UNK]"))
    tk.normalizer = normalizers.BertNormalizer(lowercase=True, handle_chinese_chars=True)
    tk.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tk.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tk, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
        mask_token="[MASK]", model_max_length=max_length,
    ), len(vocab)


def _config(vocab_size: int, labels: list[str], max_length: int, spread: float):
    from transformers import BertConfig

    return BertConfig(
        vocab_size=vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=37,
        max_position_embeddings=max_length, num_labels=len(labels),
        id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)}, initializer_range=spread,
    )


def build_tiny_model(directory: str | Path, kind: str, labels: list[str], texts: list[str], seed: int = 0,
                     max_length: int = 512, spread: float = 0.5) -> Path:
    """Write a tiny `sequence_classification` or `token_classification` model to `directory`."""
    import torch
    from transformers import BertForSequenceClassification, BertForTokenClassification

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer, vocab_size = _tokenizer(texts, max_length)
    torch.manual_seed(seed)
    cls = {"sequence_classification": BertForSequenceClassification, "token_classification": BertForTokenClassification}[kind]
    model = cls(_config(vocab_size, labels, max_length, spread))
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def build_tiny_nli(directory: str | Path, texts: list[str], seed: int = 0) -> Path:
    return build_tiny_model(directory, "sequence_classification", ["entailment", "neutral", "contradiction"], texts, seed)


def build_tiny_ner(directory: str | Path, texts: list[str], seed: int = 0) -> Path:
    labels = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MISC", "I-MISC"]
    return build_tiny_model(directory, "token_classification", labels, texts, seed, spread=1.0)


def build_tiny_classifier(directory: str | Path, labels: list[str], texts: list[str], seed: int = 0) -> Path:
    return build_tiny_model(directory, "sequence_classification", labels, texts, seed)
