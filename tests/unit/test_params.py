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


def test_a_missing_parameter_says_how_in_the_cli_in_english_and_in_the_form_in_spanish(spec):
    """12.10: the browser showed the Spanish message, which said "--param anio=..." (the command line's words)."""
    with pytest.raises(ParameterError) as info:
        resolve_params(spec, {}, "sin_anio.csv")
    assert "--param anio=..." in info.value.message and "or a file name matching" in info.value.message
    assert info.value.message_es == ("parámetro 'anio': es obligatorio; escriba su valor en el campo «anio» del "
                                     "formulario o use un nombre de archivo que lo contenga")
    assert "--" not in info.value.message_es


def test_a_missing_parameter_not_read_from_file_names_only_names_the_field():
    spec = parse_spec(SPEC.replace(', from_filename: "(20\\\\d\\\\d)"', ""), "specs/demo.yaml")
    with pytest.raises(ParameterError) as info:
        resolve_params(spec, {}, "x.csv")
    assert info.value.message_es == "parámetro 'anio': es obligatorio; escriba su valor en el campo «anio» del formulario"


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
