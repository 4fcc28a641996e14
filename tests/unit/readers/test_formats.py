"""Every supported workbook shape: binary .xlsb workbooks and .xls files whose OLE stream is named in capitals,
sniffed by content and read under the same input limits as the other formats."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.readers.util import cells, read, table
from tests.unit.readers.workbooks import ole, xlsb, xlsb_sheet, xlsx, zip_of
from workbench.engine.core.errors import FileFormatError
from workbench.engine.core.limits import TooManyCellsError, TooManyColumnsError, ZipLimitError
from workbench.engine.core.readers import list_sheets, sniff_format
from workbench.engine.core.readers.ole import workbook_stream

FIXTURES = Path(__file__).parents[2] / "data" / "workbench" / "readers"
REPORT_HEADER = ["Subt.", "Ítem", "Asig."]


def test_xlsb_is_sniffed_by_content_whatever_its_name():
    data = xlsb({"Hoja1": {"A1": "Partida"}})
    assert sniff_format(data, "ley.csv") == "xlsb"
    assert sniff_format(data, "ley.xlsx") == "xlsb"


def test_xlsb_cells_come_back_as_text_with_raw_rows_and_letters():
    data = xlsb({"Notas": {"A1": "Notas"},
                 "Datos": {"C3": "Partida", "D3": "Monto", "C4": "01", "D4": 1050, "D5": -3.25, "E5": True}})
    grid = read(data, sheet="Datos")
    assert grid.source.format == "xlsb"
    assert (grid.source.sheet, grid.source.sheets) == ("Datos", ["Notas", "Datos"])
    assert grid.letters == ["C", "D", "E"]
    assert cells(grid)[2:] == [["Partida", "Monto", None], ["01", "1050", None], [None, "-3.25", "true"]]
    assert list_sheets(data) == ["Notas", "Datos"]


def test_zip_with_a_bare_workbook_bin_is_not_a_workbook():
    """Excel always declares the binary main part; a zip that only holds the file name is not an xlsb."""
    with pytest.raises(FileFormatError) as info:
        sniff_format(zip_of({"xl/workbook.bin": b"\x00"}))
    assert info.value.details["detected"] == "zip"


def test_xlsb_fixture_reads_the_same_cells_as_its_xlsx():
    options = {"sheet": "Reporte", "header": {"find": REPORT_HEADER}}
    from_xlsb, labels_b, _ = table((FIXTURES / "programa_notas.xlsb").read_bytes(), **options)
    from_xlsx, labels_x, _ = table((FIXTURES / "programa_con_notas.xlsx").read_bytes(), **options)
    assert labels_b == labels_x
    assert from_xlsb.df.astype(object).where(from_xlsb.df.notna(), None).values.tolist() == \
        from_xlsx.df.astype(object).where(from_xlsx.df.notna(), None).values.tolist()
    assert from_xlsb.df.iloc[2][["Subt.", "Ítem", "Denominación", "Presupuesto Inicial"]].tolist() == \
        ["5", "2", "Del Gobierno Central", "4950573"]


def test_xlsb_cells_far_apart_are_refused_before_calamine_allocates_them():
    """Two cells at A1 and row 1,000,001 column BES would make calamine allocate 1.5 billion cells."""
    far = xlsb({"Hoja1": {}}, raw_sheets={"Hoja1": xlsb_sheet({(0, 0): "a", (1_000_000, 1_500): "b"})})
    with pytest.raises(TooManyCellsError) as info:
        read(far)
    assert info.value.details["cells"] == 1_000_001 * 1_501
    assert info.value.details["sheet"] == "Hoja1"


def test_xlsb_column_beyond_any_grid_is_refused():
    wide = xlsb({"Hoja1": {}}, raw_sheets={"Hoja1": xlsb_sheet({(0, 0): "a", (0, 4_000_000_000): "b"})})
    with pytest.raises(TooManyColumnsError) as info:
        read(wide)
    assert info.value.details["columns"] == 4_000_000_001


def test_xlsb_extent_only_counts_the_read_sheet():
    """The other sheet's far cell is not measured (nor parsed) when it is not the sheet read."""
    data = xlsb({"Datos": {"A1": "Partida", "A2": "01"}, "Otra": {}},
                raw_sheets={"Otra": xlsb_sheet({(0, 0): "a", (0, 4_000_000_000): "b"})})
    assert cells(read(data, sheet="Datos")) == [["Partida"], ["01"]]


def test_xlsb_zip_bomb_is_refused():
    bomb = xlsb({"Hoja1": {}}, raw_sheets={"Hoja1": b"\x00" * (8 * 1024 * 1024)})
    with pytest.raises(ZipLimitError) as info:
        read(bomb)
    assert info.value.details["reason"] == "ratio"


def test_ole_stream_named_in_capitals_is_an_xls():
    assert sniff_format(ole(["WORKBOOK"]), "ley.csv") == "xls"
    assert sniff_format(ole(["BOOK"])) == "xls"


def test_xls_with_a_workbook_stream_in_capitals_reads():
    data = (FIXTURES / "programa_mayusculas.xls").read_bytes()
    assert "WORKBOOK".encode("utf-16-le") in data and "Workbook".encode("utf-16-le") not in data
    assert workbook_stream(data)[:4] == b"\x09\x08\x10\x00"  # BIFF8 BOF: the stream was found by its name
    got, labels, _ = table(data, header={"find": REPORT_HEADER})
    assert got.sheet == "Reporte"
    assert labels[:4] == ["Subt.", "Ítem", "Asig.", "Denominación"]
    assert got.df.iloc[2][["Subt.", "Ítem", "Denominación", "Presupuesto Inicial"]].tolist() == \
        ["5", "2", "Del Gobierno Central", "4950573"]


def test_xls_with_a_biff5_book_stream_in_capitals_reads():
    """An Excel 95 workbook (BIFF5) keeps its sheets in a ``Book`` stream; named ``BOOK`` it reads the same."""
    data = (FIXTURES / "programa_book.xls").read_bytes()
    assert "BOOK".encode("utf-16-le") in data and "Book".encode("utf-16-le") not in data
    assert sniff_format(data, "programa.xls") == "xls" and list_sheets(data, filename="programa.xls") == ["Reporte"]
    assert workbook_stream(data)[:6] == b"\x09\x08\x08\x00\x00\x05"  # BIFF5 BOF: the stream was found by its name
    got, labels, _ = table(data, header={"find": REPORT_HEADER})
    assert got.sheet == "Reporte"
    assert labels[:4] == ["Subt.", "Ítem", "Asig.", "Denominación"]
    assert got.df.iloc[2][["Subt.", "Ítem", "Denominación", "Presupuesto Inicial"]].tolist() == \
        ["5", "2", "Del Gobierno Central", "4950573"]
    biff8, _, _ = table((FIXTURES / "programa_mayusculas.xls").read_bytes(), header={"find": REPORT_HEADER})
    assert got.df.astype(str).values.tolist() == biff8.df.astype(str).values.tolist()  # the same report, cell for cell


def test_xlsx_is_still_xlsx_next_to_xlsb():
    assert sniff_format(xlsx({"Hoja1": {"A1": "x"}})) == "xlsx"


def test_xlsb_walk_gives_the_same_extent_whatever_the_chunking():
    """Records split across inflate chunks (4 MiB in production) are resumed, not misread."""
    from workbench.engine.core.readers.xlsb import _Walk

    part = xlsb_sheet({(r, c): f"celda {r} {c}" if c % 2 else r * 1.5 for r in range(300) for c in range(7)})
    whole = _Walk()
    whole.feed(part)
    for step in (1, 2, 3, 5, 7, 64):
        walk, pending = _Walk(), b""
        for at in range(0, len(part), step):
            pending += part[at : at + step]
            pending = pending[walk.feed(pending) :]
        assert (walk.rows, walk.columns, walk.done) == (whole.rows, whole.columns, whole.done) == (300, 7, True)


def test_xlsb_extent_matches_what_calamine_reads():
    grid = read((FIXTURES / "programa_notas.xlsb").read_bytes(), sheet="Reporte")
    from workbench.engine.core import zipcheck
    from workbench.engine.core.limits import InputLimits
    from workbench.engine.core.readers.xlsb import sheet_extent, sheet_part

    data = (FIXTURES / "programa_notas.xlsb").read_bytes()
    entry = {e.name: e for e in zipcheck.zip_entries(data, InputLimits(), "x")}[sheet_part(data, "Reporte")]
    assert sheet_extent(data, entry, "x") == (grid.rows[-1], len(grid.letters)) == (34, 12)


def test_xlsb_merged_cells_cannot_be_filled_and_say_so():
    grid = read(xlsb({"Hoja1": {"A1": "Título", "A2": "x"}}), fill_merged=True)
    assert [issue["kind"] for issue in grid.issues] == ["merged-unavailable"]
    assert grid.issues[0]["message_es"] == ("las celdas combinadas no se pueden leer en archivos xlsb; no se rellenó "
                                            "ninguna")
