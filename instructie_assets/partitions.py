"""Partitions, declared once: theme (one key per theme_schemas/*.yaml) x language."""

from __future__ import annotations

import dagster as dg

from instructie_assets.core.schemas import LANGUAGES, theme_keys
from instructie_assets.paths import SCHEMA_DIR

THEMES = theme_keys(SCHEMA_DIR)
language_partitions = dg.StaticPartitionsDefinition(list(LANGUAGES))
theme_language = dg.MultiPartitionsDefinition(
    {"theme": dg.StaticPartitionsDefinition(THEMES), "language": language_partitions}
)
THEME_LANGUAGE_EXPR = {"theme": "theme", "language": "language"}


def theme_language_key(theme: str, language: str) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"theme": theme, "language": language})


def theme_and_language(context: dg.AssetExecutionContext) -> tuple[str, str]:
    keys = context.partition_key.keys_by_dimension
    return keys["theme"], keys["language"]


# Wikidata ingest shards: n shards are the partitions "k-of-n" (entity lines whose ordinal is k modulo n);
# each can run on its own worker or machine. The Definitions choose n (definitions.py, runner.py).
def shard_keys(n: int) -> list[str]:
    return [f"{k}-of-{n}" for k in range(n)]


def parse_shard(key: str) -> tuple[int, int]:
    """`2-of-8` -> (2, 8)."""
    try:
        k, n = (int(x) for x in key.split("-of-"))
    except ValueError:
        raise ValueError(f"bad shard {key!r}: expected K-of-N, for example 0-of-4") from None
    if not 0 <= k < n:
        raise ValueError(f"bad shard {key!r}: K must be in 0..N-1")
    return k, n


def wikidata_shard_partitions(n: int) -> dg.StaticPartitionsDefinition:
    if n < 1:
        raise ValueError(f"the Wikidata dump needs at least one shard, not {n}")
    return dg.StaticPartitionsDefinition(shard_keys(n))


def selected_partition_keys(partitions_def: dg.PartitionsDefinition | None, themes: list[str], languages: list[str],
                            shards: list[str]) -> list:
    """The keys of `partitions_def` a build of these themes, languages and shards materializes, in the
    definition's order; [None] for an unpartitioned job."""
    if partitions_def is None:
        return [None]
    if isinstance(partitions_def, dg.MultiPartitionsDefinition):
        return [k for k in partitions_def.get_partition_keys()
                if k.keys_by_dimension["theme"] in themes and k.keys_by_dimension["language"] in languages]
    return [k for k in partitions_def.get_partition_keys() if k in languages or k in shards]


def run_lock_unit(key) -> str | None:
    """The unit of work (storage/run_locks.py) a run of this partition key writes: `wikidata-K-of-N` (a
    shard), `language-<lang>` (a language's articles, redirects and duplicate texts),
    `partition-<theme>-<lang>`; None for an unpartitioned run (the card: the later run's card wins whole)."""
    if key is None:
        return None
    if isinstance(key, dg.MultiPartitionKey):
        return f"partition-{key.keys_by_dimension['theme']}-{key.keys_by_dimension['language']}"
    return f"language-{key}" if key in LANGUAGES else f"wikidata-{key}"
