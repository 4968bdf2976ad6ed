"""Checks of everything a command line names, before any run starts.

Each check returns `Problem`s (one line each: the option, the value, what is wrong and what would be
right) instead of raising, so the command line reports every typo at once, exits 2, and nothing is
ingested. Reading a dump here means its first bytes and its siteinfo only: seconds on a 100 GB file.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from instructie_assets.core.dumpfiles import DumpFormatError, open_binary
from instructie_assets.core.nli import load_nli_templates
from instructie_assets.core.schemas import LANGUAGES, SchemaError, ThemeSchema, load_project_config
from instructie_assets.core.wikitext import dump_language

MAGIC = {".bz2": (b"BZh", "a bz2 archive"), ".gz": (b"\x1f\x8b", "a gzip archive")}
WIKIDATA_SUFFIXES = (".json", ".json.gz", ".json.bz2")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the command line: `--theme Persn: unknown theme; ...`."""

    option: str
    message: str

    def __str__(self) -> str:
        return f"{self.option}: {self.message}"


@dataclass
class BuildPlan:
    """What a build will do once the command line checks out: resolved theme keys, languages, and the
    language (from its siteinfo) of every Wikipedia dump."""

    themes: list[str]
    languages: list[str]
    dump_languages: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _fold(name: str) -> str:
    """Case, spaces, hyphens and underscores do not matter: `Geographic_Location` = `geographic location`."""
    return re.sub(r"[\s_\-]+", "", name.casefold())


def theme_names(schemas: dict[str, ThemeSchema]) -> dict[str, str]:
    """Every name a user may give a theme by -> its key: the key, the exported `cate` names (EN, ZH)
    and the display names (EN, ZH)."""
    names: dict[str, str] = {}
    for key, s in schemas.items():
        for name in (key, s.cate_en, s.cate_zh, s.name_en, s.name_zh):
            names.setdefault(_fold(name), key)
    return names


def resolve_themes(requested: list[str], schemas: dict[str, ThemeSchema], option: str = "--theme") -> tuple[list[str], list[Problem]]:
    """Theme keys for what the user typed (`person`, `Person`, `人物`), in the schemas' order, each
    once; an unknown name is a Problem that lists the valid keys and the closest name."""
    names = theme_names(schemas)
    keys: set[str] = set()
    problems = []
    for raw in requested:
        key = names.get(_fold(raw))
        if key is not None:
            keys.add(key)
            continue
        close = difflib.get_close_matches(_fold(raw), list(names), n=1, cutoff=0.6)
        hint = f" (did you mean {names[close[0]]}?)" if close else ""
        valid = ", ".join(f"{k} ({s.cate_en}, {s.cate_zh})" for k, s in schemas.items())
        problems.append(Problem(option, f"unknown theme {raw!r}{hint}; valid: {valid}"))
    return [k for k in schemas if k in keys], problems


def resolve_languages(requested: list[str], option: str = "--language") -> tuple[list[str], list[Problem]]:
    known = {lang.casefold(): lang for lang in LANGUAGES}
    chosen, problems = [], []
    for raw in requested:
        lang = known.get(raw.strip().casefold())
        if lang is None:
            problems.append(Problem(option, f"unknown language {raw!r}; instructie builds: {', '.join(LANGUAGES)}"))
        elif lang not in chosen:
            chosen.append(lang)
    return [lang for lang in LANGUAGES if lang in chosen], problems


def _readable_file(path: str, option: str) -> Problem | None:
    p = Path(path)
    if not p.exists():
        return Problem(option, f"{path}: no such file")
    if p.is_dir():
        return Problem(option, f"{path}: is a directory, not a dump file")
    if not os.access(p, os.R_OK):
        return Problem(option, f"{path}: not readable (permissions)")
    return None


def _suffix_problem(path: str, option: str, suffixes: tuple[str, ...], what: str) -> Problem | None:
    if not Path(path).name.endswith(suffixes):
        return Problem(option, f"{path}: not a {what} by its name (expected {', '.join(suffixes)})")
    return _magic_problem(path, option)


def _first_bytes(path: str, n: int = 4096) -> bytes:
    with open_binary(path) as fh:
        return fh.read(n)


def _magic_problem(path: str, option: str) -> Problem | None:
    suffix = Path(path).suffix
    if suffix in MAGIC:
        magic, kind = MAGIC[suffix]
        with open(path, "rb") as fh:
            head = fh.read(len(magic))
        if head != magic:
            return Problem(option, f"{path}: named {suffix} but not {kind} (first bytes {head!r})")
    return None


def check_wikipedia_dump(path: str, option: str = "--wikipedia") -> tuple[str | None, Problem | None]:
    """(language, None) for a readable dump of a Wikipedia we build (its language from the dump
    itself, as the readers take it); else (None, problem)."""
    problem = _readable_file(path, option) or _magic_problem(path, option)
    if problem:
        return None, problem
    try:
        head = _first_bytes(path).lstrip(b"\xef\xbb\xbf \t\r\n")
    except (OSError, EOFError, zlib.error) as exc:
        return None, Problem(option, f"{path}: cannot decompress ({exc})")
    if head[:1] == b"[":
        return None, Problem(option, f"{path}: a JSON array, not a Wikipedia dump (a Wikidata dump goes to --wikidata)")
    try:
        language = dump_language(path)
    except (DumpFormatError, OSError, EOFError, zlib.error, ValueError) as exc:
        return None, Problem(option, f"{path}: {getattr(exc, 'reason', exc)}")
    if language not in LANGUAGES:
        return None, Problem(option, f"{path}: a {language}wiki dump (language {language!r}); instructie builds: "
                                     f"{', '.join(f'{lang}wiki' for lang in LANGUAGES)}")
    return language, None


def check_wikidata_dump(path: str, option: str = "--wikidata") -> Problem | None:
    problem = _readable_file(path, option) or _suffix_problem(path, option, WIKIDATA_SUFFIXES, "Wikidata JSON dump")
    if problem:
        return problem
    try:
        head = _first_bytes(path).lstrip(b"\xef\xbb\xbf \t\r\n")
    except (OSError, EOFError, zlib.error) as exc:
        return Problem(option, f"{path}: cannot decompress ({exc})")
    if not head:
        return Problem(option, f"{path}: empty")
    if head[:1] == b"<":
        return Problem(option, f"{path}: an XML file, not a Wikidata JSON dump (a Wikipedia dump goes to --wikipedia)")
    if head[:1] not in (b"[", b"{"):
        return Problem(option, f"{path}: not a Wikidata JSON dump (starts with {head[:20]!r}; expected `[` or an entity object)")
    return None


def _can_write(directory: Path) -> bool:
    """Creating (and removing) a file there works: permissions, read-only mounts and pseudo file systems."""
    if not os.access(directory, os.W_OK | os.X_OK):
        return False
    try:
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".instructie-probe-"):
            return True
    except OSError:
        return False


def check_writable_dir(path: str, option: str, need_bytes: int = 0, shown: str | None = None) -> Problem | None:
    """The directory (or, when it does not exist yet, its nearest existing parent) can be written
    and has `need_bytes` free. Messages start with `shown` (default: the path)."""
    shown = shown or path
    p = Path(path).resolve()
    if p.exists() and not p.is_dir():
        return Problem(option, f"{shown}: exists and is not a directory")
    existing = p
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        return Problem(option, f"{shown}: {existing} is a file, so the directory cannot be created")
    if not _can_write(existing):
        return Problem(option, f"{shown}: {existing} is not writable")
    if need_bytes:
        free = shutil.disk_usage(existing).free
        if free < need_bytes:
            return Problem(option, f"{shown}: {free / 1e9:.1f} GB free at {existing}, {need_bytes / 1e9:.1f} GB needed")
    return None


def check_database_target(db: str, option: str = "--db", must_exist: bool = False, data_path: str = "") -> Problem | None:
    """Where the tables go, checked without creating anything: `--db` names a lake directory (or
    `postgres:<dsn>` with a data path), not a file; the directory can be created or written; with
    `must_exist` (a build that keeps the Wikidata tables, training on a built database) its catalog is
    there already. Whether the lake opens and takes writes is `check_lake`'s (it creates an embedded one)."""
    from instructie_assets.storage.lake import lake_location

    try:
        location = lake_location(db, data_path)
    except ValueError as exc:
        return Problem(option, str(exc))
    if not location.embedded:
        return None
    catalog = Path(location.directory) / "catalog.sqlite"
    if must_exist and not catalog.is_file():
        return Problem(option, f"{db}: no such database (no {catalog.name} there; build one first, or check the path)")
    if catalog.exists() and not os.access(catalog, os.R_OK | os.W_OK):
        return Problem(option, f"{db}: {catalog.name} is not writable (permissions)")
    return check_writable_dir(location.directory, option, shown=db)


def check_lake(db: str, data_path: str = "", option: str = "--db", needs_table: str = "") -> list[Problem]:
    """The lake opens and its directories take writes (`storage.lake.check_writable`: an embedded lake is
    created, a PostgreSQL catalog is connected to); with `needs_table`, that table is in it. Called
    last, once everything else on the command line is right, so a typo creates nothing."""
    from instructie_assets.storage.lake import StorageError, check_writable, lake_cursor, lake_location, table_exists

    try:
        location = lake_location(db, data_path)
    except ValueError as exc:
        return [Problem(option, str(exc))]
    problems = [Problem(option, line) for line in check_writable(location)]
    if problems or not needs_table:
        return problems
    try:
        con = lake_cursor(location)
        try:
            present = table_exists(con, needs_table)
        finally:
            con.close()
    except StorageError as exc:
        return [Problem(option, str(exc))]
    if not present:
        return [Problem(option, f"{location.describe()}: holds no table {needs_table} (build or ingest into it first)")]
    return []


def looks_like_path(model: str) -> bool:
    """`./models/nli`, `/data/m`, `~/m`, `a/b/c`: a local directory, not a hub id (`owner/name`)."""
    return model.startswith(("/", "./", "../", "~")) or model.count("/") > 1 or os.sep != "/" and os.sep in model


def check_model_option(model: str | None, option: str) -> Problem | None:
    """A model given as a local directory must be one with a config.json; hub ids are left to the
    loader (it may download them, or say it is offline) and `none`/`lexical-overlap` to the stage."""
    if not model or not looks_like_path(model):
        return None
    path = Path(model).expanduser()
    if not path.is_dir():
        return Problem(option, f"{model}: no such model directory")
    if not (path / "config.json").is_file():
        return Problem(option, f"{model}: not a model directory (no config.json)")
    return None


def check_project_files(schema_dir: Path, resource_dir: Path) -> tuple[dict[str, ThemeSchema], list[Problem]]:
    """The theme schemas, taxonomy, maps and NLI templates load; (schemas, problems)."""
    try:
        config = load_project_config(schema_dir, resource_dir)
        load_nli_templates(resource_dir / "nli_templates", config.schemas)
    except SchemaError as exc:
        return {}, [Problem("project files", str(exc).splitlines()[0])]
    except OSError as exc:
        return {}, [Problem("project files", f"{exc.filename or schema_dir}: {exc.strerror or exc}")]
    return config.schemas, []


def check_build(
    wikipedia: list[str], wikidata: str, db: str, out_dir: str, schema_dir: Path, resource_dir: Path,
    themes: list[str] | None = None, languages: list[str] | None = None, skip_wikidata: bool = False,
    gold: list[str] | None = None, data_path: str = "",
) -> BuildPlan:
    """Everything `instructie build` can check before it starts: the project files, the themes and
    languages asked for, every dump (exists, readable, format, a Wikipedia we build), the gold
    files, the database and the export directory. Languages default to those of the dumps given.
    The lake itself is not opened here: the caller calls `check_lake` once nothing else is wrong."""
    schemas, problems = check_project_files(schema_dir, resource_dir)
    theme_keys = list(schemas)
    if themes and schemas:
        theme_keys, theme_problems = resolve_themes(themes, schemas)
        problems += theme_problems
    langs, lang_problems = resolve_languages(languages or [])
    problems += lang_problems
    dump_languages: dict[str, str] = {}
    seen: set[str] = set()
    for path in wikipedia:
        if os.path.abspath(path) in seen:
            problems.append(Problem("--wikipedia", f"{path}: given twice"))
            continue
        seen.add(os.path.abspath(path))
        language, problem = check_wikipedia_dump(path)
        if problem:
            problems.append(problem)
        else:
            dump_languages[path] = language
    if not skip_wikidata:
        if (problem := check_wikidata_dump(wikidata)) is not None:
            problems.append(problem)
    for path in gold or []:
        if (problem := _readable_file(path, "--gold")) is not None:
            problems.append(problem)
    if (problem := check_database_target(db, must_exist=skip_wikidata, data_path=data_path)) is not None:
        problems.append(problem)
    if (problem := check_writable_dir(out_dir, "--out")) is not None:
        problems.append(problem)
    have = [lang for lang in LANGUAGES if lang in dump_languages.values()]
    if not languages:
        langs = have
    elif len(dump_languages) == len(seen):  # every dump was read: a language none of them holds is a typo or a missing dump
        for lang in langs:
            if lang not in have:
                problems.append(Problem("--language", f"{lang}: no --wikipedia dump of {lang}wiki given (given: "
                                                      f"{', '.join(f'{x}wiki' for x in have) or 'none'})"))
    return BuildPlan(themes=theme_keys, languages=langs, dump_languages=dump_languages, problems=problems)
