"""derive: one source per step (param, value, template, from_column, from_header, from_title); result is text."""

import pandas as pd
import pytest
from pydantic import ValidationError

from tests.helpers import ctx, make_table, rows
from workbench.engine.core.errors import ColumnNotFoundError, StepError
from workbench.engine.core.steps.base import StepContext
from workbench.engine.core.steps.derive import DeriveStep

HEADER = ["Partida", "Capítulo", "Moneda", "Presupuesto Inicial", "Ejecución Acumulada al ABRIL"]
MONTH = r"Ejecuci[oó]n Acumulada al? (\w+)"


@pytest.fixture
def table():
    return make_table({
        "titulo": ["120101 : SECRETARÍA Y ADMINISTRACIÓN GENERAL", "Moneda Nacional", None],
        "mes": ["4", "12", None],
    }, first_row=3)


def header_ctx(header=HEADER, **params) -> StepContext:
    c = ctx(**params)
    c.raw_header = list(header)
    return c


def values(table, column="new"):
    return [r[column] for r in rows(table)]


def test_param_becomes_text_on_every_row(table):
    out = DeriveStep(column="anio", param="anio").apply(table, ctx(anio=2017))
    assert values(out, "anio") == ["2017", "2017", "2017"]
    assert str(out.df["anio"].dtype) == "str"
    assert out.data_columns == ["titulo", "mes", "anio"] and "anio" not in out.origins
    assert out.df["_raw_row"].tolist() == [3, 4, 5]


def test_missing_param_names_it(table):
    with pytest.raises(StepError, match=r"'anio' \(for column 'anio'\) is a run parameter that is not set; "
                                        r"parameters given: mes") as err:
        DeriveStep(column="anio", param="anio").apply(table, ctx(mes="04"))
    assert err.value.details["parameter"] == "anio"


def test_constant(table):
    assert values(DeriveStep(column="new", value="DIPRES").apply(table, ctx())) == ["DIPRES"] * 3


def test_template_mixes_columns_params_and_format_specs(table):
    c = ctx(anio=2017)
    out = DeriveStep(column="periodo", template="{anio}-{mes:0>2}").apply(table, c)
    assert values(out, "periodo") == ["2017-04", "2017-12", None]  # missing input -> missing result
    assert c.details == {"missing_inputs": 1}
    plain = DeriveStep(column="new", template="P{mes}/{anio}").apply(table, ctx(anio=2017))
    assert values(plain) == ["P4/2017", "P12/2017", None]


def test_template_columns_win_over_params_and_typed_columns_keep_their_type(table):
    df = table.df.copy()
    df["n"] = pd.array([7, None, 12], dtype="Int64")
    out = DeriveStep(column="new", template="{mes}|{n:03d}").apply(table.with_df(df), ctx(mes="ignored"))
    assert values(out) == ["4|007", None, None]


def test_template_errors(table):
    with pytest.raises(StepError, match="'zz' .* is neither a column nor a run parameter"):
        DeriveStep(column="new", template="{zz}").apply(table, ctx())
    with pytest.raises(StepError, match=r"template field \{mes:d\} cannot format '4'"):
        DeriveStep(column="new", template="{mes:d}").apply(table, ctx())


def test_from_column_regex_group_one_counts_no_match(table):
    c = ctx()
    out = DeriveStep(column="codigo", from_column="titulo", regex=r"^(\d{6})").apply(table, c)
    assert values(out, "codigo") == ["120101", None, None]
    assert out.origins["codigo"] == "A" and out.trace(0, "codigo") == {"sheet": None, "row": 3, "column": "A"}
    assert c.details == {"matched": 1, "no_match": 1}


def test_from_column_named_group_and_whole_match(table):
    named = DeriveStep(column="n", from_column="titulo", regex=r"(\d{2}) : (?P<nombre>[A-ZÁÍ ]+?) Y").apply(table, ctx())
    assert values(named, "n") == ["SECRETARÍA", None, None]
    whole = DeriveStep(column="n", from_column="titulo", regex=r"\d+").apply(table, ctx())
    assert values(whole, "n") == ["120101", None, None]


def test_from_column_has_python_unicode_semantics():
    table = make_table({"t": ["Año\xa0Ñuble"]})
    out = DeriveStep(column="n", from_column="t", regex=r"^(\w+)\s").apply(table, ctx())
    assert values(out, "n") == ["Año"]


def test_from_column_missing(table):
    with pytest.raises(ColumnNotFoundError):
        DeriveStep(column="n", from_column="nope", regex="(x)").apply(table, ctx())


def test_from_header_captures_a_constant_and_records_the_header(table):
    c = header_ctx()
    out = DeriveStep(column="mes_corte", from_header=True, regex=MONTH).apply(table, c)
    assert values(out, "mes_corte") == ["ABRIL"] * 3
    assert c.details == {"header": "Ejecución Acumulada al ABRIL", "value": "ABRIL"}
    newer = DeriveStep(column="m", from_header=True, regex=MONTH).apply(table, header_ctx(["Ejecucion Acumulada a Junio"]))
    assert values(newer, "m") == ["Junio"] * 3


def test_from_header_without_match_lists_the_headers(table):
    with pytest.raises(StepError) as err:
        DeriveStep(column="m", from_header=True, regex=MONTH).apply(table, header_ctx(["Partida", "Monto Pesos"]))
    assert "no RAW header label matches" in err.value.message
    assert "they are: 'Partida'; 'Monto Pesos'" in err.value.message
    assert err.value.details["searched"] == ["Partida", "Monto Pesos"]
    assert "ninguna etiqueta de encabezado RAW" in err.value.message_es


TITLES = [(1, "MINISTERIO DE HACIENDA"), (3, "120101 : SECRETARÍA Y ADMINISTRACIÓN GENERAL"),
          (4, "Moneda Nacional | Miles de Pesos")]


def test_from_title_searches_the_preamble_rows_in_order(table):
    c = ctx()
    c.preamble = list(TITLES)
    out = DeriveStep(column="codigo_programa", from_title=True, regex=r"(\d{6})\s*:").apply(table, c)
    assert values(out, "codigo_programa") == ["120101"] * 3 and "codigo_programa" not in out.origins
    assert c.details == {"title_row": 3, "title": TITLES[1][1], "value": "120101"}
    c.preamble = list(TITLES)
    moneda = DeriveStep(column="m", from_title=True, regex=r"Moneda\s+(Nacional|Extranjera)").apply(table, c)
    assert values(moneda, "m") == ["Nacional"] * 3


def test_from_title_without_match_lists_the_rows(table):
    c = ctx()
    c.preamble = TITLES[:1]
    with pytest.raises(StepError) as err:
        DeriveStep(column="m", from_title=True, regex=r"(\d{6})").apply(table, c)
    assert "no RAW title row matches" in err.value.message
    assert "row 1: 'MINISTERIO DE HACIENDA'" in err.value.message
    assert "fila 1: 'MINISTERIO DE HACIENDA'" in err.value.message_es


def test_existing_column_is_overwritten_in_place(table):
    step = DeriveStep(column="mes", value="04")
    out = step.apply(table, ctx())
    assert out.data_columns == ["titulo", "mes"] and values(out, "mes") == ["04"] * 3
    assert "mes" not in out.origins and step.touched_columns(table) == ["mes"]
    assert rows(table)[0]["mes"] == "4"  # input untouched


def test_describe():
    assert DeriveStep(column="anio", param="anio").describe() == "derive(anio <- param)"
    assert DeriveStep(column="m", from_header=True, regex="(x)").describe() == "derive(m <- from_header)"


@pytest.mark.parametrize(("options", "message"), [
    ({}, r"exactly one source .* \(got none\)"),
    ({"value": "a", "param": "b"}, r"\(got param, value\)"),
    ({"template": "{a}", "from_column": "x", "regex": "(x)"}, r"\(got template, from_column\)"),
    ({"from_column": "x"}, "'regex' is required with from_column/from_header/from_title"),
    ({"from_header": True}, "'regex' is required"),
    ({"from_title": True}, "'regex' is required"),
    ({"from_title": True, "from_header": True, "regex": "(x)"}, r"\(got from_header, from_title\)"),
    ({"value": "a", "regex": "(x)"}, "only allowed with them"),
    ({"from_column": "x", "regex": "("}, r"invalid regex '\(': missing \)"),
    ({"from_column": "x", "regex": "(?P<a>.)(?P<b>.)"}, "2 named groups"),
    ({"template": "{}"}, "plain names"),
    ({"template": "{0}"}, "plain names"),
    ({"template": "{a.b}"}, "plain names"),
    ({"template": "{a!r}"}, r"got \{a!r\}"),
    ({"template": "{a"}, "invalid template"),
    ({"value": 2024}, "valid string"),
    ({"value": "x", "column": "_raw_x"}, "provenance"),
])
def test_validation_errors(options, message):
    options = {"column": "new", **options}
    with pytest.raises(ValidationError, match=message):
        DeriveStep(**options)
