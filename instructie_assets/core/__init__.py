"""Pure logic of instructie: plain values and polars frames in and out, never dagster."""
