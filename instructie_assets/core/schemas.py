"""Theme schemas, the type taxonomy, the theme map and the relation map: loading and validation."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from instructie_assets.core.relation_cues import CueError, RelationCues, load_relation_cues

PROPERTY_ID = re.compile(r"^P[1-9][0-9]*$")
CLASS_ID = re.compile(r"^Q[1-9][0-9]*$")
ANY_TYPE = "any"
LANGUAGES = ("en", "zh")


class SchemaError(ValueError):
    """A user-editable file (theme schema, taxonomy, maps) is invalid; the message names file and key."""


@dataclass(frozen=True)
class CoarseType:
    key: str
    name_en: str
    name_zh: str
    classes: tuple[str, ...]


@dataclass(frozen=True)
class TypeTaxonomy:
    types: tuple[CoarseType, ...]
    max_depth: int

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(t.key for t in self.types)

    def class_priority(self) -> dict[str, tuple[str, int]]:
        """class QID -> (type key, priority: lower wins ties at equal walk depth)."""
        out: dict[str, tuple[str, int]] = {}
        for priority, t in enumerate(self.types):
            for cls in t.classes:
                out.setdefault(cls, (t.key, priority))
        return out

    def name(self, key: str, language: str) -> str:
        for t in self.types:
            if t.key == key:
                return t.name_zh if language == "zh" else t.name_en
        raise KeyError(key)


@dataclass(frozen=True)
class Relation:
    name_en: str
    name_zh: str
    properties: tuple[str, ...]
    inverted: frozenset[str]
    from_aliases: bool
    head_types: frozenset[str]
    tail_types: frozenset[str]
    # language -> properties, where a published name means another fact in each language
    # (Person's `place of death` / 墓地): `properties` then holds them all.
    language_properties: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def name(self, language: str) -> str:
        return self.name_zh if language == "zh" else self.name_en

    def properties_for(self, language: str | None) -> tuple[str, ...]:
        """The properties this relation comes from in `language` (all of them when None)."""
        for lang, props in self.language_properties:
            if lang == language:
                return props
        return self.properties

    def allows(self, head_type: str, tail_type: str) -> bool:
        return (ANY_TYPE in self.head_types or head_type in self.head_types) and (
            ANY_TYPE in self.tail_types or tail_type in self.tail_types
        )


@dataclass(frozen=True)
class ThemeSchema:
    key: str
    name_en: str
    name_zh: str
    cate_en: str
    cate_zh: str
    relations: tuple[Relation, ...]
    source: str
    content_hash: str = field(compare=False)

    def cate(self, language: str) -> str:
        return self.cate_zh if language == "zh" else self.cate_en

    def relation(self, name_en: str) -> Relation | None:
        for r in self.relations:
            if r.name_en == name_en:
                return r
        return None

    def property_relations(self, language: str | None = None) -> dict[str, tuple[str, bool]]:
        """property id -> (EN relation name, inverted) for this theme (in `language`)."""
        out: dict[str, tuple[str, bool]] = {}
        for r in self.relations:
            for p in r.properties_for(language):
                out[p] = (r.name_en, p in r.inverted)
        return out

    def label_names(self, language: str) -> list[str]:
        return [r.name(language) for r in self.relations]


def _load_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SchemaError(f"{path}: not valid YAML: {exc}") from exc


def _shape(value: object) -> str:
    return {list: "a list", str: "a string", int: "a number", float: "a number", bool: "true/false", type(None): "empty"}.get(type(value), type(value).__name__)


def _mapping(value: object, where: str, expected: str = "a mapping") -> dict:
    """A config value that must be a mapping (a YAML `key: value` block), or an error naming where."""
    if not isinstance(value, dict):
        raise SchemaError(f"{where}: must be {expected}, not {_shape(value)}")
    return value


def _require(mapping: object, key: str, where: str) -> object:
    if mapping is not None and not isinstance(mapping, dict):
        raise SchemaError(f"{where}: must be a mapping with `{key}`, not {_shape(mapping)}")
    if not isinstance(mapping, dict) or key not in mapping or mapping[key] in (None, ""):
        raise SchemaError(f"{where}: missing `{key}`")
    return mapping[key]


def _names(raw: object, where: str) -> tuple[str, str]:
    en = _require(raw, "en", where)
    zh = _require(raw, "zh", where)
    if not isinstance(en, str) or not isinstance(zh, str):
        raise SchemaError(f"{where}: `en` and `zh` must be strings")
    return en.strip(), zh.strip()


def load_type_taxonomy(path: Path) -> TypeTaxonomy:
    where = str(path)
    raw = _mapping(_load_yaml(path), where, "a mapping with `types`")
    types_raw = _require(raw, "types", where)
    if not isinstance(types_raw, list):
        raise SchemaError(f"{where}: `types` must be a list")
    types: list[CoarseType] = []
    seen: set[str] = set()
    for i, t in enumerate(types_raw):
        key = _require(t, "key", f"{where}: types[{i}]")
        if key in seen:
            raise SchemaError(f"{where}: types[{i}]: duplicate type `{key}`")
        seen.add(key)
        en, zh = _names(_require(t, "name", f"{where}: types[{i}] ({key})"), f"{where}: types[{i}].name")
        classes = t.get("classes") or []
        if not isinstance(classes, list):
            raise SchemaError(f"{where}: types[{i}] ({key}).classes: must be a list of item ids, not {_shape(classes)}")
        for c in classes:
            if not isinstance(c, str) or not CLASS_ID.match(c):
                raise SchemaError(f"{where}: types[{i}] ({key}).classes: malformed item id {c!r}")
        types.append(CoarseType(key, en, zh, tuple(classes)))
    if "other" not in seen:
        raise SchemaError(f"{where}: the fallback type `other` is missing")
    return TypeTaxonomy(tuple(types), int(raw.get("max_depth", 10)))


def _property_list(raw: object, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise SchemaError(f"{where}: must be a list of property ids")
    for p in raw:
        if not isinstance(p, str) or not PROPERTY_ID.match(p):
            raise SchemaError(f"{where}: malformed property id {p!r}")
    return tuple(raw)


def _type_list(raw: object, where: str, known: set[str]) -> frozenset[str]:
    if not isinstance(raw, list) or not raw:
        raise SchemaError(f"{where}: must be a non-empty list of types")
    for t in raw:
        if t not in known and t != ANY_TYPE:
            raise SchemaError(f"{where}: unknown type {t!r} (known: {', '.join(sorted(known))}, {ANY_TYPE})")
    return frozenset(raw)


def parse_theme_schema(text: str, source: str, type_keys: set[str]) -> ThemeSchema:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SchemaError(f"{source}: not valid YAML: {exc}") from exc
    key = _require(_mapping(raw, source, "a mapping with `theme`, `name`, `cate`, `relations`"), "theme", source)
    stem = Path(source).stem
    if key != stem:
        raise SchemaError(f"{source}: `theme` is {key!r} but the file is named {stem!r}")
    name_en, name_zh = _names(_require(raw, "name", source), f"{source}: name")
    cate_en, cate_zh = _names(_require(raw, "cate", source), f"{source}: cate")
    rels_raw = _require(raw, "relations", source)
    if not isinstance(rels_raw, list):
        raise SchemaError(f"{source}: `relations` must be a list")
    relations: list[Relation] = []
    seen_en: set[str] = set()
    seen_zh: set[str] = set()
    owner: dict[tuple[str, str], str] = {}
    for i, r in enumerate(rels_raw):
        where = f"{source}: relations[{i}]"
        en, zh = _names(_require(r, "name", where), f"{where}.name")
        where = f"{source}: relations[{i}] ({en})"
        if en in seen_en or zh in seen_zh:
            raise SchemaError(f"{where}: duplicate relation")
        seen_en.add(en)
        seen_zh.add(zh)
        raw_props = r.get("properties")
        by_language: tuple[tuple[str, tuple[str, ...]], ...] = ()
        if isinstance(raw_props, dict):
            unknown = sorted(set(raw_props) - set(LANGUAGES))
            if unknown or set(raw_props) != set(LANGUAGES):
                raise SchemaError(f"{where}.properties: a per-language mapping needs exactly the keys {', '.join(LANGUAGES)}")
            by_language = tuple((lang, _property_list(raw_props[lang], f"{where}.properties.{lang}")) for lang in LANGUAGES)
            props = tuple(dict.fromkeys(p for _, ps in by_language for p in ps))
        else:
            props = _property_list(raw_props, f"{where}.properties")
        inverted = _property_list(r.get("inverted"), f"{where}.inverted")
        for p in inverted:
            if p not in props:
                raise SchemaError(f"{where}.inverted: {p} is not among its properties")
        for lang in LANGUAGES:
            for p in dict(by_language).get(lang, props):
                if (lang, p) in owner:
                    raise SchemaError(f"{where}.properties: {p} already maps to `{owner[(lang, p)]}`")
                owner[(lang, p)] = en
        relations.append(
            Relation(
                name_en=en,
                name_zh=zh,
                properties=props,
                inverted=frozenset(inverted),
                from_aliases=bool(r.get("from_aliases", False)),
                head_types=_type_list(r.get("head_types"), f"{where}.head_types", type_keys),
                tail_types=_type_list(r.get("tail_types"), f"{where}.tail_types", type_keys),
                language_properties=by_language,
            )
        )
    return ThemeSchema(
        key=key,
        name_en=name_en,
        name_zh=name_zh,
        cate_en=cate_en,
        cate_zh=cate_zh,
        relations=tuple(relations),
        source=source,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


THEME_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def theme_keys(schema_dir: Path) -> list[str]:
    """Theme keys are the file names of theme_schemas/*.yaml, sorted; each becomes a partition key, so a
    stray file (`person copy.yaml`) is refused by name rather than silently adding partitions."""
    keys = sorted(p.stem for p in schema_dir.glob("*.yaml"))
    for key in keys:
        if not THEME_KEY.match(key):
            raise SchemaError(f"{schema_dir / (key + '.yaml')}: a theme file name must be lower-case letters, digits and _ "
                              "(it becomes a partition key); move copies and backups out of the directory")
    return keys


def load_theme_schemas(schema_dir: Path, taxonomy: TypeTaxonomy) -> dict[str, ThemeSchema]:
    keys = set(taxonomy.keys)
    out: dict[str, ThemeSchema] = {}
    for key in theme_keys(schema_dir):
        path = schema_dir / f"{key}.yaml"
        out[key] = parse_theme_schema(path.read_text(encoding="utf-8"), str(path), keys)
    if not out:
        raise SchemaError(f"{schema_dir}: no theme schemas (*.yaml)")
    return out


@dataclass(frozen=True)
class RelationMap:
    """Default property -> (relation label, inverted) for every theme."""

    by_property: dict[str, tuple[str, bool]]

    def label(self, prop: str, theme: ThemeSchema | None = None, language: str | None = None) -> tuple[str, bool]:
        """(relation, inverted) of a property: the theme's own mapping in `language`, else the default."""
        if theme is not None:
            own = theme.property_relations(language).get(prop)
            if own is not None:
                return own
        return self.by_property.get(prop, (prop, False))


def load_relation_map(path: Path) -> RelationMap:
    where = str(path)
    raw = _mapping(_load_yaml(path), where, "a mapping with `relations`")
    rels = _require(raw, "relations", where)
    if not isinstance(rels, dict):
        raise SchemaError(f"{where}: `relations` must be a mapping of label -> properties")
    out: dict[str, tuple[str, bool]] = {}
    for label, spec in rels.items():
        props = _property_list(_require(spec, "properties", f"{where}: {label}"), f"{where}: {label}.properties")
        inverted = _property_list(spec.get("inverted"), f"{where}: {label}.inverted")
        for p in inverted:
            if p not in props:
                raise SchemaError(f"{where}: {label}.inverted: {p} is not among its properties")
        for p in props:
            if p in out:
                raise SchemaError(f"{where}: {label}.properties: {p} already maps to `{out[p][0]}`")
            out[p] = (str(label), p in inverted)
    return RelationMap(out)


@dataclass(frozen=True)
class ThemeMap:
    by_class: dict[str, str]
    by_type: dict[str, str]


def load_theme_map(path: Path, taxonomy: TypeTaxonomy, themes: list[str]) -> ThemeMap:
    where = str(path)
    raw = _mapping(_load_yaml(path), where, "a mapping with `by_class` and `by_type`")
    unknown = sorted(set(map(str, raw)) - {"by_class", "by_type"})
    if unknown:
        raise SchemaError(f"{where}: unknown key(s) {', '.join(unknown)} (expected by_class, by_type)")
    by_class = _mapping(raw.get("by_class") or {}, f"{where}: by_class", "a mapping of item id -> theme")
    by_type = _mapping(raw.get("by_type") or {}, f"{where}: by_type", "a mapping of coarse type -> theme")
    for cls, theme in by_class.items():
        if not CLASS_ID.match(str(cls)):
            raise SchemaError(f"{where}: by_class: malformed item id {cls!r}")
        if theme not in themes:
            raise SchemaError(f"{where}: by_class.{cls}: unknown theme {theme!r}")
    for t, theme in by_type.items():
        if t not in taxonomy.keys:
            raise SchemaError(f"{where}: by_type: unknown type {t!r}")
        if theme not in themes:
            raise SchemaError(f"{where}: by_type.{t}: unknown theme {theme!r}")
    return ThemeMap({str(k): v for k, v in by_class.items()}, dict(by_type))


@dataclass(frozen=True)
class ProjectConfig:
    """Everything user-editable, loaded and validated together."""

    taxonomy: TypeTaxonomy
    schemas: dict[str, ThemeSchema]
    relation_map: RelationMap
    theme_map: ThemeMap
    relation_cues: RelationCues = field(default_factory=RelationCues)


def load_project_config(schema_dir: Path, resource_dir: Path) -> ProjectConfig:
    taxonomy = load_type_taxonomy(resource_dir / "type_taxonomy.yaml")
    schemas = load_theme_schemas(schema_dir, taxonomy)
    relation_map = load_relation_map(resource_dir / "relation_map.yaml")
    known = {r.name_en for s in schemas.values() for r in s.relations} | {label for label, _ in relation_map.by_property.values()} | {"alternative name"}
    try:
        cues = load_relation_cues(resource_dir / "relation_cues.yaml", known)
    except CueError as exc:
        raise SchemaError(str(exc)) from exc
    return ProjectConfig(
        taxonomy=taxonomy,
        schemas=schemas,
        relation_map=relation_map,
        theme_map=load_theme_map(resource_dir / "theme_map.yaml", taxonomy, list(schemas)),
        relation_cues=cues,
    )
