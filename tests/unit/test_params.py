"""Run parameters: typed, validated, defaulted, and read from file names."""

import pytest

from workbench.engine.core.errors import ParameterError
from workbench.engine.core.params import parse_assignments, resolve_params
from workbench.engine.core.spec.loader import parse_spec

SPEC = """\
dataset: {slug: demo, title: Demo}
parameters:
  anio: {type: int, minimum: 1990, maximum: 2100, from_filename: "(20\\\\d\\\\d)"}
  region: {type: text, required: false, default: RM, choices: [RM, V]}
layers:
  bronze: [{type: strip}]
"""


@pytest.fixture
def spec():
    return parse_spec(SPEC, "specs/demo.yaml")


def test_given_value_is_typed(spec):
    assert resolve_params(spec, {"anio": "2017"}) == {"anio": 2017, "region": "RM"}


def test_value_from_file_name(spec):
    assert resolve_params(spec, {}, "ejecucion_2019_abril.csv")["anio"] == 2019


def test_given_value_wins_over_file_name(spec):
    assert resolve_params(spec, {"anio": "2018"}, "x_2019.csv")["anio"] == 2018


def test_required_missing_names_the_parameter(spec):
    with pytest.raises(ParameterError) as info:
        resolve_params(spec, {}, "sin_anio.csv")
    assert info.value.message.startswith("parameter 'anio': required")


@pytest.mark.parametrize("value, fragment", [("dos mil", "not a whole number"), ("1800", "below the minimum")])
def test_bad_values(spec, value, fragment):
    with pytest.raises(ParameterError, match=fragment):
        resolve_params(spec, {"anio": value})


def test_choices_and_unknown_parameters(spec):
    with pytest.raises(ParameterError, match="not one of"):
        resolve_params(spec, {"anio": "2017", "region": "X"})
    with pytest.raises(ParameterError, match="unknown parameter"):
        resolve_params(spec, {"anio": "2017", "mes": "4"})


def test_parse_assignments():
    assert parse_assignments(["anio=2017", "x = a=b"]) == {"anio": "2017", "x": "a=b"}
    with pytest.raises(ParameterError):
        parse_assignments(["anio"])
