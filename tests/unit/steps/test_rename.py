"""rename: exact mapping, regex patterns, snake_case; origins follow; collisions and misses are errors."""

import pytest
from pydantic import ValidationError

from tests.helpers import ctx, make_table, rows
from workbench.engine.core.errors import StepError
from workbench.engine.core.steps.rename import RenameStep, snake_case

HEADER = ["Partida", "Capítulo", "Subtítulo", "Denominación", "Monto Dólar", "Ejecución Acumulada al ABRIL"]


@pytest.fixture
def table():
    return make_table({name: [str(i), str(i + 10), str(i + 20)] for i, name in enumerate(HEADER)})


def test_mapping_patterns_and_snake_case(table):
    c = ctx()
    step = RenameStep.model_validate({
        "mapping": {"Partida": "partida_codigo"},
        "patterns": {"^Ejecuci[oó]n Acumulada": "ejecucion_acumulada"},
        "snake_case": True,
    })
    out = step.apply(table, c)
    assert out.data_columns == ["partida_codigo", "capitulo", "subtitulo", "denominacion", "monto_dolar",
                                "ejecucion_acumulada"]
    assert out.origins == {"partida_codigo": "A", "capitulo": "B", "subtitulo": "C", "denominacion": "D",
                           "monto_dolar": "E", "ejecucion_acumulada": "F"}
    assert rows(out)[1]["ejecucion_acumulada"] == "15"
    assert out.df["_raw_row"].tolist() == [2, 3, 4]
    assert c.details["renamed"]["Capítulo"] == "capitulo"
    assert table.data_columns == HEADER  # input untouched


def test_without_snake_case_other_names_stay(table):
    out = RenameStep(mapping={"Capítulo": "capitulo"}).apply(table, ctx())
    assert out.data_columns == ["Partida", "capitulo", *HEADER[2:]]


def test_pattern_target_may_use_groups(table):
    out = RenameStep(patterns={r"^Monto (\w+)": r"monto_\1"}).apply(table, ctx())
    assert "monto_Dólar" in out.data_columns


def test_mapping_swap_is_not_a_collision(table):
    out = RenameStep(mapping={"Partida": "Capítulo", "Capítulo": "Partida"}).apply(table, ctx())
    assert out.data_columns[:2] == ["Capítulo", "Partida"]
    assert out.origins["Capítulo"] == "A"


@pytest.mark.parametrize(("name", "expected"), [
    ("Subtítulo", "subtitulo"), ("Monto Dólar", "monto_dolar"), ("Subt.", "subt"), ("Ítem", "item"),
    ("Ejecución Acumulada\nal ABRIL", "ejecucion_acumulada_al_abril"), ("MontoPesos", "monto_pesos"),
    ("% Ejecución", "ejecucion"), ("Año", "ano"),
])
def test_snake_case(name, expected):
    assert snake_case(name) == expected


def test_missing_mapped_column_is_an_error(table):
    with pytest.raises(StepError, match="no column named 'Item'"):
        RenameStep(mapping={"Item": "item"}).apply(table, ctx())


def test_pattern_matching_nothing_is_an_error(table):
    with pytest.raises(StepError, match="pattern '\\^Moneda' matches no column"):
        RenameStep(patterns={"^Moneda": "moneda"}).apply(table, ctx())


def test_missing_ignore(table):
    step = RenameStep(mapping={"Item": "item"}, patterns={"^Moneda": "moneda"}, missing="ignore")
    assert step.apply(table, ctx()).data_columns == HEADER


def test_pattern_matching_several_columns_is_an_error(table):
    with pytest.raises(StepError) as err:
        RenameStep(patterns={"tulo$": "x"}).apply(table, ctx())
    assert "matches 2 columns: 'Capítulo' [B], 'Subtítulo' [C]" in str(err.value)


def test_collision_names_both_columns_with_their_letters(table):
    with pytest.raises(StepError) as err:
        RenameStep(mapping={"Partida": "Capítulo"}).apply(table, ctx())
    assert "'Partida' [A], 'Capítulo' [B] would all be named 'Capítulo'" in str(err.value)
    assert "quedarían todas" in err.value.message_es


def test_snake_case_collision():
    table = make_table({"Monto Pesos": ["1"], "monto_pesos": ["2"]})
    with pytest.raises(StepError, match="would all be named 'monto_pesos'"):
        RenameStep(snake_case=True).apply(table, ctx())


def test_snake_case_of_a_name_without_letters():
    table = make_table({"°": ["1"]})
    with pytest.raises(StepError, match="would get an empty name"):
        RenameStep(snake_case=True).apply(table, ctx())


@pytest.mark.parametrize(("options", "message"), [
    ({"patterns": {"(unclosed": "x"}}, "invalid regular expression"),
    ({"mapping": {"a": " "}}, "new name for 'a' is empty"),
    ({"mapping": {"_raw_row": "fila"}}, "provenance"),
    ({"mapping": {"a": "_raw_a"}}, "provenance"),
    ({"missing": "skip"}, "'error' or 'ignore'"),
])
def test_validation(options, message):
    with pytest.raises(ValidationError, match=message):
        RenameStep.model_validate(options)


def test_describe():
    assert RenameStep(mapping={"A": "a"}, snake_case=True).describe() == "rename(A→a, snake_case)"
