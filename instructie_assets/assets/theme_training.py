"""Training the theme classifier: a KG-labelled training set, and a fine-tuned model directory.

Not part of the default build: run the `train_theme_classifier` job (or `instructie train-theme-classifier`).
"""


from pathlib import Path

import dagster as dg

from instructie_assets.clients import DuckLakeResource, ProjectFiles
from instructie_assets.core.theme_classifier import DEFAULT_BASE_MODEL, train_classifier, training_split, write_jsonl
from instructie_assets.jobs import THEME_CLASSIFIER
from instructie_assets.partitions import THEMES


class ThemeTrainingConfig(dg.Config):
    # The paper trains on 5,000 labelled texts; balanced over themes x languages.
    size: int = 5000
    valid_share: float = 0.1
    seed: int = 42
    data_dir: str = "data/theme_classifier"


class ThemeModelConfig(dg.Config):
    # A small multilingual encoder (hub id or local directory) fine-tuned into the classifier.
    base_model: str = DEFAULT_BASE_MODEL
    model_dir: str = "data/models/theme-classifier"
    data_dir: str = "data/theme_classifier"
    epochs: int = 3
    learning_rate: float = 5e-5
    batch_size: int = 16
    max_length: int = 256
    device: str = "auto"
    seed: int = 42


@dg.asset(deps=[dg.AssetDep(name, partition_mapping=dg.AllPartitionMapping()) for name in ("paragraphs", "articles")], group_name=THEME_CLASSIFIER)
def theme_training_set(context: dg.AssetExecutionContext, config: ThemeTrainingConfig, duckdb: DuckLakeResource) -> dg.MaterializeResult:
    """Paragraphs labelled by the knowledge graph (their article's Wikidata item gave the theme, not a
    classifier), balanced per theme and language, split by article into train.jsonl / valid.jsonl."""
    with duckdb.get_connection() as conn:
        cursor = conn.execute(
            "SELECT p.paragraph_id, p.article_id, p.text, p.theme, p.language FROM main.paragraphs p "
            "JOIN main.articles a USING (article_id) WHERE a.theme = p.theme AND a.theme_reason NOT LIKE 'classifier%' ORDER BY p.paragraph_id"
        )
        columns = [d[0] for d in cursor.description]
        rows = [dict(zip(columns, r)) for r in cursor.fetchall()]
    languages = sorted({r["language"] for r in rows}) or ["en", "zh"]
    train, valid = training_split(rows, config.size, THEMES, languages, config.seed, config.valid_share)
    out = Path(config.data_dir)
    write_jsonl(out / "train.jsonl", train)
    write_jsonl(out / "valid.jsonl", valid)
    per_theme = {t: sum(1 for r in train if r["label"] == t) for t in THEMES}
    return dg.MaterializeResult(metadata={
        "train": len(train), "valid": len(valid), "candidates": len(rows), "data_dir": str(out.resolve()),
        "train_by_theme": dg.MetadataValue.json(per_theme),
    })


@dg.asset(deps=["theme_training_set"], group_name=THEME_CLASSIFIER)
def theme_classifier_model(context: dg.AssetExecutionContext, config: ThemeModelConfig, project: ProjectFiles) -> dg.MaterializeResult:
    """The fine-tuned classifier, saved where `--theme-model` / ThemeClassifierSettings can load it;
    held-out accuracy overall and per theme."""
    import json

    data = Path(config.data_dir)
    train = [json.loads(line) for line in (data / "train.jsonl").read_text(encoding="utf-8").splitlines() if line]
    valid = [json.loads(line) for line in (data / "valid.jsonl").read_text(encoding="utf-8").splitlines() if line]
    if not train:
        raise ValueError(f"{data / 'train.jsonl'}: no training rows (materialize theme_training_set on a built database first)")
    metrics = train_classifier(
        train, valid, list(project.load().schemas), config.base_model, config.model_dir, epochs=config.epochs,
        learning_rate=config.learning_rate, batch_size=config.batch_size, max_length=config.max_length, device=config.device, seed=config.seed,
    )
    return dg.MaterializeResult(metadata={
        "model_dir": str(Path(config.model_dir).resolve()), "base_model": config.base_model,
        "accuracy": metrics["accuracy"], "accuracy_by_theme": dg.MetadataValue.json(metrics["accuracy_by_theme"]),
        "train_rows": metrics["train_rows"], "valid_rows": metrics["valid_rows"], "final_loss": metrics["final_loss"], "device": metrics["device"],
    })


def training_run_config(size: int, data_dir: str, base_model: str, model_dir: str, epochs: int, device: str) -> dict:
    """The run config of the `train_theme_classifier` job for these knobs."""
    return {"ops": {
        theme_training_set.op.name: {"config": {"size": size, "data_dir": data_dir}},
        theme_classifier_model.op.name: {"config": {"base_model": base_model, "model_dir": model_dir, "data_dir": data_dir, "epochs": epochs,
                                                    "device": device}},
    }}
