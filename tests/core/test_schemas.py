from pathlib import Path

import pytest

from instructie_assets.core.schemas import SchemaError, load_project_config, load_type_taxonomy, parse_theme_schema

ROOT = Path(__file__).resolve().parents[2]
TYPES = set(load_type_taxonomy(ROOT / "resources/type_taxonomy.yaml").keys)
GOOD = """theme: person
name: {en: Person, zh: 人物}
cate: {en: Person, zh: 人物}
relations:
- name: {en: parent, zh: 父母}
  properties: [P22, P40]
  inverted: [P40]
  head_types: [human]
  tail_types: [human]
"""


def test_project_schemas_load():
    config = load_project_config(ROOT / "theme_schemas", ROOT / "resources")
    assert len(config.schemas) == 12
    assert config.schemas["person"].property_relations()["P40"] == ("parent", True)
    assert config.relation_map.label("P40") == ("parent", True)
    assert config.schemas["astronomical_object"].cate("en") == "Astronomy"


def test_good_schema_parses():
    schema = parse_theme_schema(GOOD, "theme_schemas/person.yaml", TYPES)
    assert schema.relations[0].inverted == {"P40"}


@pytest.mark.parametrize(
    "bad, message",
    [
        (GOOD.replace("tail_types: [human]", "tail_types: [alien]"), "relations[0] (parent).tail_types: unknown type 'alien'"),
        (GOOD.replace("name: {en: parent, zh: 父母}", "name: {en: parent}"), "relations[0].name: missing `zh`"),
        (GOOD.replace("[P22, P40]", "[P22, X40]"), "relations[0] (parent).properties: malformed property id 'X40'"),
        (GOOD + "- name: {en: parent, zh: 双亲}\n  properties: [P99]\n  head_types: [human]\n  tail_types: [human]\n", "relations[1] (parent): duplicate relation"),
        (GOOD.replace("theme: person", "theme: people"), "`theme` is 'people' but the file is named 'person'"),
        (GOOD.replace("inverted: [P40]", "inverted: [P25]"), "P25 is not among its properties"),
        ("theme: person\nname: [", "not valid YAML"),
    ],
)
def test_bad_schema_names_file_and_key(bad, message):
    with pytest.raises(SchemaError) as err:
        parse_theme_schema(bad, "theme_schemas/person.yaml", TYPES)
    assert "theme_schemas/person.yaml" in str(err.value)
    assert message in str(err.value)


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("theme_map.yaml", "- by_class\n- by_type\n", "theme_map.yaml: must be a mapping with `by_class` and `by_type`, not a list"),
        ("theme_map.yaml", "by_class: [Q5]\n", "theme_map.yaml: by_class: must be a mapping of item id -> theme, not a list"),
        ("theme_map.yaml", "by_clas: {Q5: person}\n", "theme_map.yaml: unknown key(s) by_clas (expected by_class, by_type)"),
        ("relation_map.yaml", "- parent\n", "relation_map.yaml: must be a mapping with `relations`, not a list"),
        ("relation_map.yaml", "relations:\n  parent: [P22]\n", "relation_map.yaml: parent: must be a mapping with `properties`, not a list"),
        ("type_taxonomy.yaml", "types: [human]\n", "type_taxonomy.yaml: types[0]: must be a mapping with `key`, not a string"),
        ("type_taxonomy.yaml", "just text\n", "type_taxonomy.yaml: must be a mapping with `types`, not a string"),
        ("nli_templates/en.yaml", "- parent\n", "nli_templates/en.yaml: must be a mapping of relation -> template, not list"),
        ("nli_templates/en.yaml", "parent: [x]\n", "nli_templates/en.yaml: `parent` must be a template or a mapping of theme -> template, not list"),
    ],
)
def test_config_files_of_the_wrong_shape_name_file_and_key(tmp_path, name, text, message):
    import shutil

    from instructie_assets.core.nli import load_nli_templates

    shutil.copytree(ROOT / "resources", tmp_path / "resources", ignore=shutil.ignore_patterns("sample"))
    (tmp_path / "resources" / name).write_text(text, encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        config = load_project_config(ROOT / "theme_schemas", tmp_path / "resources")
        load_nli_templates(tmp_path / "resources" / "nli_templates", config.schemas)
    assert message in str(err.value) and str(tmp_path / "resources") in str(err.value)


def test_a_stray_theme_file_is_refused_by_name(tmp_path):
    import shutil

    schemas = tmp_path / "theme_schemas"
    shutil.copytree(ROOT / "theme_schemas", schemas)
    shutil.copy(schemas / "person.yaml", schemas / "person copy.yaml")
    with pytest.raises(SchemaError, match=r"person copy.yaml: a theme file name must be lower-case letters, digits and _"):
        load_project_config(schemas, ROOT / "resources")
