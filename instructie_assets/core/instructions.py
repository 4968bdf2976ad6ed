"""instruction_splits: article-level train/valid/test splits and instruction records.

Each record pairs a paragraph with an instruction from a pool of 16 per language (4 task templates x
4 output formats), the theme's labels in a seeded random order, and the output in that same order
(then by the head's offset).
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from typing import Literal, get_args

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
JSON_SCHEMA_TEMPLATES = {
    "en": "You are an expert in relation extraction. Extract the relation triples of the types in `schema` from `input`; answer with a JSON object mapping each relation type to a list of {\"subject\", \"object\"} pairs (an empty list when the text has none).",
    "zh": "你是关系抽取专家。请从input中抽取schema所列类型的关系三元组，以JSON对象回答：每个关系类型对应一个由{\"subject\", \"object\"}组成的列表（文中没有则为空列表）。",
}
NAN = "NAN"
SPLITS = ("train", "valid", "test")
RECORD_SCHEMA = {
    "text_id": pl.String,  # sha256 of the text: the exported `id`, shared by the instructions (label chunks) of one text
    "paragraph_id": pl.String,
    "article_id": pl.String,
    "split": pl.String,
    "cate": pl.String,
    "text": pl.String,
    "relations": pl.String,  # JSON list of {head, head_type, head_offset, relation, tail, tail_type, tail_offset}
    "entities": pl.String,  # JSON list of {entity, entity_type, entity_offset}
    "chunk": pl.Int32,
    "labels": pl.String,  # JSON list: the labels the instruction lists, in its order
    "instruction": pl.String,
    "output": pl.String,
    "template_id": pl.Int32,
    "format_id": pl.Int32,  # 0-3 the pool's output formats, 4 the JSON-schema style
    "negative": pl.Boolean,  # no triple in the text: a negative example
    "theme": pl.String,
    "language": pl.String,
}
JSON_SCHEMA_FORMAT = 4
InstructionStyle = Literal["pool", "json_schema"]
Negatives = Literal["train", "all", "none"]  # which splits get the paragraphs without any triple


@dataclass(frozen=True)
class InstructionOptions:
    """How records are written (SplitConfig in the graph carries the same fields)."""

    ratios: tuple[float, float, float] = (0.8, 0.1, 0.1)
    seed: int = 42
    style: InstructionStyle = "pool"  # pool: 16 instructions (4 templates x 4 formats); json_schema: {"instruction","schema","input"}
    negatives: Negatives = "train"  # paragraphs without any triple: in train only, in every split ("all"), or "none"
    explicit_nan: bool = False  # write NAN for every listed label absent from the text
    negative_labels: int = 0  # add this many labels of other themes to each instruction (hard negatives)
    label_chunk_size: int = 0  # split a long label list into instructions of at most this many labels

    def __post_init__(self) -> None:
        for name, kind in (("style", InstructionStyle), ("negatives", Negatives)):
            if getattr(self, name) not in get_args(kind):
                raise ValueError(f"InstructionOptions.{name} must be one of {', '.join(get_args(kind))}, not {getattr(self, name)!r}")


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


def prompt_index(rank: int, theme_index: int, n_themes: int) -> int:
    """Prompts rotate through the pool by the record's rank in its partition, each theme starting at
    its own point, so every prompt is used about equally (and all 16 on as few as 2 records/theme)."""
    return (rank + (theme_index * 16) // max(1, n_themes)) % 16


def render_output(triples: list[dict], labels: list[str], format_id: int, language: str, explicit_nan: bool) -> str:
    """The output for one instruction: its labels' triples in label order; absent labels as NAN when asked."""
    present = {t["relation"] for t in triples}
    absent = [label for label in labels if label not in present]
    if format_id == JSON_SCHEMA_FORMAT:
        grouped = {label: [{"subject": t["head"], "object": t["tail"]} for t in triples if t["relation"] == label] for label in labels}
        return json.dumps(grouped, ensure_ascii=False)
    if not triples and not (explicit_nan and absent):
        return NAN
    rows = list(triples)
    if explicit_nan:
        rows += [{"head": NAN, "relation": label, "tail": NAN} for label in absent]
    if format_id == 2 and explicit_nan:  # "relation: NAN" reads better than "relation: NAN, NAN"
        lines = [serialize([t], 2, language) if t["head"] != NAN else (f"{t['relation']}：{NAN}" if language == "zh" else f"{t['relation']}: {NAN}") for t in rows]
        return "\n".join(lines)
    return serialize(rows, format_id, language)


def build_records(
    filtered: pl.DataFrame,
    paragraphs: pl.DataFrame,
    schema: ThemeSchema,
    language: str,
    options: InstructionOptions = InstructionOptions(),
    theme_index: int = 0,
    n_themes: int = 1,
    other_labels: list[str] | None = None,
    skip_paragraphs: set[str] | frozenset[str] = frozenset(),
    type_names: dict[str, str] | None = None,
    first_rank: int = 0,
) -> pl.DataFrame:
    """Instruction records of one partition, or of a batch of its paragraphs (with their filtered
    triples): batches in paragraph id order, each starting at `first_rank` = the records before it,
    give the partition's records.

    A paragraph with kept triples gives one record per label chunk; a paragraph with no triple at all
    (none kept and none sampled away) is a negative, written in the splits `options.negatives` says.
    `skip_paragraphs` are left out (their text stands in another paragraph already). `type_names`
    maps coarse type keys to the names records carry (as published: 人物 in ZH)."""
    type_names = type_names or {}
    kept = filtered.filter(pl.col("drop_reason").is_null()).sort("paragraph_id", "head_start", "tail_start")
    sampled_away = set(filtered.filter(pl.col("drop_reason") == "sampling")["paragraph_id"].to_list())
    triples: dict[str, list[dict]] = {}
    for r in kept.to_dicts():
        triples.setdefault(r["paragraph_id"], []).append(r)
    labels = schema.label_names(language)
    sep = "、" if language == "zh" else ", "
    rows, rank = [], first_rank
    for p in paragraphs.sort("paragraph_id").to_dicts():
        pid = p["paragraph_id"]
        if pid in skip_paragraphs:
            continue
        ts = triples.get(pid, [])
        split = assign_split(p["article_id"], options.ratios, options.seed)
        negative = not ts
        if negative and (pid in sampled_away or options.negatives == "none" or (options.negatives == "train" and split != "train")):
            continue
        rng = random.Random(f"{options.seed}:{pid}")
        order = labels[:]
        rng.shuffle(order)
        if options.negative_labels and other_labels:
            extra = [x for x in other_labels if x not in order]
            order += rng.sample(extra, min(options.negative_labels, len(extra)))
            rng.shuffle(order)
        rank_of = {label: i for i, label in enumerate(order)}
        out_triples = [
            {"head": t["head"], "head_type": type_names.get(t["head_type"], t["head_type"]), "head_offset": [t["head_start"], t["head_end"]],
             "relation": t["relation_label"], "tail": t["tail"], "tail_type": type_names.get(t["tail_type"], t["tail_type"]),
             "tail_offset": [t["tail_start"], t["tail_end"]]}
            for t in sorted(ts, key=lambda t: (rank_of.get(t["relation_label"], len(rank_of)), t["head_start"], t["tail_start"]))
        ]
        entities = {}
        for t in out_triples:
            for side in ("head", "tail"):
                key = (t[side], tuple(t[f"{side}_offset"]))
                entities.setdefault(key, {"entity": t[side], "entity_type": t[f"{side}_type"], "entity_offset": t[f"{side}_offset"]})
        size = options.label_chunk_size or len(order)
        chunks = [order[i:i + size] for i in range(0, len(order), size)] or [order]
        for chunk_no, chunk in enumerate(chunks):
            chunk_triples = [t for t in out_triples if t["relation"] in chunk]
            if options.style == "json_schema":
                template_id, format_id = 0, JSON_SCHEMA_FORMAT
                instruction = json.dumps({"instruction": JSON_SCHEMA_TEMPLATES[language], "schema": chunk, "input": p["text"]}, ensure_ascii=False)
            else:
                idx = prompt_index(rank, theme_index, n_themes)
                template_id, format_id = idx // 4, idx % 4
                instruction = TEMPLATES[language][template_id].format(labels="[" + sep.join(chunk) + "]", format=FORMATS[language][format_id])
            output = render_output(chunk_triples, chunk, format_id, language, options.explicit_nan)
            rows.append((
                text_id(p["text"]), pid, p["article_id"], split, schema.cate(language), p["text"],
                json.dumps(out_triples, ensure_ascii=False), json.dumps(list(entities.values()), ensure_ascii=False),
                chunk_no, json.dumps(chunk, ensure_ascii=False), instruction, output, template_id, format_id, negative, schema.key, language,
            ))
            rank += 1
    return pl.DataFrame(rows, schema=RECORD_SCHEMA, orient="row")


def text_record(row: dict) -> dict:
    """One text with its triples, as InstructIE publishes it: `id` (sha256 of the text), `cate`,
    `text`, `relation`; train records also carry the `entity` list and the head/tail offsets."""
    relations = json.loads(row["relations"])
    if row["split"] != "train":
        relations = [{k: v for k, v in t.items() if not k.endswith("_offset")} for t in relations]
        return {"id": row["text_id"], "cate": row["cate"], "text": row["text"], "relation": relations}
    return {"id": row["text_id"], "cate": row["cate"], "text": row["text"], "entity": json.loads(row["entities"]), "relation": relations}


def instruction_record(row: dict) -> dict:
    """One instruction with its input and expected output (one per label chunk of a text)."""
    return {"id": row["text_id"], "cate": row["cate"], "instruction": row["instruction"], "input": row["text"], "output": row["output"]}
