"""Faults, as an operator meets them: two builds at once, an empty dump, kills in the middle of a table
swap and of the chart's write, a full disk. Each ends with a clear message and the previous data intact."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import polars as pl
import pytest

from instructie_assets.storage.duckdb_tables import StagedTableWriter
from instructie_assets.storage.lake import StorageError, copy_lake, lake_cursor, lake_location, open_lake
from instructie_assets.paths import SAMPLE_WIKIDATA, SAMPLE_WIKIPEDIA

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "instructie_assets.cli", "build", "--wikipedia", SAMPLE_WIKIPEDIA[0], "--wikipedia", SAMPLE_WIKIPEDIA[1]]
DUMP_TABLES = ["wikidata_labels", "wikidata_sitelinks", "wikidata_item_claims", "wikidata_time_claims", "wikidata_quantity_claims",
               "articles", "wikipedia_redirects"]


def cli_env(tmp_path: Path) -> dict:
    """The command line's environment in a test: its runs recorded in a Dagster home of the test's own
    (without DAGSTER_HOME the CLI records into ./.dagster_home, the user's `make dev` instance)."""
    return {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster_home")}


def digest(db, tables):
    con = lake_cursor(lake_location(db))
    try:
        return {t: con.execute(f"SELECT count(*), sum(hash(r)), count(DISTINCT hash(r)) FROM main.{t} r").fetchone() for t in tables}
    finally:
        con.close()


def wait_for(predicate, timeout=300, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_two_builds_on_one_database(built, tmp_path):
    """The second build on the same partitions exits 2 at once naming the first; with --wait it runs
    after it; builds of different partitions run side by side. Never empty or mixed tables."""
    db = str(tmp_path / "lake")
    args = ["build", "--wikipedia", SAMPLE_WIKIPEDIA[0], "--wikipedia", SAMPLE_WIKIPEDIA[1], "--wikidata", SAMPLE_WIKIDATA, "--db", db,
            "--out", str(tmp_path / "out"), "--stop-after", "dumps"]
    dumps = [sys.executable, "-m", "instructie_assets.cli", *args]
    release = tmp_path / "release"  # the first build holds its locks (inside its first commit) until this exists
    first = subprocess.Popen([sys.executable, str(ROOT / "tests/held_build.py"), str(release), *args], cwd=ROOT, env=cli_env(tmp_path),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    waiting = None
    try:
        lock = Path(db) / "locks" / "language-en.lock"
        wait_for(lambda: lock.exists() and lock.read_text(), what="the first build's locks")
        second = subprocess.run(dumps, cwd=ROOT, env=cli_env(tmp_path), capture_output=True, text=True, timeout=300)
        assert second.returncode == 2 and len(second.stderr.strip().splitlines()) == 1, second.stderr
        assert f"is being written by pid {first.pid} on " in second.stderr and "--wait" in second.stderr
        waiting = subprocess.Popen([*dumps, "--wait"], cwd=ROOT, env=cli_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = waiting.stdout.readline()
        assert line.startswith(f"instructie: waiting for pid {first.pid} on "), line
        release.write_text("go")
        assert first.wait(timeout=600) == 0, first.stderr.read()
        out, err = waiting.communicate(timeout=900)
        assert waiting.returncode == 0, err
    finally:
        release.write_text("go")
        for p in (first, waiting):
            if p is not None:
                p.kill()
                p.wait(timeout=60)
    assert digest(db, DUMP_TABLES) == digest(built.db, DUMP_TABLES)  # written twice, whole each time: as a single build
    assert not any((Path(db) / "staging").iterdir())  # each run removed its private staging
    # different partitions at once: the en and the zh articles, from two builds, both succeed
    procs = [subprocess.Popen([*CLI, "--wikidata", SAMPLE_WIKIDATA, "--db", db, "--out", str(tmp_path / "out"), "--skip-wikidata",
                               "--stop-after", "dumps", "--language", lang], cwd=ROOT, env=cli_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for lang in ("en", "zh")]
    for p in procs:
        _, err = p.communicate(timeout=900)
        assert p.returncode == 0, err
    assert digest(db, DUMP_TABLES) == digest(built.db, DUMP_TABLES)


@pytest.mark.slow
def test_an_empty_dump_never_empties_the_tables(built, tmp_path):
    db = str(tmp_path / "lake")
    copy_lake(built.db, db)
    before = digest(db, DUMP_TABLES)
    empty = tmp_path / "wikidata-empty.json"
    empty.write_text("[\n]\n")
    result = subprocess.run([*CLI, "--wikidata", str(empty), "--db", db, "--out", str(tmp_path / "out"), "--stop-after", "dumps"],
                            cwd=ROOT, env=cli_env(tmp_path), capture_output=True, text=True, timeout=600)
    assert result.returncode == 1
    # the writer refuses to replace rows with nothing (or the reader already refused the file by name)
    assert "refusing to replace them with nothing" in result.stderr or "wikidata-empty.json" in result.stderr, result.stderr
    assert digest(db, DUMP_TABLES) == before


def _swap_in_subprocess(db: str, stop_before: int, marker: Path, whole_files: bool = False) -> subprocess.Popen:
    """A process committing new rows for shard 0 that stops before the `stop_before`-th statement of the
    swap transaction (counting from BEGIN; a number past COMMIT lets it commit, then stop). With
    `whole_files`, the rows come as staged Parquet files the lake takes as its own (`add_files`)."""
    script = textwrap.dedent(f"""
        import sys, time
        import polars as pl
        from instructie_assets.storage.duckdb_tables import StagedTableWriter
        from instructie_assets.storage.lake import lake_location, open_lake

        class Stopping:
            def __init__(self, conn):
                self.conn, self.n = conn, None
            def execute(self, sql, *args):
                if sql.startswith("BEGIN"):
                    self.n = 0
                if self.n is not None:
                    self.n += 1
                    if self.n == {stop_before}:
                        open({str(marker)!r}, "w").write(sql)
                        time.sleep(300)
                result = self.conn.execute(sql, *args)
                if sql == "COMMIT" and {stop_before} > self.n:
                    open({str(marker)!r}, "w").write("committed")
                    time.sleep(300)
                return result
            def __getattr__(self, name):
                return getattr(self.conn, name)

        conn = Stopping(open_lake(lake_location({db!r})))
        schemas = {{"labels": {{"qid": pl.String}}, "claims": {{"subject": pl.String}}}}
        writer = StagedTableWriter(conn, schemas, "shard", 0)
        writer.begin()
        new = {{"labels": pl.DataFrame({{"qid": [f"Q{{i}}" for i in range(100, 150)]}}), "claims": pl.DataFrame({{"subject": ["Q100", "Q101"]}})}}
        if {whole_files!r}:
            for name, frame in new.items():
                frame.with_columns(shard=pl.lit(0, pl.Int32)).write_parquet(writer.staging_dir / name / "part-0.parquet")
            writer.add_files({{name: [str(writer.staging_dir / name / "part-0.parquet")] for name in new}})
        else:
            writer.write(new)
        writer.commit()
    """)
    return subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)


@pytest.mark.slow
@pytest.mark.parametrize("whole_files", [False, True], ids=["inserted", "files-taken-by-the-lake"])
def test_kill_at_every_point_of_a_table_swap_leaves_all_old_or_all_new(tmp_path, whole_files):
    db = str(tmp_path / "lake")
    conn = open_lake(lake_location(db))
    schemas = {"labels": {"qid": pl.String}, "claims": {"subject": pl.String}}
    writer = StagedTableWriter(conn, schemas, "shard", 0)
    writer.begin()
    writer.write({"labels": pl.DataFrame({"qid": ["Q1", "Q2"]}), "claims": pl.DataFrame({"subject": ["Q1"]})})
    writer.commit()
    conn.close()

    def state():
        c = open_lake(lake_location(db))
        try:
            return sorted(c.execute("SELECT qid FROM main.labels").fetchall()), sorted(c.execute("SELECT subject FROM main.claims").fetchall())
        finally:
            c.close()

    old = state()
    # statements of the swap: BEGIN, commit message, 2 x CREATE IF NOT EXISTS, 2 x (DELETE, INSERT or CALL ducklake_add_data_files), COMMIT
    stopped_at = []
    new = (sorted((f"Q{i}",) for i in range(100, 150)), [("Q100",), ("Q101",)])
    for point in range(2, 11):
        marker = tmp_path / f"marker-{point}"
        proc = _swap_in_subprocess(db, point, marker, whole_files)
        try:
            wait_for(lambda: marker.exists() or proc.poll() is not None, what=f"point {point}")
            assert proc.poll() is None, f"point {point}: the writer ended before stopping"
            stopped_at.append(marker.read_text().split()[0])
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            proc.kill()
            proc.wait(timeout=30)
        if marker.read_text() == "committed":
            assert state() == new
        else:
            assert state() == old, f"killed before {marker.read_text()[:60]!r}: not the old tables"
    adding = "CALL" if whole_files else "INSERT"
    assert stopped_at == ["CALL", "CREATE", "CREATE", "DELETE", adding, "DELETE", adding, "COMMIT", "committed"]


@pytest.mark.slow  # needs the whole sample build (`built`)
def test_kill_during_the_chart_write_keeps_the_previous_chart(built, tmp_path):
    db, out = str(tmp_path / "lake"), tmp_path / "out"
    copy_lake(built.db, db)
    subprocess.run([sys.executable, str(ROOT / "tests/chart_kill_run.py"), db, str(out), str(tmp_path / "m0"), "finish"], cwd=ROOT,
                   check=True, capture_output=True, timeout=600)
    chart, card = (out / "instances.png").read_bytes(), (out / "README.md").read_text(encoding="utf-8")
    assert chart[:4] == b"\x89PNG"
    marker = tmp_path / "m1"
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests/chart_kill_run.py"), db, str(out), str(marker), "hang"], cwd=ROOT)
    try:
        wait_for(lambda: marker.exists() or proc.poll() is not None, timeout=600, what="the chart write")
        assert proc.poll() is None
        being_written = Path(marker.read_text())
        assert being_written.parent == out and being_written.name != "instances.png"  # a private temporary file
        assert 0 < being_written.stat().st_size < len(chart)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert (out / "instances.png").read_bytes() == chart and (out / "README.md").read_text(encoding="utf-8") == card


def _small_filesystem(path: Path, size: str) -> bool:
    """A tmpfs of `size` at `path` when this machine lets us mount one (root in a privileged container)."""
    path.mkdir()
    if os.geteuid() != 0:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True).returncode == 0


@pytest.mark.slow  # needs the whole sample build (`built`)
def test_a_full_disk_is_reported_as_itself(built, tmp_path):
    """The lake on a filesystem that fills up during a rewrite: the build fails naming the file and
    ENOSPC (not "cannot rollback - no transaction is active"), and the tables are as they were. Where
    no small filesystem can be mounted, the same error is simulated at the staging write."""
    small = tmp_path / "small"
    if not _small_filesystem(small, "8m"):
        conn = open_lake(lake_location(str(tmp_path / "lake")))
        writer = StagedTableWriter(conn, {"labels": {"qid": pl.String}}, "shard", 0)
        writer.begin()

        def full(self, path, *args, **kwargs):
            raise OSError(28, "No space left on device", str(path))

        original = pl.DataFrame.write_parquet
        pl.DataFrame.write_parquet = full
        try:
            with pytest.raises(StorageError, match=r"staging labels \(shard 0\): .*batch-000000.parquet: \[Errno 28\] No space left on device"):
                writer.write({"labels": pl.DataFrame({"qid": ["Q1"]})})
        finally:
            pl.DataFrame.write_parquet = original
        pytest.skip("no small filesystem could be mounted here: ENOSPC simulated at the staging write only")
    try:
        db = str(small / "lake")
        copy_lake(built.db, db)
        before = digest(db, DUMP_TABLES)
        free = os.statvfs(small).f_bavail * os.statvfs(small).f_frsize
        with open(small / "filler", "wb") as fh:  # leave 64 KB: less than the articles' rewrite needs
            fh.write(b"\0" * max(0, free - (64 << 10)))
        result = subprocess.run([*CLI, "--wikidata", SAMPLE_WIKIDATA, "--db", db, "--out", str(tmp_path / "out"), "--skip-wikidata",
                                 "--stop-after", "dumps", "--language", "en"], cwd=ROOT, env=cli_env(tmp_path), capture_output=True, text=True, timeout=600)
        assert result.returncode == 1
        (message,) = [line for line in result.stderr.splitlines() if "build failed" in line]
        assert "[Errno 28] No space left on device" in message and "cannot rollback" not in result.stderr, message
        assert str(small) in message or "the catalog" in message, message  # the file that could not be written
        (small / "filler").unlink()
        assert digest(db, DUMP_TABLES) == before
        # with space again, the same build succeeds
        subprocess.run([*CLI, "--wikidata", SAMPLE_WIKIDATA, "--db", db, "--out", str(tmp_path / "out"), "--skip-wikidata",
                        "--stop-after", "dumps", "--language", "en"], cwd=ROOT, env=cli_env(tmp_path), check=True, capture_output=True, timeout=600)
        assert digest(db, DUMP_TABLES) == before
    finally:
        from instructie_assets.storage.lake import close_shared

        close_shared()
        subprocess.run(["umount", "-l", str(small)], capture_output=True)


@pytest.mark.slow
def test_the_readme_snapshot_recipe_gives_a_rewritten_partition_back(built, tmp_path):
    """A partition rewritten through the IO manager (heavy sampling changes it), then the README's
    query finds the commit by its message and puts the previous version back, row for row."""
    db = str(tmp_path / "lake")
    copy_lake(built.db, db)
    where = "WHERE theme = 'person' AND language = 'en'"
    sql = f"SELECT triple_id, drop_reason FROM main.filtered_triples {where} ORDER BY ALL"
    con = lake_cursor(lake_location(db))
    try:
        before = con.execute(sql).fetchall()
        subprocess.run([sys.executable, str(ROOT / "tests/fault_run.py"), db, str(tmp_path / "marker"), "finish"], cwd=ROOT, check=True, timeout=600)
        assert con.execute(sql).fetchall() != before
        (last,) = con.execute("SELECT max(snapshot_id) FROM ducklake_snapshots('lake') "
                              "WHERE commit_message LIKE 'writing filtered_triples (theme=person, language=en)%'").fetchone()
        assert con.execute(f"SELECT triple_id, drop_reason FROM main.filtered_triples AT (VERSION => {last - 1}) {where} ORDER BY ALL").fetchall() == before
        con.execute("BEGIN")
        con.execute(f"DELETE FROM main.filtered_triples {where}")
        con.execute(f"INSERT INTO main.filtered_triples SELECT * FROM main.filtered_triples AT (VERSION => {last - 1}) {where}")
        con.execute("COMMIT")
        assert con.execute(sql).fetchall() == before
    finally:
        con.close()
