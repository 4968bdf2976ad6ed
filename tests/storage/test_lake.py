"""The DuckLake storage: extensions from their packages (no downloads), relocatable directories,
partition swaps, conflicts retried, OS errors as themselves, snapshots, run-private staging, run locks."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from instructie_assets.storage import lake as lake_module
from instructie_assets.storage.duckdb_tables import StagedTableWriter, private_staging, remove_stale_staging, replace_partition
from instructie_assets.storage.lake import (CommitConflictError, EmptyReplacementError, RetryPolicy, StorageError, copy_lake, extension_file,
                                         lake_location, open_lake, storage_error, write_transaction)
from instructie_assets.storage.run_locks import LockHeldError, RunLocks

ROOT = Path(__file__).resolve().parents[2]


def rows(conn, sql, params=()):
    return sorted(conn.execute(sql, list(params)).fetchall())


def frame(theme, values):
    return pl.DataFrame({"value": values, "theme": [theme] * len(values)}, schema={"value": pl.Int64, "theme": pl.String})


def test_extensions_load_from_their_packages_and_nothing_is_downloaded(tmp_path, monkeypatch):
    home = tmp_path / "home"  # DuckDB installs extensions under ~/.duckdb: it must stay empty
    monkeypatch.setenv("HOME", str(home))
    conn = open_lake(lake_location(str(tmp_path / "lake")))
    loaded = dict(conn.execute("SELECT extension_name, installed FROM duckdb_extensions() WHERE loaded").fetchall())
    assert loaded["ducklake"] is False and loaded["sqlite_scanner"] is False  # loaded from the files, never installed
    assert "postgres_scanner" not in loaded and "httpfs" not in loaded  # only what this catalog needs
    assert not home.exists() or not any(home.rglob("*.duckdb_extension"))
    # and a download could not happen: installing from the (configured) repository fails
    with pytest.raises(duckdb.Error):
        conn.execute("INSTALL spatial")
    assert extension_file("ducklake").parent.name == f"v{duckdb.__version__}"
    conn.close()


def test_missing_extension_package_says_which_to_install(monkeypatch):
    monkeypatch.setattr(lake_module.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(StorageError, match=r"duckdb-extension-postgres-scanner==.*instructie\[scale\]"):
        extension_file("postgres_scanner")


def test_locations():
    assert lake_location("data/x").catalog == f"sqlite:{os.path.abspath('data/x')}/catalog.sqlite"
    assert lake_location("data/x").data_path == os.path.abspath("data/x/data") + "/"
    pg = lake_location("postgres:dbname=lake host=db password=secret", data_path="s3://bucket/lake")
    assert pg.postgres_dsn == "dbname=lake host=db password=secret" and pg.data_path == "s3://bucket/lake/"
    assert "secret" not in pg.describe()
    with pytest.raises(ValueError, match="needs a shared data path"):
        lake_location("postgres:dbname=lake")


def test_an_unreachable_catalog_is_a_storage_error_without_the_password(tmp_path):
    location = lake_location("postgres:dbname=lake host=127.0.0.1 port=1 user=u password=hunter2", data_path=str(tmp_path))
    with pytest.raises(StorageError, match="Connection refused") as err:
        open_lake(location)
    assert "hunter2" not in str(err.value) and "password=***" in str(err.value)


def test_an_old_duckdb_file_is_refused_with_the_new_layout(tmp_path):
    old = tmp_path / "instructie.duckdb"
    old.write_bytes(b"x")
    with pytest.raises(ValueError, match="is a file; the database is now a DuckLake directory"):
        lake_location(str(old))


def test_partition_swap_by_name_empty_refused_and_copy_is_independent(tmp_path):
    location = lake_location(str(tmp_path / "lake"))
    conn = open_lake(location)
    replace_partition(conn, "t", frame("a", [1, 2]), {"theme": "a"}, "t (a)")
    replace_partition(conn, "t", frame("b", [3]).select("theme", "value"), {"theme": "b"}, "t (b)")  # columns matched by name
    replace_partition(conn, "big", frame("b", list(range(100))), {"theme": "b"}, "big (b)")  # > 10 rows: Parquet, not inlined
    replace_partition(conn, "t", frame("a", [5]), {"theme": "a"}, "t (a)")
    assert rows(conn, "SELECT theme, value FROM main.t") == [("a", 5), ("b", 3)]
    with pytest.raises(EmptyReplacementError, match=r"t \(a\): the new rows are empty but 1 rows are there now.*--allow-empty"):
        replace_partition(conn, "t", frame("a", []), {"theme": "a"}, "t (a)")
    assert rows(conn, "SELECT theme, value FROM main.t") == [("a", 5), ("b", 3)]
    replace_partition(conn, "t", frame("a", []), {"theme": "a"}, "t (a)", allow_empty=True)
    replace_partition(conn, "empty_from_the_start", frame("c", []), {"theme": "c"}, "e (c)")  # a table is created all the same
    assert rows(conn, "SELECT theme, value FROM main.t") == [("b", 3)]
    assert rows(conn, "SELECT count(*) FROM main.empty_from_the_start") == [(0,)]
    conn.close()
    copy_lake(str(tmp_path / "lake"), str(tmp_path / "copy"))
    files = sorted((tmp_path / "lake").rglob("*.parquet"))
    copy = open_lake(lake_location(str(tmp_path / "copy")))
    replace_partition(copy, "t", frame("b", [7, 8]), {"theme": "b"}, "t (b)")
    replace_partition(copy, "big", frame("b", list(range(200))), {"theme": "b"}, "big (b)")
    assert rows(copy, "SELECT theme, value FROM main.t") == [("b", 7), ("b", 8)]
    copy.close()
    original = open_lake(location)
    assert rows(original, "SELECT theme, value FROM main.t") == [("b", 3)]  # the copy wrote into its own files
    assert rows(original, "SELECT count(*) FROM main.big") == [(100,)]
    assert sorted((tmp_path / "lake").rglob("*.parquet")) == files and files
    original.close()


def test_a_real_conflict_is_retried_and_nothing_is_lost(tmp_path):
    """Two writers on one lake (two DuckDB instances): B commits its partition, and A's too, while A's
    transaction is open; A's commit conflicts, A runs again: B's partition is there whole, and A's
    partition is A's rows whole (the later commit wins), never a mix."""
    location = lake_location(str(tmp_path / "lake"))
    a, b = open_lake(location), open_lake(location)
    replace_partition(a, "t", frame("a", [0]), {"theme": "a"}, "t (a)")
    replace_partition(b, "t", frame("b", [0]), {"theme": "b"}, "t (b)")
    attempts = []

    def work(c):
        attempts.append(1)
        c.execute("DELETE FROM main.t WHERE theme = 'a'")
        c.execute("INSERT INTO main.t SELECT range, 'a' FROM range(100)")
        if len(attempts) == 1:  # another process commits to the same table meanwhile, to both partitions
            replace_partition(b, "t", frame("b", list(range(50))), {"theme": "b"}, "t (b)")
            replace_partition(b, "t", frame("a", list(range(1000, 1070))), {"theme": "a"}, "t (a) by b")

    write_transaction(a, work, "t (a)", RetryPolicy(attempts=5, first_wait_s=0.01))
    assert len(attempts) == 2
    assert rows(a, "SELECT theme, count(*), count(DISTINCT value), max(value) FROM main.t GROUP BY ALL") == [("a", 100, 100, 99), ("b", 50, 50, 49)]
    a.close()
    b.close()


def test_conflicts_give_up_with_a_clear_error_when_retries_run_out():
    conn = duckdb.connect()
    calls = []

    def work(c):
        calls.append(1)
        raise duckdb.TransactionException("Failed to commit DuckLake transaction.\nTransaction conflict - attempting to insert into table with index \"1\"")

    with pytest.raises(CommitConflictError, match=r"writing t \(a\): gave up after 3 attempts in \d+ s: other writers kept committing.*Transaction conflict"):
        write_transaction(conn, work, "writing t (a)", RetryPolicy(attempts=3, first_wait_s=0.001))
    assert len(calls) == 3
    # an error that is not a conflict is not retried, and no "cannot rollback" hides it
    calls.clear()

    def broken(c):
        calls.append(1)
        raise duckdb.IOException('IO Error: Could not write file "/data/lake/x.parquet": No space left on device')

    with pytest.raises(StorageError, match=r'writing t \(a\): /data/lake/x.parquet: \[Errno 28\] No space left on device'):
        write_transaction(conn, broken, "writing t (a)", RetryPolicy(attempts=3, first_wait_s=0.001))
    assert len(calls) == 1


def test_os_errors_name_file_and_errno():
    error = storage_error(OSError(28, "No space left on device", "/tmp/x/batch-000001.parquet"), "staging articles (language en)")
    assert str(error) == "staging articles (language en): /tmp/x/batch-000001.parquet: [Errno 28] No space left on device"
    plain = ValueError("x")
    assert storage_error(plain, "w") is plain


def test_snapshots_give_the_previous_version_of_a_partition_back(tmp_path):
    """The README's recipe, as written there."""
    conn = open_lake(lake_location(str(tmp_path / "lake")))
    replace_partition(conn, "filtered_triples", frame("person", [1, 2, 3]), {"theme": "person"}, "writing filtered_triples (theme=person, language=en)")
    replace_partition(conn, "filtered_triples", frame("other", [9]), {"theme": "other"}, "writing filtered_triples (theme=other, language=en)")
    replace_partition(conn, "filtered_triples", frame("person", [4]), {"theme": "person"}, "writing filtered_triples (theme=person, language=en)")
    history = conn.execute("SELECT snapshot_id, commit_message FROM ducklake_snapshots('lake') "
                           "WHERE commit_message LIKE 'writing filtered_triples (theme=person, language=en)%' ORDER BY snapshot_id").fetchall()
    assert len(history) == 2
    before_last = history[-1][0] - 1
    assert rows(conn, f"SELECT value FROM main.filtered_triples AT (VERSION => {before_last}) WHERE theme = 'person'") == [(1,), (2,), (3,)]
    conn.execute("BEGIN TRANSACTION")
    conn.execute("DELETE FROM main.filtered_triples WHERE theme = 'person'")
    conn.execute(f"INSERT INTO main.filtered_triples SELECT * FROM main.filtered_triples AT (VERSION => {before_last}) WHERE theme = 'person'")
    conn.execute("COMMIT")
    assert rows(conn, "SELECT theme, value FROM main.filtered_triples") == [("other", 9), ("person", 1), ("person", 2), ("person", 3)]
    conn.close()


def test_staged_writer_commits_whole_and_removes_its_staging(tmp_path):
    conn = open_lake(lake_location(str(tmp_path / "lake")))
    schemas = {"labels": {"qid": pl.String, "text": pl.String}, "claims": {"subject": pl.String, "object": pl.String}}
    with private_staging(tmp_path / "staging", "run-1", "wikidata-0-of-1") as staging:
        writer = StagedTableWriter(conn, schemas, "shard", 0, staging_dir=staging)
        writer.begin()
        writer.write({"labels": pl.DataFrame({"qid": ["Q1", "Q2"], "text": ["a", "b"]}), "claims": pl.DataFrame({"subject": ["Q1"], "object": ["Q2"]})})
        writer.write({"labels": pl.DataFrame({"qid": ["Q3"], "text": ["c"]})})
        assert rows(conn, "SELECT count(*) FROM information_schema.tables WHERE table_catalog = 'lake'") == [(0,)]  # nothing until the commit
        writer.commit()
        assert list((tmp_path / "staging").iterdir()) == [staging.parent]
    assert list((tmp_path / "staging").iterdir()) == []  # removed by its run
    assert rows(conn, "SELECT qid, text, shard FROM main.labels") == [("Q1", "a", 0), ("Q2", "b", 0), ("Q3", "c", 0)]
    # an empty run over a non-empty shard is refused, and changes nothing
    empty = StagedTableWriter(conn, schemas, "shard", 0, what="the Wikidata tables (shard 0-of-1)")
    empty.begin()
    with pytest.raises(EmptyReplacementError, match=r"the Wikidata tables \(shard 0-of-1\): the new rows are empty but 4 rows"):
        empty.commit()
    assert rows(conn, "SELECT count(*) FROM main.labels") == [(3,)]
    conn.close()


def _whole_files(directory, name, frames):
    """Staged Parquet files holding every column of a table (the key's included), as the Wikidata workers write them."""
    (directory / name).mkdir(parents=True, exist_ok=True)
    paths = []
    for i, f in enumerate(frames):
        paths.append(str(directory / name / f"part-{i}.parquet"))
        f.write_parquet(paths[-1])
    return paths


def test_whole_row_files_become_the_lakes_data_files_in_one_transaction(tmp_path):
    db = str(tmp_path / "lake")
    conn = open_lake(lake_location(db))
    schemas = {"labels": {"qid": pl.String, "precision": pl.Int32}}
    old = StagedTableWriter(conn, schemas, "shard", 0)
    old.write({"labels": pl.DataFrame({"qid": ["Q1", "Q2"], "precision": [9, 11]}, schema=schemas["labels"])})
    old.commit()
    other_key = StagedTableWriter(conn, schemas, "shard", 1)
    other_key.write({"labels": pl.DataFrame({"qid": ["Q7"], "precision": [7]}, schema=schemas["labels"])})
    other_key.commit()
    keyed = {"qid": pl.String, "precision": pl.Int32, "shard": pl.Int32}
    before = rows(conn, "SELECT qid, precision, shard FROM main.labels")

    # a file whose key is not the writer's is refused before anything moves
    staging = tmp_path / "staging"
    other = _whole_files(staging / "x", "labels", [pl.DataFrame({"qid": ["Q5"], "precision": [1], "shard": [1]}, schema=keyed)])
    with pytest.raises(ValueError, match=r"labels: staged files whose shard is not 0 throughout .*: 1 of 1 rows"):
        StagedTableWriter(conn, schemas, "shard", 0).add_files({"labels": other})

    # a commit that fails after the files moved (a column of the wrong type): old rows, files back in staging, none left in the lake
    bad = _whole_files(staging / "bad", "labels", [pl.DataFrame({"qid": ["Q5"], "precision": ["x"], "shard": [0]}, schema={**keyed, "precision": pl.String})])
    writer = StagedTableWriter(conn, schemas, "shard", 0)
    writer.add_files({"labels": bad})
    with pytest.raises(duckdb.Error, match="precision"):
        writer.commit()
    assert rows(conn, "SELECT qid, precision, shard FROM main.labels") == before
    assert Path(bad[0]).exists() and not list((tmp_path / "lake" / "data").rglob("instructie-*"))

    # the files themselves become the table's data: moved (not copied or rewritten), old rows of the key gone, other keys kept
    new = _whole_files(staging / "ok", "labels", [pl.DataFrame({"qid": ["Q3", "Q4"], "precision": [9, 10], "shard": [0, 0]}, schema=keyed),
                                                  pl.DataFrame({"qid": ["Q6"], "precision": [11], "shard": [0]}, schema=keyed)])
    content = {Path(f).name: Path(f).read_bytes() for f in new}
    writer = StagedTableWriter(conn, schemas, "shard", 0)
    writer.add_files({"labels": new})
    writer.commit()
    after = [("Q3", 9, 0), ("Q4", 10, 0), ("Q6", 11, 0), ("Q7", 7, 1)]
    assert rows(conn, "SELECT qid, precision, shard FROM main.labels") == after
    assert not any(Path(f).exists() for f in new)
    data_files = [Path(f) for (f,) in conn.execute("SELECT data_file FROM ducklake_list_files('lake', 'labels')").fetchall()]
    taken = {f.name.split("-", 2)[2]: f.read_bytes() for f in data_files if f.name.startswith("instructie-")}
    assert taken == content and all(f.parent == tmp_path / "lake" / "data" / "main" / "labels" for f in data_files)
    conn.close()
    # recorded relative to the data path: a copy of the lake reads its own copies of them
    copy_lake(db, str(tmp_path / "copy"))
    for f in data_files:
        f.unlink()
    copied = open_lake(lake_location(str(tmp_path / "copy")))
    assert rows(copied, "SELECT qid, precision, shard FROM main.labels") == after
    copied.close()


def test_whole_row_files_stay_when_a_lost_commit_answer_hides_a_commit_that_went_through(tmp_path):
    class CommitAnswerLost:
        def __init__(self, conn):
            self.conn = conn

        def execute(self, sql, *args):
            result = self.conn.execute(sql, *args)
            if sql == "COMMIT":
                raise duckdb.IOException("connection to the catalog lost")
            return result

        def __getattr__(self, name):
            return getattr(self.conn, name)

    conn = open_lake(lake_location(str(tmp_path / "lake")))
    files = _whole_files(tmp_path / "staging", "labels", [pl.DataFrame({"qid": ["Q1"], "shard": [0]}, schema={"qid": pl.String, "shard": pl.Int32})])
    writer = StagedTableWriter(CommitAnswerLost(conn), {"labels": {"qid": pl.String}}, "shard", 0)
    writer.add_files({"labels": files})
    with pytest.raises(duckdb.IOException, match="connection to the catalog lost"):
        writer.commit()
    assert rows(conn, "SELECT qid, shard FROM main.labels") == [("Q1", 0)]  # committed, and its data file is still there
    assert not Path(files[0]).exists()
    conn.close()


def test_whole_row_files_into_a_plain_database_are_inserted(tmp_path):
    conn = duckdb.connect()
    files = _whole_files(tmp_path, "labels", [pl.DataFrame({"qid": ["Q1"], "shard": [3]}, schema={"qid": pl.String, "shard": pl.Int32})])
    writer = StagedTableWriter(conn, {"labels": {"qid": pl.String}}, "shard", 3)
    writer.add_files({"labels": files})
    writer.commit()
    assert rows(conn, "SELECT qid, shard FROM main.labels") == [("Q1", 3)] and Path(files[0]).exists()


def test_staging_of_a_killed_run_is_removed_and_a_live_one_is_kept(tmp_path):
    root = tmp_path / "staging"
    script = textwrap.dedent(f"""
        import sys, time
        from instructie_assets.storage.duckdb_tables import private_staging
        with private_staging({str(root)!r}, sys.argv[1], "wikidata-0-of-1") as d:
            (d / "block.parquet").write_bytes(b"x")
            print(d, flush=True)
            time.sleep(300)
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script, run], stdout=subprocess.PIPE, text=True, cwd=ROOT) for run in ("dead", "alive")]
    try:
        dirs = [Path(p.stdout.readline().strip()) for p in procs]
        assert all((d / "block.parquet").exists() for d in dirs)
        procs[0].send_signal(signal.SIGKILL)
        procs[0].wait(timeout=30)
        assert remove_stale_staging(root) == ["dead-wikidata-0-of-1"]
        assert not dirs[0].exists() and (dirs[1] / "block.parquet").exists()
        with pytest.raises(RuntimeError, match="in use by a live process"):
            with private_staging(root, "alive", "wikidata-0-of-1"):
                pass
        assert (dirs[1] / "block.parquet").exists()
    finally:
        for p in procs:
            p.kill()
            p.wait(timeout=30)


def test_run_locks_name_the_holder_and_wait(tmp_path):
    location = lake_location(str(tmp_path / "lake"))
    script = textwrap.dedent(f"""
        import sys, time
        from instructie_assets.storage.lake import lake_location
        from instructie_assets.storage.run_locks import RunLocks
        with RunLocks(lake_location({str(tmp_path / "lake")!r}), ["articles-en", "partition-person-en"], "the first build").acquire():
            print("locked", flush=True)
            time.sleep(float(sys.argv[1]))
    """)
    holder = subprocess.Popen([sys.executable, "-c", script, "300"], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(LockHeldError, match=r"is being written by the first build \(it holds partition-person-en\).*--wait"):
            RunLocks(location, ["partition-person-en", "partition-person-zh"], "second").acquire()
        with RunLocks(location, ["partition-person-zh"], "third").acquire():  # another partition: no wait
            pass
        # all or none: the failed attempt above left partition-person-zh free
        with RunLocks(location, ["partition-person-zh"], "fourth").acquire():
            pass
        holder.kill()  # however the holder ends, its locks go with it
        holder.wait(timeout=30)
        said = []
        with RunLocks(location, ["partition-person-en"], "fifth").acquire(wait=True, say=said.append, poll_s=0.1):
            pass
        assert said == []
    finally:
        holder.kill()
        holder.wait(timeout=30)
    holder = subprocess.Popen([sys.executable, "-c", script, "3"], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "locked"
        said = []
        started = time.monotonic()
        with RunLocks(location, ["articles-en"], "sixth").acquire(wait=True, say=said.append, poll_s=0.2):
            waited = time.monotonic() - started
        assert waited > 0.5 and len(said) == 1 and said[0].startswith("waiting for the first build (it holds 1 of the 1 units")
    finally:
        holder.kill()
        holder.wait(timeout=30)


def test_check_writable_says_what_stops_a_run(tmp_path):
    from instructie_assets.storage.lake import check_writable

    assert check_writable(lake_location(str(tmp_path / "lake"))) == []
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    problems = check_writable(lake_location(str(blocker / "lake")))
    assert len(problems) == 2 and all("[Errno 20] Not a directory" in p and str(blocker) in p for p in problems)
