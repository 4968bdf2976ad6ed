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
