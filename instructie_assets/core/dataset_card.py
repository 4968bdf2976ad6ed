"""The export directory's data card (a Hugging Face dataset card), its chart and the schema files."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlparse

from instructie_assets.core.drop_reasons import TRIPLE_DROP_REASONS
from instructie_assets.core.atomic_files import write_atomic, write_text_atomic
from instructie_assets.core.instructions import SPLITS
from instructie_assets.core.schemas import ThemeSchema
from instructie_assets.core.wikitext import SiteInfo

HF_SPLIT = {"train": "train", "valid": "validation", "test": "test"}
# The siteinfo sitename of the bundled sample's dumps (resources/sample/build_sample.py): texts written
# for the sample, under the project's licence.
SAMPLE_SITENAME = "instructie sample corpus"
LANGUAGE_NAMES = {"en": "English", "zh": "Chinese"}


def text_source(language: str, sites: list[SiteInfo]) -> tuple[str, str]:
    """(licence id for the card's YAML, one line saying what the texts of `language` are), from the
    siteinfo of the dumps they were read from."""
    if not sites:
        return "other", f"Texts ({language}): source unknown (no readable Wikipedia dump of {language} was configured when this card was written)."
    licences, parts = set(), []
    for site in sites:
        host = urlparse(site.base).hostname or ""
        if site.sitename == SAMPLE_SITENAME:
            licences.add("apache-2.0")
            parts.append(f"written for instructie's sample corpus ({site.base}), not taken from Wikipedia; Apache-2.0, as the project")
        elif host.endswith(".wikipedia.org"):
            licences.add("cc-by-sa-4.0")
            name = f"the {LANGUAGE_NAMES[language]} Wikipedia" if language in LANGUAGE_NAMES else site.sitename
            parts.append(f"paragraphs of {name} (dump {site.dbname}, https://{host}), CC BY-SA 4.0; "
                         "their authors are the articles' contributors, listed in each article's history")
        else:
            licences.add("other")
            parts.append(f"from {site.sitename or site.dbname} ({site.base or 'no base URL'}; dump {site.dbname}), not a Wikipedia dump: "
                         "their licence is that of the source")
    return (licences.pop() if len(licences) == 1 else "other"), f"Texts ({language}): " + "; ".join(parts) + "."


def schema_json(schemas: dict[str, ThemeSchema], language: str) -> dict[str, list[str]]:
    """The published schema shape (as DeepKE's `wiki_cate_schema`): cate -> its relation labels."""
    return {s.cate(language): s.label_names(language) for s in schemas.values()}


def instances_figure(counts: dict[tuple[str, str, str], int], themes: list[str], cate_of: dict[str, str]):
    """Instances per theme and language (all splits), grouped bars, as the paper's Figure 6; integer ticks."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    languages = sorted({lang for _, lang, _ in counts})
    width = 0.8 / max(1, len(languages))
    fig, ax = plt.subplots(figsize=(max(7, 0.75 * len(themes) + 2), 4.5))
    for i, lang in enumerate(languages):
        values = [sum(n for (t, l, _), n in counts.items() if t == theme and l == lang) for theme in themes]
        ax.bar([x + i * width for x in range(len(themes))], values, width, label=lang.upper())
    ax.set_xticks([x + width * (len(languages) - 1) / 2 for x in range(len(themes))])
    ax.set_xticklabels([cate_of.get(t, t) for t in themes], rotation=45, ha="right")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 0.5 ticks on a small export
    ax.set_ylabel("instances (texts)")
    ax.set_title("Instances per theme and language")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))  # beside the bars, never over them
    fig.tight_layout()
    return fig


def instances_chart(counts: dict[tuple[str, str, str], int], themes: list[str], cate_of: dict[str, str], path: str | Path) -> None:
    import matplotlib.pyplot as plt

    fig = instances_figure(counts, themes, cate_of)
    try:
        write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"), f"drawing the chart {Path(path).name}")
    finally:
        plt.close(fig)


def card_markdown(
    counts: dict[tuple[str, str, str], int],
    instruction_counts: dict[tuple[str, str, str], int],
    label_frequencies: dict[str, list[tuple[str, int]]],
    drops: dict[str, dict[str, int]],
    themes: list[str],
    cate_of: dict[str, str],
    chart_name: str = "instances.png",
    sources: dict[str, list[SiteInfo]] | None = None,
) -> str:
    """The card: YAML header (languages, licence, one config per language and record kind, listing
    only the splits that hold records, so every config loads), counts, label frequencies, drops, and
    where the texts come from (`sources`: language -> the siteinfo of its dumps)."""
    languages = sorted({lang for _, lang, _ in counts} | set(label_frequencies))
    licences = {lang: text_source(lang, (sources or {}).get(lang, [])) for lang in languages}
    licence_ids = {lic for lic, _ in licences.values()}
    header = ["---", "language:"] + [f"- {lang}" for lang in languages] + [
        f"license: {licence_ids.pop() if len(licence_ids) == 1 else 'other'}",
        "task_categories:", "- text-generation",
        "tags:", "- information-extraction", "- relation-extraction", "- instructie", "- kg2instruction",
        "configs:",
    ]
    empty: list[str] = []
    for lang in languages:
        for kind, suffix, per_split in (("", ".jsonl", counts), ("-instructions", ".instructions.jsonl", instruction_counts)):
            splits = [split for split in SPLITS if sum(n for (_, l, s), n in per_split.items() if l == lang and s == split) > 0]
            empty += [f"{lang}{kind} {HF_SPLIT[split]}" for split in SPLITS if split not in splits]
            if not splits:
                continue
            header += [f"- config_name: {lang}{kind}", "  data_files:"]
            for split in splits:
                header += [f"  - split: {HF_SPLIT[split]}", f"    path: {lang}/*/{split}{suffix}"]
    header.append("---")
    lines = header + [
        "",
        "# InstructIE-style dataset built by instructie",
        "",
        "Theme-centric relation extraction data from the paragraphs of MediaWiki dumps and Wikidata statements (KG2Instruction);",
        "what the texts are and their licence: see *Sources and licences* below.",
        "Each `<language>/<theme>/<split>.jsonl` holds InstructIE records (`id` = sha256 of the text, `cate`, `text`,",
        "`relation`; train records also `entity` and offsets); `<split>.instructions.jsonl` holds instruction records",
        "(`id`, `cate`, `instruction`, `input`, `output`); both also as Parquet. `schema_<lang>.json` lists each theme's labels.",
        "",
        f"![Instances per theme and language]({chart_name})",
        "",
        "## Texts per theme, language and split",
        "",
        "| theme | " + " | ".join(f"{lang} {split}" for lang in languages for split in SPLITS) + " |",
        "|---|" + "---|" * (len(languages) * len(SPLITS)),
    ]
    for theme in themes:
        cells = [str(counts.get((theme, lang, split), 0)) for lang in languages for split in SPLITS]
        lines.append(f"| {cate_of.get(theme, theme)} | " + " | ".join(cells) + " |")
    total = [str(sum(n for (t, l, s), n in counts.items() if l == lang and s == split)) for lang in languages for split in SPLITS]
    lines.append("| **all** | " + " | ".join(total) + " |")
    lines += ["", "Instruction records (one per text, or per label chunk): " + ", ".join(
        f"{lang} {split} {sum(n for (t, l, s), n in instruction_counts.items() if l == lang and s == split)}"
        for lang in languages for split in SPLITS), ""]
    if empty:
        lines += [f"Splits without records, left out of the configs (so that each config loads): {', '.join(empty)}.", ""]
    lines += ["## Label frequencies (kept triples)", ""]
    for lang in languages:
        freq = label_frequencies.get(lang, [])
        lines.append(f"**{lang}**: " + ", ".join(f"{label} {n}" for label, n in freq) if freq else f"**{lang}**: none")
        lines.append("")
    columns = [*TRIPLE_DROP_REASONS, "kept"]
    lines += ["## Candidate triples dropped, by reason", "",
              "Every candidate (a Wikidata statement found between a paragraph's mentions) is kept or dropped for the",
              "first reason that applies, in this order:", ""]
    lines += [f"- `{reason}`: {meaning}" for reason, meaning in TRIPLE_DROP_REASONS.items()]
    lines += ["", "| language | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    for lang in languages:
        d = drops.get(lang, {})
        lines.append(f"| {lang} | " + " | ".join(str(d.get(k, 0)) for k in columns) + " |")
    lines += ["", "## Sources and licences", ""]
    for _, line in licences.values():
        lines += [line, ""]
    lines += ["Triples: statements of the Wikidata JSON dump given (Wikidata's data is CC0 1.0).", ""]
    return "\n".join(lines)


def write_card_files(out_dir: str | Path, markdown: str, schemas: dict[str, ThemeSchema], languages: list[str]) -> dict[str, Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {"README.md": write_text_atomic(out / "README.md", markdown, "writing the dataset card README.md")}
    for lang in languages:
        path = out / f"schema_{lang}.json"
        write_text_atomic(path, json.dumps(schema_json(schemas, lang), ensure_ascii=False, indent=1) + "\n", f"writing {path.name}")
        files[path.name] = path
    return files
