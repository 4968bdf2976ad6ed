"""Resources: where the dumps are, the project's editable files, exports."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import dagster as dg
import polars as pl
from pydantic import Field

from instructie_assets.core.articles import REDIRECT_SCHEMA
from instructie_assets.core.knowledge import InMemoryWikidata, WikidataLookups
from instructie_assets.storage.duckdb_tables import private_staging
from instructie_assets.storage.lake import LakeLocation, lake_cursor, lake_location
from instructie_assets.core.models import ModelLoadError
from instructie_assets.core.ner import NerModel, TransformersNer
from instructie_assets.core.nli import DEFAULT_NLI_MODEL, LexicalNli, NliModel, NliTemplates, TransformersNli, load_nli_templates
from instructie_assets.core.schemas import ProjectConfig, load_project_config
from instructie_assets.core.theme_classifier import ThemeClassifier, TransformersThemeClassifier
from instructie_assets.core.wikidata import TABLE_SCHEMAS
from instructie_assets.core.wikitext import dump_language
from instructie_assets.duckdb_wikidata import DuckDBWikidata
from instructie_assets.paths import RESOURCE_DIR, SCHEMA_DIR


MEMORY_LIMIT = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$")
# Rows per batch of the stages after `paragraphs`. Measured (graph-scaling bench): a whole partition of
# ~10,000 paragraphs took entity_mentions ~700 MB above the process (the batch's Wikidata lookups and
# Python rows), so 2,000 rows keep a stage within ~150-200 MB of it; each batch makes its own lookups.
DEFAULT_BATCH_ROWS = 2_000


class DuckLakeResource(dg.ConfigurableResource):
    """The tables: a DuckLake queried with DuckDB (`storage/lake.py`). `db` is a directory (the embedded
    lake: SQLite catalog + Parquet files) or `postgres:<connection string>` with a shared `data_path`
    (a directory every machine mounts, or s3://bucket/prefix/). `allow_empty` lets a run replace
    non-empty tables or partitions with empty ones (refused otherwise). `batch_rows`: the stages after
    `paragraphs` read and write their partition this many rows at a time (README, "Memory")."""

    db: str
    data_path: str = ""
    staging_dir: str = ""
    allow_empty: bool = False
    batch_rows: int = Field(
        default=DEFAULT_BATCH_ROWS, gt=0,
        description="Rows per batch read and written by the stages after paragraphs (entity_mentions ... dataset_exports): "
                    "their peak memory is one batch plus small per-partition state, whatever the partition's size. "
                    "Larger batches mean fewer Wikidata lookups per partition; smaller ones less memory. "
                    "Env INSTRUCTIE_BATCH_ROWS, CLI --batch-rows.")
    duckdb_memory_limit: str = Field(
        default="",
        description="DuckDB's memory limit in this process (for example 2GB; empty: DuckDB's default, 80% of RAM). The stages' "
                    "sorts and joins run inside DuckDB and spill to <staging>/duckdb-spill past it. Env INSTRUCTIE_DUCKDB_MEMORY_LIMIT.")

    def location(self) -> LakeLocation:
        return lake_location(self.db, self.data_path, self.staging_dir)

    @contextmanager
    def get_connection(self):
        """A DuckDB cursor with the lake in use (`main.<table>`); the process keeps one instance per lake."""
        cursor = lake_cursor(self.location())
        try:
            if self.duckdb_memory_limit:
                if not MEMORY_LIMIT.match(self.duckdb_memory_limit):
                    raise ValueError(f"duckdb_memory_limit: {self.duckdb_memory_limit!r} is not a size such as 512MB or 2GB")
                spill = os.path.join(self.location().staging_dir, "duckdb-spill").replace("'", "''")
                cursor.execute(f"SET temp_directory = '{spill}'")
                cursor.execute(f"SET memory_limit = '{self.duckdb_memory_limit}'")
            yield cursor
        finally:
            cursor.close()

    def staging(self, run_id: str, name: str):
        """A staging directory private to this step of this run, removed when it ends (a context manager)."""
        return private_staging(self.location().staging_dir, run_id, name)


class DumpSources(dg.ConfigurableResource):
    """The input dumps: Wikipedia XML exports (any languages; each one's language from its siteinfo)
    and one Wikidata JSON dump. `tolerant` skips malformed entity lines and reports them."""

    wikipedia: list[str]
    wikidata: str
    tolerant: bool = False
    workers: int = 0  # decoding processes; 0 = one per core


    def wikipedia_for(self, language: str) -> list[str]:
        return [p for p in self.wikipedia if dump_language(p) == language]


class WikidataSource(dg.ConfigurableResource):
    """Where the stages look Wikidata up: `lookups()` gives a `core.knowledge.WikidataLookups` for the
    length of a `with` block. Real: `DuckDBWikidata`; for tests: `InMemoryWikidataSource`."""

    @contextmanager
    def lookups(self) -> Iterator[WikidataLookups]:
        raise NotImplementedError(f"{type(self).__name__} does not say where Wikidata is")
        yield


class DuckDBWikidataSource(WikidataSource):
    """The ingested `wikidata_*` tables and `wikipedia_redirects`, queried on a cursor of `duckdb`
    (the lake the run writes)."""

    duckdb: DuckLakeResource

    @contextmanager
    def lookups(self) -> Iterator[WikidataLookups]:
        with self.duckdb.get_connection() as conn:
            yield DuckDBWikidata(conn)


class InMemoryWikidataSource(WikidataSource):
    """The same tables held in memory (`core.knowledge.InMemoryWikidata`), read from `tables_dir`:
    `<table>.parquet` for each Wikidata table (TABLE_SCHEMAS; a missing one is empty) and
    `wikipedia_redirects.parquet`. For the one-asset tests and small corpora without a database."""

    tables_dir: str

    @contextmanager
    def lookups(self) -> Iterator[WikidataLookups]:
        directory = Path(self.tables_dir)
        if not directory.is_dir():
            raise FileNotFoundError(f"{directory}: no such directory of Wikidata tables")
        tables = {name: pl.read_parquet(directory / f"{name}.parquet") for name in TABLE_SCHEMAS if (directory / f"{name}.parquet").exists()}
        redirects = directory / "wikipedia_redirects.parquet"
        yield InMemoryWikidata(tables, pl.read_parquet(redirects) if redirects.exists() else pl.DataFrame(schema=REDIRECT_SCHEMA))

    @staticmethod
    def write_tables(directory: str | Path, tables: dict[str, pl.DataFrame], redirects: pl.DataFrame | None = None) -> str:
        """Write frames of the ingested tables (and the redirects) where `tables_dir` reads them."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        for name, frame in tables.items():
            if name not in TABLE_SCHEMAS:
                raise ValueError(f"{name}: not a Wikidata table ({', '.join(TABLE_SCHEMAS)})")
            frame.write_parquet(directory / f"{name}.parquet")
        if redirects is not None:
            redirects.write_parquet(directory / "wikipedia_redirects.parquet")
        return str(directory)


class ProjectFiles(dg.ConfigurableResource):
    """The user-editable theme schemas and resources, validated on every load."""

    schema_dir: str = str(SCHEMA_DIR)
    resource_dir: str = str(RESOURCE_DIR)

    def load(self) -> ProjectConfig:
        return load_project_config(Path(self.schema_dir), Path(self.resource_dir))

    def nli_templates(self, config: ProjectConfig) -> NliTemplates:
        return load_nli_templates(Path(self.resource_dir) / "nli_templates", config.schemas)


class ModelSettings(dg.ConfigurableResource):
    """What every model resource shares: a hub id or a local directory, `none` to switch it off, the
    device (`auto`: cuda when present) and batching. A model that cannot be loaded leaves the stage
    running without it and saying why, never pretending it ran."""

    model: str = ""
    device: str = "auto"
    batch_size: int = 32
    max_length: int = 512

    def off(self) -> bool:
        return self.model.strip().lower() in ("", "none", "off")

    def _load(self, factory, kind: str):
        if self.off():
            return None, f"not applied: no {kind} model configured (model: none)"
        try:
            model = factory()
        except ModelLoadError as exc:
            return None, f"not applied: {exc}"
        return model, f"applied: {self.model} on {getattr(model, 'device', 'cpu')}"


class NliSettings(ModelSettings):
    """The NLI filter's model (default: the multilingual mDeBERTa-v3 XNLI model the authors used);
    `lexical-overlap` selects the deterministic stand-in."""

    model: str = DEFAULT_NLI_MODEL

    def load(self) -> tuple[NliModel | None, str]:
        """(model, a line saying what was loaded or why not)."""
        if self.model == LexicalNli.name:
            return LexicalNli(), f"applied: {LexicalNli.name} (deterministic stand-in, not a trained NLI model)"
        return self._load(lambda: TransformersNli(self.model, self.device, self.batch_size, self.max_length), "NLI")


class NerSettings(ModelSettings):
    """The optional NER mention finder (off by default): a token-classification model with BIO labels."""

    batch_size: int = 16

    def load(self) -> tuple[NerModel | None, str]:
        return self._load(lambda: TransformersNer(self.model, self.device, self.batch_size, self.max_length), "NER")


class ThemeClassifierSettings(ModelSettings):
    """The optional theme classifier (off by default): a sequence-classification model whose labels are
    the themes (keys or cate names). `mode`: `fallback` classifies articles whose Wikidata item gives
    no theme, `override` classifies every article, `per_paragraph` classifies each paragraph (and
    lets paragraphs of any article into the theme they are classified as)."""

    mode: Literal["fallback", "override", "per_paragraph"] = "fallback"
    min_score: float = 0.5
    max_length: int = 256

    def load(self, schemas: dict) -> tuple[ThemeClassifier | None, str]:
        names = {k: {s.cate_en, s.cate_zh, s.name_en, s.name_zh} for k, s in schemas.items()}
        return self._load(lambda: TransformersThemeClassifier(self.model, names, self.device, self.batch_size, self.max_length), "theme classifier")


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
