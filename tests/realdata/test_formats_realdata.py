"""python-calamine's one workbook in four formats (../shared/data/peers/python-calamine): the .xlsb reads the
same text as the .xlsx, and the .xls still reads when its OLE stream is named ``WORKBOOK``."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.engine.core.readers import RawGrid, list_sheets, read_raw
from workbench.engine.core.spec.source import SourceOptions

pytestmark = pytest.mark.realdata


def calamine(shared_data: Path, name: str) -> Path:
    return shared_data / "peers" / "python-calamine" / "tests" / "data" / name


def values(grid: RawGrid) -> list[list[str | None]]:
    return grid.df.astype(object).where(grid.df.notna(), None).values.tolist()


def test_xlsb_reads_the_same_text_as_xlsx_on_every_sheet(shared_data):
    xlsx = calamine(shared_data, "base.xlsx").read_bytes()
    xlsb = calamine(shared_data, "base.xlsb").read_bytes()
    assert list_sheets(xlsb) == list_sheets(xlsx) == ["Sheet1", "Sheet2", "Sheet3", "Merged Cells"]
    for sheet in range(4):
        a, b = (read_raw(d, SourceOptions(sheet=sheet), filename=n) for d, n in ((xlsx, "base.xlsx"), (xlsb, "b.xlsb")))
        assert b.source.format == "xlsb"
        assert (values(b), b.letters) == (values(a), a.letters), sheet
    first = values(read_raw(xlsb, SourceOptions(), filename="base.xlsb"))
    assert first[1][:7] == ["String", "1", "1.1", "true", "false", "2010-10-10", "2010-10-10 10:10:10"]


def test_xlsb_sheet_types_and_hidden_sheets_are_listed(shared_data):
    assert list_sheets(calamine(shared_data, "any_sheets.xlsb").read_bytes()) == \
        list_sheets(calamine(shared_data, "any_sheets.xlsx").read_bytes())


def test_xls_with_its_stream_renamed_in_capitals_reads_the_same(shared_data):
    data = calamine(shared_data, "base.xls").read_bytes()
    name = "Workbook".encode("utf-16-le") + b"\x00\x00"
    at = data.find(name)
    assert at % 128 == 0
    renamed = data[:at] + "WORKBOOK".encode("utf-16-le") + b"\x00\x00" + data[at + len(name):]
    original = read_raw(data, SourceOptions(), filename="base.xls")
    upper = read_raw(renamed, SourceOptions(), filename="base.xls")
    assert upper.source.format == "xls"
    assert values(upper) == values(original)
    assert values(upper)[1][:3] == ["String", "1", "1.1"]
