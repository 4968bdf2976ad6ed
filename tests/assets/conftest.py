"""One partition of each stage materialized through the real jobs, on a temporary lake, with the
Wikidata lookups held in memory (InMemoryWikidataSource) and no model."""

from __future__ import annotations

from contextlib import contextmanager

import dagster as dg
import polars as pl
import pytest

from instructie_assets.clients import DuckLakeResource, InMemoryWikidataSource
from instructie_assets.storage.lake import lake_cursor, lake_location
from instructie_assets.definitions import build_definitions, build_resources
from instructie_assets.partitions import theme_language_key
from instructie_assets.runner import BuildOptions, build_plan, run_plan
from tests.assets.corpus import write_dump, write_wikidata

PERSON = theme_language_key("person", "en")
PLACE = theme_language_key("geographic_location", "en")


class World:
    """The corpus's lake, exports and Definitions, and a way to run one job and read tables."""

    def __init__(self, root):
        self.root = root
        self.db = str(root / "lake")
        self.out = str(root / "exports")
        self.tables_dir = write_wikidata(root / "wikidata")
        resources = build_resources(self.db, [write_dump(root / "enwiki-test-pages-articles.xml.bz2")], "unused.json", self.out,
                                    nli_model="none")
        resources["wikidata"] = InMemoryWikidataSource(tables_dir=self.tables_dir)
        self.resources = resources
        self.defs = build_definitions(executor="in_process", resources=resources)
        self.instance = dg.DagsterInstance.ephemeral()

    def run(self, job: str, partition=None, run_config: dict | None = None, assets: list[str] | None = None):
        result = self.defs.resolve_job_def(job).execute_in_process(
            partition_key=partition, instance=self.instance, raise_on_error=False,
            asset_selection=[dg.AssetKey(a) for a in assets] if assets else None,
            run_config=run_config or {},
        )
        assert result.success, [str(e.event_specific_data.error) for e in result.all_events if e.is_step_failure]
        return result

    def table(self, name: str, where: str = "true", params=()) -> pl.DataFrame:
        con = lake_cursor(lake_location(self.db))
        try:
            return con.execute(f"SELECT * FROM main.{name} WHERE {where}", list(params)).pl()
        finally:
            con.close()


@pytest.fixture(scope="package")
def world(tmp_path_factory) -> World:
    """The build of the corpus as the runner plans and runs it (en, two themes; the Wikidata lookups
    come from memory, so no ingest job)."""
    w = World(tmp_path_factory.mktemp("asset-world"))
    options = BuildOptions(wikipedia=[], wikidata="", db=w.db, out_dir=w.out, themes=["person", "geographic_location"], languages=["en"],
                           skip_wikidata=True)
    w.plan = build_plan(w.defs, options, ["en"])
    outcomes = run_plan(w.defs, w.plan, w.instance)
    w.checks = {}
    for o in outcomes:
        w.checks.setdefault(o.partition if o.partition != "None" else "card", {})[o.check] = o
    return w


class Recorder:
    """Delegates to a connection or lookups object, writing down what is asked of it."""

    def __init__(self, inner, calls: list):
        self._inner, self._calls = inner, calls

    def __getattr__(self, name):
        attr = getattr(self._inner, name)
        if name == "execute":
            def execute(sql, *args, **kwargs):
                self._calls.append(sql)
                return attr(sql, *args, **kwargs)
            return execute
        if callable(attr):
            self._calls.append(name)
        return attr


CALLS: list = []  # what the recording resources saw since the last clear (module level: Dagster rebuilds resources)


class RecordingDuckDB(DuckLakeResource):
    @contextmanager
    def get_connection(self):
        with super().get_connection() as conn:
            yield Recorder(conn, CALLS)


class RecordingWikidata(InMemoryWikidataSource):
    @contextmanager
    def lookups(self):
        with super().lookups() as lookups:
            yield Recorder(lookups, CALLS)


def recording_definitions(world: World) -> dg.Definitions:
    """The world's graph with resources that write down every SQL statement and Wikidata lookup."""
    resources = {**world.resources, "duckdb": RecordingDuckDB(db=world.db), "wikidata": RecordingWikidata(tables_dir=world.tables_dir)}
    return build_definitions(executor="in_process", resources=resources)
