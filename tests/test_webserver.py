"""The UI: dagster-webserver on loopback serves the asset graph, partitions and checks over GraphQL."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QUERY = """{ assetNodes { assetKey { path } partitionKeysByDimension { name partitionKeys }
  assetChecksOrError { ... on AssetChecks { checks { name } } } } }"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@contextlib.contextmanager
def running_webserver(env: dict):
    """dagster-webserver on a free loopback port over the project's workspace, with `env`; yields the port
    once GraphQL answers, stops it by SIGTERM after."""
    port = free_port()
    webserver = str(Path(sys.executable).parent / "dagster-webserver")
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests/webserver_launcher.py"), webserver, "-w", str(ROOT / "workspace.yaml"),
                             "-h", "127.0.0.1", "-p", str(port)], cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(240):
            if proc.poll() is not None:
                raise AssertionError(f"webserver exited: {proc.stderr.read().decode()[-2000:]}")
            try:
                if graphql(port, "{ assetNodes { id } }").get("data", {}).get("assetNodes"):
                    break
            except OSError:
                pass
            time.sleep(0.5)
        yield port
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise AssertionError("the webserver did not stop on SIGTERM")


@pytest.mark.slow
def test_graphql_lists_assets_partitions_and_checks(tmp_path):
    env = {"DAGSTER_HOME": str(tmp_path), "INSTRUCTIE_DB": str(tmp_path / "lake"), "INSTRUCTIE_EXPORT_DIR": str(tmp_path / "out")}
    with running_webserver(env) as port:
        data = graphql(port, QUERY)
    nodes = {"/".join(n["assetKey"]["path"]): n for n in data["data"]["assetNodes"]}
    assert {"wikidata_labels", "articles", "paragraphs", "filtered_triples", "dataset_exports", "dataset_card", "theme_classifier_model"} <= set(nodes)
    dims = {d["name"]: d["partitionKeys"] for d in nodes["filtered_triples"]["partitionKeysByDimension"]}
    assert len(dims["theme"]) == 12 and dims["language"] == ["en", "zh"]
    checks = {c["name"] for c in nodes["filtered_triples"]["assetChecksOrError"]["checks"]}
    assert {"schema_and_type_violations", "spans_at_offsets", "yield_and_diversity", "nli_applied", "gold_f1"} <= checks
