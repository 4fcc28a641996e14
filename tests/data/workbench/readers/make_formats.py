"""Make the workbook-shape fixtures from ``examples/programa_ejecucion_2017_abril.xlsx`` (the project's own
invented DIPRES-like report). Run from the repository root: ``.venv/bin/python -m
tests.data.workbench.readers.make_formats`` (the .xls needs LibreOffice: ``soffice`` on the PATH).

- ``programa_con_notas.xlsx``: a ``Notas`` sheet first, then the report on sheets 2 (``Reporte``) and 3
  (``Reporte (2)``, a copy): the header the spec finds is not on the first sheet.
- ``programa_notas.xlsb``: the same three sheets as a binary workbook (BIFF12), written by
  ``tests.unit.readers.workbooks.xlsb`` (cell values only; LibreOffice cannot write .xlsb).
- ``programa_mayusculas.xls``: the report saved as .xls by LibreOffice, its OLE stream renamed from
  ``Workbook`` to ``WORKBOOK`` (as some exporters write it; LibreOffice and calamine read it).
- ``programa_book.xls``: the report as an Excel 95 workbook (BIFF5), its OLE stream named ``BOOK`` in capitals,
  written by ``tests.unit.readers.workbooks.biff5`` and ``ole_file`` (cell values only, text in code page 1252).
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import openpyxl

from tests.unit.readers.workbooks import biff5, ole_file, xlsb

HERE = Path(__file__).parent
EXAMPLE = HERE.parents[3] / "examples" / "programa_ejecucion_2017_abril.xlsx"
NOTES = ["Notas", "Fuente: Dirección de Presupuestos (datos inventados para pruebas)",
         "Cifras en miles de pesos", "El informe está en las hojas siguientes"]


def with_notes() -> Path:
    book = openpyxl.load_workbook(EXAMPLE)
    report = book["Reporte"]
    book.copy_worksheet(report).title = "Reporte (2)"
    notes = book.create_sheet("Notas", 0)
    for i, text in enumerate(NOTES, start=1):
        notes[f"A{i}"] = text
    book.active = 0
    out = HERE / "programa_con_notas.xlsx"
    book.save(out)
    return out


def as_xlsb(xlsx: Path) -> Path:
    book = openpyxl.load_workbook(xlsx)
    sheets = {ws.title: {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}
              for ws in book.worksheets}
    out = HERE / "programa_notas.xlsb"
    out.write_bytes(xlsb(sheets))
    return out


def uppercase_xls() -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["soffice", "--headless", "--convert-to", "xls", "--outdir", tmp, str(EXAMPLE)],
                       check=True, capture_output=True, timeout=120, env={"HOME": tmp, "PATH": "/usr/bin:/bin"})
        data = bytearray((Path(tmp) / (EXAMPLE.stem + ".xls")).read_bytes())
    name = "Workbook".encode("utf-16-le") + b"\x00\x00"
    at = data.find(name)
    while at != -1 and at % 128:
        at = data.find(name, at + 1)
    assert at != -1, "no Workbook directory entry"
    data[at : at + len(name)] = "WORKBOOK".encode("utf-16-le") + b"\x00\x00"
    out = HERE / "programa_mayusculas.xls"
    out.write_bytes(bytes(data))
    return out


def book_xls() -> Path:
    report = openpyxl.load_workbook(EXAMPLE)["Reporte"]
    cells = {c.coordinate: c.value for row in report.iter_rows() for c in row if c.value is not None}
    out = HERE / "programa_book.xls"
    out.write_bytes(ole_file("BOOK", biff5({"Reporte": cells})))
    return out


if __name__ == "__main__":
    for path in (as_xlsb(with_notes()), uppercase_xls(), book_xls()):
        print(path.name, path.stat().st_size)

