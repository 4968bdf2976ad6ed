"""Opening dump files by extension (.bz2, .gz, plain) and naming positions in errors."""

from __future__ import annotations

import bz2
import gzip
from pathlib import Path
from typing import IO


class DumpFormatError(ValueError):
    """Bad input in a dump; the message names the file, the line and the byte offset."""

    def __init__(self, path: str | Path, line: int | None, byte: int | None, reason: str):
        self.path = str(path)
        self.line = line
        self.byte = byte
        self.reason = reason
        where = Path(path).name
        if line is not None:
            where += f": line {line}"
            if byte is not None:
                where += f" (byte {byte})"
        super().__init__(f"{where}: {reason}")


def open_binary(path: str | Path) -> IO[bytes]:
    """Open a dump for reading decompressed bytes, by its extension."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{p}: no such dump file")
    if p.suffix == ".bz2":
        return bz2.open(p, "rb")
    if p.suffix == ".gz":
        return gzip.open(p, "rb")
    return open(p, "rb")
