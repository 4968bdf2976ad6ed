"""The judged real-pages corpus: real Wikipedia wikitext, real and written Wikidata entities, and a
file of stated / not-stated judgements of the triples the pipeline proposes on them.

This directory is also the team's corpus (see README.md here for the layout, the sources and the
judging guidelines); `corpus.py` writes it as real-format dumps, `judgements.py` keys and matches
the judgements, and `bench/real_pages.py` runs the pipeline on it and scores `filtered_triples`.
"""

from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent
