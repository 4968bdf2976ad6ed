"""Batches of a partition's rows cut along a key, so a stage holds one batch, never the partition.

The stages after `paragraphs` read their partition as frames sorted by a key (an article, a
paragraph) and work on a batch at a time. Their logic groups rows by that key (the mentions of an
article, the triples of a paragraph), so a key's rows must never be split over two batches:
`whole_key_batches` holds back the rows of a frame's last key until the next frame. A stage that
needs a second table's rows for the same keys (the paragraph texts of a batch of mentions) reads
both sorted by the key and pairs them with `merge_on_key`, a merge join over the two streams that
holds at most one batch of each.

Both check the order they rely on: a stream that is not sorted by its key is an error, not a wrong
result.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import polars as pl


class UnsortedBatchesError(ValueError):
    """Batches that are not sorted by the key they are cut or merged on."""


def _check_sorted(frame: pl.DataFrame, key: str, after, what: str) -> None:
    column = frame[key]
    if column.null_count():
        raise UnsortedBatchesError(f"{what}: null {key} values; batches are cut on {key}")
    if not column.is_sorted():
        raise UnsortedBatchesError(f"{what}: a batch is not sorted by {key}")
    if after is not None and column[0] < after:
        raise UnsortedBatchesError(f"{what}: a batch starts at {key} {column[0]!r}, before the previous batch's last {after!r}")


def whole_key_batches(frames: Iterable[pl.DataFrame], key: str, what: str = "batches") -> Iterator[pl.DataFrame]:
    """The rows of `frames` (sorted by `key`) again, cut so that every value of `key` has all its rows in
    one batch: the rows of each frame's last value wait for the next frame. A batch is at most one frame
    plus one key's rows (a key with more rows than a frame makes its batch that large)."""
    held: pl.DataFrame | None = None
    last = None
    for frame in frames:
        if frame.is_empty():
            continue
        _check_sorted(frame, key, last, what)
        last = frame[key][-1]
        if held is not None:
            frame = pl.concat([held, frame], how="vertical")
            held = None
        tail = int(frame[key].search_sorted(last, side="left"))
        if tail:
            yield frame.head(tail)
        held = frame.slice(tail)
    if held is not None and held.height:
        yield held


def merge_on_key(primary: Iterable[pl.DataFrame], secondary: Iterable[pl.DataFrame], key: str, primary_empty: pl.DataFrame,
                 secondary_empty: pl.DataFrame, what: str = "batches") -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
    """Pairs (a batch of `primary`, the rows of `secondary` whose key is past the previous batch's last
    key and at most this batch's last key), then (`primary_empty`, rows of `secondary` past the last
    primary key) for what is left, a secondary frame at a time. Both streams are sorted by `key`; the
    primary batches have whole keys (`whole_key_batches`); `primary_empty` and `secondary_empty` are
    empty frames of the two streams' columns. Every secondary row comes out exactly once,
    including rows of keys the primary does not have."""
    rest = iter(secondary)
    pending: list[pl.DataFrame] = []
    exhausted = False
    last_secondary = None

    def pull() -> bool:
        nonlocal exhausted, last_secondary
        for frame in rest:
            if frame.is_empty():
                continue
            _check_sorted(frame, key, last_secondary, f"{what} (the second stream)")
            last_secondary = frame[key][-1]
            pending.append(frame)
            return True
        exhausted = True
        return False

    last_primary = None
    for batch in primary:
        if batch.is_empty():
            continue
        _check_sorted(batch, key, last_primary, what)
        if last_primary is not None and batch[key][0] == last_primary:
            raise UnsortedBatchesError(f"{what}: {key} {last_primary!r} is in two batches (cut them with whole_key_batches)")
        last_primary = batch[key][-1]
        while not exhausted and (not pending or pending[-1][key][-1] <= last_primary):
            pull()
        taken: list[pl.DataFrame] = []
        while pending:
            frame = pending[0]
            cut = int(frame[key].search_sorted(last_primary, side="right"))
            if cut < frame.height:
                taken.append(frame.head(cut))
                pending[0] = frame.slice(cut)
                break
            taken.append(pending.pop(0))
        yield batch, (pl.concat(taken, how="vertical") if taken else secondary_empty)
    for frame in pending:
        yield primary_empty, frame
    while pull():
        yield primary_empty, pending.pop()
