"""Opening dump files by extension (.bz2, .gz, plain) and naming positions in errors."""

from __future__ import annotations

import bz2
import io
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


def open_binary(path: str | Path, threads: int = 1) -> IO[bytes]:
    """Open a dump for reading decompressed bytes, by its extension.

    .gz: ISA-L's igzip (several times zlib's speed; with threads > 1 decompression runs in its own
    thread, ahead of the reader). .bz2: indexed_bzip2 decoding blocks on `threads` cores (any bz2
    file, multistream included). Both raise on a truncated archive."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{p}: no such dump file")
    if p.suffix == ".bz2":
        with open(p, "rb") as fh:
            magic = fh.read(3)
        if magic != b"BZh":
            raise DumpFormatError(p, 1, 0, "not a bz2 archive (no BZh header)")
        if threads <= 1:
            return bz2.open(p, "rb")
        import indexed_bzip2

        return io.BufferedReader(indexed_bzip2.open(str(p), parallelization=threads), buffer_size=1 << 20)
    if p.suffix == ".gz":
        from isal import igzip, igzip_threaded

        return igzip_threaded.open(p, "rb", threads=1) if threads > 1 else igzip.open(p, "rb")
    return open(p, "rb")
