"""Articles of a Wikipedia dump (plain text, anchors, QID, theme) and their paragraphs."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import polars as pl

from instructie_assets.core.coarse_types import assign_coarse_types, assign_themes
from instructie_assets.core.knowledge import WikidataStore
from instructie_assets.core.schemas import ProjectConfig
from instructie_assets.core.wikitext import count_tokens, is_disambiguation, iter_pages, split_paragraphs, wikitext_to_plain

SPAN = pl.Struct({"start": pl.Int32, "end": pl.Int32})
ANCHOR = pl.Struct({"start": pl.Int32, "end": pl.Int32, "text": pl.String, "target": pl.String})
ARTICLE_SCHEMA = {
    "article_id": pl.String,
    "page_id": pl.Int64,
    "title": pl.String,
    "qid": pl.String,
    "theme": pl.String,
    "theme_reason": pl.String,
    "wikitext": pl.String,
    "language": pl.String,
}
REDIRECT_SCHEMA = {"title": pl.String, "target": pl.String, "language": pl.String}
PARAGRAPH_SCHEMA = {
    "paragraph_id": pl.String,
    "article_id": pl.String,
    "article_qid": pl.String,
    "title": pl.String,
    "paragraph_index": pl.Int32,
    "text": pl.String,
    "n_tokens": pl.Int32,
    "anchors": pl.List(ANCHOR),
    "bold": pl.List(SPAN),
    "theme": pl.String,
    "language": pl.String,
}


def read_articles(
    paths: list[str], language: str, store: WikidataStore, config: ProjectConfig, progress: Callable[[int], None] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, int]]:
    """Articles (namespace 0, no redirects, no disambiguation pages) with QID and theme; redirects."""
    pages, redirects = [], []
    counts = {"pages": 0, "redirects": 0, "disambiguation": 0}
    for path in paths:
        for page in iter_pages(path):
            counts["pages"] += 1
            if page.redirect:
                redirects.append((page.title, page.redirect, language))
                counts["redirects"] += 1
            elif is_disambiguation(page.text):
                counts["disambiguation"] += 1
            else:
                pages.append(page)
            if progress:
                progress(1)
    qid_of = store.sitelink_qids(f"{language}wiki", [p.title for p in pages])
    qids = sorted(set(qid_of.values()))
    walk = store.class_walk(qids, config.taxonomy.max_depth)
    types = assign_coarse_types(qids, walk, config.taxonomy)
    themes = assign_themes(qids, walk, types, config.theme_map)
    rows = []
    for p in pages:
        q = qid_of.get(p.title)
        theme, reason = themes.get(q, (None, "no Wikidata item with this sitelink")) if q else (None, "no Wikidata item with this sitelink")
        rows.append((f"{language}:{p.page_id}", p.page_id, p.title, q, theme, reason, p.text, language))
    articles = pl.DataFrame(rows, schema=ARTICLE_SCHEMA, orient="row")
    return articles, pl.DataFrame(redirects, schema=REDIRECT_SCHEMA, orient="row"), counts


def paragraphs_of(articles: pl.DataFrame, theme: str, language: str, min_tokens: int = 50, max_tokens: int = 512) -> pl.DataFrame:
    """Paragraphs of min..max tokens of the theme's articles, with anchors and bold spans."""
    rows = []
    for a in articles.filter(pl.col("theme") == theme).sort("article_id").to_dicts():
        plain = wikitext_to_plain(a["wikitext"], simplify=language == "zh")
        for p in split_paragraphs(plain):
            n = count_tokens(p.text, language)
            if not (min_tokens <= n <= max_tokens):
                continue
            rows.append((
                f"{a['article_id']}:{p.index}", a["article_id"], a["qid"], a["title"], p.index, p.text, n,
                [{"start": x.start, "end": x.end, "text": x.text, "target": x.target} for x in p.anchors],
                [{"start": s, "end": e} for s, e in p.bold], theme, language,
            ))
    return pl.DataFrame(rows, schema=PARAGRAPH_SCHEMA, orient="row")
