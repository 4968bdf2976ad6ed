"""Files written whole or not at all: into a temporary file beside the target (a name private to the
writer, so two writers never share one), flushed to disk, then renamed over the target. A reader, or
a run killed half-way, sees the old file or the new one, never a part. OS errors (a full disk, no
permission) are reported as themselves: what was written, the file, the errno.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

from instructie_assets.core.storage_errors import os_storage_error

TEMP_PREFIX = ".tmp-"


def write_atomic(path: str | Path, write: Callable[[Path], None], what: str = "") -> Path:
    """`write(temporary_path)` writes the content; then it replaces `path` in one rename."""
    path = Path(path)
    what = what or f"writing {path.name}"
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}.", dir=path.parent)
        os.close(fd)
        tmp = Path(name)
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise os_storage_error(exc, what) or exc from exc
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
    return path


def write_text_atomic(path: str | Path, text: str, what: str = "") -> Path:
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), what)
