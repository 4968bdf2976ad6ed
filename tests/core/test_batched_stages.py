"""The per-batch logic of the stages after `paragraphs` gives what the whole-partition logic gives:
label-centric sampling in two passes, the quality figures added up, records ranked across batches,
exports written batch by batch."""

import random
from collections import Counter

import polars as pl
import pytest

from instructie_assets.core.exports import PartitionExportWriter, write_partition_exports
from instructie_assets.core.filtering import (
    FILTERED_SCHEMA, FilterOptions, filter_triples, label_combinations, sample_paragraphs, tag_triples,
)
from instructie_assets.core.instructions import build_records
from instructie_assets.core.keyed_batches import whole_key_batches
from instructie_assets.core.matching import TRIPLE_SCHEMA
from instructie_assets.core.quality import PartitionTally, gold_scores, partition_yield, schema_violations, spans_at_offsets
from tests.core.test_instructions import PERSON, paragraphs

RELATIONS = [("place of birth", "P19", "geographic_region"), ("place of death", "P20", "geographic_region"),
             ("spouse", "P26", "human"), ("country of citizenship", "P27", "geographic_region"), ("genre", "P136", "other")]


def candidates(paras: pl.DataFrame, seed: int = 7) -> pl.DataFrame:
    """Candidate triples over `paras` (sorted by paragraph id): a few label combinations, common and rare,
    duplicates in a paragraph, and a relation the schema does not list."""
    rng = random.Random(seed)
    rows = []
    for pid, text in paras.select("paragraph_id", "text").iter_rows():
        i = pid.split(":")[1]
        combo = rng.choice([[0], [0], [0], [0, 3], [0, 3], [1], [2, 4], [0, 0]])
        for n, r in enumerate(combo):
            relation, prop, tail_type = RELATIONS[r]
            rows.append({**{k: None for k in TRIPLE_SCHEMA}, "triple_id": f"{pid}|{n}", "paragraph_id": pid, "article_id": pid.rsplit(":", 1)[0],
                         "head": f"Person {i}", "head_start": 0, "head_end": len(f"Person {i}"), "head_type": "human", "relation": relation,
                         "tail": f"Town {i}", "tail_start": 21 + len(i), "tail_end": 26 + 2 * len(i), "tail_type": tail_type, "property": prop,
                         "statement_kind": "item", "evidence_kind": "sentence", "theme": "person", "language": "en"})
    return pl.DataFrame(rows, schema=TRIPLE_SCHEMA)


def batches(df: pl.DataFrame, size: int) -> list[pl.DataFrame]:
    return list(whole_key_batches([df.slice(i, size) for i in range(0, df.height, size)], "paragraph_id"))


PARAS = paragraphs(300).sort("paragraph_id")
CANDIDATES = candidates(PARAS)
OPTIONS = FilterOptions(sampling_threshold=20, sampling_exponent=1.0, seed=3)


@pytest.mark.parametrize("size", [1, 7, 100])
def test_sampling_in_two_passes_equals_the_whole_partition(size):
    whole = filter_triples(CANDIDATES, PERSON, "en", options=OPTIONS)
    assert whole.filter(pl.col("drop_reason") == "sampling").height > 50  # sampling does bite here
    assert whole.filter(pl.col("drop_reason").is_null()).height > 50
    tagged = [tag_triples(b, PERSON, "en", options=OPTIONS) for b in batches(CANDIDATES, size)]
    frequency = Counter()
    for t in tagged:
        frequency.update(label_combinations(t).values())
    assert pl.concat([sample_paragraphs(t, frequency, OPTIONS) for t in tagged]).equals(whole)
    # counted per batch instead of over the partition, the common combinations would survive
    alone = pl.concat([sample_paragraphs(t, Counter(label_combinations(t).values()), OPTIONS) for t in tagged])
    assert size == 100 or not alone.equals(whole)


def test_quality_tally_over_batches_equals_the_figures_of_the_partition():
    filtered = filter_triples(CANDIDATES, PERSON, "en", options=OPTIONS)
    # a paragraph whose text is off at the tail, and gold records on two paragraphs
    texts = PARAS.with_columns(pl.when(pl.col("paragraph_id") == "en:5:0").then(pl.lit("x" * 300)).otherwise(pl.col("text")).alias("text"))
    gold = [{"text": t, "relation": [{"head": f"Person {i}", "relation": "place of birth", "tail": f"Town {i}"}]}
            for i, t in [(5, "x" * 300), (9, texts["text"][texts["paragraph_id"].to_list().index("en:9:0")])]]
    tally = PartitionTally(PERSON, gold)
    for b in batches(filtered, 13):
        lo, hi = b["paragraph_id"][0], b["paragraph_id"][-1]
        tally.add(b, texts.filter((pl.col("paragraph_id") >= lo) & (pl.col("paragraph_id") <= hi)))
    covered = texts.filter(pl.col("paragraph_id") > filtered["paragraph_id"].max())
    tally.add(filtered.clear(), covered)  # paragraphs past the last triple
    assert tally.violations == schema_violations(filtered, PERSON)
    whole = spans_at_offsets(filtered, texts)
    assert tally.spans()["head_share"] == whole["head_share"] and tally.spans()["tail_share"] == whole["tail_share"] < 1.0
    assert tally.yield_figures() == partition_yield(filtered, texts)
    a, b = tally.gold_scores(), gold_scores(filtered, texts, gold)
    assert (a.records, a.gold, a.predicted, a.true_positives) == (b.records, b.gold, b.predicted, b.true_positives)
    assert a.records == 2


@pytest.mark.parametrize("size", [1, 7, 1000])
def test_records_in_batches_keep_their_rank_and_equal_the_whole(size):
    filtered = filter_triples(CANDIDATES, PERSON, "en", options=OPTIONS)
    whole = build_records(filtered, PARAS, PERSON, "en", theme_index=3, n_themes=12, skip_paragraphs={"en:7:0"})
    parts, rank = [], 0
    for i in range(0, PARAS.height, size):
        batch = PARAS.slice(i, size)
        mine = filtered.filter(pl.col("paragraph_id").is_in(batch["paragraph_id"].to_list()))
        part = build_records(mine, batch, PERSON, "en", theme_index=3, n_themes=12, skip_paragraphs={"en:7:0"}, first_rank=rank)
        rank += part.height
        parts.append(part)
    assert pl.concat(parts).equals(whole)
    assert whole["template_id"].n_unique() == 4 and whole["format_id"].n_unique() == 4


def test_exports_written_batch_by_batch_equal_the_whole(tmp_path):
    filtered = filter_triples(CANDIDATES, PERSON, "en", options=OPTIONS)
    records = build_records(filtered, PARAS, PERSON, "en").sort("text_id", "chunk")
    whole = write_partition_exports(records, tmp_path / "whole", "person", "en")
    writer = PartitionExportWriter(tmp_path / "batched", "person", "en")
    for i in range(0, records.height, 17):
        writer.add(records.slice(i, 17))
    batched = writer.close()
    assert set(whole) == set(batched) and len(whole) == 12
    for name, path in whole.items():
        if name.endswith(".jsonl"):
            assert path.read_bytes() == batched[name].read_bytes(), name
        else:
            assert pl.read_parquet(path).equals(pl.read_parquet(batched[name])), name
    assert sum(1 for _ in open(whole["train.jsonl"], encoding="utf-8")) > 40
    # nothing of a writer that is abandoned replaces the files in place
    before = whole["train.jsonl"].read_bytes()
    abandoned = PartitionExportWriter(tmp_path / "whole", "person", "en")
    abandoned.add(records.head(3))
    abandoned.abort()
    assert whole["train.jsonl"].read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "whole" / "en" / "person").iterdir()) == sorted(whole)
