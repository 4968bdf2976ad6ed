"""Writing a partition's records in the InstructIE layout, atomically (temp file, then rename).

Per theme x language x split: `<split>.jsonl` (InstructIE records, one per text), `<split>.instructions.jsonl`
(instruction records, one per instruction), and both as Parquet beside them.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from instructie_assets.core.atomic_files import TEMP_PREFIX
from instructie_assets.core.instructions import SPLITS, instruction_record, text_record
from instructie_assets.core.storage_errors import os_storage_error


_TRIPLE = pl.Struct({"head": pl.String, "head_type": pl.String, "relation": pl.String, "tail": pl.String, "tail_type": pl.String})
_OFFSET_TRIPLE = pl.Struct({**dict(_TRIPLE.to_schema()), "head_offset": pl.List(pl.Int32), "tail_offset": pl.List(pl.Int32)})
_ENTITY = pl.Struct({"entity": pl.String, "entity_type": pl.String, "entity_offset": pl.List(pl.Int32)})
INSTRUCTIE_PARQUET = {"id": pl.String, "cate": pl.String, "text": pl.String, "relation": pl.List(_TRIPLE)}
INSTRUCTIE_TRAIN_PARQUET = {"id": pl.String, "cate": pl.String, "text": pl.String, "entity": pl.List(_ENTITY), "relation": pl.List(_OFFSET_TRIPLE)}
INSTRUCTION_PARQUET = {"id": pl.String, "cate": pl.String, "instruction": pl.String, "input": pl.String, "output": pl.String}


def write_partition_exports(records: pl.DataFrame, out_dir: str | Path, theme: str, language: str) -> dict[str, Path]:
    writer = PartitionExportWriter(out_dir, theme, language)
    try:
        writer.add(records.sort("text_id", "chunk") if records.height else records)
        return writer.close()
    finally:
        writer.abort()


class PartitionExportWriter:
    """The export files of one theme x language partition, written batch by batch: `add` batches of
    records in (text_id, chunk) order, then `close` puts every file in place, each in one rename
    (see core/atomic_files.py); until then the previous files stand. Holds one batch at a time.

    Per split: `<split>.jsonl` (InstructIE records, chunk 0), `<split>.instructions.jsonl` (every
    instruction record), and both as Parquet."""

    def __init__(self, out_dir: str | Path, theme: str, language: str):
        self.base = Path(out_dir) / language / theme
        self.what = f"exporting {language}/{theme}"
        self._temps: dict[str, Path] = {}
        self._jsonl: dict[str, object] = {}
        self._parquet: dict[str, tuple[pq.ParquetWriter, pa.Schema, dict]] = {}
        try:
            self.base.mkdir(parents=True, exist_ok=True)
            for split in SPLITS:
                for name in (f"{split}.jsonl", f"{split}.instructions.jsonl"):
                    self._jsonl[name] = open(self._temp(name), "w", encoding="utf-8")
                for name, schema in ((f"{split}.parquet", INSTRUCTIE_TRAIN_PARQUET if split == "train" else INSTRUCTIE_PARQUET),
                                     (f"{split}.instructions.parquet", INSTRUCTION_PARQUET)):
                    arrow_schema = pl.DataFrame(schema=schema).to_arrow().schema
                    self._parquet[name] = (pq.ParquetWriter(self._temp(name), arrow_schema), arrow_schema, schema)
        except OSError as exc:
            self.abort()
            raise os_storage_error(exc, self.what) or exc from exc

    def _temp(self, name: str) -> Path:
        fd, path = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{name}.", dir=self.base)
        os.close(fd)
        self._temps[name] = Path(path)
        return Path(path)

    def add(self, records: pl.DataFrame) -> None:
        """Records of the partition (RECORD_SCHEMA), after those of the previous batches in (text_id, chunk) order."""
        rows = records.to_dicts() if records.height else []
        try:
            for split in SPLITS:
                part = [r for r in rows if r["split"] == split]
                if not part:
                    continue
                texts = [text_record(r) for r in part if r["chunk"] == 0]
                instructions = [instruction_record(r) for r in part]
                for name, items in ((f"{split}.jsonl", texts), (f"{split}.instructions.jsonl", instructions)):
                    self._jsonl[name].writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in items)
                for name, items in ((f"{split}.parquet", texts), (f"{split}.instructions.parquet", instructions)):
                    writer, arrow_schema, schema = self._parquet[name]
                    if items:
                        writer.write_table(pl.DataFrame(items, schema=schema).to_arrow().cast(arrow_schema))
        except OSError as exc:
            raise os_storage_error(exc, self.what) or exc from exc

    def close(self) -> dict[str, Path]:
        """Every file in place (fsynced, then renamed over the previous one); returns name -> path."""
        written: dict[str, Path] = {}
        try:
            for fh in self._jsonl.values():
                fh.flush()
                os.fsync(fh.fileno())
                fh.close()
            for writer, _, _ in self._parquet.values():
                writer.close()
            self._jsonl, self._parquet = {}, {}
            for split in SPLITS:
                for name in (f"{split}.jsonl", f"{split}.instructions.jsonl", f"{split}.parquet", f"{split}.instructions.parquet"):
                    tmp = self._temps.pop(name)
                    with open(tmp, "rb+") as fh:
                        os.fsync(fh.fileno())
                    os.chmod(tmp, 0o644)
                    os.replace(tmp, self.base / name)
                    written[name] = self.base / name
        except OSError as exc:
            raise os_storage_error(exc, self.what) or exc from exc
        return written

    def abort(self) -> None:
        """Close and remove what is not in place yet (a failed or abandoned export)."""
        for fh in self._jsonl.values():
            fh.close()
        for writer, _, _ in self._parquet.values():
            try:
                writer.close()
            except Exception:  # noqa: BLE001 - the files are removed anyway
                pass
        self._jsonl, self._parquet = {}, {}
        for tmp in self._temps.values():
            tmp.unlink(missing_ok=True)
        self._temps = {}


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
