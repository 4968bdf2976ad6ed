"""Resources: where the dumps are, the project's editable files, exports."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from instructie_assets.core.schemas import ProjectConfig, load_project_config
from instructie_assets.core.wikitext import dump_language
from instructie_assets.paths import RESOURCE_DIR, SCHEMA_DIR


class DumpSources(dg.ConfigurableResource):
    """The input dumps: Wikipedia XML exports (any languages; each one's language from its siteinfo)
    and one Wikidata JSON dump. `tolerant` skips malformed entity lines and reports them."""

    wikipedia: list[str]
    wikidata: str
    tolerant: bool = False

    def wikipedia_for(self, language: str) -> list[str]:
        return [p for p in self.wikipedia if dump_language(p) == language]


class ProjectFiles(dg.ConfigurableResource):
    """The user-editable theme schemas and resources, validated on every load."""

    schema_dir: str = str(SCHEMA_DIR)
    resource_dir: str = str(RESOURCE_DIR)

    def load(self) -> ProjectConfig:
        return load_project_config(Path(self.schema_dir), Path(self.resource_dir))


class ExportSettings(dg.ConfigurableResource):
    out_dir: str


class QualitySettings(dg.ConfigurableResource):
    """Gold InstructIE records (JSONL files, any languages) the asset checks score partitions against,
    and the floors below which a check warns."""

    gold: list[str] = []
    gold_f1_floor: float = 0.8
    offset_share_floor: float = 0.99

    def gold_records(self) -> list[dict]:
        from instructie_assets.core.evaluation import read_jsonl

        return [r for path in self.gold for r in read_jsonl(path)]
