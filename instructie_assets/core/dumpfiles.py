"""Opening dump files by extension (.bz2, .gz, plain) and naming positions in errors.

Every reader here hands out each byte the decompressor can decode before it raises, so a truncated
archive is located at its last complete line, and its errors say what is wrong in words:
`EOFError` for a truncated archive, `OSError` for corrupt data.
"""

from __future__ import annotations

import bz2
import io
from pathlib import Path
from typing import IO

GZIP_MAGIC = b"\x1f\x8b"
TRUNCATED_BZ2 = "the .bz2 file is truncated (it ends inside a compressed block)"
TRUNCATED_GZ = "the .gz file is truncated (it ends inside a compressed member)"


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
    """Open a dump for reading decompressed bytes, by its extension (a buffered file object).

    .gz: ISA-L's inflate (several times zlib's speed), members read one after another. .bz2: with
    threads > 1 indexed_bzip2 decoding blocks on `threads` cores (any bz2 file, multistream included),
    else Python's bz2. Both raise EOFError on a truncated archive only after every decodable byte."""
    stream = open_stream(path, threads)
    return stream if not isinstance(stream, _ChunkReader) else io.BufferedReader(stream, buffer_size=1 << 20)


def open_stream(path: str | Path, threads: int = 1):
    """The decompressed dump as a stream whose `read1(n)` returns the decompressor's output as it
    comes (at most n bytes, b"" at the end), without the copies of a buffered reader."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{p}: no such dump file")
    if p.suffix == ".bz2":
        with open(p, "rb") as fh:
            magic = fh.read(3)
        if magic != b"BZh":
            raise DumpFormatError(p, 1, 0, "not a bz2 archive (no BZh header)")
        return _Bz2Reader(p) if threads <= 1 else _ParallelBz2Reader(p, threads)
    if p.suffix == ".gz":
        with open(p, "rb") as fh:
            magic = fh.read(2)
        if magic and magic != GZIP_MAGIC:
            raise DumpFormatError(p, 1, 0, "not a gzip archive (no 1f 8b header)")
        return _GzipReader(p)
    return open(p, "rb", buffering=1 << 20)


class _ChunkReader(io.RawIOBase):
    """A raw stream built on `read1(n)`; `readinto` copies one chunk into the caller's buffer."""

    def readable(self) -> bool:
        return True

    def read1(self, n: int = -1) -> bytes:
        raise NotImplementedError

    def readinto(self, buf) -> int:
        view = memoryview(buf).cast("B")
        data = self.read1(len(view))
        view[: len(data)] = data
        return len(data)


class _GzipReader(_ChunkReader):
    """The members of a .gz file inflated by ISA-L, each decodable byte handed out before a
    truncation is reported (a buffered gzip reader drops the last chunk it was decoding)."""

    INPUT_BYTES = 256 << 10  # compressed bytes per inflate call (~1.5 MB of dump text)

    def __init__(self, path: Path):
        from isal import isal_zlib

        self._zlib = isal_zlib
        self._fh = open(path, "rb")
        self._inflate = isal_zlib.decompressobj(wbits=31)
        self._pending = b""  # compressed input not consumed yet
        self._held = b""  # output of the final flush of a cut member, not handed out yet
        self._in_member = False

    def read1(self, n: int = -1) -> bytes:
        n = n if n > 0 else 8 << 20
        while True:
            if self._pending:
                self._in_member = True
                try:
                    out = self._inflate.decompress(self._pending, n)
                except self._zlib.error as exc:
                    raise OSError(f"corrupt gzip data ({exc})") from exc
                self._pending = self._inflate.unconsumed_tail
                if self._inflate.eof:
                    rest = self._inflate.unused_data
                    self._pending = rest if rest.strip(b"\0") else b""  # zero padding after the last member is allowed
                    self._inflate = self._zlib.decompressobj(wbits=31)
                    self._in_member = False
                if out:
                    return out
                continue
            chunk = self._fh.read(self.INPUT_BYTES)
            if not chunk:
                if self._in_member:
                    self._held += self._inflate.flush()  # output held back by an earlier size limit
                    if self._held:
                        out, self._held = self._held[:n], self._held[n:]
                        return out
                    raise EOFError(TRUNCATED_GZ)
                return b""
            self._pending = chunk

    def close(self) -> None:
        self._fh.close()
        super().close()


class _Bz2Reader(_ChunkReader):
    """Python's bz2 decompressor over every stream of the file (exact to the last complete block).
    With `start_bit`, a window of `window` compressed bytes from a block start (the tail decoder of
    _ParallelBz2Reader): it reports a truncation only when the window reaches the end of the file."""

    def __init__(self, path: Path, start_bit: int = 0, window: int = 0):
        self._fh: IO[bytes] | None = open(path, "rb")
        self._pending = b""
        self._cut_short = False  # the window stops before the end of the file
        if start_bit:
            self._fh.seek(start_bit // 8)
            self._pending = _bits_from(self._fh.read(window), start_bit % 8)
            self._cut_short = bool(self._fh.read(1))
            self._fh.close()
            self._fh = None
        self._bz2 = bz2.BZ2Decompressor()
        self._in_stream = False

    def read1(self, n: int = -1) -> bytes:
        n = n if n > 0 else 8 << 20
        while True:
            if self._pending or (self._in_stream and not self._bz2.needs_input):
                self._in_stream = True
                try:
                    out = self._bz2.decompress(self._pending, n)
                except OSError as exc:
                    raise OSError(f"corrupt bz2 data ({exc})") from exc
                self._pending = b""
                if self._bz2.eof:
                    rest = self._bz2.unused_data
                    self._pending = rest if rest.strip(b"\0") else b""  # zero padding after the last stream is allowed
                    self._bz2 = bz2.BZ2Decompressor()
                    self._in_stream = False
                if out:
                    return out
                continue
            chunk = self._fh.read(1 << 20) if self._fh is not None else b""
            if not chunk:
                if self._in_stream and not self._cut_short:
                    raise EOFError(TRUNCATED_BZ2)
                return b""
            self._pending = chunk

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
        super().close()


def _bits_from(data: bytes, shift: int) -> bytes:
    """A new bz2 stream starting at a block that begins `shift` bits into `data`: the header `BZh9`
    then the bits from there on, realigned to bytes (the last byte is padded with zero bits)."""
    if shift:
        value = int.from_bytes(data, "big") << shift
        data = (value & ((1 << (8 * len(data))) - 1)).to_bytes(len(data), "big")
    return b"BZh9" + data


class _ParallelBz2Reader(_ChunkReader):
    """indexed_bzip2 on several cores. It hands out data in 1 MB pieces and says only
    `std::exception` when the file is cut, so on an error the blocks from the last known block
    start are decoded again with Python's bz2: every decodable byte comes out, then an error in words."""

    TAIL_BYTES = 8 << 20  # compressed bytes the tail decoder reads at most (a few bz2 blocks)

    def __init__(self, path: Path, threads: int):
        import indexed_bzip2

        self._path = path
        self._inner = indexed_bzip2.open(str(path), parallelization=threads)
        self._delivered = 0
        self._tail: _Bz2Reader | None = None
        self._skip = 0
        self._error = ""

    def read1(self, n: int = -1) -> bytes:
        n = n if n > 0 else 8 << 20
        if self._tail is None:
            try:
                data = self._inner.read(n)
                self._delivered += len(data)
                return data
            except RuntimeError as exc:
                self._start_tail(exc)
        while True:
            data = self._tail.read1(n)
            if not data:  # the tail decoder read its whole window without an error: keep the first error
                raise OSError(f"corrupt bz2 data ({self._error})")
            if self._skip >= len(data):
                self._skip -= len(data)
                continue
            data, self._skip = data[self._skip:], 0
            self._delivered += len(data)
            return data

    def _start_tail(self, exc: RuntimeError) -> None:
        self._error = str(exc)
        try:
            offsets = self._inner.available_block_offsets()
        except RuntimeError:
            offsets = {}
        known = [(byte, bit) for bit, byte in offsets.items() if byte <= self._delivered]
        if not known:
            raise EOFError(TRUNCATED_BZ2 if "std::exception" in self._error else f"corrupt bz2 data ({self._error})") from exc
        byte, bit = max(known)
        self._tail = _Bz2Reader(self._path, start_bit=bit, window=self.TAIL_BYTES)
        self._skip = self._delivered - byte

    def close(self) -> None:
        self._inner.close()
        if self._tail is not None:
            self._tail.close()
        super().close()
