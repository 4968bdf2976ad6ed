"""`instructie doctor`: what this machine has and lacks for a real run, one line per item.

Each finding is `ok`, `warn` (the run works, worse or slower) or `missing` (the run would fail); the
command exits 1 when anything is missing. Nothing here downloads anything or creates a database:
models are looked up in the local Hugging Face cache, dumps are opened for their first bytes only, an
existing lake is opened and probed with a file that is removed again.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from instructie_assets.preflight import (
    Problem, check_database_target, check_project_files, check_wikidata_dump, check_wikipedia_dump, check_writable_dir, looks_like_path,
)

# Disk needed per byte of compressed dump, a rough rule from the full-dump figures in the README:
# the narrow Wikidata tables are a few tens of GB from the ~130 GB .json.gz (plus one shard's staging
# Parquet while it is swapped in); `articles` keeps the wikitext (~100 GB from EN's 22 GB .xml.bz2)
# and `paragraphs` the plain text of the kept paragraphs.
DISK_PER_DUMP_BYTE = {"wikidata": 0.5, "wikipedia.bz2": 6.0, "wikipedia.gz": 5.0, "wikipedia": 1.5}


@dataclass(frozen=True)
class Finding:
    status: str  # ok | warn | missing
    item: str
    detail: str

    def line(self) -> str:
        return f"{self.status:8} {self.item:14} {self.detail}"


def _gb(n: float) -> str:
    if n >= 1e8:
        return f"{n / 1e9:.1f} GB"
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.0f} kB"


def disk_needed(wikipedia: list[str], wikidata: str | None) -> int:
    """Bytes the database needs for these dumps (a rough estimate, see DISK_PER_DUMP_BYTE)."""
    total = 0.0
    for path in wikipedia:
        if os.path.isfile(path):
            suffix = Path(path).suffix
            factor = DISK_PER_DUMP_BYTE.get(f"wikipedia{suffix}", DISK_PER_DUMP_BYTE["wikipedia"])
            total += factor * os.path.getsize(path)
    if wikidata and os.path.isfile(wikidata):
        total += DISK_PER_DUMP_BYTE["wikidata"] * os.path.getsize(wikidata)
    return int(total)


def _meminfo() -> dict[str, int]:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            return {k: int(v.split()[0]) * 1024 for k, v in (line.split(":", 1) for line in fh)}
    except (OSError, ValueError):
        return {}


def machine_findings() -> list[Finding]:
    """Cores, memory, accelerator."""
    out = []
    cores = os.cpu_count() or 1
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    out.append(Finding("ok" if usable >= 4 else "warn", "cores",
                       f"{usable} usable of {cores}" + ("" if usable >= 4 else " (the EN dump takes hours per stage on 2 cores; see the README's full-run figures)")))
    mem = _meminfo()
    if mem:
        total, available = mem.get("MemTotal", 0), mem.get("MemAvailable", 0)
        out.append(Finding("ok" if total >= 8e9 else "warn", "memory", f"{_gb(available)} available of {_gb(total)}"))
    try:
        import torch

        if torch.cuda.is_available():
            out.append(Finding("ok", "accelerator", f"cuda: {torch.cuda.get_device_name(0)} (models run there, bf16)"))
        else:
            out.append(Finding("warn", "accelerator", "none (NLI on CPU: slow on a full dump; fine for the sample)"))
    except ImportError:
        out.append(Finding("missing", "accelerator", "torch is not installed (pip install -e .)"))
    return out


def model_finding(kind: str, model: str, default: str = "") -> Finding:
    """Whether a model (hub id or local directory) can be loaded offline: a local directory with a
    config.json, or a hub id whose config and weights are in the Hugging Face cache."""
    model = (model or default).strip()
    if model.lower() in ("", "none", "off"):
        return Finding("ok", kind, "off")
    if model == "lexical-overlap":
        return Finding("ok", kind, "lexical-overlap (deterministic stand-in, not a trained model)")
    if os.path.isdir(model):
        ok = os.path.isfile(os.path.join(model, "config.json"))
        return Finding("ok" if ok else "missing", kind, f"{model}: local directory" + ("" if ok else " without config.json"))
    try:
        from huggingface_hub import constants, try_to_load_from_cache
    except ImportError:
        return Finding("missing", kind, f"{model}: huggingface_hub is not installed")
    if looks_like_path(model):
        return Finding("missing", kind, f"{model}: no such directory (a local model directory, or a hub id `owner/name`)")
    try:
        config = try_to_load_from_cache(model, "config.json")
        weights = [w for w in ("model.safetensors", "pytorch_model.bin", "model.safetensors.index.json", "pytorch_model.bin.index.json")
                   if isinstance(try_to_load_from_cache(model, w), str)]
    except ValueError as exc:  # huggingface_hub's HFValidationError: not a valid hub id
        return Finding("missing", kind, f"{model}: neither a local directory nor a hub id ({str(exc).splitlines()[0]})")
    if isinstance(config, str) and weights:
        return Finding("ok", kind, f"{model}: cached in {constants.HF_HUB_CACHE}")
    status = "warn" if kind == "NLI model" else "missing"
    return Finding(status, kind, f"{model}: not in the Hugging Face cache ({constants.HF_HUB_CACHE}); get it once with network: "
                                 f"`hf download {model}`" + (" (without it the NLI filter is skipped and says so)" if kind == "NLI model" else ""))


def _problem(item: str, problem: Problem | None, ok: str) -> Finding:
    return Finding("ok", item, ok) if problem is None else Finding("missing", item, problem.message)


def dump_findings(wikipedia: list[str], wikidata: str | None) -> list[Finding]:
    out = []
    for path in wikipedia:
        language, problem = check_wikipedia_dump(path)
        size = _gb(os.path.getsize(path)) if os.path.isfile(path) else ""
        out.append(_problem("wikipedia", problem, f"{path}: {language}wiki, {size}, readable"))
    if not wikipedia:
        out.append(Finding("missing", "wikipedia", "no dump given (--wikipedia, or INSTRUCTIE_WIKIPEDIA)"))
    if wikidata:
        size = _gb(os.path.getsize(wikidata)) if os.path.isfile(wikidata) else ""
        out.append(_problem("wikidata", check_wikidata_dump(wikidata), f"{wikidata}: {size}, readable"))
    else:
        out.append(Finding("missing", "wikidata", "no dump given (--wikidata, or INSTRUCTIE_WIKIDATA)"))
    return out


def lake_finding(db: str, data_path: str = "") -> Finding:
    """The DuckLake target: an existing lake (embedded or PostgreSQL) is opened and its directories
    probed (`storage.lake.check_writable`); an embedded one that does not exist yet is not created, only
    the directory it would go in is checked."""
    from instructie_assets.storage.lake import check_writable, lake_location

    problem = check_database_target(db, data_path=data_path)
    if problem is not None:
        return Finding("missing", "database", problem.message)
    location = lake_location(db, data_path)
    if location.embedded and not os.path.isfile(os.path.join(location.directory, "catalog.sqlite")):
        return Finding("ok", "database", f"{db}: a DuckLake directory (catalog.sqlite + data/), created by the first build/demo")
    problems = check_writable(location)
    if problems:  # DuckDB's own wording of the cause, in parentheses after ours, would fill the screen
        return Finding("missing", "database", re.sub(r" \(\w+ Error: .*$", "", problems[0]))
    kind = "DuckLake, SQLite catalog + Parquet under data/" if location.embedded else "DuckLake, PostgreSQL catalog"
    return Finding("ok", "database", f"{location.describe()}: {kind}, opens and is writable")


def storage_findings(db: str, out_dir: str, need: int, data_path: str = "") -> list[Finding]:
    out = [lake_finding(db, data_path)]
    from instructie_assets.storage.lake import OBJECT_STORE_SCHEMES, lake_location

    try:
        location = lake_location(db, data_path)
        where = location.directory if location.embedded else location.data_path
    except ValueError:
        where = ""
    if where and not where.startswith(OBJECT_STORE_SCHEMES):
        directory = Path(where).resolve()
        while not directory.exists():
            directory = directory.parent
        free = shutil.disk_usage(directory).free
        if need:
            status = "ok" if free >= need else "missing"
            out.append(Finding(status, "disk", f"{_gb(free)} free at {directory}; the dumps given need about {_gb(need)} (a rough estimate)"))
        else:
            out.append(Finding("ok", "disk", f"{_gb(free)} free at {directory}"))
    elif where:
        out.append(Finding("ok", "disk", f"Parquet files go to {where} (object storage: free space not checked)"))
    out.append(_problem("exports", check_writable_dir(out_dir, "--out"), f"{out_dir}: writable"))
    return out


def instance_finding(home: str) -> Finding:
    """Where runs are recorded: the UI (`make dev`) shows what `instructie build/demo` ran there."""
    if os.path.isfile(os.path.join(home, "dagster.yaml")):
        return Finding("ok", "dagster home", f"{home} (runs of build/demo, shown by `make dev`)")
    problem = check_writable_dir(home, "DAGSTER_HOME")
    if problem:
        return Finding("missing", "dagster home", problem.message)
    return Finding("ok", "dagster home", f"{home}: created by the first build/demo (runs shown by `make dev`)")


def project_finding(schema_dir: Path, resource_dir: Path) -> Finding:
    schemas, problems = check_project_files(schema_dir, resource_dir)
    if problems:
        return Finding("missing", "project files", problems[0].message)
    return Finding("ok", "project files", f"{len(schemas)} theme schemas, taxonomy, maps and NLI templates load ({schema_dir.parent})")
