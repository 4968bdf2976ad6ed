"""Writing a partition's records in the InstructIE layout, atomically (temp file, then rename).

Per theme x language x split: `<split>.jsonl` (InstructIE records, one per text), `<split>.instructions.jsonl`
(instruction records, one per instruction), and both as Parquet beside them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl

from instructie_assets.core.instructions import SPLITS, instruction_record, text_record


def _write_atomic(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def _jsonl(records: list[dict]):
    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    return write


def _parquet(records: list[dict], schema: dict):
    def write(tmp: Path) -> None:
        frame = pl.DataFrame(records, schema=schema) if records else pl.DataFrame(schema=schema)
        frame.write_parquet(tmp)
    return write


_TRIPLE = pl.Struct({"head": pl.String, "head_type": pl.String, "relation": pl.String, "tail": pl.String, "tail_type": pl.String})
_OFFSET_TRIPLE = pl.Struct({**dict(_TRIPLE.to_schema()), "head_offset": pl.List(pl.Int32), "tail_offset": pl.List(pl.Int32)})
_ENTITY = pl.Struct({"entity": pl.String, "entity_type": pl.String, "entity_offset": pl.List(pl.Int32)})
INSTRUCTIE_PARQUET = {"id": pl.String, "cate": pl.String, "text": pl.String, "relation": pl.List(_TRIPLE)}
INSTRUCTIE_TRAIN_PARQUET = {"id": pl.String, "cate": pl.String, "text": pl.String, "entity": pl.List(_ENTITY), "relation": pl.List(_OFFSET_TRIPLE)}
INSTRUCTION_PARQUET = {"id": pl.String, "cate": pl.String, "instruction": pl.String, "input": pl.String, "output": pl.String}


def write_partition_exports(records: pl.DataFrame, out_dir: str | Path, theme: str, language: str) -> dict[str, Path]:
    base = Path(out_dir) / language / theme
    written: dict[str, Path] = {}
    rows = records.sort("text_id", "chunk").to_dicts() if records.height else []
    for split in SPLITS:
        part = [r for r in rows if r["split"] == split]
        texts = [text_record(r) for r in part if r["chunk"] == 0]
        instructions = [instruction_record(r) for r in part]
        files = {
            f"{split}.jsonl": _jsonl(texts),
            f"{split}.instructions.jsonl": _jsonl(instructions),
            f"{split}.parquet": _parquet(texts, INSTRUCTIE_TRAIN_PARQUET if split == "train" else INSTRUCTIE_PARQUET),
            f"{split}.instructions.parquet": _parquet(instructions, INSTRUCTION_PARQUET),
        }
        for name, write in files.items():
            _write_atomic(base / name, write)
            written[name] = base / name
    return written
