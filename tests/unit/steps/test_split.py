"""split: regex named groups or separator + into; unmatched values are missing and counted."""

import pytest
from pydantic import ValidationError

from tests.helpers import ctx, make_table, rows
from workbench.engine.core.errors import ColumnNotFoundError, StepError
from workbench.engine.core.steps.split import SplitStep

TITLE = r"^(?P<codigo>\d{6})\s*:\s*(?P<nombre>.+)$"


@pytest.fixture
def table():
    return make_table({
        "titulo": ["120101 : SECRETARÍA Y ADMINISTRACIÓN GENERAL", "Moneda Nacional", None, "120102 : A : B"],
        "otro": ["1", "2", "3", "4"],
    }, first_row=3)


def test_pattern_named_groups_become_columns_after_the_source(table):
    c = ctx()
    out = SplitStep(column="titulo", pattern=TITLE).apply(table, c)
    assert out.data_columns == ["titulo", "codigo", "nombre", "otro"]
    assert rows(out) == [
        {"titulo": "120101 : SECRETARÍA Y ADMINISTRACIÓN GENERAL", "codigo": "120101",
         "nombre": "SECRETARÍA Y ADMINISTRACIÓN GENERAL", "otro": "1"},
        {"titulo": "Moneda Nacional", "codigo": None, "nombre": None, "otro": "2"},
        {"titulo": None, "codigo": None, "nombre": None, "otro": "3"},
        {"titulo": "120102 : A : B", "codigo": "120102", "nombre": "A : B", "otro": "4"},
    ]
    assert str(out.df["codigo"].dtype) == "str"
    assert out.origins == {"titulo": "A", "codigo": "A", "nombre": "A", "otro": "B"}
    assert out.trace(0, "nombre") == {"sheet": None, "row": 3, "column": "A"}
    assert c.details == {"unmatched": 1, "unmatched_rows": [4]}
    assert table.data_columns == ["titulo", "otro"]  # input untouched


def test_pattern_has_python_re_semantics():
    table = make_table({"titulo": ["120101\xa0:\xa0SECRETARÍA"]})  # Python's \s matches NBSP, RE2's does not
    out = SplitStep(column="titulo", pattern=TITLE).apply(table, ctx())
    assert rows(out)[0] == {"titulo": "120101\xa0:\xa0SECRETARÍA", "codigo": "120101", "nombre": "SECRETARÍA"}


def test_separator_into_and_keep_source_false(table):
    c = ctx()
    step = SplitStep(column="titulo", separator=" : ", into=["codigo", "nombre"], maxsplit=1, keep_source=False)
    out = step.apply(table, c)
    assert out.data_columns == ["codigo", "nombre", "otro"]
    assert [(r["codigo"], r["nombre"]) for r in rows(out)] == [
        ("120101", "SECRETARÍA Y ADMINISTRACIÓN GENERAL"), (None, None), (None, None), ("120102", "A : B")]
    assert out.origins == {"codigo": "A", "nombre": "A", "otro": "B"}
    assert out.df["_raw_row"].tolist() == [3, 4, 5, 6]
    assert c.details["unmatched"] == 1


def test_separator_without_maxsplit_needs_exactly_len_into_parts(table):
    c = ctx()
    out = SplitStep(column="titulo", separator=" : ", into=["codigo", "nombre"]).apply(table, c)
    assert [r["codigo"] for r in rows(out)] == ["120101", None, None, None]  # 'A : B' gives 3 parts
    assert c.details == {"unmatched": 2, "unmatched_rows": [4, 6]}


def test_a_group_may_reuse_the_source_name_when_it_is_dropped(table):
    out = SplitStep(column="titulo", pattern=r"^\d+ : (?P<titulo>.+)", keep_source=False).apply(table, ctx())
    assert out.data_columns == ["titulo", "otro"]
    assert rows(out)[0]["titulo"] == "SECRETARÍA Y ADMINISTRACIÓN GENERAL"


def test_new_column_clashing_with_an_existing_one_is_an_error(table):
    with pytest.raises(StepError) as err:
        SplitStep(column="titulo", pattern=r"(?P<otro>\d+)").apply(table, ctx())
    assert "column A" in str(err.value) and "'otro'" in str(err.value)


def test_missing_column(table):
    with pytest.raises(ColumnNotFoundError, match="'nope'"):
        SplitStep(column="nope", pattern=TITLE).apply(table, ctx())


@pytest.mark.parametrize(("options", "message"), [
    ({"column": "t"}, "either `pattern` or `separator`"),
    ({"column": "t", "pattern": TITLE, "separator": ":"}, "either `pattern` or `separator`"),
    ({"column": "t", "pattern": "(unclosed"}, "invalid regular expression"),
    ({"column": "t", "pattern": r"(\d+)"}, "no named group"),
    ({"column": "t", "pattern": TITLE, "into": ["a", "b"]}, "go with `separator`"),
    ({"column": "t", "separator": ":"}, "needs `into`"),
    ({"column": "t", "separator": ":", "into": ["a"]}, "at least 2 items"),
    ({"column": "t", "separator": ":", "into": ["a", "b", "c"], "maxsplit": 1}, "at most 2 parts, not 3"),
    ({"column": "t", "separator": ":", "into": ["a", "a"]}, "distinct"),
    ({"column": "t", "separator": ":", "into": ["a", "_raw_b"]}, "_raw_"),
    ({"column": "t", "separator": "", "into": ["a", "b"]}, "at least 1 character"),
])
def test_validation(options, message):
    with pytest.raises(ValidationError, match=message):
        SplitStep.model_validate(options)


def test_describe():
    assert SplitStep(column="titulo", pattern=TITLE).describe() == "split(titulo → codigo, nombre)"
