"""Batches cut along a key and merged on it (core/keyed_batches.py): every row once, no key split."""

import polars as pl
import pytest

from instructie_assets.core.keyed_batches import UnsortedBatchesError, merge_on_key, whole_key_batches


def frames(df: pl.DataFrame, size: int):
    return [df.slice(i, size) for i in range(0, df.height, size)]


KEYS = ["a", "a", "a", "b", "c", "c", "d", "d", "d", "d", "e"]


def test_no_key_is_split_and_every_row_comes_once():
    df = pl.DataFrame({"k": KEYS, "i": list(range(len(KEYS)))})
    for size in (1, 2, 3, 4, 100):
        out = list(whole_key_batches(frames(df, size), "k"))
        assert pl.concat(out).equals(df), size
        seen = [set(b["k"].to_list()) for b in out]
        for i, keys in enumerate(seen):  # no key in two batches
            assert not any(keys & other for other in seen[i + 1:]), (size, seen)
    # a frame of one key's rows waits for the key's end
    out = list(whole_key_batches(frames(df, 2), "k"))
    assert [b["k"].to_list() for b in out][:2] == [["a", "a", "a"], ["b"]]


def test_unsorted_input_is_an_error_not_a_wrong_batch():
    with pytest.raises(UnsortedBatchesError, match="not sorted by k"):
        list(whole_key_batches([pl.DataFrame({"k": ["b", "a"]})], "k"))
    with pytest.raises(UnsortedBatchesError, match="before the previous batch"):
        list(whole_key_batches([pl.DataFrame({"k": ["b"]}), pl.DataFrame({"k": ["a"]})], "k"))


def test_merge_pairs_each_batch_with_its_keys_and_delivers_every_secondary_row_once():
    primary = pl.DataFrame({"k": ["b", "b", "d", "f", "f"], "x": [1, 2, 3, 4, 5]})
    secondary = pl.DataFrame({"k": ["a", "b", "c", "d", "e", "f", "g", "h"], "text": list("ABCDEFGH")})
    for p_size in (1, 2, 5):
        for s_size in (1, 3, 8):
            pairs = list(merge_on_key(whole_key_batches(frames(primary, p_size), "k"), frames(secondary, s_size), "k",
                                      primary.clear(), secondary.clear()))
            assert pl.concat([p for p, _ in pairs]).equals(primary)
            assert pl.concat([s for _, s in pairs]).equals(secondary), (p_size, s_size)
            for p, s in pairs:
                if p.height:  # a batch's keys all have their secondary rows with it
                    assert set(p["k"].to_list()) <= set(s["k"].to_list())
                    assert s["k"].max() <= p["k"].max()
                else:  # rows past the last primary key come after, with an empty batch
                    assert s["k"].min() > primary["k"].max()


def test_merge_with_no_primary_rows_gives_every_secondary_row_with_empty_batches():
    secondary = pl.DataFrame({"k": ["a", "b", "c"]})
    pairs = list(merge_on_key([], frames(secondary, 2), "k", pl.DataFrame(schema={"k": pl.String}), secondary.clear()))
    assert all(p.is_empty() for p, _ in pairs) and pl.concat([s for _, s in pairs]).equals(secondary)


def test_merge_refuses_a_key_in_two_primary_batches():
    with pytest.raises(UnsortedBatchesError, match="in two batches"):
        list(merge_on_key([pl.DataFrame({"k": ["a"]}), pl.DataFrame({"k": ["a", "b"]})], [], "k",
                          pl.DataFrame(schema={"k": pl.String}), pl.DataFrame(schema={"k": pl.String})))
