"""Writing a partition's records in the InstructIE layout, atomically (temp file, then rename).

Per theme x language x split: `<split>.jsonl` (InstructIE records, one per text), `<split>.instructions.jsonl`
(instruction records, one per instruction), and both as Parquet beside them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl

from instructie_assets.core.atomic_files import TEMP_PREFIX, write_atomic
from instructie_assets.core.instructions import SPLITS, instruction_record, instructie_record


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
    rows = records.sort("record_id", "chunk").to_dicts() if records.height else []
    for split in SPLITS:
        part = [r for r in rows if r["split"] == split]
        texts = [instructie_record(r) for r in part if r["chunk"] == 0]
        instructions = [instruction_record(r) for r in part]
        files = {
            f"{split}.jsonl": _jsonl(texts),
            f"{split}.instructions.jsonl": _jsonl(instructions),
            f"{split}.parquet": _parquet(texts, INSTRUCTIE_TRAIN_PARQUET if split == "train" else INSTRUCTIE_PARQUET),
            f"{split}.instructions.parquet": _parquet(instructions, INSTRUCTION_PARQUET),
        }
        for name, write in files.items():
            write_atomic(base / name, write, f"exporting {language}/{theme}/{name}")
            written[name] = base / name
    return written


EXPORT_FILES = frozenset(f"{split}{kind}" for split in SPLITS for kind in (".jsonl", ".instructions.jsonl", ".parquet", ".instructions.parquet"))


def remove_stale_exports(out_dir: str | Path, themes: list[str], languages: list[str]) -> tuple[list[str], list[str]]:
    """Export directories `<out>/<language>/<theme>` of themes that no longer exist (their schema file was
    removed or renamed): removed when they hold only export files, so the card's `<lang>/*/train.jsonl`
    never picks them up; kept (and returned as such) when they hold anything else. (removed, kept)."""
    removed, kept = [], []
    for language in languages:
        base = Path(out_dir) / language
        for directory in sorted(p for p in base.iterdir() if p.is_dir() and p.name not in themes) if base.is_dir() else []:
            names = {p.name for p in directory.iterdir()}
            ours = {n for n in names if n in EXPORT_FILES or n.startswith(TEMP_PREFIX)}
            if names == ours:
                shutil.rmtree(directory)
                removed.append(f"{language}/{directory.name}")
            else:
                kept.append(f"{language}/{directory.name}")
    return removed, kept
