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


DAY, MONTH, YEAR = 11, 10, 9  # Wikidata time precisions


def time_forms(time: str, precision: int, language: str) -> list[tuple[str, int]]:
    """Every (form, precision it is written at) of a date of this precision, finest first.

    Coarser forms are included (a day-precise date written as its month or year) so that the
    filter can see them and drop them with `value_precision` unless configured to accept them.
    """
    m = TIME.match(time)
    if not m:
        return []
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    forms: list[tuple[str, int]] = []
    if language == "zh":
        if precision >= DAY and month and day:
            forms.append((f"{year}年{month}月{day}日", DAY))
        if precision >= MONTH and month:
            forms.append((f"{year}年{month}月", MONTH))
        if precision >= YEAR:
            forms.append((f"{year}年", YEAR))
        return forms
    if precision >= DAY and month and day:
        name, abbr = MONTHS[month - 1], MONTH_ABBR[month - 1]
        forms += [(f, DAY) for f in (f"{day} {name} {year}", f"{name} {day}, {year}", f"{day} {abbr} {year}", f"{abbr} {day}, {year}",
                                     f"{year}-{month:02d}-{day:02d}")]
    if precision >= MONTH and month:
        forms += [(f"{MONTHS[month - 1]} {year}", MONTH), (f"{MONTH_ABBR[month - 1]} {year}", MONTH)]
    if precision >= YEAR:
        forms.append((str(year), YEAR))
    return list(dict.fromkeys(forms))


def writes_its_year(surface: str, time: str) -> bool:
    """A date's written form carries the statement's year (not "6月23日", written after the paragraph gave 1894)."""
    m = TIME.match(time)
    return m is None or m.group(1).lstrip("0") in surface


def yearless_forms(time: str, precision: int, language: str) -> list[str]:
    """A day-precise date written without its year ("23 June", "June 23", "6月23日"), as text writes a
    day once the paragraph has given its year ("In 1894 ... On 23 June ...", "1894年，……6月23日"):
    such a form stands for the date only where `yearless_date_stands` says so."""
    m = TIME.match(time)
    if not m or precision < DAY:
        return []
    month, day = int(m.group(2)), int(m.group(3))
    if not (month and day):
        return []
    if language == "zh":
        return [f"{month}月{day}日"]
    return [f"{day} {MONTHS[month - 1]}", f"{MONTHS[month - 1]} {day}"]


_YEAR_WRITTEN = {"zh": re.compile(r"(\d{3,4})年"), "en": re.compile(r"(?<![\d,.])\b(1\d{3}|20\d{2})\b(?![\d,.]\d)")}
# words that move the year on from the one written before ("the following year", 次年): the year is no longer that one
_YEAR_MOVED = {"zh": re.compile(r"次年|翌年|隔年|前年|去年|明年|后年|[一二三四五六七八九十两数几多\d]+年(?:后|前|以后|以前|之后|之前|间)"),
               "en": re.compile(r"\b(?:following|next|previous|preceding|later|earlier|before|after)\s+year|\byears?\s+(?:later|earlier|before|after)\b", re.I)}
_YEAR_AFTER = {"zh": re.compile(r"^\s*[（(]?\s*\d{3,4}年"), "en": re.compile(r"^(?:st|nd|rd|th)?,?\s*\d{3,4}\b")}


def yearless_date_stands(text: str, start: int, end: int, year: int, language: str) -> bool:
    """A date written without its year at text[start:end] is the date of `year` where the last year the
    text writes before it is `year` and nothing between moves the year on ("the following year", 次年),
    and no year follows the day ("23 June 1895" is another year's)."""
    if _YEAR_AFTER[language].match(text[end:]):
        return False
    last = None
    for m in _YEAR_WRITTEN[language].finditer(text, 0, start):
        last = m
    if last is None or int(last.group(1)) != year:
        return False
    return _YEAR_MOVED[language].search(text, last.end(), start) is None


def render_time(time: str, precision: int, language: str) -> list[str]:
    """Every form a date of this precision can be written in, finest first."""
    return [form for form, _ in time_forms(time, precision, language)]


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


def quantity_forms(amount_text: str, unit_words: list[str], language: str) -> list[tuple[str, bool]]:
    """Every (form, written with its unit) of a quantity: with and without thousands separators,
    each unit spelling. A quantity whose unit has no known spelling gets its bare numbers, marked
    as written without the unit (the filter drops them with `value_unit`)."""
    numbers = _number_forms(amount_text)
    if not unit_words:
        return [(n, False) for n in numbers]
    forms: list[tuple[str, bool]] = []
    for n in numbers:
        for u in unit_words:
            if language == "zh":
                forms += [(f"{n}{u}", True), (f"{n} {u}", True)]
            else:
                forms += [(f"{n} {u}", True), (f"{n}{u}", True)] if len(u) <= 3 else [(f"{n} {u}", True)]
    return list(dict.fromkeys(forms))


def render_quantity(amount_text: str, unit_words: list[str], language: str) -> list[str]:
    """Forms of a quantity: with and without thousands separators, each unit spelling."""
    return [form for form, _ in quantity_forms(amount_text, unit_words, language)]


def unit_words(unit_qid: str, language: str, labels: list[str]) -> list[str]:
    words = list(UNIT_FORMS.get(language, {}).get(unit_qid, []))
    for label in labels:
        if label not in words:
            words.append(label)
        if language == "en" and len(label) > 3 and not label.endswith("s") and label + "s" not in words:
            words.append(label + "s")
    return words
