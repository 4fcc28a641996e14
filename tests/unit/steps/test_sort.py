"""sort: stable, missing last, per-column direction."""

import pytest
from pydantic import ValidationError

from tests.helpers import ctx, make_table, rows
from workbench.engine.core.errors import ColumnNotFoundError
from workbench.engine.core.steps.sort import SortStep


@pytest.fixture
def table():
    return make_table({"subtitulo": ["22", "21", None, "21", "22"], "item": ["01", "02", "09", "01", "03"]})


def test_stable_ascending_with_missing_last(table):
    out = SortStep(by=["subtitulo"]).apply(table, ctx())
    assert out.df["_raw_row"].tolist() == [3, 5, 2, 6, 4]  # ties keep their order, missing last
    assert rows(out)[0] == {"subtitulo": "21", "item": "02"}
    assert list(out.df.index) == [1, 3, 0, 4, 2]  # index labels travel with their rows
    assert out.origins == table.origins
    assert table.df["_raw_row"].tolist() == [2, 3, 4, 5, 6]  # input untouched


def test_descending_keeps_ties_stable_and_missing_last(table):
    out = SortStep(by=["subtitulo"], descending=True).apply(table, ctx())
    assert out.df["_raw_row"].tolist() == [2, 6, 3, 5, 4]


def test_per_column_direction(table):
    out = SortStep(by=["subtitulo", "item"], descending=[False, True]).apply(table, ctx())
    assert [(r["subtitulo"], r["item"]) for r in rows(out)] == [
        ("21", "02"), ("21", "01"), ("22", "03"), ("22", "01"), (None, "09")]


def test_a_single_column_name_is_accepted():
    assert SortStep.model_validate({"by": "a"}).by == ["a"]


def test_missing_column(table):
    with pytest.raises(ColumnNotFoundError, match="'nope'"):
        SortStep(by=["nope"]).apply(table, ctx())


@pytest.mark.parametrize(("options", "message"), [
    ({"by": []}, "at least 1 item"),
    ({"by": ["a", "a"]}, "more than once"),
    ({"by": ["a", "b"], "descending": [True]}, "1 flags but `by` has 2 columns"),
])
def test_validation(options, message):
    with pytest.raises(ValidationError, match=message):
        SortStep.model_validate(options)


def test_describe():
    assert SortStep(by=["a", "b"], descending=[False, True]).describe() == "sort(a, b desc)"
