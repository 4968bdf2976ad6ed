"""Worker processes: a block pool that reports its workers' failures, and no process outliving a killed build."""

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from instructie_assets.core.parallel import BlockPool, BlockWorkerError

ROOT = Path(__file__).resolve().parents[2]
linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="lists processes through /proc")


class Summer:
    """A block worker for the tests: sums the bytes of each block; `fail` makes block 2 raise or die."""

    def __init__(self, fail: str, index: int):
        self.fail, self.index, self.total = fail, index, 0

    def block(self, buf, start, end, meta):
        if meta == 2 and self.fail == "raise":
            raise OSError(28, "No space left on device", "/data/x.parquet")
        if meta == 2 and self.fail == "die":
            os._exit(3)
        total = sum(memoryview(buf)[start:end])
        self.total += total
        return meta, total

    def finish(self):
        return self.index, self.total


def run_pool(fail: str, blocks: list[bytes], workers: int = 2):
    with BlockPool(f"{__name__}:Summer", (fail,), workers, slot_bytes=64) as pool:
        results = []
        for meta, data in enumerate(blocks):
            if meta % 2:  # half of them through the shared slots, half through the pipe
                slot, view = pool.free_slot()
                view[: len(data)] = data
                view.release()
                pool.submit(meta, slot=slot, length=len(data))
            else:
                pool.submit(meta, data=data)
            results += list(pool.results())
        results += list(pool.results(wait_all=True))
        return results, pool.finish()


def test_block_pool_keeps_order_and_worker_state():
    blocks = [bytes([i % 7]) * (i + 1) for i in range(40)]
    results, finished = run_pool("", blocks)
    assert results == [(i, sum(b)) for i, b in enumerate(blocks)]
    assert sorted(i for i, _ in finished) == [0, 1] and sum(t for _, t in finished) == sum(map(sum, blocks))


def test_block_pool_raises_the_workers_error_and_reports_a_death():
    with pytest.raises(OSError, match="No space left on device") as err:
        run_pool("raise", [b"a"] * 6)
    assert err.value.errno == 28 and err.value.filename == "/data/x.parquet"
    with pytest.raises(BlockWorkerError, match=r"died \(exit code 3\)"):
        run_pool("die", [b"a"] * 6)


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def shared_memory_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("RssShmem:"):
            return int(line.split()[1])
    return 0


def kill_when_workers_run(cmd: list[str], workers_expected: int, working, env: dict | None = None) -> tuple[int, set[int]]:
    """Start `cmd`, wait until `working(worker pids)` says its workers are busy, SIGKILL it; return its
    id and the processes it had then."""
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert proc.poll() is None, "the run ended before its workers were seen at work"
            try:
                spawned = [k for k in descendants(proc.pid) if b"spawn_main" in Path(f"/proc/{k}/cmdline").read_bytes()]
                if len(spawned) >= workers_expected and working(spawned):
                    break
            except OSError:
                pass
            time.sleep(0.02)
        else:
            pytest.fail("the workers were not seen at work")
        kids = descendants(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return proc.pid, kids
    finally:
        if proc.poll() is None:
            proc.kill()


def wait_gone(pids: set[int], seconds: float = 10) -> set[int]:
    """The processes still alive after `seconds` (killed then, so a failing test leaves none behind)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = {p for p in pids if alive(p)}
        if not left:
            return set()
        time.sleep(0.05)
    for p in left:
        os.kill(p, signal.SIGKILL)
    return left


@linux_only
@pytest.mark.slow  # the CLI ingesting a 150 MB dump in a subprocess with two workers
def test_killed_wikidata_ingest_leaves_no_process_behind(tmp_path):
    # a dump that takes the workers a while: a real entity (Bielefeld, ~100 KB) copied under new ids
    q2112 = next(json.loads(line) for line in (ROOT / "tests/fixtures/wikidata/real-entities.jsonl").read_text(encoding="utf-8").splitlines()
                 if '"id":"Q2112"' in line)
    lines = []
    for i in range(1500):
        q2112["id"] = f"Q{10_000_000 + i}"
        lines.append(json.dumps(q2112, ensure_ascii=False, separators=(",", ":")).encode())
    dump = tmp_path / "wikidata-big.json.gz"
    dump.write_bytes(gzip.compress(b"[\n" + b",\n".join(lines) + b"\n]\n", compresslevel=1))
    cmd = [sys.executable, "-m", "instructie_assets.cli", "ingest-wikidata", "--wikidata", str(dump), "--db", str(tmp_path / "w"), "--workers", "2"]
    # killed once both workers decode blocks (their shared memory pages are touched)
    pid, had = kill_when_workers_run(cmd, 2, lambda workers: all(shared_memory_kb(w) >= 4096 for w in workers),
                                     env={**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster_home")})  # not the project's instance
    assert len(had) >= 3  # two block workers and multiprocessing's resource tracker
    assert wait_gone(had) == set(), "processes outlived the killed ingest"
    assert not list(Path("/dev/shm").glob(f"instructie-blocks-{pid}-*")), "the shared blocks outlived the killed ingest"


@linux_only
def test_killed_ordered_map_leaves_no_process_behind(tmp_path):
    script = ("import sys, time\nfrom pathlib import Path\nfrom instructie_assets.core.parallel import ordered_map\n"
              "def work(marker):\n    Path(marker).touch()\n    time.sleep(60)\n"
              "if __name__ == '__main__':\n"
              "    for _ in ordered_map(work, [(f'{sys.argv[1]}/{i}',) for i in range(8)], 2):\n        pass\n")
    (tmp_path / "slow_map.py").write_text(script)
    markers = tmp_path / "markers"
    markers.mkdir()
    _, had = kill_when_workers_run([sys.executable, str(tmp_path / "slow_map.py"), str(markers)], 2, lambda workers: len(list(markers.iterdir())) >= 2)
    assert len(had) >= 3
    assert wait_gone(had) == set(), "processes outlived the killed map"
