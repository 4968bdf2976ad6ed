"""Partitions, declared once: theme (one key per theme_schemas/*.yaml) x language."""

from __future__ import annotations

import os

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


# Wikidata ingest shards: INSTRUCTIE_WIKIDATA_SHARDS=n splits the dump into n partitions "k-of-n"
# (entity lines whose ordinal is k modulo n); each can run on its own worker or machine.
WIKIDATA_SHARDS = max(1, int(os.environ.get("INSTRUCTIE_WIKIDATA_SHARDS", "1")))


def shard_keys(n: int = WIKIDATA_SHARDS) -> list[str]:
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


wikidata_shards = dg.StaticPartitionsDefinition(shard_keys())
