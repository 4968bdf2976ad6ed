"""Materialize the real asset graph on the sample corpus through Dagster and score it against gold."""

import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from instructie_assets.core.evaluation import read_jsonl, triple_prf
from instructie_assets.core.filtering import DROP_REASONS
from instructie_assets.storage.lake import copy_lake, lake_cursor, lake_location
from instructie_assets.core.schemas import load_project_config
from instructie_assets.partitions import THEMES
from instructie_assets.paths import RESOURCE_DIR, SAMPLE_GOLD, SAMPLE_WIKIDATA, SAMPLE_WIKIPEDIA, SCHEMA_DIR
from instructie_assets.runner import BuildOptions, build, summary

pytestmark = pytest.mark.slow  # the whole graph on the sample (minutes); `make test-fast` leaves it out

# Floors a little under what the stages achieve now (measured with the default FilterConfig: en P=0.984 R=0.938
# F1=0.960, zh P=0.967 R=0.937 F1=0.952; before the gold was re-judged against sentence scope en P=1.000 R=0.844,
# zh P=0.982 R=0.828); raise them as stages improve (the issue asks for F1 >= 0.95). The gold holds only what one
# sentence states (src/*wiki.yaml say what was removed or rewritten for that). What the stages still miss is
# stated: a subject written as a description the rules do not know ("The building", "The novel", "The play",
# "The network", "The Games", 该任务, 飞船, 整个网络), "Construction began in January 1887" (a day-precision date
# written coarser, its sentence's subject only in the later clause: no date cue reads it), a date range ("from 8 to 24 August 2008"), 该州首府波茨坦 (Potsdam in "that state"), and a scientific name
# the ZH labels lack (学名：Panthera leo). False positives: the Sun "of" the Solar System and Mercury "of" the Sun,
# named together in Mars' sentence (EN and ZH), and two ZH products that went on sale in a country (在美国上市,
# 在日本首次发售), kept as their country of origin (ZH 产地 has no relation cue).
FLOOR = {"precision": 0.97, "recall": 0.92, "f1": 0.95}
LANGUAGE_FLOOR = {"zh": {"precision": 0.95, "recall": 0.92, "f1": 0.945}}


def query(db, sql, params=()):
    con = lake_cursor(lake_location(db))
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def test_demo_prints_one_screen_without_dagster_noise(built):
    lines = built.stdout.splitlines()
    assert lines[0].split() == ["language", "theme", "paragraphs", "kept", "dropped", "by", "reason"]
    assert len([line for line in lines if line.startswith(("en ", "zh "))]) == 24
    assert any(line.startswith("asset checks: ") for line in lines)
    assert f"runs:     recorded in {built.home}; `make dev` opens them" in built.stdout
    (log,) = [line.split(maxsplit=1)[1] for line in lines if line.startswith("log:")]
    assert Path(log).parent == Path(built.db).parent / "logs" and Path(log).read_text(encoding="utf-8").count("\n=== run ") >= 50
    # the NLI warning of 24 partitions: one line, not 24 in the progress bars; no Dagster log lines, no BetaWarning
    both = built.stdout + built.stderr
    assert both.count("not applied") == 1 and "24 partitions" in built.stdout
    assert "BetaWarning" not in both and " - dagster - " not in both and "Traceback" not in both
    assert len(lines) <= 40


def test_the_ui_shows_what_the_demo_built(built):
    """`make dev` after `make demo`: the webserver on the demo's instance reports every partition
    materialized, every check evaluated, and the card's materialization."""
    from tests.test_webserver import graphql, running_webserver

    query = """{ assetNodes { assetKey { path } partitionStats { numMaterialized numPartitions numFailed }
      assetMaterializations(limit: 1) { metadataEntries { label } }
      assetChecksOrError { ... on AssetChecks { checks { name executionForLatestMaterialization { status } } } } } }"""
    env = {"DAGSTER_HOME": str(built.home), "INSTRUCTIE_DB": built.db, "INSTRUCTIE_EXPORT_DIR": built.out_dir}
    with running_webserver(env) as port:
        data = graphql(port, query)
        runs = graphql(port, "{ runsOrError { ... on Runs { results { pipelineName status } } } }")["data"]["runsOrError"]["results"]
    # runs carry the names of the jobs they ran (definitions.py), none __ephemeral_asset_job__
    from instructie_assets.jobs import BUILD_JOBS

    assert {r["pipelineName"] for r in runs} == {job.name for job in BUILD_JOBS}
    assert {r["status"] for r in runs} == {"SUCCESS"} and [r["pipelineName"] for r in runs].count("refresh_stages") == 24
    nodes = {"/".join(n["assetKey"]["path"]): n for n in data["data"]["assetNodes"]}
    for key in ("paragraphs", "entity_mentions", "resolved_entities", "candidate_triples", "filtered_triples", "instruction_splits", "dataset_exports"):
        assert nodes[key]["partitionStats"] == {"numMaterialized": 24, "numPartitions": 24, "numFailed": 0}, key
    assert nodes["articles"]["partitionStats"]["numMaterialized"] == 2
    assert nodes["wikidata_labels"]["partitionStats"]["numMaterialized"] == 1
    checks = {c["name"]: c["executionForLatestMaterialization"] for c in nodes["filtered_triples"]["assetChecksOrError"]["checks"]}
    assert set(checks) >= {"schema_and_type_violations", "spans_at_offsets", "yield_and_diversity", "nli_applied", "gold_f1"}
    assert checks["schema_and_type_violations"]["status"] == "SUCCEEDED" and checks["nli_applied"]["status"] == "FAILED"  # offline: warns
    card = nodes["dataset_card"]
    assert {"card", "chart"} <= {m["label"] for m in card["assetMaterializations"][0]["metadataEntries"]}
    assert card["assetChecksOrError"]["checks"][0]["executionForLatestMaterialization"]["status"] == "SUCCEEDED"


def test_every_card_config_loads(built, tmp_path):
    """Each config of the card's YAML loads with `datasets.load_dataset(<export dir>, config)`, each split
    with as many rows as its files hold; empty splits are left out, so none fails."""
    import yaml

    datasets = pytest.importorskip("datasets")
    out = Path(built.out_dir)
    header = yaml.safe_load((out / "README.md").read_text(encoding="utf-8").split("---")[1])
    assert header["license"] == "apache-2.0"  # the sample's siteinfo: texts written for it, not Wikipedia's
    configs = {c["config_name"]: c["data_files"] for c in header["configs"]}
    assert set(configs) == {"en", "zh", "en-instructions", "zh-instructions"}
    for name, files in configs.items():
        # a cache of the test's own: datasets keys a local folder's cache by its name (`exports`) and the
        # config, not its path, so ~/.cache would hand back another export's rows
        loaded = datasets.load_dataset(str(out), name, cache_dir=str(tmp_path / "hf-datasets"))
        assert set(loaded) == {f["split"] for f in files}
        for f in files:
            rows = sum(1 for path in out.glob(f["path"]) for _ in path.open(encoding="utf-8"))
            assert rows > 0 and loaded[f["split"]].num_rows == rows, (name, f)
    empty = [split for split in ("train", "valid", "test") if not any(p.stat().st_size for p in out.glob(f"en/*/{split}.jsonl"))]
    assert [f["split"] for f in configs["en"]] == [{"valid": "validation"}.get(s, s) for s in ("train", "valid", "test") if s not in empty]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_sample_scores_against_gold(built, language):
    gold = read_jsonl(SAMPLE_GOLD[language])
    rows = query(built.db, "SELECT p.text, f.head, f.relation_label, f.tail FROM main.filtered_triples f JOIN main.paragraphs p USING (paragraph_id) "
                 "WHERE f.drop_reason IS NULL AND f.language = ?", [language])
    by_text = defaultdict(list)
    for text, h, r, t in rows:
        by_text[text].append({"head": h, "relation": r, "tail": t})
    prf = triple_prf([{"text": g["text"], "relation": g["relation"]} for g in gold], [{"text": k, "relation": v} for k, v in by_text.items()])
    print(f"\n{language}: {prf}")
    floor = LANGUAGE_FLOOR.get(language, FLOOR)
    assert prf.precision >= floor["precision"] and prf.recall >= floor["recall"] and prf.f1 >= floor["f1"]


def identify_figures(db: str, language: str, gold: list[dict]) -> dict:
    """Mention recall and disambiguation accuracy against the gold.

    Mention recall: gold head/tail surfaces (per paragraph) that are a mention's exact surface.
    Disambiguation: a gold item triple's true QIDs are the pair, among every candidate of its head and
    tail surfaces (mention candidates and every item with that label or alias), that Wikidata links by
    a statement; accuracy is the share of such surfaces whose mention resolved to that QID."""
    con = lake_cursor(lake_location(db))
    try:
        texts = dict(con.execute("SELECT text, paragraph_id FROM main.paragraphs WHERE language = ?", [language]).fetchall())
        resolved = con.execute("SELECT r.paragraph_id, r.surface, r.qid, r.n_candidates, m.candidate_qids FROM main.resolved_entities r "
                               "JOIN main.entity_mentions m USING (mention_id) WHERE r.language = ?", [language]).fetchall()
        by_label = defaultdict(set)
        for qid, text in con.execute("SELECT qid, text FROM main.wikidata_labels WHERE language = ?", [language]).fetchall():
            by_label[text].add(qid)
        linked = set(con.execute("SELECT subject, object FROM main.wikidata_item_claims").fetchall())
    finally:
        con.close()
    mentions = defaultdict(list)
    for pid, surface, qid, n, cands in resolved:
        mentions[(pid, surface)].append((qid, n, set(cands or [])))
    surfaces, found, judged, correct, ambiguous, ambiguous_correct = set(), 0, 0, 0, 0, 0
    truth: dict[tuple[str, str], str] = {}
    for record in gold:
        pid = texts[record["text"]]
        for t in record["relation"]:
            for s in (t["head"], t["tail"]):
                if (pid, s) not in surfaces:
                    surfaces.add((pid, s))
                    found += (pid, s) in mentions
            heads = set().union(by_label.get(t["head"], set()), *(c for _, _, c in mentions.get((pid, t["head"]), [])))
            tails = set().union(by_label.get(t["tail"], set()), *(c for _, _, c in mentions.get((pid, t["tail"]), [])))
            pairs = {(h, q) for h in heads for q in tails if (h, q) in linked or (q, h) in linked}
            if len(pairs) == 1:
                (h, q), = pairs
                truth.setdefault((pid, t["head"]), h)
                truth.setdefault((pid, t["tail"]), q)
    for key, qid in truth.items():
        for resolved_qid, n, _ in mentions.get(key, [])[:1]:
            judged += 1
            correct += resolved_qid == qid
            if n > 1:
                ambiguous += 1
                ambiguous_correct += resolved_qid == qid
    return {"mention_recall": found / len(surfaces), "surfaces": len(surfaces),
            "disambiguation_accuracy": correct / judged, "judged": judged,
            "ambiguous_accuracy": ambiguous_correct / ambiguous if ambiguous else 1.0, "ambiguous": ambiguous}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_mention_recall_and_disambiguation_accuracy(built, language):
    figures = identify_figures(built.db, language, read_jsonl(SAMPLE_GOLD[language]))
    print(f"\n{language}: " + " ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()))
    assert figures["mention_recall"] >= 0.97 and figures["disambiguation_accuracy"] >= 0.97
    assert figures["ambiguous"] >= 1 and figures["ambiguous_accuracy"] == 1.0  # the shared-label traps of the sample


def test_every_partition_has_output_and_exports(built):
    rows = summary(built.db)
    assert len(rows) == 24
    assert all(r["paragraphs"] >= 2 and r["kept"] > 0 for r in rows), rows
    assert all(set(r["dropped"]) <= set(DROP_REASONS) for r in rows)
    exported = 0
    for lang in ("en", "zh"):
        for theme_dir in (Path(built.out_dir) / lang).iterdir():
            for split in ("train", "valid", "test"):
                assert (theme_dir / f"{split}.jsonl").exists() and (theme_dir / f"{split}.instructions.jsonl").exists()
                assert (theme_dir / f"{split}.parquet").exists() and (theme_dir / f"{split}.instructions.parquet").exists()
                for line in (theme_dir / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
                    record = json.loads(line)
                    assert set(record) == ({"id", "cate", "text", "entity", "relation"} if split == "train" else {"id", "cate", "text", "relation"})
                    exported += 1
    # every paragraph is exported, except one without any kept triple outside train (negatives go to train only)
    (records,), = query(built.db, "SELECT count(*) FROM main.instruction_splits WHERE chunk = 0")
    unexported = query(built.db, """
        SELECT p.paragraph_id, count(f.triple_id) FROM main.paragraphs p
        LEFT JOIN main.filtered_triples f ON f.paragraph_id = p.paragraph_id AND f.drop_reason IS NULL
        WHERE p.paragraph_id NOT IN (SELECT paragraph_id FROM main.instruction_splits) GROUP BY ALL""")
    assert exported == records == sum(r["paragraphs"] for r in rows) - len(unexported)
    assert all(kept == 0 for _, kept in unexported) and len(unexported) <= 2, unexported


def test_all_sixteen_prompts_used_and_each_output_parses_back(built):
    from instructie_assets.core.output_formats import parse_output

    for lang in ("en", "zh"):
        used = query(built.db, "SELECT DISTINCT template_id, format_id FROM main.instruction_splits WHERE language = ?", [lang])
        assert len(used) == 16
        for output, labels, text, relations in query(built.db, "SELECT output, labels, text, relations FROM main.instruction_splits WHERE language = ?", [lang]):
            parsed = parse_output(output, set(json.loads(labels)), text)
            assert set(parsed.triples) == {(t["head"], t["relation"], t["tail"]) for t in json.loads(relations)}


def test_data_card_schema_files_and_datasets_load(built):
    out = Path(built.out_dir)
    card = (out / "README.md").read_text(encoding="utf-8")
    assert card.startswith("---\nlanguage:\n- en\n- zh\n") and "config_name: zh-instructions" in card
    assert "| **all** |" in card and "## Label frequencies" in card and "## Candidate triples dropped" in card
    assert (out / "instances.png").read_bytes()[:4] == b"\x89PNG"
    schema = json.loads((out / "schema_zh.json").read_text(encoding="utf-8"))
    assert len(schema) == 12 and "出生地点" in schema["人物"]
    (check,) = [c for c in built.checks if c.check == "texts_unique_across_partitions"]
    assert check.passed
    datasets = pytest.importorskip("datasets")
    train = datasets.load_dataset("json", data_files=str(out / "en" / "*" / "train.jsonl"), split="train")
    assert train.num_rows == sum(1 for p in (out / "en").glob("*/train.jsonl") for _ in p.open(encoding="utf-8"))
    assert set(train.column_names) == {"id", "cate", "text", "entity", "relation"}
    instructions = datasets.load_dataset("parquet", data_files=str(out / "zh" / "*" / "train.instructions.parquet"), split="train")
    assert set(instructions.column_names) == {"id", "cate", "instruction", "input", "output"} and instructions.num_rows > 0


def test_asset_checks_ran_on_every_partition(built):
    by_check = defaultdict(list)
    for c in built.checks:
        by_check[c.check].append(c)
    assert set(by_check) == {"schema_and_type_violations", "spans_at_offsets", "yield_and_diversity", "nli_applied", "gold_f1", "texts_unique_across_partitions"}
    assert all(len(v) == 24 for k, v in by_check.items() if k != "texts_unique_across_partitions")
    # no NLI weights here (offline): the check warns and says why, on every partition
    assert all(not c.passed and c.metadata["nli"].startswith("not applied") and c.metadata["scored"] == 0 for c in by_check["nli_applied"])
    others = [c for c in built.checks if c.check not in ("nli_applied", "gold_f1")]
    assert all(c.passed for c in others), [c for c in others if not c.passed]
    # a few stated facts have their subject only as a description the rules do not know (zh Apollo 11: 该任务,
    # 飞船; "The play was first printed in 1603"), and two ZH products "went on sale" in a country (kept as their
    # origin): gold_f1 warns on the partitions below 0.8 (measured: 3 of 24, zh|event 0.714, en|works 0.727,
    # zh|artificial_object 0.750)
    assert sum(not c.passed for c in by_check["gold_f1"]) <= 3, [c for c in by_check["gold_f1"] if not c.passed]
    assert all(c.metadata["schema_violations"] == 0 and c.metadata["type_violations"] == 0 for c in by_check["schema_and_type_violations"])
    assert all(c.metadata["head_share"] == 1.0 and c.metadata["tail_share"] == 1.0 for c in by_check["spans_at_offsets"])
    assert all(c.metadata["f1"] >= 0.7 and c.metadata["gold_records"] == 2 for c in by_check["gold_f1"])
    assert all(c.metadata["label_combinations"] >= 1 for c in by_check["yield_and_diversity"])


def test_nli_filter_and_ner_in_the_graph_with_tiny_models(built, tiny_nli_dir, tiny_ner_dir, tmp_path):
    """Re-materialize one partition on a copy of the database with the tiny models: every surviving
    triple gets an NLI score, the metadata says the model ran, and the threshold drops the low ones;
    the NER model's spans go through the label lookup (random spans: few or none survive)."""
    db = str(tmp_path / "copy")
    copy_lake(built.db, db)
    checks = build(BuildOptions(wikipedia=SAMPLE_WIKIPEDIA, wikidata=SAMPLE_WIKIDATA, db=db, out_dir=str(tmp_path / "out"),
                                themes=["person"], languages=["en"], skip_wikidata=True, nli_model=tiny_nli_dir,
                                ner_model=tiny_ner_dir), progress=False)
    (nli_check,) = [c for c in checks if c.check == "nli_applied"]
    assert nli_check.passed and nli_check.metadata["nli"].startswith(f"applied: {tiny_nli_dir}")
    rows = query(db, "SELECT drop_reason, nli_score FROM main.filtered_triples WHERE theme = 'person' AND language = 'en'")
    scored = [(r, s) for r, s in rows if s is not None]
    assert scored and all(r in (None, "nli", "sampling") for r, _ in scored)
    assert all((s < 0.5) == (r == "nli") for r, s in scored)
    assert all(s is None for r, s in rows if r in ("schema", "type", "duplicate"))
    # the other partitions were not touched
    assert query(db, "SELECT count(*) FROM main.filtered_triples WHERE nli_score IS NOT NULL AND NOT (theme = 'person' AND language = 'en')") == [(0,)]


def test_theme_classifier_trains_on_the_sample_and_overrides_themes(built, tiny_nli_dir, tmp_path):
    """The training job end to end with a tiny base model (its 3-label head is replaced by 12 themes),
    then a build that lets the trained classifier override the articles' themes."""
    from instructie_assets.core.theme_classifier import TransformersThemeClassifier
    from instructie_assets.runner import train_theme_classifier

    db = str(tmp_path / "copy")
    copy_lake(built.db, db)
    options = BuildOptions(wikipedia=SAMPLE_WIKIPEDIA, wikidata=SAMPLE_WIKIDATA, db=db, out_dir=str(tmp_path / "out"))
    model_dir = tmp_path / "theme-model"
    metrics = train_theme_classifier(options, tiny_nli_dir, str(model_dir), str(tmp_path / "theme-data"), size=480, epochs=2, device="cpu")
    assert metrics["train_rows"] + metrics["valid_rows"] == 48  # every KG-labelled sample paragraph (2 per theme x language)
    schemas = load_project_config(SCHEMA_DIR, RESOURCE_DIR).schemas
    classifier = TransformersThemeClassifier(str(model_dir), {k: {s.cate_en, s.cate_zh} for k, s in schemas.items()}, device="cpu")
    # the reported held-out accuracy is what the saved model scores on valid.jsonl, recomputed here
    valid = read_jsonl(tmp_path / "theme-data" / "valid.jsonl")
    assert len(valid) == metrics["valid_rows"] > 0
    predicted = [theme for theme, _ in classifier.classify([r["text"] for r in valid])]
    assert metrics["accuracy"] == pytest.approx(sum(p == r["label"] for p, r in zip(predicted, valid)) / len(valid))
    assert set(metrics["accuracy_by_theme"]) == {r["label"] for r in valid}
    verdicts = classifier.classify(["Douglas Adams was an English author.", "火星是太阳系的第四颗行星。"])
    assert all(t in THEMES and 0 < s <= 1 for t, s in verdicts)
    options.theme_model, options.theme_mode, options.languages, options.themes = str(model_dir), "override", ["en"], ["person"]
    options.skip_wikidata = True
    build(options, progress=False)
    reasons = query(db, "SELECT theme_reason FROM main.articles WHERE language = 'en'")
    assert any(r.startswith("classifier ") for (r,) in reasons)  # random tiny weights: some articles change theme


def _partition_rows(db):
    return query(db, "SELECT triple_id, drop_reason FROM main.filtered_triples WHERE theme = 'person' AND language = 'en' ORDER BY triple_id")


def test_sigkill_mid_write_leaves_the_previous_partition_intact(built, tmp_path):
    import os
    import signal
    import time

    db = str(tmp_path / "copy")
    copy_lake(built.db, db)
    before = _partition_rows(db)
    total_before = query(db, "SELECT count(*) FROM main.filtered_triples")
    marker = tmp_path / "written"
    proc = subprocess.Popen([sys.executable, str(Path(__file__).parent / "fault_run.py"), db, str(marker), "hang"])
    try:
        for _ in range(600):
            if marker.exists() or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert marker.exists(), "the run never reached the write"
        assert int(marker.read_text()) > 0  # the new rows differ: heavy sampling dropped some
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _partition_rows(db) == before  # deleted and re-inserted, never committed
    assert query(db, "SELECT count(*) FROM main.filtered_triples") == total_before
    # the same run, not killed, does change the partition (so the check above could fail)
    subprocess.run([sys.executable, str(Path(__file__).parent / "fault_run.py"), db, str(marker), "finish"], check=True, timeout=300)
    after = _partition_rows(db)
    assert len(after) == len(before) and after != before


def test_failing_stage_leaves_upstream_tables_untouched(built, tmp_path):
    db = str(tmp_path / "copy")
    copy_lake(built.db, db)
    upstream = query(db, "SELECT count(*), sum(hash(triple_id)) FROM main.candidate_triples")
    bad_schemas = tmp_path / "schemas"
    shutil.copytree(SCHEMA_DIR, bad_schemas)
    (bad_schemas / "person.yaml").write_text((bad_schemas / "person.yaml").read_text(encoding="utf-8").replace("tail_types: [geographic_region]", "tail_types: [alien]", 1), encoding="utf-8")
    from instructie_assets.clients import ProjectFiles
    from instructie_assets.definitions import ASSETS, build_resources
    from instructie_assets.partitions import theme_language_key

    resources = build_resources(db, SAMPLE_WIKIPEDIA, SAMPLE_WIKIDATA, str(tmp_path / "out"), nli_model="none")
    resources["project"] = ProjectFiles(schema_dir=str(bad_schemas))
    import dagster as dg

    result = dg.materialize(ASSETS, selection=["candidate_triples", "filtered_triples"], partition_key=theme_language_key("person", "en"),
                            resources=resources, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "person.yaml" in str(failure.step_failure_data.error) and "alien" in str(failure.step_failure_data.error)
    assert query(db, "SELECT count(*), sum(hash(triple_id)) FROM main.candidate_triples") == upstream


def test_backfill_of_all_partitions_with_the_daemon(built, tmp_path):
    """A real backfill: `dagster job backfill` of all 24 partitions of `refresh_outputs`, run by
    `dagster-daemon` through a queued coordinator (3 runs at a time, each its own process launched by
    the daemon, its steps in that process: `INSTRUCTIE_EXECUTOR=in_process`, since a step subprocess per
    step tripled the test's time on 2 cores without testing anything more about concurrent writers)
    against one lake: every run succeeds (no lock errors) and every partition's rows come out exactly
    as before (nothing lost or doubled; re-running is idempotent)."""
    import os
    import signal
    import time

    import dagster as dg

    db = str(tmp_path / "copy")
    copy_lake(built.db, db)
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(
        "run_coordinator:\n  module: dagster._core.run_coordinator\n  class: QueuedRunCoordinator\n  config:\n    max_concurrent_runs: 3\n")
    sql = ("SELECT theme, language, count(*), sum(hash(triple_id || coalesce(drop_reason, ''))) FROM main.filtered_triples GROUP BY ALL "
           "UNION ALL SELECT theme, language, count(*), sum(hash(text_id || output || split)) FROM main.instruction_splits GROUP BY ALL ORDER BY ALL")
    before = query(db, sql)
    root = Path(__file__).resolve().parents[1]
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "DAGSTER_HOME": str(home), "INSTRUCTIE_DB": db, "INSTRUCTIE_EXPORT_DIR": str(tmp_path / "out"),
           "INSTRUCTIE_NLI_MODEL": "none", "HF_HUB_OFFLINE": "1", "INSTRUCTIE_EXECUTOR": "in_process"}
    subprocess.run([str(bin_dir / "dagster"), "job", "backfill", "-w", "workspace.yaml", "-j", "refresh_outputs", "--all", "all", "--noprompt"],
                   cwd=root, env=env, check=True, capture_output=True, timeout=300)
    daemon = subprocess.Popen([sys.executable, str(root / "tests/webserver_launcher.py"), str(bin_dir / "dagster-daemon"), "run", "-w", "workspace.yaml"],
                              cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    statuses = {}
    try:
        with dg.DagsterInstance.from_config(str(home)) as instance:
            for _ in range(900):
                runs = instance.get_runs()
                statuses = {r.run_id: r.status for r in runs}
                if len(runs) == 24 and all(s in (dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED) for s in statuses.values()):
                    break
                time.sleep(1)
            partitions = sorted(r.tags.get("dagster/partition") for r in instance.get_runs())
    finally:
        os.kill(daemon.pid, signal.SIGTERM)
        daemon.wait(timeout=60)
    assert len(statuses) == 24 and set(statuses.values()) == {dg.DagsterRunStatus.SUCCESS}, statuses
    assert len(set(partitions)) == 24
    assert query(db, sql) == before


def test_lineage_and_shared_label_trap(built):
    (qid, runner, source), = query(built.db, "SELECT qid, runner_up, mention_source FROM main.resolved_entities WHERE surface = 'Cambridge' AND language = 'en'")
    assert (qid, runner, source) == ("Q350", "Q49111", "gazetteer")
    # an exported triple traces back to its paragraph span and its Wikidata statement
    (head, tail, prop, text, hs, he), = query(built.db, """
        SELECT f.head, f.tail, f.property, p.text, f.head_start, f.head_end FROM main.filtered_triples f
        JOIN main.paragraphs p USING (paragraph_id)
        JOIN main.wikidata_item_claims c ON c.subject = f.head_qid AND c.property = f.property AND c.object = f.tail_qid
        WHERE f.relation = 'place of birth' AND f.head_qid = 'Q42' AND f.language = 'en' AND f.drop_reason IS NULL""")
    assert (head, tail, prop) == ("Douglas Noël Adams", "Cambridge", "P19") and text[hs:he] == head


def test_rematerializing_is_idempotent(built, tmp_path):
    """One partition again, through the command line, by the theme's exported `cate` name: the same rows,
    and the summary lists only the partition built (not the 23 others already in the database)."""
    before = query(built.db, "SELECT count(*), sum(hash(triple_id)) FROM main.filtered_triples")
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "INSTRUCTIE_NLI_MODEL")}
    result = subprocess.run([sys.executable, "-m", "instructie_assets.cli", "build", "--wikipedia", SAMPLE_WIKIPEDIA[0], "--wikipedia", SAMPLE_WIKIPEDIA[1],
                             "--wikidata", SAMPLE_WIKIDATA, "--skip-wikidata", "--db", built.db, "--out", built.out_dir, "--theme", "Person",
                             "--language", "en"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    assert [line.split()[:2] for line in result.stdout.splitlines() if line.startswith(("en ", "zh "))] == [["en", "person"]]
    assert query(built.db, "SELECT count(*), sum(hash(triple_id)) FROM main.filtered_triples") == before


def test_enterprise_html_dumps_build_the_same_graph(built, tmp_path):
    """The sample as Wikimedia Enterprise HTML dumps (detected from the files, QIDs from the records)
    gives the same articles, paragraphs and triples as the XML dumps."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from enterprise_sample import write_sample_html_dumps

    themes = sorted({t for (t,) in query(built.db, "SELECT DISTINCT theme FROM main.paragraphs")})
    dumps, stubs = write_sample_html_dumps(tmp_path)
    options = BuildOptions(wikipedia=dumps, wikidata=SAMPLE_WIKIDATA, db=str(tmp_path / "html.duckdb"),
                           out_dir=str(tmp_path / "exports"), themes=themes)
    build(options, progress=False)
    assert stubs and query(options.db, "SELECT count(*) FROM main.paragraphs WHERE title IN (SELECT unnest(?))", [stubs]) == [(0,)]
    same = {
        "articles": f"SELECT article_id, title, qid, theme FROM main.articles WHERE title NOT IN ({', '.join('?' * len(stubs))}) ORDER BY ALL",
        "redirects": "SELECT title, target, language FROM main.wikipedia_redirects ORDER BY ALL",
        "paragraphs": "SELECT paragraph_id, text, anchors FROM main.paragraphs ORDER BY paragraph_id",
        "triples": "SELECT paragraph_id, head, relation_label, tail, drop_reason FROM main.filtered_triples ORDER BY ALL",
    }
    for name, sql in same.items():
        params = stubs if name == "articles" else []
        xml_rows, html_rows = query(built.db, sql, params), query(options.db, sql, params)
        assert xml_rows and xml_rows == html_rows, name
