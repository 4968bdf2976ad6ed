"""Files written whole or not at all, OS errors as themselves, exports of removed themes cleaned up."""

import errno
import os

import pytest

from instructie_assets.core.atomic_files import write_atomic, write_text_atomic
from instructie_assets.core.exports import EXPORT_FILES, remove_stale_exports
from instructie_assets.storage.lake import StorageError


def test_a_failing_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "card" / "README.md"
    write_text_atomic(target, "old")

    def half_then_fail(tmp):
        tmp.write_text("new but cut")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp))

    with pytest.raises(StorageError, match=r"writing the card: .*README.md.*: \[Errno 28\] No space left on device"):
        write_atomic(target, half_then_fail, "writing the card")
    assert target.read_text() == "old"
    assert os.listdir(target.parent) == ["README.md"]


def test_two_writers_use_their_own_temporary_files(tmp_path):
    target = tmp_path / "instances.png"
    seen = []

    def outer(tmp):
        seen.append(tmp)
        write_text_atomic(target, "inner")  # another writer finishing while this one writes
        tmp.write_text("outer")

    write_atomic(target, outer)
    assert seen[0] != target and seen[0].name.startswith(".tmp-instances.png.")
    assert target.read_text() == "outer"  # the later rename wins, whole
    assert os.listdir(tmp_path) == ["instances.png"]


def test_exports_of_removed_themes_are_removed_and_others_kept(tmp_path):
    for lang in ("en", "zh"):
        for theme in ("person", "vehicle"):
            for name in sorted(EXPORT_FILES)[:3]:
                (tmp_path / lang / theme).mkdir(parents=True, exist_ok=True)
                (tmp_path / lang / theme / name).write_text("x")
    (tmp_path / "zh" / "vehicle" / "notes.txt").write_text("mine")  # not ours: kept, reported
    removed, kept = remove_stale_exports(tmp_path, ["person", "works"], ["en", "zh"])
    assert removed == ["en/vehicle"] and kept == ["zh/vehicle"]
    assert not (tmp_path / "en" / "vehicle").exists() and (tmp_path / "zh" / "vehicle" / "notes.txt").exists()
    assert (tmp_path / "en" / "person").is_dir()
