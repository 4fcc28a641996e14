"""Spec loading: safe YAML, pydantic validation, and errors that point at the spec's line and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from workbench.engine.core.errors import SpecError
from workbench.engine.core.spec.loader import SCHEMA_COMMENT, find_spec, load_all, load_spec, parse_spec

ROOT = Path(__file__).resolve().parents[2]

GOOD = textwrap.dedent(
    """\
    dataset:
      slug: demo
      title: Demo
    parameters:
      anio: {type: int}
    layers:
      bronze:
        - type: strip
        - type: rename
          mapping: {A: a}
      silver:
        - type: select
          columns: [a]
    """
)


def problems(text: str, filename: str = "specs/demo.yaml") -> list[dict]:
    with pytest.raises(SpecError) as info:
        parse_spec(text, filename)
    return info.value.details["problems"]


def test_valid_spec_loads_with_typed_steps():
    spec = parse_spec(GOOD, "specs/demo.yaml")
    assert spec.slug == "demo"
    assert spec.layer_names == ["bronze", "silver"]
    assert [s.type for s in spec.layers["bronze"]] == ["strip", "rename"]
    assert spec.parameters["anio"].type == "int"


def test_unknown_step_type_points_at_its_line():
    text = GOOD.replace("- type: strip", "- type: stripp")
    [p] = problems(text)
    assert p["line"] == 8
    assert p["path"] == "layers.bronze[0]"
    assert "unknown step type 'stripp'" in p["message"]


def test_bad_step_option_reports_file_line_and_field_path():
    text = GOOD.replace("mapping: {A: a}", "mappin: {A: a}")
    with pytest.raises(SpecError) as info:
        parse_spec(text, "specs/demo.yaml")
    message = info.value.message
    assert "specs/demo.yaml:10 layers.bronze[1].mappin: unknown key" in message


def test_missing_required_field_is_located_at_its_parent():
    text = GOOD.replace("  title: Demo\n", "")
    [p] = problems(text)
    assert p["path"] == "dataset"
    assert p["line"] == 1
    assert "Field required" in p["message"]


def test_every_problem_is_reported_not_just_the_first():
    text = GOOD.replace("- type: strip", "- type: nope").replace("columns: [a]", "columns: 5")
    found = problems(text)
    assert [p["line"] for p in found] == [8, 13]


def test_duplicate_keys_are_an_error():
    text = GOOD.replace("  title: Demo\n", "  title: Demo\n  title: Otra\n")
    [p] = problems(text)
    assert p == {"line": 4, "path": "dataset.title", "message": "duplicate key"}


def test_yaml_syntax_error_has_line():
    with pytest.raises(SpecError) as info:
        parse_spec("dataset: {slug: demo\nlayers: [", "specs/demo.yaml")
    assert info.value.message.startswith("specs/demo.yaml:")
    assert "YAML syntax error" in info.value.message


def test_python_tags_are_refused_by_the_safe_loader():
    text = GOOD.replace("title: Demo", "title: !!python/object/apply:os.system ['echo pwned']")
    [p] = problems(text)
    assert p["path"] == "dataset.title"
    assert "unsupported value" in p["message"]


def test_slug_must_match_file_name():
    [p] = problems(GOOD, "specs/other.yaml")
    assert p["path"] == "dataset.slug"
    assert "must equal the file name 'other'" in p["message"]


def test_content_hash_ignores_comments_and_formatting():
    a = parse_spec(GOOD, "specs/demo.yaml")
    b = parse_spec("# a comment\n" + GOOD.replace("{A: a}", "\n            A: a"), "specs/demo.yaml")
    c = parse_spec(GOOD.replace("{A: a}", "{A: b}"), "specs/demo.yaml")
    assert a.content_hash() == b.content_hash() != c.content_hash()


def test_bronze_is_required():
    text = GOOD.replace("  bronze:", "  gold:")
    [p] = problems(text)
    assert "`layers` must define `bronze`" in p["message"]


def test_load_all_reports_bad_specs_without_hiding_good_ones(tmp_path):
    (tmp_path / "demo.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("dataset: [", encoding="utf-8")
    good, bad = load_all(tmp_path)
    assert list(good) == ["demo"]
    assert list(bad) == [str(tmp_path / "broken.yaml")]


def test_find_spec_by_slug_or_path(tmp_path):
    (tmp_path / "demo.yaml").write_text(GOOD, encoding="utf-8")
    assert find_spec("demo", tmp_path) == tmp_path / "demo.yaml"
    assert find_spec(str(tmp_path / "demo.yaml"), "nowhere") == tmp_path / "demo.yaml"


@pytest.mark.parametrize("path", sorted((ROOT / "specs").glob("*.yaml")), ids=lambda p: p.name)
def test_project_specs_load_and_carry_the_schema_comment(path):
    assert path.read_text(encoding="utf-8").splitlines()[0] == SCHEMA_COMMENT
    assert load_spec(path).slug == path.stem


def test_yaml_aliases_are_refused_before_they_can_expand():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, n in zip("abcdefgh", "bcdefghi"))
    found = problems(bomb + GOOD)
    assert any("aliases" in p["message"] for p in found)


def test_a_slug_cannot_walk_out_of_the_specs_directory(tmp_path):
    from workbench.engine.core.errors import SpecNotFoundError

    (tmp_path / "x.yaml").write_text(GOOD)
    (tmp_path / "specs").mkdir()
    with pytest.raises(SpecNotFoundError):
        find_spec("../x", tmp_path / "specs")
