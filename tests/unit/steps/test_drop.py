"""drop: remove data columns; `missing` policy; provenance cannot be dropped."""

import pytest
from pydantic import ValidationError

from tests.helpers import ctx, make_table, rows
from workbench.engine.core.errors import ColumnNotFoundError
from workbench.engine.core.steps.drop import DropStep


@pytest.fixture
def table():
    return make_table({"a": ["1", "2", "3"], "b": ["x", "y", "z"], "c": ["p", "q", "r"]})


def test_drops_columns_and_keeps_provenance_and_origins(table):
    c = ctx()
    out = DropStep(columns=["b"]).apply(table, c)
    assert list(out.df.columns) == ["a", "c", "_raw_row"]
    assert rows(out)[0] == {"a": "1", "c": "p"}
    assert out.df["_raw_row"].tolist() == [2, 3, 4]
    assert out.origins == {"a": "A", "c": "C"}
    assert c.details["columns_dropped"] == ["b"]
    assert list(table.df.columns) == ["a", "b", "c", "_raw_row"]  # input untouched


def test_missing_error(table):
    with pytest.raises(ColumnNotFoundError, match="'nope'"):
        DropStep(columns=["b", "nope"]).apply(table, ctx())


def test_missing_ignore(table):
    c = ctx()
    out = DropStep(columns=["b", "nope"], missing="ignore").apply(table, c)
    assert out.data_columns == ["a", "c"]
    assert c.details["columns_absent"] == ["nope"]


@pytest.mark.parametrize(("options", "message"), [
    ({"columns": []}, "at least 1 item"),
    ({"columns": ["_raw_row"]}, "provenance columns cannot be dropped"),
    ({"columns": ["a"], "missing": "warn"}, "'error' or 'ignore'"),
])
def test_validation(options, message):
    with pytest.raises(ValidationError, match=message):
        DropStep.model_validate(options)
