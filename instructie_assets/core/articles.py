"""Articles of a Wikipedia dump (plain text, anchors, QID, theme) and their paragraphs."""

from __future__ import annotations

import os
from collections import Counter
from typing import Callable, Iterable

import polars as pl

from instructie_assets.core.coarse_types import assign_coarse_types, assign_themes
from instructie_assets.core.dumpfiles import DumpFormatError
from instructie_assets.core.knowledge import WikidataLookups
from instructie_assets.core.parallel import ordered_map
from instructie_assets.core.schemas import ProjectConfig
from instructie_assets.core.html_dumps import html_to_plain, is_html
from instructie_assets.core.wikitext import (
    PlainText, count_tokens, is_disambiguation, iter_pages, merge_short_paragraphs, split_paragraphs, wikitext_to_plain,
)

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
    "section": pl.Int32,  # kept section headings before the paragraph (0: the lead)
    "theme": pl.String,
    "language": pl.String,
}


Classify = Callable[[list[str]], list[tuple[str, float]]]


def lead_text(wikitext: str, language: str, max_chars: int = 2000) -> str:
    """The article's first paragraph of at least 20 tokens (else its first text), for classification."""
    paragraphs = split_paragraphs(page_text_to_plain(wikitext, language))
    for p in paragraphs:
        if count_tokens(p.text, language) >= 20:
            return p.text[:max_chars]
    return paragraphs[0].text[:max_chars] if paragraphs else ""


def classify_themes(
    rows: list[dict], language: str, classify: Classify, name: str, override: bool = False, min_score: float = 0.5,
) -> int:
    """Give the classifier's theme to the articles (dicts with wikitext, theme, theme_reason) whose
    item gives none, or to all with `override`; only at or above `min_score`. Returns how many changed."""
    todo = [r for r in rows if override or r["theme"] is None]
    if not todo:
        return 0
    changed = 0
    for r, (theme, score) in zip(todo, classify([lead_text(r["wikitext"], language) for r in todo])):
        if score >= min_score and theme != r["theme"]:
            before = f"; was: {r['theme_reason']}" if r["theme"] else ""
            r["theme"], r["theme_reason"] = theme, f"classifier {name}: {theme} ({score:.2f}){before}"
            changed += 1
    return changed


def is_disambiguation_page(source: str) -> bool:
    """A disambiguation page: its wikitext's template, or the page property of its rendered HTML."""
    if is_html(source):
        return "mw:PageProp/disambiguation" in source
    return is_disambiguation(source)


def ingest_articles(
    paths: list[str], language: str, store: WikidataLookups, config: ProjectConfig,
    write: Callable[[dict[str, pl.DataFrame]], None], threads: int = 1, batch_pages: int = 5000,
    progress: Callable[[int], None] | None = None,
    classify: Classify | None = None, classifier_name: str = "", override: bool = False, min_score: float = 0.5,
) -> dict[str, int]:
    """Stream articles (namespace 0, no redirects, no disambiguation pages) with QID and theme, and
    redirects, to `write` in batches of `batch_pages` pages: memory is bounded by the batch. With
    `classify`, articles whose item gives no theme (all with `override`) get the classifier's."""
    counts = {"pages": 0, "articles": 0, "with_theme": 0, "redirects": 0, "disambiguation": 0, "classified": 0}
    pages: list = []
    redirects: list[tuple] = []

    def flush() -> None:
        qid_of = store.sitelink_qids(f"{language}wiki", [p.title for p in pages if not p.qid]) if pages else {}
        qid_of.update({p.title: p.qid for p in pages if p.qid})  # the dump's own QID (Enterprise HTML dumps)
        qids = sorted(set(qid_of.values()))
        walk = store.class_walk(qids, config.taxonomy.max_depth)
        types = assign_coarse_types(qids, walk, config.taxonomy)
        themes = assign_themes(qids, walk, types, config.theme_map)
        rows = []
        for p in pages:
            q = qid_of.get(p.title)
            theme, reason = themes.get(q, (None, "no Wikidata item with this sitelink")) if q else (None, "no Wikidata item with this sitelink")
            rows.append({"article_id": f"{language}:{p.page_id}", "page_id": p.page_id, "title": p.title, "qid": q, "theme": theme,
                         "theme_reason": reason, "wikitext": p.text, "language": language})
        if classify is not None:
            counts["classified"] += classify_themes(rows, language, classify, classifier_name, override, min_score)
        counts["with_theme"] += sum(r["theme"] is not None for r in rows)
        counts["articles"] += len(rows)
        write({
            "articles": pl.DataFrame(rows, schema=ARTICLE_SCHEMA),
            "wikipedia_redirects": pl.DataFrame(redirects, schema=REDIRECT_SCHEMA, orient="row"),
        })
        pages.clear()
        redirects.clear()

    for path in paths:
        in_file = 0
        for page in iter_pages(path, threads=threads):
            in_file += 1
            counts["pages"] += 1
            if page.redirect:
                redirects.append((page.title, page.redirect, language))
                counts["redirects"] += 1
            elif is_disambiguation_page(page.text):
                counts["disambiguation"] += 1
            else:
                pages.append(page)
                redirects.extend((alias, page.title, language) for alias in page.redirected_from)
                counts["redirects"] += len(page.redirected_from)
            if len(pages) + len(redirects) >= batch_pages:
                flush()
            if progress:
                progress(1)
        if not in_file:  # an empty or truncated-to-nothing dump must not replace the articles with nothing
            raise DumpFormatError(path, None, None, "no articles in this dump (no namespace-0 pages)")
    flush()
    return counts


def page_text_to_plain(source: str, language: str, keep_lists: bool = False) -> PlainText:
    """The text a reader sees of an article's stored source: wikitext, or the rendered HTML of an
    Enterprise HTML dump (the `wikitext` column holds whichever the dump gave)."""
    if is_html(source):
        return html_to_plain(source, language, keep_lists=keep_lists)
    return wikitext_to_plain(source, simplify=language == "zh", language=language, keep_lists=keep_lists)


def _article_paragraphs(args: tuple) -> tuple[list[tuple], Counter]:
    a, theme, language, min_tokens, max_tokens, tokenizer, keep_lists, merge_short = args
    plain = page_text_to_plain(a["wikitext"], language, keep_lists)
    paragraphs = split_paragraphs(plain)
    if merge_short:
        paragraphs = merge_short_paragraphs(paragraphs, language, min_tokens, max_tokens, tokenizer)
    rows = []
    for p in paragraphs:
        n = count_tokens(p.text, language, tokenizer)
        if not (min_tokens <= n <= max_tokens):
            continue
        rows.append((
            f"{a['article_id']}:{p.index}", a["article_id"], a["qid"], a["title"], p.index, p.text, n,
            [{"start": x.start, "end": x.end, "text": x.text, "target": x.target} for x in p.anchors],
            [{"start": s, "end": e} for s, e in p.bold], p.section, theme, language,
        ))
    return rows, plain.dropped_templates


def paragraphs_of(
    articles: pl.DataFrame | Iterable[pl.DataFrame], theme: str, language: str, min_tokens: int = 50, max_tokens: int = 512,
    workers: int = 1, tokenizer: str = "", keep_lists: bool = False, merge_short: bool = False,
    dropped_templates: Counter | None = None,
) -> pl.DataFrame:
    """Paragraphs of min..max tokens of the theme's articles, with anchors and bold spans.

    `articles` is a frame or a stream of frames (batches read from DuckDB, in article order): they
    flow through one set of `workers` processes (0: one per core), so page parsing, the costly
    step, starts its processes once per stage and holds only a few chunks at a time. `tokenizer`
    counts tokens with a Hugging Face tokenizer instead of words (EN) or characters (ZH).
    `keep_lists` keeps list items as their own paragraphs (dropped by default); `merge_short` merges
    consecutive short paragraphs of a section up to `max_tokens` before the length filter. The
    templates the renderer dropped are added by name to `dropped_templates` when given."""
    batches = [articles] if isinstance(articles, pl.DataFrame) else articles

    def chunks():
        for batch in batches:
            work = [(a, theme, language, min_tokens, max_tokens, tokenizer, keep_lists, merge_short)
                    for a in batch.filter(pl.col("theme") == theme).sort("article_id").to_dicts()]
            for i in range(0, len(work), ARTICLES_PER_CHUNK):
                yield (work[i:i + ARTICLES_PER_CHUNK],)

    rows = []
    for chunk_rows, dropped in ordered_map(_chunk_paragraphs, chunks(), workers or os.cpu_count() or 1):
        rows.extend(chunk_rows)
        if dropped_templates is not None:
            dropped_templates.update(dropped)
    return pl.DataFrame(rows, schema=PARAGRAPH_SCHEMA, orient="row")


# Articles per unit of work: fewer than two units (a small theme) never start processes.
ARTICLES_PER_CHUNK = 64


def _chunk_paragraphs(chunk: list[tuple]) -> tuple[list[tuple], Counter]:
    rows, dropped = [], Counter()
    for w in chunk:
        r, d = _article_paragraphs(w)
        rows.extend(r)
        dropped.update(d)
    return rows, dropped
