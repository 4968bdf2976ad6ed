"""Helper for tests/test_faults.py: `instructie build` (the real CLI) whose first commit waits until a
file exists, so a test knows the build holds its run locks while it starts another one."""

import os
import sys
import time

from instructie_assets import cli
from instructie_assets.storage import duckdb_tables

release, argv = sys.argv[1], sys.argv[2:]
commit = duckdb_tables.StagedTableWriter.commit


def held_commit(self):
    while not os.path.exists(release):
        time.sleep(0.1)
    commit(self)


duckdb_tables.StagedTableWriter.commit = held_commit
sys.exit(cli.main(argv))
