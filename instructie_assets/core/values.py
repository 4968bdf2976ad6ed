"""Surface forms of Wikidata time and quantity values, as they are written in EN and ZH text."""

from __future__ import annotations

import re

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
MONTH_ABBR = ["Jan.", "Feb.", "Mar.", "Apr.", "May", "Jun.", "Jul.", "Aug.", "Sep.", "Oct.", "Nov.", "Dec."]
TIME = re.compile(r"^\+(\d{1,4})-(\d\d)-(\d\d)T")

# Unit spellings that Wikidata's labels of the unit items do not always carry.
UNIT_FORMS = {
    "en": {
        "Q11573": ["metres", "meters", "metre", "meter", "m"],
        "Q828224": ["kilometres", "kilometers", "kilometre", "kilometer", "km"],
        "Q712226": ["square kilometres", "square kilometers", "km2", "km²"],
        "Q11570": ["kilograms", "kilogrammes", "kilogram", "kg"],
    },
    "zh": {
        "Q11573": ["米", "公尺"],
        "Q828224": ["公里", "千米"],
        "Q712226": ["平方公里", "平方千米"],
        "Q11570": ["千克", "公斤"],
    },
}


def render_time(time: str, precision: int, language: str) -> list[str]:
    """Every form a date of this precision can be written in, finest first.

    Coarser forms are included: text often gives a day-precise statement as its month or year.
    """
    m = TIME.match(time)
    if not m:
        return []
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    forms: list[str] = []
    if language == "zh":
        if precision >= 11 and month and day:
            forms.append(f"{year}年{month}月{day}日")
        if precision >= 10 and month:
            forms.append(f"{year}年{month}月")
        if precision >= 9:
            forms.append(f"{year}年")
        return forms
    if precision >= 11 and month and day:
        name, abbr = MONTHS[month - 1], MONTH_ABBR[month - 1]
        forms += [f"{day} {name} {year}", f"{name} {day}, {year}", f"{day} {abbr} {year}", f"{abbr} {day}, {year}", f"{year}-{month:02d}-{day:02d}"]
    if precision >= 10 and month:
        forms += [f"{MONTHS[month - 1]} {year}", f"{MONTH_ABBR[month - 1]} {year}"]
    if precision >= 9:
        forms.append(str(year))
    return list(dict.fromkeys(forms))


def _number_forms(amount_text: str) -> list[str]:
    text = amount_text.lstrip("+")
    if "e" in text.lower():
        return []
    whole, _, frac = text.partition(".")
    grouped = f"{int(whole):,}" if whole.lstrip("-").isdigit() else whole
    forms = []
    for w in (grouped, whole):
        forms.append(f"{w}.{frac}" if frac else w)
    return list(dict.fromkeys(forms))


def render_quantity(amount_text: str, unit_words: list[str], language: str) -> list[str]:
    """Forms of a quantity: with and without thousands separators, each unit spelling."""
    numbers = _number_forms(amount_text)
    if not unit_words:
        return numbers
    forms = []
    for n in numbers:
        for u in unit_words:
            if language == "zh":
                forms += [f"{n}{u}", f"{n} {u}"]
            else:
                forms += [f"{n} {u}", f"{n}{u}"] if len(u) <= 3 else [f"{n} {u}"]
    return list(dict.fromkeys(forms))


def unit_words(unit_qid: str, language: str, labels: list[str]) -> list[str]:
    words = list(UNIT_FORMS.get(language, {}).get(unit_qid, []))
    for label in labels:
        if label not in words:
            words.append(label)
        if language == "en" and len(label) > 3 and not label.endswith("s") and label + "s" not in words:
            words.append(label + "s")
    return words
