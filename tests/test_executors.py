"""Scaling out: the Celery and Kubernetes executor configurations validate against the real jobs."""

import pytest
import yaml

import dagster as dg

from instructie_assets.definitions import ASSETS, JOBS, build_definitions, build_resources
from instructie_assets.paths import RESOURCE_DIR, SAMPLE_WIKIDATA, SAMPLE_WIKIPEDIA


def defs_with(executor, tmp_path):
    return build_definitions(executor=executor, db=str(tmp_path / "lake"), wikipedia=SAMPLE_WIKIPEDIA, wikidata=SAMPLE_WIKIDATA,
                             out_dir=str(tmp_path / "out"))


@pytest.mark.parametrize("executor", ["celery", "k8s"])
def test_shipped_executor_config_validates(executor, tmp_path):
    from dagster_celery import celery_executor
    from dagster_k8s import k8s_job_executor

    raw = {"celery": celery_executor, "k8s": k8s_job_executor}[executor]
    run_config = yaml.safe_load((RESOURCE_DIR / "executors" / f"{executor}.yaml").read_text(encoding="utf-8"))
    resources = build_resources(str(tmp_path / "lake"), SAMPLE_WIKIPEDIA, SAMPLE_WIKIDATA, str(tmp_path / "out"))
    plain = dg.Definitions(assets=ASSETS, jobs=JOBS, executor=raw, resources=resources)  # the YAML as a run config of the real jobs
    for job in ("refresh_stages", "refresh_articles", "train_theme_classifier"):
        assert dg.validate_run_config(plain.resolve_job_def(job), run_config)
    with pytest.raises(dg.DagsterInvalidConfigError, match="no_such_option"):
        dg.validate_run_config(plain.resolve_job_def("refresh_stages"), {"execution": {"config": {"no_such_option": 1}}})
    # as INSTRUCTIE_EXECUTOR selects it: configured from the YAML, so backfills need no run config
    defs = defs_with(executor, tmp_path)
    job = defs.resolve_job_def("refresh_stages")
    assert job.executor_def.name == raw.name and dg.validate_run_config(job, {})
    bad = tmp_path / "bad.yaml"
    bad.write_text("execution:\n  config:\n    no_such_option: 1\n", encoding="utf-8")
    with pytest.raises(dg.DagsterInvalidConfigError, match="no_such_option"):
        build_definitions(executor=executor, executor_config=str(bad), db=str(tmp_path / "lake"), wikipedia=SAMPLE_WIKIPEDIA,
                          wikidata=SAMPLE_WIKIDATA, out_dir=str(tmp_path / "out")).resolve_job_def("refresh_stages")


def test_unknown_executor_is_refused(tmp_path):
    with pytest.raises(ValueError, match="INSTRUCTIE_EXECUTOR must be"):
        defs_with("slurm", tmp_path)
