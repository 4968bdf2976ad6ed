"""The export directory's data card (a Hugging Face dataset card), its chart and the schema files."""

from __future__ import annotations

import json
from pathlib import Path

from instructie_assets.core.drop_reasons import TRIPLE_DROP_REASONS
from instructie_assets.core.atomic_files import write_atomic, write_text_atomic
from instructie_assets.core.instructions import SPLITS
from instructie_assets.core.schemas import ThemeSchema

HF_SPLIT = {"train": "train", "valid": "validation", "test": "test"}


def schema_json(schemas: dict[str, ThemeSchema], language: str) -> dict[str, list[str]]:
    """The published schema shape (as DeepKE's `wiki_cate_schema`): cate -> its relation labels."""
    return {s.cate(language): s.label_names(language) for s in schemas.values()}


def instances_chart(counts: dict[tuple[str, str, str], int], themes: list[str], cate_of: dict[str, str], path: str | Path) -> None:
    """Instances per theme and language (all splits), grouped bars, as the paper's Figure 6."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    languages = sorted({lang for _, lang, _ in counts})
    width = 0.8 / max(1, len(languages))
    fig, ax = plt.subplots(figsize=(max(7, 0.75 * len(themes) + 2), 4.5))
    for i, lang in enumerate(languages):
        values = [sum(n for (t, l, _), n in counts.items() if t == theme and l == lang) for theme in themes]
        ax.bar([x + i * width for x in range(len(themes))], values, width, label=lang.upper())
    ax.set_xticks([x + width * (len(languages) - 1) / 2 for x in range(len(themes))])
    ax.set_xticklabels([cate_of.get(t, t) for t in themes], rotation=45, ha="right")
    ax.set_ylabel("instances (texts)")
    ax.set_title("Instances per theme and language")
    ax.legend()
    fig.tight_layout()
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
) -> str:
    languages = sorted({lang for _, lang, _ in counts} | set(label_frequencies))
    header = ["---", "language:"] + [f"- {lang}" for lang in languages] + [
        "license: cc-by-sa-4.0",
        "task_categories:", "- text-generation",
        "tags:", "- information-extraction", "- relation-extraction", "- instructie", "- kg2instruction",
        "configs:",
    ]
    for lang in languages:
        for kind, suffix in (("", ".jsonl"), ("-instructions", ".instructions.jsonl")):
            header += [f"- config_name: {lang}{kind}", "  data_files:"]
            for split in SPLITS:
                header += [f"  - split: {HF_SPLIT[split]}", f"    path: {lang}/*/{split}{suffix}"]
    header.append("---")
    lines = header + [
        "",
        "# InstructIE-style dataset built by instructie",
        "",
        "Theme-centric relation extraction data from Wikipedia paragraphs and Wikidata statements (KG2Instruction).",
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
    lines += ["", "Texts: Wikipedia (CC BY-SA 4.0). Triples: Wikidata (CC0).", ""]
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
