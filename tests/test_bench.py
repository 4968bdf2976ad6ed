"""The benchmarks' correctness gates on small inputs (speed itself is measured by `make bench`)."""

from bench.common import report
from bench.gazetteer import article_sets, run_regime
from instructie_assets.core.gazetteer import Gazetteer


def test_gazetteer_matches_equal_regex_alternation_on_generated_articles():
    for language in ("en", "zh"):
        result = run_regime(article_sets(language, articles=5, per_article=50, chars=800, seed=7), language == "en")
        assert result["same"] and result["matches"] > 0


def test_gazetteer_boundaries_and_leftmost_longest():
    g = Gazetteer([("New York", 1), ("New York City", 2), ("York", 3), ("Yorkshire", 4)], word_boundaries=True)
    text = "New York City and Yorkshire, not Yorkshires or NewYork."
    assert g.leftmost_longest(text) == [(0, 13, "New York City"), (18, 27, "Yorkshire")]
    assert {(s, e) for s, e, _, _ in g.occurrences(text)} == {(0, 8), (0, 13), (4, 8), (18, 27)}
    zh = Gazetteer([("北京", 1), ("北京大学", 2)], word_boundaries=False)
    assert zh.leftmost_longest("他在北京大学读书，住在北京。") == [(2, 6, "北京大学"), (11, 13, "北京")]
    assert len(Gazetteer([], True)) == 0 and Gazetteer([], True).leftmost_longest("x") == []


def test_report_line_format(capsys):
    line = report("demo", 3.14159, True, pairs=512, rate=1234.5)
    assert line == "BENCH demo ratio=3.14 gate=pass pairs=512 rate=1234"
    assert capsys.readouterr().out.strip() == line


# ---------------------------------------------------------------------------------------- graph-scaling

def _results(sizes, seconds_of, peak_of, rows_of):
    """Synthetic `run_size` results: every stage, two partitions (en and zh) per partitioned stage."""
    from bench.graph_scaling import STAGES

    out = []
    for n in sizes:
        stages = {}
        for name, *_ in STAGES:
            total = seconds_of(name, n)
            stages[name] = {"seconds": total, "by_partition": {"en|person": total * 0.75, "zh|person": total * 0.25},
                            "peak_mb": peak_of(name, n), "cpu_s": total}
        out.append({"n": n, "stages": stages, "rows": rows_of(n)})
    return out


def _rows(n):
    from bench.graph_scaling import GROWING, STAGES

    rows = {table: 10 * n for *_, table in STAGES if table}
    return {**rows, **{t: 10 * n for t in GROWING}, "wikidata_entities": 3 * n}


def test_graph_scaling_gates_pass_linear_flat_and_fail_each_way():
    from bench.graph_scaling import gates

    linear = gates(_results([100, 400, 1600], lambda name, n: 5 + n / 100, lambda name, n: 300, _rows))
    assert linear["gate"] and linear["ratio"] < 1.0 and linear["rss_ratio"] == 1.0 and abs(linear["marginal_ratio"] - 1.0) < 1e-9
    # quadratic in one stage: the total is no longer linear
    quadratic = gates(_results([100, 400, 1600], lambda name, n: (n / 100) ** 2 if name == "entity_mentions" else n / 100,
                               lambda name, n: 300, _rows))
    # totals (n/100)^2 + k n/100 for k linear stages: marginal ratio ((240 + 12k) / 1200) / ((15 + 3k) / 300)
    from bench.graph_scaling import STAGES

    k = len(STAGES) - 1
    assert not quadratic["linear"] and not quadratic["gate"] and abs(quadratic["marginal_ratio"] - (60 + 3 * k) / (15 + 3 * k)) < 1e-9
    assert quadratic["marginal_ratio"] > 1.9
    # one stage's memory grows with the partition: the worst stage is named
    growing = gates(_results([100, 400, 1600], lambda name, n: n / 100, lambda name, n: 300 + (n / 10 if name == "filtered_triples" else 0), _rows))
    assert not growing["flat"] and growing["rss_worst_stage"] == "filtered_triples" and round(growing["rss_ratio"], 3) == round(460 / 340, 3)
    # a table that stays empty, or a corpus that does not really grow, fails the correctness gate
    empty = gates(_results([100, 400], lambda name, n: n / 100, lambda name, n: 300, lambda n: {**_rows(n), "candidate_triples": 0}))
    assert empty["empty_tables"] == ["candidate_triples"] and not empty["gate"]
    stalled = gates(_results([100, 400], lambda name, n: n / 100, lambda name, n: 300, lambda n: {**_rows(n), "candidate_triples": 50}))
    assert not stalled["grows"] and not stalled["gate"]


def test_graph_scaling_table_has_a_row_per_stage(capsys):
    from bench.graph_scaling import STAGES, print_table

    print_table(_results([100, 400], lambda name, n: n / 100, lambda name, n: 300 + n / 100, _rows))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("| stage | s 100 | s 400 | MB 100 | MB 400 | time ratio | RSS ratio |")
    rows = {line.split(" | ")[0][2:]: line.split(" | ") for line in lines[2:]}
    assert list(rows) == [name for name, *_ in STAGES] + ["total"]
    assert rows["paragraphs"][1:7] == ["1.0", "4.0", "301", "304", "1.00", "1.01"]


def test_graph_scaling_projection_uses_marginal_cost_and_cores():
    from bench.graph_scaling import FULL, projection

    # every stage: 10 s fixed per partition run + 0.01 s per article; entities = 3 per article
    results = _results([1000, 4000], lambda name, n: 2 * (10 + 0.01 * n), lambda name, n: 300, _rows)
    for r in results:
        for stage in r["stages"].values():
            stage["by_partition"] = {"en|person": stage["seconds"] / 2, "zh|person": stage["seconds"] / 2}
    two, sixteen = projection(*results, cores=2), projection(*results, cores=16)
    en, zh = 10 + 0.01 * FULL["en"], 10 + 0.01 * FULL["zh"]
    assert abs(two["paragraphs"] * 3600 - (en + zh)) < 1e-6  # readers: measured on 2 cores
    assert abs(sixteen["paragraphs"] * 3600 - (en + zh) / 8) < 1e-6
    assert abs(two["entity_mentions"] * 3600 - max((en + zh) / 2, en)) < 1e-6  # partitions: max(sum / cores, largest)
    assert abs(sixteen["entity_mentions"] * 3600 - en) < 1e-6
    per_entity = 0.01 / 3  # the Wikidata reader: marginal per entity
    assert abs(two["wikidata"] * 3600 - (2 * (10 + 0.01 * 4000) + 2 * per_entity * (FULL["wikidata"] - 12000))) < 1e-3
    assert sixteen["dataset_card"] == two["dataset_card"]


def test_linked_corpus_pages_state_their_items_statements(tmp_path):
    """The graph-scaling corpus is linked as real pages are: each article's item has the sitelink of its
    title, the items its statements point at are linked (by label or alias redirect) in its page, its
    dates are written at their precision and its quantities with their unit."""
    import gzip
    import json
    import re

    from bench.linked_corpus import write_corpus
    from instructie_assets.core.values import render_time
    from instructie_assets.core.wikitext import iter_pages

    paths = write_corpus(60, tmp_path)
    entities = {}
    with gzip.open(paths["wikidata"], "rt", encoding="utf-8") as fh:
        for line in fh:
            line = line.strip().rstrip(",")
            if line not in ("[", "]"):
                e = json.loads(line)
                entities[e["id"]] = e
    assert len(entities) > 2 * 60  # the articles' items, countries, occupations, classes, and as many items no article is about
    for language in ("en", "zh"):
        site = f"{language}wiki"
        by_title = {e["sitelinks"][site]["title"]: e for e in entities.values() if site in e.get("sitelinks", {})}
        pages = list(iter_pages(str(paths[language])))
        redirects = {p.title: p.redirect for p in pages if p.redirect}
        articles = [p for p in pages if not p.redirect]
        assert len(articles) == 60 and 5 < len(redirects) < 60
        stated = dates = quantities = 0
        for page in articles:
            item = by_title[page.title]
            links = {redirects.get(t, t) for t in re.findall(r"\[\[([^\]|#]+)", page.text)}
            linked_qids = {by_title[t]["id"] for t in links if t in by_title}
            assert len(linked_qids) >= 2
            for prop, statements in item["claims"].items():
                for st in statements:
                    if "datavalue" not in st["mainsnak"]:  # somevalue statements of the bulk
                        continue
                    value = st["mainsnak"]["datavalue"]["value"]
                    if st["mainsnak"]["datatype"] == "wikibase-item" and prop in ("P19", "P27", "P108", "P17", "P112", "P50", "P123", "P84", "P131", "P159"):
                        assert value["id"] in linked_qids, (page.title, prop)
                        stated += 1
                    elif st["mainsnak"]["datatype"] == "time" and prop in ("P569", "P570", "P571", "P577"):
                        forms = render_time(value["time"], value["precision"], language)
                        assert any(f in page.text for f in forms[:2 if language == "en" and value["precision"] >= 11 else 1]), (page.title, prop)
                        dates += 1
                    elif prop in ("P1082", "P2046", "P2048"):
                        amount = value["amount"].lstrip("+")
                        written = f"{int(amount):,}" if prop == "P1082" else amount
                        unit = {"P1082": "", "P2046": " square kilometres" if language == "en" else "平方公里",
                                "P2048": " metres" if language == "en" else "米"}[prop]
                        assert written + unit in page.text, (page.title, prop)
                        quantities += 1
        assert stated > 100 and dates > 60 and quantities > 10
    assert write_corpus(60, tmp_path / "again")["en"].read_bytes() == paths["en"].read_bytes()  # seeded
