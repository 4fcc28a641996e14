"""dedupe: drop repeated keys (first/last) or fail listing duplicates with their RAW rows."""

import pytest
from pydantic import ValidationError

from tests.helpers import ctx, make_table, rows
from workbench.engine.core.errors import ColumnNotFoundError, StepError
from workbench.engine.core.steps.dedupe import DedupeStep


@pytest.fixture
def table():
    return make_table({
        "codigo": ["50;01;04;28;04;103", "21", "50;01;04;28;04;103", None, None],
        "nombre": ["Piloto", "Personal", "Techos verdes", "x", "x"],
    }, first_row=10)


def test_drops_later_duplicates_by_key(table):
    c = ctx()
    out = DedupeStep(columns=["codigo"]).apply(table, c)
    assert [r["nombre"] for r in rows(out)] == ["Piloto", "Personal", "x"]
    assert out.df["_raw_row"].tolist() == [10, 11, 13]
    assert list(out.df.index) == [0, 1, 3]
    assert c.details["rows_removed"] == 2
    assert len(table.df) == 5  # input untouched


def test_keep_last(table):
    out = DedupeStep(columns=["codigo"], keep="last").apply(table, ctx())
    assert out.df["_raw_row"].tolist() == [11, 12, 14]


def test_default_keys_are_all_data_columns_not_provenance(table):
    out = DedupeStep().apply(table, ctx())
    assert out.df["_raw_row"].tolist() == [10, 11, 12, 13]


def test_error_lists_duplicates_with_raw_rows_and_columns(table):
    with pytest.raises(StepError) as err:
        DedupeStep(columns=["codigo"], on_duplicate="error").apply(table, ctx())
    message = str(err.value)
    assert message.startswith("row 12 column A:")
    assert "2 duplicate row(s) on (codigo)" in message
    assert "row 12 repeats row 10 (codigo='50;01;04;28;04;103')" in message
    assert "row 14 repeats row 13 (codigo=missing)" in message
    assert "la fila 12 repite la fila 10" in err.value.message_es
    assert err.value.details["duplicates"] == 2


def test_error_with_keep_last_points_at_the_kept_later_row(table):
    with pytest.raises(StepError, match="row 10 repeats row 12"):
        DedupeStep(columns=["codigo"], keep="last", on_duplicate="error").apply(table, ctx())


def test_error_mode_without_duplicates_passes(table):
    c = ctx()
    unique = table.with_df(table.df.iloc[:4])
    out = DedupeStep(columns=["nombre", "codigo"], on_duplicate="error").apply(unique, c)
    assert out.df["_raw_row"].tolist() == [10, 11, 12, 13]
    assert c.details["duplicates"] == 0


def test_missing_column(table):
    with pytest.raises(ColumnNotFoundError, match="'nope'"):
        DedupeStep(columns=["nope"]).apply(table, ctx())


@pytest.mark.parametrize(("options", "message"), [
    ({"columns": []}, "at least 1 item"),
    ({"columns": ["_raw_row"]}, "provenance"),
    ({"keep": "none"}, "'first' or 'last'"),
    ({"on_duplicate": "warn"}, "'drop' or 'error'"),
])
def test_validation(options, message):
    with pytest.raises(ValidationError, match=message):
        DedupeStep.model_validate(options)


def test_describe():
    assert DedupeStep(columns=["a", "b"], keep="last").describe() == "dedupe(a, b, conserva la última)"
