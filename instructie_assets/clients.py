"""Resources: where the dumps are, the project's editable files, exports."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from instructie_assets.core.models import ModelLoadError
from instructie_assets.core.nli import DEFAULT_NLI_MODEL, LexicalNli, NliModel, NliTemplates, TransformersNli, load_nli_templates
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

    def nli_templates(self, config: ProjectConfig) -> NliTemplates:
        return load_nli_templates(Path(self.resource_dir) / "nli_templates", config.schemas)


class NliSettings(dg.ConfigurableResource):
    """The NLI filter's model: a hub id or a local directory (default: the multilingual mDeBERTa-v3
    XNLI model), `lexical-overlap` for the deterministic stand-in, or `none` to switch it off. When
    the model cannot be loaded the stage runs without NLI and says so; nothing is marked as checked."""

    model: str = DEFAULT_NLI_MODEL
    device: str = "auto"
    batch_size: int = 32
    max_length: int = 512

    def load(self) -> tuple[NliModel | None, str]:
        """(model, a line saying what was loaded or why not)."""
        if self.model.lower() in ("", "none", "off"):
            return None, "not applied: NLI switched off (model: none)"
        if self.model == LexicalNli.name:
            return LexicalNli(), f"applied: {LexicalNli.name} (deterministic stand-in, not a trained NLI model)"
        try:
            model = TransformersNli(self.model, self.device, self.batch_size, self.max_length)
        except ModelLoadError as exc:
            return None, f"not applied: {exc}"
        return model, f"applied: {self.model} on {model.device}"


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
