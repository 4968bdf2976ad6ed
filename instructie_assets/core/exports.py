"""Writing a partition's records as JSONL files, atomically (write to a temp file, then rename)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl

from instructie_assets.core.instructions import SPLITS, instruction_record, instructie_record


def _write_atomic(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.writelines(lines)
    os.replace(tmp, path)


def write_partition_exports(records: pl.DataFrame, out_dir: str | Path, theme: str, language: str) -> dict[str, Path]:
    base = Path(out_dir) / language / theme
    written: dict[str, Path] = {}
    rows = records.sort("record_id").to_dicts() if records.height else []
    for split in SPLITS:
        part = [r for r in rows if r["split"] == split]
        p1 = base / f"{split}.jsonl"
        _write_atomic(p1, [json.dumps(instructie_record(r), ensure_ascii=False) + "\n" for r in part])
        p2 = base / f"{split}.instructions.jsonl"
        _write_atomic(p2, [json.dumps(instruction_record(r), ensure_ascii=False) + "\n" for r in part])
        written[split] = p1
        written[f"{split}.instructions"] = p2
    return written
