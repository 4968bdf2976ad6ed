"""The errors of writing to storage, shared by the file writers here and the lake (`storage/lake.py`)."""

from __future__ import annotations

import os


class StorageError(RuntimeError):
    """A write that failed for a reason of the storage itself (disk full, permissions, a lost catalog)."""


class CommitConflictError(StorageError):
    """A transaction that kept conflicting with other writers until the retries ran out."""


class EmptyReplacementError(StorageError):
    """New rows that are empty would replace rows that are not (refused unless allowed)."""


def os_storage_error(exc: BaseException, what: str) -> BaseException | None:
    """An OS-level failure as a StorageError saying what was being written, the file and the errno;
    None for any other error."""
    if isinstance(exc, OSError) and exc.errno:
        where = f"{exc.filename}: " if exc.filename else ""
        return StorageError(f"{what}: {where}[Errno {exc.errno}] {exc.strerror or os.strerror(exc.errno)}")
    return None
