"""strip: trim (NBSP included), collapse inner runs, empty -> missing; only text columns."""

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from tests.helpers import ctx, make_table, rows
from workbench.engine.core.errors import ColumnNotFoundError, StepError
from workbench.engine.core.steps.strip import _NEEDS_COLLAPSE, _RUN, StripStep, strip_text


@pytest.fixture
def table():
    return make_table({
        "denominacion": ["APORTE FISCAL" + " " * 67, "\xa0Tarapacá   LABS\t\tglobal ", "   ", None],
        "codigo": [" 01", "02 ", "03", "04"],
    })


def test_defaults_strip_every_text_column(table):
    out = StripStep().apply(table, ctx())
    assert rows(out) == [
        {"denominacion": "APORTE FISCAL", "codigo": "01"},
        {"denominacion": "Tarapacá LABS global", "codigo": "02"},
        {"denominacion": None, "codigo": "03"},
        {"denominacion": None, "codigo": "04"},
    ]
    assert str(out.df["denominacion"].dtype) == "str"
    assert out.df["_raw_row"].tolist() == [2, 3, 4, 5]
    assert out.origins == table.origins


def test_input_is_not_mutated(table):
    StripStep().apply(table, ctx())
    assert table.df["codigo"].tolist()[0] == " 01"


def test_collapse_false_keeps_inner_whitespace(table):
    out = StripStep(columns=["denominacion"], collapse=False).apply(table, ctx())
    assert rows(out)[1]["denominacion"] == "Tarapacá   LABS\t\tglobal"
    assert rows(out)[0]["codigo"] == " 01"  # not listed, not touched


def test_empty_as_null_false_keeps_empty_strings(table):
    out = StripStep(empty_as_null=False).apply(table, ctx())
    assert out.df["denominacion"].tolist()[2] == ""
    assert pd.isna(out.df["denominacion"].tolist()[3])


def test_touched_columns(table):
    assert StripStep().touched_columns(table) == ["denominacion", "codigo"]
    assert StripStep(columns=["codigo"]).touched_columns(table) == ["codigo"]


def test_default_skips_non_text_columns(table):
    typed = table.with_df(table.df.assign(monto=pd.array([1, 2, 3, 4], dtype="Int64")))
    out = StripStep().apply(typed, ctx())
    assert out.df["monto"].tolist() == [1, 2, 3, 4]


def test_listed_non_text_column_is_an_error_with_its_raw_column(table):
    typed = table.with_df(table.df.assign(codigo=pd.array([1, 2, 3, 4], dtype="Int64")))
    with pytest.raises(StepError) as err:
        StripStep(columns=["codigo"]).apply(typed, ctx())
    assert "column B" in str(err.value) and "'codigo' is not text" in str(err.value)


def test_missing_column(table):
    with pytest.raises(ColumnNotFoundError, match="'nope'"):
        StripStep(columns=["nope"]).apply(table, ctx())


@pytest.mark.parametrize(("options", "message"), [
    ({"columns": []}, "at least 1 item"),
    ({"columns": ["_raw_row"]}, "provenance"),
    ({"collapse": "maybe"}, "valid boolean"),
])
def test_validation(options, message):
    with pytest.raises(ValidationError, match=message):
        StripStep.model_validate(options)


def test_describe():
    assert StripStep(columns=["denominacion", "item"]).describe() == "strip(denominacion, item)"
    assert StripStep().describe() == "strip(todas las columnas de texto)"


# --- the fast paths (edge bytes, candidate bytes) give the results of plain Arrow passes over every cell ----


def plain_strip(values: list[str | None]) -> list[str | None]:
    """The reference: ASCII trim, the Unicode trim unless every cell is ASCII, the collapse regex and empty ->
    missing, each over the whole column."""
    text = pc.ascii_trim_whitespace(pa.array(values, pa.large_string()))
    if pc.all(pc.string_is_ascii(text)).as_py() is not True:
        text = pc.utf8_trim_whitespace(text)
    needs = pc.fill_null(pc.match_substring_regex(text, _NEEDS_COLLAPSE), False)
    text = pc.if_else(needs, pc.replace_substring_regex(text, _RUN, " "), text)
    return [None if v == "" else v for v in text.to_pylist()]


PIECES = st.sampled_from(["a", "Ó", "ñ", " ", "  ", "\t", "\xa0", "\u2003", "\u3000", "\x1c", "\x85", "–", "€",
                          "“", "Tarapacá", "01", "\u202f", "\u1680", "\r\n"])
CELL = st.one_of(st.none(), st.lists(PIECES, max_size=6).map("".join))


@given(st.lists(CELL, min_size=1, max_size=30), st.integers(1, 4))
def test_strip_text_equals_whole_column_passes(values, chunks):
    cut = np.linspace(0, len(values), chunks + 1).astype(int)  # read in blocks: a chunked column
    column = pa.chunked_array([pa.array(values[a:b], pa.large_string()) for a, b in zip(cut[:-1], cut[1:])],
                              pa.large_string())
    out = strip_text(pd.Series(pd.array(column, dtype="str")), collapse=True, empty_as_null=True)
    assert [None if pd.isna(v) else v for v in out.tolist()] == plain_strip(values)


@pytest.mark.parametrize("cell, expected", [
    ("Becas  de   Especialización", "Becas de Especialización"),
    ("Tarapacá – LABS", "Tarapacá – LABS"),  # an en dash (0xE2 lead byte) is a candidate, not a run
    ("a\u2003b", "a b"), ("\u3000x\u3000", "x"), ("a\x1cb", "a b"),
])
def test_runs_found_from_candidate_bytes(cell, expected):
    out = strip_text(pd.Series(pd.array(["Subsecretaría", cell], dtype="str")), collapse=True, empty_as_null=True)
    assert out.tolist() == ["Subsecretaría", expected]
    assert re.search(_NEEDS_COLLAPSE, out.iloc[1]) is None
