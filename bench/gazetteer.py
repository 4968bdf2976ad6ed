"""BENCH gazetteer: the Aho-Corasick gazetteer (build + match) vs a regex alternation of the same patterns.

Two regimes, as the pipeline meets them:
  per-article  (the ratio) many small gazetteers: each article's own patterns (subject, linked
               entities, one-hop neighbours) built and matched over that article's text;
  single       one gazetteer of many patterns over a long text.
Both languages: EN names on word boundaries, ZH names without. The regex is
`(?<!\\w)(?:p1|p2|...)(?!\\w)` with patterns longest first, i.e. leftmost-longest matching; ours is
`Gazetteer.leftmost_longest`. Gate: identical (start, end, surface) lists everywhere.
"""

from __future__ import annotations

import random
import re

from bench.common import machine, report, timed
from instructie_assets.core.gazetteer import Gazetteer

SYLLABLES = ["ka", "lo", "mi", "ren", "tas", "vel", "dor", "an", "qui", "ber", "sto", "ne", "al", "ric", "mon", "tu", "har", "es"]
HANZI = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也你说年能而子得自下过发后"  \
        "山河城州省江湖海门桥塔寺宫院楼站路线星云龙凤华东西南北京阳明光天安德信文武"
FILLER_EN = "the of and in was is a to for with by on from that as at which an its were this".split()


def en_name(rng: random.Random) -> str:
    words = rng.randint(1, 3)
    return " ".join("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize() for _ in range(words))


def zh_name(rng: random.Random) -> str:
    return "".join(rng.choice(HANZI) for _ in range(rng.randint(2, 5)))


def make_text(rng: random.Random, patterns: list[str], language: str, chars: int, mention_rate: float) -> str:
    parts, size = [], 0
    while size < chars:
        if rng.random() < mention_rate:
            piece = rng.choice(patterns)
        elif language == "en":
            piece = rng.choice(FILLER_EN) if rng.random() < 0.7 else en_name(rng)
        else:
            piece = "".join(rng.choice(HANZI) for _ in range(rng.randint(1, 4)))
        parts.append(piece)
        size += len(piece) + 1
    sep = " " if language == "en" else ""
    return sep.join(parts)


def regex_matches(patterns: list[str], text: str, word_boundaries: bool) -> list[tuple[int, int, str]]:
    alternation = "|".join(re.escape(p) for p in sorted(set(patterns), key=lambda p: (-len(p), p)))
    rx = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)" if word_boundaries else f"(?:{alternation})")
    return [(m.start(), m.end(), m.group()) for m in rx.finditer(text)]


def article_sets(language: str, articles: int, per_article: int, chars: int, seed: int) -> list[tuple[list[str], str]]:
    rng = random.Random(seed)
    name = en_name if language == "en" else zh_name
    pool = list(dict.fromkeys(name(rng) for _ in range(articles * per_article // 4)))
    # prefixes of longer names are names too (as "New York" and "New York City")
    pool += [p.rsplit(" ", 1)[0] if language == "en" else p[:-1] for p in pool[: len(pool) // 10] if len(p) > 2]
    out = []
    for _ in range(articles):
        patterns = list(dict.fromkeys(rng.sample(pool, min(per_article, len(pool)))))
        out.append((patterns, make_text(rng, patterns, language, chars, mention_rate=0.12)))
    return out


def run_regime(sets: list[tuple[list[str], str]], word_boundaries: bool) -> dict:
    t: dict = {}
    ours, theirs, memory, n_patterns = [], [], 0, 0
    with timed(t, "ours"):
        for patterns, text in sets:
            g = Gazetteer(((p, None) for p in patterns), word_boundaries)
            ours.append(g.leftmost_longest(text))
    for patterns, _ in sets:
        g = Gazetteer(((p, None) for p in patterns), word_boundaries)
        memory += g.memory_bytes()
        n_patterns += len(g)
    with timed(t, "regex"):
        for patterns, text in sets:
            theirs.append(regex_matches(patterns, text, word_boundaries))
    chars = sum(len(text) for _, text in sets)
    return {
        "same": ours == theirs, "ours_s": t["ours"], "regex_s": t["regex"], "chars": chars,
        "matches": sum(len(m) for m in ours), "bytes_per_pattern": memory / max(1, n_patterns),
    }


def main() -> bool:
    results = {}
    for language in ("en", "zh"):
        results[("article", language)] = run_regime(article_sets(language, articles=200, per_article=400, chars=4000, seed=1), language == "en")
        results[("single", language)] = run_regime(article_sets(language, articles=1, per_article=5000, chars=200_000, seed=2), language == "en")
    gate = all(r["same"] and r["matches"] > 0 for r in results.values())

    def ratio(kind: str) -> float:
        rs = [results[(kind, lang)] for lang in ("en", "zh")]
        return sum(r["regex_s"] for r in rs) / sum(r["ours_s"] for r in rs)

    per_article = [results[("article", lang)] for lang in ("en", "zh")]
    chars = sum(r["chars"] for r in per_article)
    report(
        "gazetteer", ratio("article"), gate,
        ours_chars_per_s=chars / sum(r["ours_s"] for r in per_article),
        regex_chars_per_s=chars / sum(r["regex_s"] for r in per_article),
        single_ratio=ratio("single"),
        ratio_en=results[("article", "en")]["regex_s"] / results[("article", "en")]["ours_s"],
        ratio_zh=results[("article", "zh")]["regex_s"] / results[("article", "zh")]["ours_s"],
        bytes_per_pattern=sum(r["bytes_per_pattern"] for r in per_article) / 2,
        bytes_per_pattern_single=(results[("single", "en")]["bytes_per_pattern"] + results[("single", "zh")]["bytes_per_pattern"]) / 2,
        matches=sum(r["matches"] for r in results.values()), machine=machine(),
    )
    return gate


if __name__ == "__main__":
    raise SystemExit(0 if main() else 1)
