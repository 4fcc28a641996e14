"""The RAW cell text QA messages quote (``preview.raw_text_lookup``): found by RAW row and column letter."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.engine.core.preview import raw_text_lookup
from workbench.engine.core.table import RAW_ROW, Table


def raw_table(rows: list[int]) -> Table:
    df = pd.DataFrame({"codigo": pd.array(["01", None, " 7 ", "99"], dtype="str"),
                       "monto": pd.array(["1.234", "5", "", "-8"], dtype="str"),
                       RAW_ROW: np.asarray(rows, np.int64)})
    return Table(df=df, origins={"codigo": "B", "monto": "D"})


@pytest.mark.parametrize("rows", [[2, 3, 5, 9], [9, 2, 5, 3]], ids=["as read", "out of order"])
def test_a_cell_is_found_by_raw_row_and_letter(rows):
    text = raw_table(rows)
    lookup = raw_text_lookup(text)
    assert lookup(rows[0], "B") == "01"
    assert lookup(rows[2], "B") == " 7 "  # as read, padding kept
    assert lookup(rows[3], "D") == "-8"
    assert lookup(rows[1], "B") is None  # an empty cell


def test_rows_and_letters_the_table_does_not_hold_have_no_text():
    lookup = raw_text_lookup(raw_table([2, 3, 5, 9]))
    assert lookup(4, "B") is None  # a skipped line
    assert lookup(1, "B") is None and lookup(10, "B") is None  # above and below the data
    assert lookup(2, "C") is None  # a column the header step did not keep
