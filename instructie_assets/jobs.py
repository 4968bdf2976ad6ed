"""The asset groups and the jobs, named once.

A group is what one job materializes. Dagster runs a job for one partition of one partitions
definition, so the graph is cut where the partitions change: the Wikidata shards, the languages,
theme x language, the language again (a text is exported once across the themes of its language),
theme x language, and the unpartitioned card. `instructie build` runs `BUILD_JOBS` in the order the
asset graph's dependencies give (runner.py); a backfill started from the UI follows the same
dependencies.
"""

from __future__ import annotations

import dagster as dg

# groups: one per build job (the order of the data flow, for the reader; the code never relies on it)
WIKIDATA = "wikidata"  # the narrow Wikidata tables, per dump shard
WIKIPEDIA = "wikipedia"  # articles and redirects, per language
PARAGRAPHS = "paragraphs"  # paragraphs, per theme x language
DUPLICATE_TEXTS = "duplicate_texts"  # paragraphs whose text another theme's paragraph holds, per language
KG2INSTRUCTION = "kg2instruction"  # Identify, Disambiguation, Matching, filtering, splits and files, per theme x language
DATASET_CARD = "dataset_card"  # the card over every partition
THEME_CLASSIFIER = "theme_classifier"  # training the optional theme classifier (not part of the build)

ingest_wikidata_job = dg.define_asset_job(
    "ingest_wikidata", selection=dg.AssetSelection.groups(WIKIDATA),
    description="One shard of the Wikidata dump into the narrow tables.")
articles_job = dg.define_asset_job(
    "refresh_articles", selection=dg.AssetSelection.groups(WIKIPEDIA),
    description="One language's Wikipedia dumps into articles and redirects.")
paragraphs_job = dg.define_asset_job(
    "refresh_paragraphs", selection=dg.AssetSelection.groups(PARAGRAPHS),
    description="The paragraphs of one theme x language.")
duplicate_texts_job = dg.define_asset_job(
    "find_duplicate_texts", selection=dg.AssetSelection.groups(DUPLICATE_TEXTS),
    description="Which paragraphs of one language repeat a text another paragraph already holds.")
stages_job = dg.define_asset_job(
    "refresh_stages", selection=dg.AssetSelection.groups(KG2INSTRUCTION),
    description="Mentions to exported files for one theme x language, with the asset checks.")
card_job = dg.define_asset_job(
    "refresh_dataset_card", selection=dg.AssetSelection.groups(DATASET_CARD),
    description="The dataset card over every exported partition.")
# the tail of a partition (re-filter, re-split, re-export): what a backfill after a FilterConfig change needs
outputs_job = dg.define_asset_job(
    "refresh_outputs", selection=dg.AssetSelection.assets("filtered_triples").downstream() & dg.AssetSelection.groups(KG2INSTRUCTION),
    description="filtered_triples and what follows it in one theme x language.")
train_theme_classifier_job = dg.define_asset_job(
    "train_theme_classifier", selection=dg.AssetSelection.groups(THEME_CLASSIFIER),
    description="Export KG-labelled paragraphs and fine-tune the theme classifier on them.")

# what `instructie build` materializes (in the graph's order, not this one's); the first two read the dumps
BUILD_JOBS = (ingest_wikidata_job, articles_job, paragraphs_job, duplicate_texts_job, stages_job, card_job)
DUMP_JOBS = (ingest_wikidata_job, articles_job)
JOBS = (*BUILD_JOBS, outputs_job, train_theme_classifier_job)
