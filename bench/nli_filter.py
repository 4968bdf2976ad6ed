"""BENCH nli-filter: our NLI scoring (de-duplicated pairs, length-sorted batches) vs one
`pipeline("text-classification")` call per pair, on the same pairs with the same tiny model.

Pairs: the sample corpus' gold paragraphs (EN and ZH) as premises, each gold triple's template
hypothesis plus one with a wrong tail, and the repeats the pipeline meets (one premise for several
triples). Gate: the same keep/drop decisions at the 0.5 threshold, no score further than 1e-4 apart.
"""

from __future__ import annotations

import tempfile

from bench.common import machine, report, timed
from instructie_assets.core.evaluation import read_jsonl
from instructie_assets.core.nli import TransformersNli, load_nli_templates
from instructie_assets.core.schemas import load_project_config
from instructie_assets.paths import RESOURCE_DIR, SAMPLE_GOLD, SCHEMA_DIR
from instructie_assets.tiny_models import build_tiny_nli

THRESHOLD = 0.5


def sample_pairs() -> list[tuple[str, str]]:
    config = load_project_config(SCHEMA_DIR, RESOURCE_DIR)
    templates = load_nli_templates(RESOURCE_DIR / "nli_templates", config.schemas)
    theme_of_cate = {s.cate(lang): (s, lang) for s in config.schemas.values() for lang in ("en", "zh")}
    pairs = []
    for language in ("en", "zh"):
        for record in read_jsonl(SAMPLE_GOLD[language]):
            schema, _ = theme_of_cate[record["cate"]]
            by_label = {r.name(language): r.name("en") for r in schema.relations}
            tails = [t["tail"] for t in record["relation"]]
            for i, t in enumerate(record["relation"]):
                relation = by_label[t["relation"]]
                pairs.append((record["text"], templates.hypothesis(language, schema.key, relation, t["head"], t["tail"])))
                wrong = tails[(i + 1) % len(tails)]
                pairs.append((record["text"], templates.hypothesis(language, schema.key, relation, t["head"], wrong)))
    return pairs


def main() -> bool:
    import torch
    from transformers import pipeline
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    pairs = sample_pairs()
    with tempfile.TemporaryDirectory() as tmp:
        path = str(build_tiny_nli(tmp, [p for pair in pairs for p in pair]))
        ours = TransformersNli(path, device="cpu", batch_size=32)
        pipe = pipeline("text-classification", model=path, top_k=None, device="cpu")
        ours.entailment(pairs[:8])  # warm both up
        pipe({"text": pairs[0][0], "text_pair": pairs[0][1]})
        t: dict = {}
        with timed(t, "ours"):
            our_scores = ours.entailment(pairs)
        with timed(t, "pipeline"):
            base_scores = []
            for premise, hypothesis in pairs:
                out = pipe({"text": premise, "text_pair": hypothesis})
                out = out[0] if out and isinstance(out[0], list) else out
                base_scores.append(float(next(x["score"] for x in out if x["label"].lower() == "entailment")))
    same = all((a >= THRESHOLD) == (b >= THRESHOLD) for a, b in zip(our_scores, base_scores))
    max_diff = max(abs(a - b) for a, b in zip(our_scores, base_scores))
    gate = len(pairs) >= 512 and same and max_diff <= 1e-4
    report(
        "nli-filter", t["pipeline"] / t["ours"], gate,
        pairs=len(pairs), unique_pairs=len(set(pairs)), ours_pairs_per_s=len(pairs) / t["ours"],
        pipeline_pairs_per_s=len(pairs) / t["pipeline"], kept=sum(s >= THRESHOLD for s in our_scores),
        max_score_diff=max_diff, threads=torch.get_num_threads(), machine=machine(),
    )
    return gate


if __name__ == "__main__":
    raise SystemExit(0 if main() else 1)
