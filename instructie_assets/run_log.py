"""The log file of one command: every Dagster event of the runs it started, read back from the
instance, so the terminal shows one line per failure and the file holds the rest."""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

import dagster as dg

from instructie_assets.core.run_report import RunWarning


def log_path(directory: str | os.PathLike, command: str, started: float) -> Path:
    """`<directory>/logs/<command>-<YYYYmmdd-HHMMSS>.log`."""
    stamp = dt.datetime.fromtimestamp(started).strftime("%Y%m%d-%H%M%S")
    return Path(directory) / "logs" / f"{command}-{stamp}.log"


def _error_text(entry) -> str:
    event = entry.dagster_event
    error = entry.error_info or (getattr(event.event_specific_data, "error", None) if event else None)
    return error.to_string() if error is not None else ""


def write_run_log(path: Path, started: float, instance: dg.DagsterInstance | None = None, preamble: str = "") -> list[RunWarning]:
    """Write the events of every run created since `started` (a Unix time) to `path`, oldest run
    first; returns the warnings they logged (user warnings, not step failures)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    warnings: list[RunWarning] = []
    own = instance is None
    instance = instance or dg.DagsterInstance.get()
    try:
        runs = instance.get_runs(filters=dg.RunsFilter(created_after=dt.datetime.fromtimestamp(started, tz=dt.timezone.utc)))
        with open(path, "w", encoding="utf-8") as fh:
            if preamble:
                fh.write(preamble.rstrip("\n") + "\n")
            for run in reversed(runs):  # get_runs is newest first
                partition = run.tags.get("dagster/partition", "")
                dimensions = {k.split("/", 2)[2]: v for k, v in run.tags.items() if k.startswith("dagster/partition/")}
                fh.write(f"\n=== run {run.run_id} job {run.job_name} partition {partition or '-'}: {run.status.value}\n")
                for entry in instance.all_logs(run.run_id):
                    when = dt.datetime.fromtimestamp(entry.timestamp).strftime("%H:%M:%S")
                    fh.write(f"{when} {logging.getLevelName(entry.level):8} {entry.step_key or '-'}: {entry.message}\n")
                    if error := _error_text(entry):
                        fh.write("    " + error.replace("\n", "\n    ").rstrip() + "\n")
                    if entry.level >= logging.WARNING and not entry.is_dagster_event:
                        warnings.append(RunWarning(partition, dimensions, entry.step_key or "", entry.user_message))
    finally:
        if own:
            instance.dispose()
    return warnings
