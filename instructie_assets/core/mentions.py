"""Identify: entity and value mentions of each paragraph.

Sources, in the order they win a tie on the same span: `link` (an anchor; the target title through
redirects to its sitelink QID), `subject` (the article's own item, which its page never links:
title without qualifier, bold names, labels and aliases, later short forms), `repeat` (unlinked
repeats of a linked entity's anchor text, label or alias), `gazetteer` (labels and aliases of the
one-hop Wikidata neighbours of the article's item and linked entities, one Aho-Corasick automaton
per article), `ner` (spans of an optional NER model whose surface is a Wikidata label or alias),
`value` (time and quantity values of those entities rendered as text can write them).
Links always stand; among the rest the longer span wins, then the source order, then the earlier.
"""

from __future__ import annotations

import re
from collections import defaultdict

import polars as pl

from instructie_assets.core.chinese import to_simplified
from instructie_assets.core.gazetteer import Gazetteer
from instructie_assets.core.knowledge import WikidataLookups
from instructie_assets.core.ner import EntitySpan
from instructie_assets.core.values import render_quantity, render_time, unit_words

SOURCE_ORDER = {"link": 0, "subject": 1, "repeat": 2, "gazetteer": 3, "ner": 4, "value": 5}
MENTION_SCHEMA = {
    "mention_id": pl.String,
    "paragraph_id": pl.String,
    "article_id": pl.String,
    "start": pl.Int32,
    "end": pl.Int32,
    "surface": pl.String,
    "source": pl.String,
    "candidate_qids": pl.List(pl.String),
    "value_refs": pl.List(pl.String),
    "theme": pl.String,
    "language": pl.String,
}
QUALIFIER = re.compile(r"\s*[\(（].*?[\)）]\s*$|,.*$")
MIN_GAZETTEER_LEN = {"en": 2, "zh": 1}
HUMAN = "Q5"


def title_base(title: str) -> str:
    """`Mercury (planet)` -> `Mercury`; `Santa Barbara, California` -> `Santa Barbara`."""
    return QUALIFIER.sub("", title).strip() or title


def short_forms(label: str, language: str) -> list[str]:
    """Later short forms of a name: a surname (`Douglas Adams` -> `Adams`; `道格拉斯·亚当斯` -> `亚当斯`)."""
    if language == "zh":
        parts = [p for p in re.split(r"[·・•]", label) if p]
        return [parts[-1]] if len(parts) > 1 and len(parts[-1]) >= 2 else []
    words = label.split()
    if len(words) >= 2 and words[-1][:1].isupper() and len(words[-1]) >= 3:
        return [words[-1]]
    return []


def resolve_link_targets(
    targets: set[str], language: str, store: WikidataLookups, max_hops: int = 3
) -> dict[str, str]:
    """Anchor target title -> QID: through redirects (several hops), then the `<lang>wiki` sitelink."""
    site = f"{language}wiki"
    variants = {t: [t] + ([to_simplified(t)] if language == "zh" else []) for t in targets}
    titles = {v for vs in variants.values() for v in vs}
    resolved = {t: t for t in titles}
    for _ in range(max_hops):
        redirects = store.redirects(language, set(resolved.values()))
        if not redirects:
            break
        changed = False
        for t, cur in resolved.items():
            if cur in redirects and redirects[cur] != cur:
                resolved[t] = redirects[cur]
                changed = True
        if not changed:
            break
    finals = set(resolved.values()) | {to_simplified(v) for v in resolved.values()} if language == "zh" else set(resolved.values())
    qids = store.sitelink_qids(site, finals)
    out: dict[str, str] = {}
    for t, vs in variants.items():
        for v in vs:
            final = resolved[v]
            q = qids.get(final) or (qids.get(to_simplified(final)) if language == "zh" else None)
            if q:
                out[t] = q
                break
    return out


def find_mentions(
    paragraphs: pl.DataFrame, store: WikidataLookups, language: str, ner_spans: dict[str, list[EntitySpan]] | None = None
) -> pl.DataFrame:
    """All mentions of every paragraph of one partition (one language). `ner_spans` (paragraph id ->
    spans from an NER model) adds `ner` mentions whose surface is a Wikidata label or alias."""
    if paragraphs.is_empty():
        return pl.DataFrame(schema=MENTION_SCHEMA)
    rows = paragraphs.sort("article_id", "paragraph_index").to_dicts()
    targets = {a["target"] for r in rows for a in (r["anchors"] or [])}
    link_qid = resolve_link_targets(targets, language, store)

    by_article: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_article[r["article_id"]].append(r)

    subjects = {r["article_qid"] for r in rows if r["article_qid"]}
    linked_all = set(link_qid.values())
    out_claims = store.item_claims(subjects | linked_all)
    neighbours_of: dict[str, set[str]] = defaultdict(set)
    humans: set[str] = set()
    for s, prop, o in out_claims.select("subject", "property", "object").iter_rows():
        neighbours_of[s].add(o)
        if prop == "P31" and o == HUMAN:
            humans.add(s)
    all_neighbours = {o for os in neighbours_of.values() for o in os}
    labels = store.labels(subjects | linked_all | all_neighbours, language)

    # values of subjects and linked entities
    focus = subjects | linked_all
    times = store.time_claims(focus)
    quantities = store.quantity_claims(focus)
    unit_labels = store.labels(set(quantities["unit"].to_list()) - {""}, language)
    # Rendered forms of every value statement, computed once per entity (not once per article).
    value_forms: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for subj, prop, time, precision in times.select("subject", "property", "time", "precision").iter_rows():
        for form in render_time(time, precision, language):
            value_forms[subj].append((form, f"time|{subj}|{prop}|{time}|{precision}"))
    for subj, prop, amount_text, unit in quantities.select("subject", "property", "amount_text", "unit").iter_rows():
        words = unit_words(unit, language, [t for t, _ in unit_labels.get(unit, [])]) if unit else []
        for form in render_quantity(amount_text, words, language):
            value_forms[subj].append((form, f"quantity|{subj}|{prop}|{amount_text}|{unit}"))

    unlinked_anchor_surfaces: set[str] = set()
    raw: list[dict] = []
    gazetteer_surfaces: set[str] = set()
    ner_surfaces: set[str] = set()
    for article_id, paras in by_article.items():
        subject = paras[0]["article_qid"]
        title = paras[0]["title"]
        linked: dict[str, set[str]] = defaultdict(set)  # qid -> anchor texts
        for p in paras:
            for a in p["anchors"] or []:
                q = link_qid.get(a["target"])
                if q:
                    linked[q].add(a["text"])
        payloads: dict[str, list[tuple[str, str]]] = defaultdict(list)

        def add(surface: str, source: str, ref: str) -> None:
            if surface and (source, ref) not in payloads[surface]:
                payloads[surface].append((source, ref))

        if subject:
            subject_names = [title_base(title)] + [t for t, _ in labels.get(subject, [])]
            if language == "zh":
                subject_names = [to_simplified(n) for n in subject_names]
            for p in paras:
                for b in p["bold"] or []:
                    subject_names.append(p["text"][b["start"]:b["end"]])
            other_surfaces = {s for q, ts in linked.items() if q != subject for s in ts}
            for name in list(subject_names) if subject in humans else []:
                for short in short_forms(name, language):
                    if short not in other_surfaces:
                        subject_names.append(short)
            for name in subject_names:
                add(name, "subject", subject)
        for q, anchor_texts in linked.items():
            for s in list(anchor_texts) + [t for t, _ in labels.get(q, [])]:
                add(s, "repeat", q)
        neighbour_qids = set().union(*(neighbours_of.get(q, set()) for q in {subject, *linked} if q))
        for q in neighbour_qids:
            for s, _ in labels.get(q, []):
                if len(s) >= MIN_GAZETTEER_LEN[language]:
                    add(s, "gazetteer", q)
        for qid in {subject, *linked} - {None}:
            for form, ref in value_forms.get(qid, ()):
                add(form, "value", ref)
        gazetteer = Gazetteer(payloads.items(), word_boundaries=language != "zh")

        for p in paras:
            text = p["text"]
            found: list[dict] = []
            for a in p["anchors"] or []:
                q = link_qid.get(a["target"])
                if q is None:
                    unlinked_anchor_surfaces.add(a["text"])
                found.append({"start": a["start"], "end": a["end"], "source": "link", "qids": [q] if q else [], "values": [], "lookup": q is None})
            for start, end, surface, refs in gazetteer.occurrences(text):
                sources = sorted({s for s, _ in refs}, key=SOURCE_ORDER.get)
                best = sources[0]
                refs_best = [r for s, r in refs if s == best]
                if best == "value":
                    found.append({"start": start, "end": end, "source": "value", "qids": [], "values": refs_best, "lookup": False})
                elif best == "gazetteer":
                    gazetteer_surfaces.add(surface)
                    found.append({"start": start, "end": end, "source": "gazetteer", "qids": refs_best, "values": [], "lookup": True})
                else:
                    found.append({"start": start, "end": end, "source": best, "qids": refs_best, "values": [], "lookup": False})
            for span in (ner_spans or {}).get(p["paragraph_id"], ()):
                surface = text[span.start:span.end]
                if surface.strip():
                    ner_surfaces.add(surface)
                    found.append({"start": span.start, "end": span.end, "source": "ner", "qids": [], "values": [], "lookup": True})
            for m in select_non_overlapping(found):
                m.update(paragraph_id=p["paragraph_id"], article_id=article_id, surface=text[m["start"]:m["end"]])
                raw.append(m)

    # Label -> candidate QIDs for gazetteer hits and unresolved anchors (the shared-label case).
    by_label = store.qids_for_surfaces(gazetteer_surfaces | unlinked_anchor_surfaces | ner_surfaces, language)
    theme = rows[0]["theme"]
    out_rows = []
    for m in raw:
        qids = list(m["qids"])
        if m["lookup"]:
            qids = sorted(set(qids) | set(by_label.get(m["surface"], [])), key=lambda q: int(q[1:]))
        if m["source"] != "value" and not qids:
            continue
        out_rows.append((
            f"{m['paragraph_id']}:{m['start']}-{m['end']}", m["paragraph_id"], m["article_id"], m["start"], m["end"],
            m["surface"], m["source"], qids, m["values"], theme, language,
        ))
    return pl.DataFrame(out_rows, schema=MENTION_SCHEMA, orient="row")


def select_non_overlapping(found: list[dict]) -> list[dict]:
    links = [m for m in found if m["source"] == "link"]
    rest = sorted(
        (m for m in found if m["source"] != "link"),
        key=lambda m: (-(m["end"] - m["start"]), SOURCE_ORDER[m["source"]], m["start"]),
    )
    taken: list[dict] = []
    occupied: list[tuple[int, int]] = []
    for m in links + rest:
        if any(m["start"] < e and s < m["end"] for s, e in occupied):
            continue
        taken.append(m)
        occupied.append((m["start"], m["end"]))
    return sorted(taken, key=lambda m: m["start"])
