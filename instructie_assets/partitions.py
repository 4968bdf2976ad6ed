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
