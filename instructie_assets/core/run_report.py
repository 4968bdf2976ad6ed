"""What a command prints after its runs: warnings that many partitions share, once each."""

from __future__ import annotations

import re
from dataclasses import dataclass

PLACEHOLDER = "<partition>"


@dataclass(frozen=True)
class RunWarning:
    """A warning logged by one run: the partition it ran for (its key and dimension values, `""` and
    `{}` when unpartitioned), the step, and the message."""

    partition: str
    dimensions: dict[str, str]
    step: str
    message: str


def partition_label(partition: str, dimensions: dict[str, str]) -> str:
    """`person/en` for a theme x language key (as the assets write it), else the key itself."""
    if "theme" in dimensions and "language" in dimensions:
        return f"{dimensions['theme']}/{dimensions['language']}"
    return partition


def _masked(w: RunWarning) -> str:
    """The message with this run's partition named as <partition>, so that the same warning on
    other partitions reads the same."""
    forms = {partition_label(w.partition, w.dimensions), w.partition}
    if len(w.dimensions) == 2:
        a, b = w.dimensions.values()
        forms |= {f"{a}/{b}", f"{b}/{a}", f"{a}|{b}", f"{b}|{a}"}
    message = w.message
    for form in sorted((f for f in forms if f), key=len, reverse=True):
        message = re.sub(rf"(?<![\w/|]){re.escape(form)}(?![\w/|])", PLACEHOLDER, message)
    return message


def group_warnings(warnings: list[RunWarning]) -> list[tuple[str, list[str]]]:
    """(message, partitions) for each distinct warning, in first-seen order: a warning that 24
    partitions log is one entry naming 24 partitions."""
    groups: dict[tuple[str, str], list[str]] = {}
    for w in warnings:
        label = partition_label(w.partition, w.dimensions)
        members = groups.setdefault((w.step, _masked(w)), [])
        if label not in members:
            members.append(label)
    return [(message, partitions) for (_, message), partitions in groups.items()]


def format_warning(message: str, partitions: list[str], width: int = 400) -> str:
    """One line: `WARN <message> (<where>)`; the message cut to `width` characters."""
    first = message.splitlines()[0] if message else ""
    if len(first) > width:
        first = first[: width - 1] + "…"
    if len(partitions) <= 1:
        where = partitions[0] if partitions and partitions[0] else ""
        first = first.replace(PLACEHOLDER, where or "-")
        return f"WARN {first}"
    return f"WARN {first} ({len(partitions)} partitions: {partitions[0]} … {partitions[-1]})"
