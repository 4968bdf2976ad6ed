"""Where the project's user-editable files live (theme_schemas/, resources/)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("INSTRUCTIE_HOME", Path(__file__).resolve().parents[1]))
SCHEMA_DIR = PROJECT_ROOT / "theme_schemas"
RESOURCE_DIR = PROJECT_ROOT / "resources"
SAMPLE_DIR = RESOURCE_DIR / "sample"
SAMPLE_WIKIPEDIA = [str(SAMPLE_DIR / "enwiki-sample-pages-articles.xml.bz2"), str(SAMPLE_DIR / "zhwiki-sample-pages-articles.xml.bz2")]
SAMPLE_WIKIDATA = str(SAMPLE_DIR / "wikidata-sample.json.gz")
SAMPLE_GOLD = {"en": SAMPLE_DIR / "gold-en.jsonl", "zh": SAMPLE_DIR / "gold-zh.jsonl"}
