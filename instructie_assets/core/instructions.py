"""instruction_splits: article-level train/valid/test splits and instruction records.

Each record pairs a paragraph with an instruction from a pool of 16 per language (4 task templates x
4 output formats), the theme's labels in a seeded random order, and the output in that same order
(then by the head's offset).
"""

from __future__ import annotations

import hashlib
import json
import random

import polars as pl

from instructie_assets.core.filtering import seeded_uniform
from instructie_assets.core.output_formats import serialize
from instructie_assets.core.schemas import ThemeSchema

TEMPLATES = {
    "en": [
        "You are an expert in relation extraction. From the input text, extract the relation triples whose relation is in the list {labels}. {format}",
        "Find every (head entity, relation, tail entity) triple expressed in the text below. Use only these relations: {labels}. {format}",
        "Read the text and identify the relations between entities that belong to {labels}. Ignore relations outside the list. {format}",
        "Extract knowledge triples from the given text. The allowed relation types are {labels}; leave out anything else. {format}",
    ],
    "zh": [
        "你是一个关系抽取专家。请从输入文本中抽取关系属于列表{labels}的三元组。{format}",
        "找出下列文本中表达的所有（头实体，关系，尾实体）三元组，只使用这些关系：{labels}。{format}",
        "阅读文本，识别实体之间属于{labels}的关系，忽略列表以外的关系。{format}",
        "从给定文本中抽取知识三元组。允许的关系类型为{labels}，其余的不要输出。{format}",
    ],
}
FORMATS = {
    "en": [
        "Answer with one (head,relation,tail) tuple per line.",
        "Answer with one line per triple in the form: head is ..., relation is ..., tail is ...",
        "Answer with one line per triple in the form relation: head, tail",
        'Answer with a JSON list of objects with the keys "head", "relation" and "tail".',
    ],
    "zh": [
        "每行输出一个(头实体,关系,尾实体)元组。",
        "每行输出一个三元组，格式为：头实体是…，关系是…，尾实体是…",
        "每行输出一个三元组，格式为：关系：头实体，尾实体",
        '以JSON列表输出，每个元素包含"head"、"relation"和"tail"三个键。',
    ],
}
NAN = "NAN"
SPLITS = ("train", "valid", "test")
RECORD_SCHEMA = {
    "record_id": pl.String,
    "paragraph_id": pl.String,
    "article_id": pl.String,
    "split": pl.String,
    "cate": pl.String,
    "text": pl.String,
    "relations": pl.String,
    "instruction": pl.String,
    "output": pl.String,
    "template_id": pl.Int32,
    "format_id": pl.Int32,
    "theme": pl.String,
    "language": pl.String,
}


def text_id(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def assign_split(article_id: str, ratios: tuple[float, float, float], seed: int) -> str:
    """Stable by article: a hash of the article id, not a shuffle, so new articles never move old ones."""
    u = seeded_uniform(seed, f"split:{article_id}")
    if u < ratios[0]:
        return "train"
    if u < ratios[0] + ratios[1]:
        return "valid"
    return "test"


def build_records(
    filtered: pl.DataFrame,
    paragraphs: pl.DataFrame,
    schema: ThemeSchema,
    language: str,
    seed: int = 42,
    ratios: tuple[float, float, float] = (0.8, 0.1, 0.1),
) -> pl.DataFrame:
    kept = filtered.filter(pl.col("drop_reason").is_null()).sort("paragraph_id", "head_start", "tail_start")
    triples: dict[str, list[dict]] = {}
    for r in kept.to_dicts():
        triples.setdefault(r["paragraph_id"], []).append(r)
    rows = []
    labels = schema.label_names(language)
    sep = "、" if language == "zh" else ", "
    for p in paragraphs.sort("paragraph_id").to_dicts():
        ts = triples.get(p["paragraph_id"])
        if not ts:
            continue
        rng = random.Random(f"{seed}:{p['paragraph_id']}")
        order = labels[:]
        rng.shuffle(order)
        rank = {label: i for i, label in enumerate(order)}
        out_triples = [
            {"head": t["head"], "head_type": t["head_type"], "relation": t["relation_label"], "tail": t["tail"], "tail_type": t["tail_type"]}
            for t in sorted(ts, key=lambda t: (rank.get(t["relation_label"], len(rank)), t["head_start"], t["tail_start"]))
        ]
        template_id, format_id = rng.randrange(4), rng.randrange(4)
        label_list = "[" + sep.join(order) + "]"
        instruction = TEMPLATES[language][template_id].format(labels=label_list, format=FORMATS[language][format_id])
        rows.append((
            text_id(p["text"]), p["paragraph_id"], p["article_id"], assign_split(p["article_id"], ratios, seed),
            schema.cate(language), p["text"], json.dumps(out_triples, ensure_ascii=False), instruction,
            serialize(out_triples, format_id, language), template_id, format_id, schema.key, language,
        ))
    return pl.DataFrame(rows, schema=RECORD_SCHEMA, orient="row")


def instructie_record(row: dict) -> dict:
    """The published InstructIE record layout."""
    return {"id": row["record_id"], "cate": row["cate"], "text": row["text"], "relation": json.loads(row["relations"])}


def instruction_record(row: dict) -> dict:
    return {"id": row["record_id"], "cate": row["cate"], "instruction": row["instruction"], "input": row["text"], "output": row["output"]}
