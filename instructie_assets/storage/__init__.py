"""Where the tables live: the DuckLake (`lake.py`), its transactional table writers (`duckdb_tables.py`)
and the run locks (`run_locks.py`). DuckDB is imported here and by the resources, never by `core/`:
the stages take frames and the `core.knowledge.WikidataLookups` interface, not a database."""
