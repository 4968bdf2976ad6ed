"""The command line: help and defaults, typos that fail before anything runs, one-line failures with
a log, the shared Dagster home, doctor."""

import argparse
import bz2
import os
import subprocess
import sys
from pathlib import Path

import pytest

from instructie_assets import cli
from instructie_assets.paths import SAMPLE_WIKIDATA, SAMPLE_WIKIPEDIA

EN, ZH = SAMPLE_WIKIPEDIA


def subparsers() -> dict[str, argparse.ArgumentParser]:
    parsers = {}
    original = argparse.ArgumentParser.parse_args

    def capture(self, args=None, namespace=None):
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                parsers.update(action.choices)
        raise SystemExit(0)

    argparse.ArgumentParser.parse_args = capture
    try:
        with pytest.raises(SystemExit):
            cli.main(["--help"])
    finally:
        argparse.ArgumentParser.parse_args = original
    return parsers


def test_every_option_has_help_and_states_its_default():
    parsers = subparsers()
    assert {"build", "demo", "doctor", "ingest-wikidata", "merge-shards", "train-theme-classifier", "evaluate"} <= set(parsers)
    undocumented, no_default = [], []
    for name, parser in parsers.items():
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            where = f"{name} {'/'.join(action.option_strings) or action.dest}"
            if not action.help:
                undocumented.append(where)
            elif action.option_strings and action.default not in (None, False, [], "") and "default" not in action.help:
                no_default.append(where)
            elif action.option_strings and action.default not in (None, False, [], "") and str(action.default) not in action.help:
                no_default.append(f"{where} (says not {action.default!r})")
    assert undocumented == [] and no_default == []


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    from importlib.metadata import version

    assert capsys.readouterr().out.strip() == f"instructie {version('instructie')}"


def dewiki(tmp_path: Path) -> str:
    xml = bz2.decompress(Path(EN).read_bytes()).replace(b"<dbname>enwiki</dbname>", b"<dbname>dewiki</dbname>")
    path = tmp_path / "dewiki-latest-pages-articles.xml.bz2"
    path.write_bytes(bz2.compress(xml))
    return str(path)


@pytest.mark.parametrize("case, expected", [
    ("theme", "instructie: --theme: unknown theme 'Persn' (did you mean person?); valid: artificial_object (Artificial_Object, 人造物件)"),
    ("language", "instructie: --language: unknown language 'fr'; instructie builds: en, zh"),
    ("dewiki", "instructie: --wikipedia: {tmp}/dewiki-latest-pages-articles.xml.bz2: a dewiki dump (language 'de'); instructie builds: enwiki, zhwiki"),
    ("missing wikipedia", "instructie: --wikipedia: {tmp}/enwiki-missing.xml.bz2: no such file"),
    ("missing wikidata", "instructie: --wikidata: {tmp}/latest-all.json.gz: no such file"),
    ("wikidata is xml", f"instructie: --wikidata: {EN}: not a Wikidata JSON dump by its name"),
    ("out is a file", "instructie: --out: {tmp}/a-file: exists and is not a directory"),
    ("model dir", "instructie: --nli-model: {tmp}/models/nli: no such model directory"),
])
def test_a_typo_fails_in_one_line_before_anything_runs(tmp_path, capsys, monkeypatch, case, expected):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    (tmp_path / "a-file").write_text("x")
    args = {"--wikipedia": [EN, ZH], "--wikidata": SAMPLE_WIKIDATA, "--db": str(tmp_path / "data" / "lake"), "--out": str(tmp_path / "out")}
    extra = []
    if case == "theme":
        extra = ["--theme", "Person", "--theme", "Persn"]
    elif case == "language":
        extra = ["--language", "fr"]
    elif case == "dewiki":
        args["--wikipedia"] = [EN, dewiki(tmp_path)]
    elif case == "missing wikipedia":
        args["--wikipedia"] = [str(tmp_path / "enwiki-missing.xml.bz2"), ZH]
    elif case == "missing wikidata":
        args["--wikidata"] = str(tmp_path / "latest-all.json.gz")
    elif case == "wikidata is xml":
        args["--wikidata"] = EN
    elif case == "out is a file":
        args["--out"] = str(tmp_path / "a-file")
    elif case == "model dir":
        extra = ["--nli-model", str(tmp_path / "models" / "nli")]
    argv = ["build"] + [x for k, v in args.items() for x in ([k, p] for p in (v if isinstance(v, list) else [v])) for x in x] + extra
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith(expected.format(tmp=tmp_path)), err
    assert not (tmp_path / "data").exists() and not (tmp_path / ".dagster_home").exists()  # nothing ingested, nothing recorded


def test_every_typo_at_once(tmp_path, capsys):
    argv = ["build", "--wikipedia", dewiki(tmp_path), "--wikipedia", EN, "--wikidata", str(tmp_path / "nope.json"), "--db", str(tmp_path / "lake"),
            "--out", str(tmp_path / "out"), "--theme", "人物", "--theme", "Persn", "--language", "fr", "--workers", "-1"]
    assert cli.main(argv) == 2
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(":")[1].strip() for line in lines] == ["--theme", "--language", "--wikipedia", "--wikidata", "--workers"]


def test_ingest_records_runs_in_the_default_home_and_writes_a_log(tmp_path):
    """Without DAGSTER_HOME, runs go to ./.dagster_home (what `make dev` opens) with the project's
    dagster.yaml; the terminal shows no Dagster log lines; the log file holds the run's events."""
    import dagster as dg

    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    result = subprocess.run([sys.executable, "-m", "instructie_assets.cli", "ingest-wikidata", "--wikidata", SAMPLE_WIKIDATA,
                             "--db", "data/shard", "--workers", "1"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    home = tmp_path / ".dagster_home"
    assert (home / "dagster.yaml").read_text() == (Path(cli.RESOURCE_DIR) / "dagster.yaml").read_text()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        (run,) = instance.get_runs()
        assert run.status == dg.DagsterRunStatus.SUCCESS and run.tags["dagster/partition"] == "0-of-1" and run.job_name == "ingest_wikidata"
    assert " - dagster - " not in result.stderr and "Warning" not in result.stderr and "Telemetry" not in result.stderr
    (log,) = [line.split(maxsplit=1)[1] for line in result.stdout.splitlines() if line.startswith("log:")]
    assert Path(tmp_path, log).parent == tmp_path / "data" / "logs"
    assert f"=== run {run.run_id}" in Path(tmp_path, log).read_text(encoding="utf-8")


def test_a_failed_run_prints_one_line_and_where_the_log_is(tmp_path):
    bad = tmp_path / "wikidata-bad.json"
    bad.write_text('[\n{"id":"Q1"},\n{"id": oops},\n]\n')
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    result = subprocess.run([sys.executable, "-m", "instructie_assets.cli", "build", "--wikipedia", EN, "--wikidata", str(bad),
                             "--db", "data/lake", "--out", "data/out"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith("instructie: build failed: wikidata_tables (0-of-1): wikidata-bad.json: line 3 (byte 15): malformed entity")
    log = lines[1].removeprefix("instructie: full log: ").split(" (")[0]
    text = Path(log).read_text(encoding="utf-8")
    assert "STEP_FAILURE" in text or "failed" in text
    assert "DumpFormatError" in text and "Stack Trace" in text  # the traceback is in the file, not on the terminal
    tables = subprocess.run(
        [sys.executable, "-c", "import sys; from instructie_assets.storage.lake import lake_cursor, lake_location, table_exists; "
         "print(table_exists(lake_cursor(lake_location(sys.argv[1])), 'wikidata_labels'))", str(tmp_path / "data" / "lake")],
        capture_output=True, text=True)
    assert tables.stdout.strip() == "False", tables.stderr  # the failed ingest left no table behind


def test_doctor_on_the_sample_and_on_a_wiki_we_do_not_build(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("INSTRUCTIE_WIKIPEDIA", "INSTRUCTIE_WIKIDATA", "INSTRUCTIE_NLI_MODEL", "DAGSTER_HOME"):
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["doctor"]) == 0
    out = capsys.readouterr().out.splitlines()
    items = {line[9:24].strip(): line[:8].strip() for line in out[1:-1]}
    assert set(items) == {"cores", "memory", "accelerator", "wikipedia", "wikidata", "database", "disk", "exports", "dagster home",
                          "project files", "NLI model", "NER model", "theme model"}
    assert items["wikipedia"] == items["wikidata"] == items["database"] == items["project files"] == "ok"
    assert len(out) <= 24 and out[-1].startswith("0 missing")
    nli = next(line for line in out if "NLI model" in line)
    assert ("hf download MoritzLaurer/mDeBERTa-v3-base-mnli-xnli" in nli) == nli.startswith("warn")  # not cached: says how to get it

    assert cli.main(["doctor", "--wikipedia", dewiki(tmp_path), "--wikidata", str(tmp_path / "none.json.gz"), "--nli-model", "none",
                     "--ner-model", str(tmp_path / "no-such-model")]) == 1
    out = capsys.readouterr().out
    assert "missing  wikipedia" in out and "a dewiki dump" in out and "missing  wikidata" in out and "no such file" in out
    assert "missing  NER model" in out and out.splitlines()[-1].startswith("3 missing")

    # the lake target: an existing one is opened; a PostgreSQL catalog that does not answer is missing, in one line
    from instructie_assets.preflight import check_lake

    assert check_lake(str(tmp_path / "lake")) == []
    cli.main(["doctor", "--db", str(tmp_path / "lake")])
    (line,) = [x for x in capsys.readouterr().out.splitlines() if x.startswith(("ok       database", "missing  database"))]
    assert line.startswith(f"ok       database       {tmp_path / 'lake'}: DuckLake, SQLite catalog") and "opens and is writable" in line
    assert cli.main(["doctor", "--db", "postgres:dbname=x host=127.0.0.1 port=9 password=pw connect_timeout=2",
                     "--data-path", str(tmp_path / "shared")]) == 1
    (line,) = [x for x in capsys.readouterr().out.splitlines() if "database" in x]
    assert line.startswith("missing  database       cannot open the lake postgres:") and "pw" not in line and "Connection refused" in line
