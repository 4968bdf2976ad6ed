"""Helper for tests/test_faults.py: materialize `dataset_card` on a lake; with `hang`, the chart's writer
stops half-way through the PNG (after writing part of it) and waits for a SIGKILL."""

import sys
import time

import dagster as dg
from matplotlib.figure import Figure

from instructie_assets.definitions import ASSETS, build_resources
from instructie_assets.paths import SAMPLE_WIKIDATA, SAMPLE_WIKIPEDIA

db, out, marker, hang = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "hang"
original = Figure.savefig


def savefig(self, fname, *args, **kwargs):
    original(self, fname, *args, **kwargs)
    if hang:
        with open(fname, "r+b") as fh:  # half a PNG where the chart is being written
            fh.truncate(fh.seek(0, 2) // 2)
        with open(marker, "w") as fh:
            fh.write(str(fname))
        time.sleep(300)


Figure.savefig = savefig
result = dg.materialize(ASSETS, selection=["dataset_card"], resources=build_resources(db, SAMPLE_WIKIPEDIA, SAMPLE_WIKIDATA, out, nli_model="none"))
sys.exit(0 if result.success else 1)
