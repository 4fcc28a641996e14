"""Merged ranges read from the sheet XML agree with python-calamine's, on every sheet."""

import io

import python_calamine

from tests.unit.readers.workbooks import xlsx
from workbench.engine.core.readers.xlsx_merged import xlsx_merged_ranges


def calamine_ranges(data: bytes, sheet: str):
    return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(sheet).merged_cell_ranges


def test_ranges_match_calamine_on_each_sheet():
    data = xlsx({"Portada": {"A1": "Informe"}, "Datos": {"A1": "a", "B2": "b", "A5": "c", "AA10": "d"}},
                merged={"Portada": ["A1:D2"], "Datos": ["B2:C3", "A5:A6", "AA10:AB12"]})
    for sheet in ("Portada", "Datos"):
        assert sorted(xlsx_merged_ranges(data, sheet)) == sorted(calamine_ranges(data, sheet))
    assert sorted(xlsx_merged_ranges(data, "Datos")) == [((1, 1), (2, 2)), ((4, 0), (5, 0)), ((9, 26), (11, 27))]


def test_sheet_without_merges_gives_an_empty_list():
    assert xlsx_merged_ranges(xlsx({"S": {"A1": "a"}}), "S") == []


def test_unusual_package_returns_none_so_the_caller_falls_back():
    assert xlsx_merged_ranges(b"not a zip", "S") is None
    assert xlsx_merged_ranges(xlsx({"S": {"A1": "a"}}), "Otra") is None
