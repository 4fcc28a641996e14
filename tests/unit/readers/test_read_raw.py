"""read_raw: one entry point for every format, with the facts of the file in SourceInfo."""

from __future__ import annotations

import hashlib

import workbench.engine.core.readers as readers
from tests.unit.readers.util import cells, read, table
from tests.unit.readers.workbooks import xlsx
from workbench.engine.core.spec.source import SourceOptions

CSV = "Partida;Capítulo;Denominación;Monto Pesos\r\n01;01;GASTOS EN PERSONAL;1050\r\n".encode("latin-1")


def test_csv_source_info():
    source = read(CSV).source
    assert source.to_dict() == {
        "sha256": hashlib.sha256(CSV).hexdigest(), "bytes": len(CSV), "format": "csv", "filename": "upload.bin",
        "encoding": "latin-1", "delimiter": ";", "sheet": None, "sheets": [],
    }


def test_workbook_source_info_has_no_csv_facts():
    source = read(xlsx({"Hoja1": {"A1": "x"}})).source
    assert (source.format, source.encoding, source.delimiter, source.sheet) == ("xlsx", None, None, "Hoja1")


def test_format_is_sniffed_not_taken_from_the_name():
    data = xlsx({"Hoja1": {"A1": "Partida"}})
    assert readers.read_raw(data, SourceOptions(), filename="ley.csv").source.format == "xlsx"


def test_explicit_format_skips_sniffing():
    assert read(b"a,b\n1,2\n", format="csv").source.format == "csv"


def test_csv_to_table_end_to_end():
    result, labels, warnings = table(CSV)
    assert labels == ["Partida", "Capítulo", "Denominación", "Monto Pesos"]
    assert result.df.iloc[0].tolist() == ["01", "01", "GASTOS EN PERSONAL", "1050", 2]
    assert result.origins == {"Partida": "A", "Capítulo": "B", "Denominación": "C", "Monto Pesos": "D"}
    assert result.sheet is None
    assert warnings == []


def test_list_sheets_of_a_csv_is_empty():
    assert readers.list_sheets(CSV) == []


def test_public_api():
    assert set(readers.__all__) >= {"sniff_format", "read_raw", "list_sheets", "build_table", "RawGrid", "SourceInfo"}
    assert all(hasattr(readers, name) for name in readers.__all__)


def test_grid_of_the_csv():
    assert cells(read(CSV))[1] == ["01", "01", "GASTOS EN PERSONAL", "1050"]


def test_a_workbook_given_to_a_csv_spec_is_named_for_what_it_is():
    import io

    import openpyxl
    import pytest

    from workbench.engine.core.errors import FileFormatError
    from workbench.engine.core.readers import read_raw
    from workbench.engine.core.spec.source import SourceOptions

    book = openpyxl.Workbook()
    book.active["A1"] = "Partida"
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(FileFormatError) as info:
        read_raw(out.getvalue(), SourceOptions(format="csv"), filename="informe.csv")
    assert "this file is an xlsx workbook, but the spec reads a CSV text file" in info.value.message
