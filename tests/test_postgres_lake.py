"""Many writers on one lake: a PostgreSQL catalog (a real server, started here on a loopback port in a
temporary directory) and a shared data path. Partition runs in separate processes write the same
tables at once; every row of the single-process build is there, none twice, and a rerun is identical.

PostgreSQL comes from Debian's `postgresql` package (`make test` / `.ci/run` install it when missing).
Without it these tests are skipped, unless INSTRUCTIE_REQUIRE_POSTGRES=1 (set by .ci/run) makes that a failure.
"""

import glob
import os
from collections import Counter
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from instructie_assets.storage.lake import close_shared, lake_cursor, lake_location
from instructie_assets.storage.run_locks import LockHeldError, RunLocks
from instructie_assets.partitions import THEMES
from instructie_assets.paths import SAMPLE_WIKIDATA, SAMPLE_WIKIPEDIA

ROOT = Path(__file__).resolve().parents[1]
TABLES = ["wikidata_labels", "wikidata_sitelinks", "wikidata_item_claims", "wikidata_time_claims", "wikidata_quantity_claims",
          "articles", "wikipedia_redirects", "paragraphs", "entity_mentions", "resolved_entities", "candidate_triples",
          "duplicate_texts", "filtered_triples", "instruction_splits"]


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@pytest.fixture(scope="module")
def postgres():
    """A PostgreSQL server of our own: (dsn of database `lake`, work directory)."""
    bindir = _postgres_bin()
    if bindir is None:
        if os.environ.get("INSTRUCTIE_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is not installed (apt-get install postgresql); INSTRUCTIE_REQUIRE_POSTGRES=1")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    work = Path(tempfile.mkdtemp(prefix="instructie-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root: run the server as the postgres user
        user = pwd.getpwnam("postgres")
        os.chown(work, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subprocess.run(as_user + [str(bindir / "initdb"), "-D", str(work / "pgdata"), "-A", "trust", "-U", "postgres"],
                   check=True, capture_output=True, timeout=120)
    subprocess.run(as_user + [str(bindir / "pg_ctl"), "-D", str(work / "pgdata"), "-l", str(work / "server.log"), "-w", "-t", "60",
                              "-o", f"-p {port} -k {work} -c listen_addresses=127.0.0.1 -c max_connections=200", "start"],
                   check=True, capture_output=True, timeout=120)
    try:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE lake")
        yield f"dbname=lake host=127.0.0.1 port={port} user=postgres", work
    finally:
        close_shared()
        subprocess.run(as_user + [str(bindir / "pg_ctl"), "-D", str(work / "pgdata"), "-m", "immediate", "stop"], capture_output=True, timeout=120)
        shutil.rmtree(work, ignore_errors=True)


def table_digest(db, data_path=""):
    """Per table: row count and an order-independent hash of every row, and the number of distinct rows."""
    con = lake_cursor(lake_location(db, data_path))
    try:
        out = {}
        for t in TABLES:
            out[t] = con.execute(f"SELECT count(*), sum(hash(r)), count(DISTINCT hash(r)) FROM main.{t} r").fetchone()
        return out
    finally:
        con.close()


def run_partitions(db, data_path, out, stage, groups):
    procs = [subprocess.Popen([sys.executable, str(ROOT / "tests/partition_run.py"), db, data_path, out, stage, *group],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for group in groups]
    failures, retries = [], 0
    for p in procs:
        out, err = p.communicate(timeout=900)
        if p.returncode:
            failures.append(err[-3000:])
        else:
            retries += int(out.strip().splitlines()[-1].split(": ")[1])
    assert not failures, failures
    print(f"{stage}: {len(groups)} processes, {retries} commits run again after a conflict")


@pytest.mark.slow  # needs the whole sample build (`built`)
def test_partition_runs_in_separate_processes_write_one_postgres_lake(postgres, built, tmp_path):
    dsn, _ = postgres
    db, data_path = f"postgres:{dsn}", str(tmp_path / "shared-data")  # the path every machine mounts
    out = str(tmp_path / "exports")
    # the readers once (one machine), then every partition's stages from 6 processes at once
    cli = [sys.executable, "-m", "instructie_assets.cli", "build", "--wikipedia", SAMPLE_WIKIPEDIA[0], "--wikipedia", SAMPLE_WIKIPEDIA[1],
           "--wikidata", SAMPLE_WIKIDATA, "--db", db, "--data-path", data_path, "--out", out, "--stop-after", "dumps"]
    # in tmp_path: with a postgres: catalog the command's log goes to ./logs
    subprocess.run(cli, cwd=tmp_path, env={**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster_home")}, check=True, capture_output=True, timeout=600)
    partitions = [f"{t}|{lang}" for lang in ("en", "zh") for t in THEMES]
    groups = [partitions[i::6] for i in range(6)]
    run_partitions(db, data_path, out, "refresh_paragraphs", groups)
    run_partitions(db, data_path, out, "find_duplicate_texts", [["en"], ["zh"]])
    run_partitions(db, data_path, out, "refresh_stages", groups)
    expected = table_digest(built.db)
    first = table_digest(db, data_path)
    assert first == expected  # no row lost, none doubled: the same rows as the single-process build
    con = lake_cursor(lake_location(db, data_path))
    try:
        messages = [m for (m,) in con.execute("SELECT commit_message FROM ducklake_snapshots('lake') WHERE commit_message LIKE 'writing %'").fetchall()]
        units = Counter(m.split(" to ")[0] for m in messages)
        # every unit written once (no run's write doubled or lost to a conflict): the readers (a shard, two languages),
        # each language's duplicate texts, then each partition of the 6 stage tables; a write that changes nothing
        # (an empty partition written empty on a fresh lake) makes no snapshot, so those are the only ones allowed to be missing
        assert all(n == 1 for n in units.values()), [u for u, n in units.items() if n > 1]
        stage_units = {u for u in units if u.startswith("writing ") and "theme=" in u}
        with_rows = set()
        for table in ("paragraphs", "entity_mentions", "resolved_entities", "candidate_triples", "filtered_triples", "instruction_splits"):
            for theme, language in con.execute(f"SELECT DISTINCT theme, language FROM {table}").fetchall():
                with_rows.add((table, theme, language))
        written = {(u.split()[1], *[kv.split("=")[1] for kv in u[u.index("(") + 1:u.rindex(")")].split(", ")]) for u in stage_units}
        assert with_rows <= written, sorted(with_rows - written)
        readers = {"writing the Wikidata tables (shard 0-of-1)", "writing the en articles and redirects", "writing the zh articles and redirects"}
        assert readers <= set(units) and len(units) - len(stage_units) <= 3 + 2 and len(stage_units) <= 24 * 6
    finally:
        con.close()
    # a rerun of every partition, again all at once, changes nothing
    run_partitions(db, data_path, out, "refresh_stages", list(reversed(groups)))
    assert table_digest(db, data_path) == expected
    assert sorted(p.name for p in (tmp_path / "exports" / "en").iterdir()) == sorted(THEMES)


def test_run_locks_on_a_postgres_catalog(postgres, tmp_path):
    dsn, _ = postgres
    location = lake_location(f"postgres:{dsn}", data_path=str(tmp_path / "data"))
    script = textwrap.dedent(f"""
        import time
        from instructie_assets.storage.lake import lake_location
        from instructie_assets.storage.run_locks import RunLocks
        with RunLocks(lake_location({'postgres:' + dsn!r}, data_path={str(tmp_path / 'data')!r}), ["articles-en"], "the first build").acquire():
            print("locked", flush=True)
            time.sleep(300)
    """)
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(LockHeldError, match=r"is being written by the first build \(it holds articles-en\)"):
            RunLocks(location, ["articles-en", "articles-zh"], "second").acquire()
        with RunLocks(location, ["articles-zh"], "third").acquire():
            pass
        holder.kill()  # the session ends with the process: its advisory locks go with it
        holder.wait(timeout=30)
        with RunLocks(location, ["articles-en"], "fourth").acquire(wait=True, poll_s=0.2):
            pass
    finally:
        holder.kill()
        holder.wait(timeout=30)
