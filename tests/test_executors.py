"""Scaling out: the Celery and Kubernetes executor configurations validate against the real jobs."""

import pytest
import yaml

import dagster as dg

from instructie_assets.definitions import build_definitions
from instructie_assets.paths import RESOURCE_DIR, SAMPLE_WIKIDATA, SAMPLE_WIKIPEDIA


def defs_with(executor, tmp_path):
    return build_definitions(executor=executor, db=str(tmp_path / "db.duckdb"), wikipedia=SAMPLE_WIKIPEDIA, wikidata=SAMPLE_WIKIDATA,
                             out_dir=str(tmp_path / "out"))


@pytest.mark.parametrize("executor", ["celery", "k8s"])
def test_shipped_run_config_validates(executor, tmp_path):
    defs = defs_with(executor, tmp_path)
    run_config = yaml.safe_load((RESOURCE_DIR / "executors" / f"{executor}.yaml").read_text(encoding="utf-8"))
    for job in ("refresh_stages", "refresh_articles", "train_theme_classifier"):
        job_def = defs.resolve_job_def(job)
        assert job_def.executor_def.name == {"celery": "celery", "k8s": "k8s"}[executor]
        assert dg.validate_run_config(job_def, run_config)
    bad = {"execution": {"config": {"no_such_option": 1}}}
    with pytest.raises(dg.DagsterInvalidConfigError, match="no_such_option"):
        dg.validate_run_config(defs.resolve_job_def("refresh_stages"), bad)


def test_unknown_executor_is_refused(tmp_path):
    with pytest.raises(ValueError, match="INSTRUCTIE_EXECUTOR must be"):
        defs_with("slurm", tmp_path)
