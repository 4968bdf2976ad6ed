"""Templates that print running text, rendered from the user-editable table
`resources/wikitext_templates.yaml` (dates, conversions, language wrappers, interlanguage links...).

A rendering is the wikitext the template prints (its parameters are wikitext, and the table may
link words, so the wikitext reader walks it and links keep exact anchors), or plain text (dates,
conversions), and an optional link target over the whole shown text (interlanguage-link templates).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import mwparserfromhell
import yaml
from mwparserfromhell.nodes import Template
from mwparserfromhell.wikicode import Wikicode

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
RANGE_WORDS = {
    "en": {"-": "–", "–": "–", "to": " to ", "to(-)": " to ", "and": " and ", "or": " or ", "x": " × ", "by": " by ", "+/-": " ± ", "±": " ± "},
    "zh": {"-": "–", "–": "–", "to": "至", "to(-)": "至", "and": "和", "or": "或", "x": "×", "by": "×", "+/-": "±", "±": "±"},
}
_NUMBER = re.compile(r"^[-+−]?[\d,]*\.?\d+(?:e\d+)?$")
_PLACEHOLDER = re.compile(r"«([^«»]*)»|\{([^{}]+)\}|([^{«]+)")


class TemplateTableError(ValueError):
    pass


@dataclass
class Rendering:
    text: str  # what the template prints: wikitext (links in it become anchors), or plain text
    link: str | None = None
    wikitext: bool = True


@dataclass
class TemplateTable:
    rules: dict[str, dict[str, dict]]  # language -> name -> rule
    families: dict[str, dict[str, dict]]  # language -> "lang-" -> rule
    ignored_names: frozenset
    ignored_prefixes: tuple
    ignored_suffixes: tuple
    languages: dict[str, dict[str, str]] = field(default_factory=dict)
    units: dict[str, dict] = field(default_factory=dict)

    def rule(self, name: str, language: str) -> tuple[dict, str] | None:
        rules = self.rules.get(language, {})
        if name in rules:
            return rules[name], ""
        head, dash, code = name.partition("-")
        if dash and head + "-" in self.families.get(language, {}):
            return self.families[language][head + "-"], code
        return None

    def renders(self, name: str) -> bool:
        """Rendered in some language (the cheap pre-parse keeps such templates)."""
        return any(self.rule(name, lang) for lang in self.rules)

    def ignored(self, name: str) -> bool:
        return (name in self.ignored_names or ":" in name or name.startswith(self.ignored_prefixes)
                or name.endswith(self.ignored_suffixes))

    def language_name(self, code: str, language: str) -> str:
        return self.languages.get(language, {}).get(code.strip().lower(), "")


def load_template_table(path: str | Path) -> TemplateTable:
    """Read and check the table; a malformed entry fails naming the file and the template."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise TemplateTableError(f"{path}: cannot read the template table ({exc})") from exc
    if not isinstance(data, dict):
        raise TemplateTableError(f"{path}: expected a mapping of languages to templates")
    kinds = {"show", "date", "convert", "frac", "labelled", "ipa"}
    rules: dict[str, dict[str, dict]] = {}
    families: dict[str, dict[str, dict]] = {}
    for language in ("en", "zh"):
        for name, rule in (data.get(language) or {}).items():
            if not isinstance(rule, dict) or len(kinds & set(rule)) != 1:
                raise TemplateTableError(f"{path}: {language}.{name}: give exactly one of {sorted(kinds)}")
            if "show" in rule:
                rule = {**rule, "_show": _compile(str(rule["show"]), f"{path}: {language}.{name}")}
            if "link" in rule:
                rule = {**rule, "_link": _compile(str(rule["link"]), f"{path}: {language}.{name}")}
            key = str(name).strip().lower().replace("_", " ")
            if key.endswith("-*"):
                families.setdefault(language, {})[key[:-1]] = rule
            else:
                rules.setdefault(language, {})[key] = rule
    ignored = data.get("ignored") or {}
    units = {**(data.get("units") or {}), "symbols": data.get("symbols") or {}}
    return TemplateTable(
        rules, families,
        frozenset(str(n).strip().lower() for n in ignored.get("names") or []),
        tuple(str(p).lower() for p in ignored.get("prefixes") or []),
        tuple(str(s).lower() for s in ignored.get("suffixes") or []),
        {lang: {str(k): str(v) for k, v in (names or {}).items()} for lang, names in (data.get("languages") or {}).items()},
        units,
    )


@lru_cache(maxsize=1)
def default_template_table() -> TemplateTable:
    from instructie_assets.paths import RESOURCE_DIR

    return load_template_table(RESOURCE_DIR / "wikitext_templates.yaml")


def _compile(pattern: str, where: str) -> list:
    """A pattern as a list of ("text", s) / ("param", [names]) / ("optional", [...]) tokens."""
    out = []
    for m in _PLACEHOLDER.finditer(pattern):
        if m.group(1) is not None:
            out.append(("optional", _compile(m.group(1), where)))
        elif m.group(2) is not None:
            out.append(("param", [p.strip() for p in m.group(2).split("|")]))
        else:
            out.append(("text", m.group(3)))
    if "".join(m.group(0) for m in _PLACEHOLDER.finditer(pattern)) != pattern:
        raise TemplateTableError(f"{where}: unbalanced braces in {pattern!r}")
    return out


def _param(tpl: Template, name: str) -> Wikicode | None:
    if tpl.has(name):
        value = tpl.get(name).value
        if str(value).strip():
            return value
    return None


def _plain(value: Wikicode | None) -> str:
    return value.strip_code().strip() if value is not None else ""


def _fill(tokens: list, tpl: Template, special: dict[str, str]) -> list | None:
    """Pieces of a compiled pattern; None when a placeholder has no value (for optional groups)."""
    pieces: list = []
    for kind, value in tokens:
        if kind == "text":
            pieces.append(value)
        elif kind == "optional":
            inner = _fill(value, tpl, special)
            if inner is not None:
                pieces.extend(inner)
        else:
            found = None
            for name in value:
                if name in special:
                    found = special[name] or None
                else:
                    found = _param(tpl, name)
                if found is not None:
                    break
            if found is None:
                return None
            pieces.append(str(found).strip() if isinstance(found, Wikicode) else found)
    return pieces


def _int(s: str) -> int | None:
    s = s.strip()
    return int(s) if s.isdigit() else None


def format_date(y: str, m: str, d: str, language: str, day_first: bool) -> str:
    year, month, day = _int(y), _int(m), _int(d)
    if language == "zh":
        out = f"{year if year is not None else y}年" if y else ""
        if month is not None and 1 <= month <= 12:
            out += f"{month}月"
            if day is not None:
                out += f"{day}日"
        return out
    month_name = MONTHS[month - 1] if month is not None and 1 <= month <= 12 else m.strip()
    if not month_name:
        return y.strip()
    if day is None:
        return f"{month_name} {y.strip()}".strip()
    return f"{day} {month_name} {y.strip()}".strip() if day_first else f"{month_name} {day}, {y.strip()}".strip(", ")


def _age(born: tuple[int, int, int], at: tuple[int, int, int]) -> int | None:
    try:
        b, a = datetime.date(*born), datetime.date(*at)
    except (TypeError, ValueError):
        return None
    return a.year - b.year - ((a.month, a.day) < (b.month, b.day))


def _render_date(tpl: Template, rule: dict, language: str) -> list:
    parts = [_plain(_param(tpl, str(i))) for i in rule["date"]] + ["", ""]
    if not parts[0]:
        return []
    flag = lambda name: _plain(_param(tpl, name)).lower() in ("y", "yes", "1", "true")  # noqa: E731
    text = format_date(parts[0], parts[1], parts[2], language, day_first=flag("df") and not flag("mf"))
    prefix = rule.get("prefix", "")
    if prefix and flag("lc"):
        prefix = prefix[:1].lower() + prefix[1:]
    if "age_from" in rule:
        at = tuple(_int(p) for p in parts[:3])
        born = tuple(_int(_plain(_param(tpl, str(i)))) for i in rule["age_from"])
        age = _age(born, at) if None not in at and None not in born else None  # type: ignore[arg-type]
        if age is not None:
            text += f"（{age}岁）" if language == "zh" else f" (aged {age})"
    return [prefix + text]


def _unit(unit: str, value: str, language: str, table: TemplateTable, symbols: bool) -> str:
    names = table.units.get(language, {}).get(unit)
    if language == "zh":
        return str(names) if names else unit
    if symbols or not names:
        return " " + str(table.units.get("symbols", {}).get(unit, unit))
    singular, plural = names
    return " " + (singular if value.strip() in ("1", "1.0") else plural)


def _render_convert(tpl: Template, language: str, table: TemplateTable) -> list:
    vals, i = [], 1
    while tpl.has(str(i)):
        vals.append(_plain(tpl.get(str(i)).value))
        i += 1
    if not vals:
        return []
    symbols = _template_name(tpl) == "cvt" or _plain(_param(tpl, "abbr")).lower() in ("on", "yes", "in", "values")
    words = RANGE_WORDS[language if language in RANGE_WORDS else "en"]
    out, k = "", 0
    for _ in range(2):  # "5 ft 10 in": at most two value-unit pairs
        if k >= len(vals) or not _NUMBER.match(vals[k].replace(" ", "")):
            break
        value = vals[k]
        k += 1
        while k + 1 < len(vals) and vals[k] in words and _NUMBER.match(vals[k + 1].replace(" ", "")):
            value += words[vals[k]] + vals[k + 1]
            k += 2
        unit = vals[k] if k < len(vals) else ""
        k += 1
        out += (" " if out and language != "zh" else "") + value + (_unit(unit, value, language, table, symbols) if unit else "")
        if k >= len(vals) or not _NUMBER.match(vals[k].replace(" ", "")) or k + 1 >= len(vals) or vals[k + 1] in words:
            break
        if table.units.get(language, {}).get(vals[k + 1]) is None:
            break
    return [out] if out else []


def _render_frac(tpl: Template) -> list:
    a, b, c = (_plain(_param(tpl, str(i))) for i in (1, 2, 3))
    if a and b and c:
        return [f"{a} {b}/{c}"]
    if a and b:
        return [f"{a}/{b}"]
    return [f"1/{a}"] if a else []


def _render_labelled(tpl: Template, rule: dict, language: str) -> str:
    parts = []
    for name, label in rule["labelled"]:
        value = _param(tpl, str(name))
        if value is not None:
            parts.append((label, str(value).strip()))
    colon = "：" if language == "zh" else ": "
    return "; ".join(f"{label}{colon}{value}" for label, value in parts)


def _render_ipa(tpl: Template, code: str, language: str, table: TemplateTable) -> str:
    value = _param(tpl, "1")
    if value is None:
        return ""
    name = table.language_name(code, language)
    mode = _plain(_param(tpl, "2")).lower()
    colon = "：" if language == "zh" else ": "
    linked = f"[[{name}]]" if language == "zh" else f"[[{name} language|{name}]]"
    if mode == "lang" and name:
        label = linked + colon
    elif mode == "pron":
        label = "pronounced " if language == "en" else ""
    elif mode or not name:
        label = ""
    else:
        label = (linked + "发音" + colon) if language == "zh" else f"{linked} pronunciation: "
    return label + "<nowiki>[</nowiki>" + str(value).strip() + "<nowiki>]</nowiki>"


def _template_name(tpl: Template) -> str:
    return str(tpl.name).strip().lower().replace("_", " ")


def render_template(tpl: Template, language: str, table: TemplateTable) -> Rendering | None:
    """What the template prints in running text, or None when the table does not render it."""
    found = table.rule(_template_name(tpl), language)
    if found is None:
        return None
    rule, code = found
    if "show" in rule:
        special = {"language": table.language_name(code or _plain(_param(tpl, str(rule.get("language_of", 0)))), language)}
        text = "".join(_fill(rule["_show"], tpl, special) or [])
        link = None
        if "_link" in rule:
            target = _fill(rule["_link"], tpl, special)
            link = mwparserfromhell.parse("".join(target)).strip_code().strip() if target else None
        return Rendering(text, link or None)
    if "date" in rule:
        return Rendering("".join(_render_date(tpl, rule, language)), wikitext=False)
    if "convert" in rule:
        return Rendering("".join(_render_convert(tpl, language, table)), wikitext=False)
    if "frac" in rule:
        return Rendering("".join(_render_frac(tpl)), wikitext=False)
    if "labelled" in rule:
        return Rendering(_render_labelled(tpl, rule, language))
    return Rendering(_render_ipa(tpl, code, language, table))
