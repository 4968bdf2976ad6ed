"""Warnings logged by many partitions print once."""

from instructie_assets.core.run_report import RunWarning, format_warning, group_warnings

THEMES = ["person", "works", "event"]
NLI = "filtered_triples {}: NLI not applied: cannot load model 'x' (hub id)"


def nli_warnings():
    return [RunWarning(f"{lang}|{theme}", {"language": lang, "theme": theme}, "filtered_triples", NLI.format(f"{theme}/{lang}"))
            for lang in ("en", "zh") for theme in THEMES]


def test_one_warning_on_every_partition_groups_into_one_line():
    ((message, partitions),) = group_warnings(nli_warnings())
    assert message == NLI.format("<partition>")
    assert partitions == [f"{t}/{lang}" for lang in ("en", "zh") for t in THEMES]
    line = format_warning(message, partitions)
    assert line == "WARN filtered_triples <partition>: NLI not applied: cannot load model 'x' (hub id) (6 partitions: person/en … event/zh)"


def test_different_warnings_stay_apart_and_a_single_one_names_its_partition():
    warnings = nli_warnings()[:1] + [RunWarning("en", {}, "wikipedia_articles", "articles en: 3 pages without text")]
    groups = group_warnings(warnings)
    assert len(groups) == 2
    assert [format_warning(m, p) for m, p in groups] == [
        "WARN filtered_triples person/en: NLI not applied: cannot load model 'x' (hub id)",
        "WARN articles en: 3 pages without text",
    ]


def test_partition_names_inside_words_are_not_masked():
    # `en` in `entity` or `ten` is not the partition
    w = RunWarning("en", {}, "s", "entity ten en")
    ((message, _),) = group_warnings([w])
    assert message == "entity ten <partition>"


def test_long_and_multiline_messages_print_one_line():
    line = format_warning("x" * 1000 + "\nsecond line", ["a"])
    assert "\n" not in line and len(line) < 420
