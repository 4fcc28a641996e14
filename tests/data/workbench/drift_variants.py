"""Layout-drift fixtures: the generator's DIPRES layouts (generate.py) and the same files changed in one way each.

Each change is a small function over the file's rows (CSV: latin-1 ``;`` lines; workbook: title rows, header and
rows written with openpyxl), so a test says exactly which drift it expects.
"""

from __future__ import annotations

import io
import random
from typing import Callable

from tests.data.workbench.generate import (MONTHS, PROGRAM_REPORT_HEADER, execution_csv, law_csv,
                                           program_report_rows)

Rows = list[list[str]]

#: Programs of the unchanged files (partida, capítulo, programa), none the baseline's.
OTHER_PROGRAMS = [("01", "01", "01"), ("05", "61", "02"), ("06", "01", "01"), ("09", "01", "03"), ("12", "02", "01"),
                  ("13", "01", "04"), ("15", "01", "01"), ("16", "01", "02"), ("17", "03", "01"), ("18", "01", "01"),
                  ("19", "01", "05"), ("20", "01", "01"), ("21", "01", "02"), ("22", "01", "01"), ("24", "01", "03"),
                  ("25", "01", "01"), ("26", "01", "01"), ("27", "02", "02"), ("29", "01", "01"), ("31", "01", "01")]
BASE_PROGRAM = ("50", "01", "05")


def execution_rows(program: tuple[str, str, str] = BASE_PROGRAM, *, month: int = 4, currency: str = "P",
                   seed: int = 7) -> Rows:
    text = execution_csv([program], month=month, currency=currency, seed=seed).decode("latin-1")
    return [line.split(";") for line in text.split("\n") if line]


def to_csv(rows: Rows) -> bytes:
    return ("\n".join(";".join(row) for row in rows) + "\n").encode("latin-1")


def base_execution() -> bytes:
    return to_csv(execution_rows())


def _column(rows: Rows, label: str) -> int:
    return rows[[i for i, row in enumerate(rows) if label in row][0]].index(label)


def move(rows: Rows, label: str, to: int) -> Rows:
    j = _column(rows, label)
    out = []
    for row in rows:
        row = list(row)
        row.insert(to, row.pop(j))
        out.append(row)
    return out


def swap(rows: Rows, a: str, b: str) -> Rows:
    i, j = _column(rows, a), _column(rows, b)
    out = []
    for row in rows:
        row = list(row)
        row[i], row[j] = row[j], row[i]
        out.append(row)
    return out


def relabel(rows: Rows, old: str, new: str) -> Rows:
    return [[new if cell == old else cell for cell in row] for row in rows]


def insert_column(rows: Rows, label: str, before: str, value: Callable[[int], str]) -> Rows:
    """A new column before ``before``: the label on the header (first) row, ``value(i)`` on row i."""
    j = _column(rows, before)
    return [row[:j] + [label if i == 0 else value(i)] + row[j:] for i, row in enumerate(rows)]


def drop_column(rows: Rows, label: str) -> Rows:
    j = _column(rows, label)
    return [row[:j] + row[j + 1:] for row in rows]


def title_row(rows: Rows, text: str) -> Rows:
    width = len(rows[0])
    return [[text] + [""] * (width - 1)] + rows


def retype(rows: Rows, label: str, every: int = 3, text: str = "s/i") -> Rows:
    """Some values of a numeric column become text (``s/i``: sin información)."""
    j = _column(rows, label)
    return [row if i == 0 or i % every or not row[j] else row[:j] + [text] + row[j + 1:] for i, row in enumerate(rows)]


def drop_footer(rows: Rows) -> Rows:
    return rows[:-1]


# --- the workbook report ------------------------------------------------------------------------------------------


def report_sheet(*, program: str = "120101", name: str = "SECRETARÍA Y ADMINISTRACIÓN GENERAL", month: int = 4,
                 seed: int = 5) -> tuple[Rows, Rows]:
    """(title rows, header + data rows) of the per-program execution report (generate.program_report_xlsx)."""
    rng = random.Random(seed)
    titles = [["MINISTERIO DE OBRAS PÚBLICAS"], ["Informe de Ejecución Programa"], [f"{program} : {name}"],
              ["Moneda Nacional - Miles de Pesos"], [f"Período: Enero - {MONTHS[month - 1].title()}"], []]
    header = [h.format(month=MONTHS[month - 1].title()) for h in PROGRAM_REPORT_HEADER]
    return titles, [header] + program_report_rows(rng)


def to_xlsx(titles: Rows, table: Rows, *, sheet: str = "Reporte", first_sheet: str | None = None) -> bytes:
    from openpyxl import Workbook  # lazy: only the workbook fixtures need it

    wb = Workbook()
    ws = wb.active
    if first_sheet is not None:
        ws.title = first_sheet
        ws.append(["Notas del informe"])
        ws = wb.create_sheet(sheet)
    else:
        ws.title = sheet
    for row in titles + table:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def law_file(program: tuple[str, str, str], seed: int) -> bytes:
    return law_csv([program], layout="2017", seed=seed)


__all__ = ["BASE_PROGRAM", "OTHER_PROGRAMS", "base_execution", "drop_column", "drop_footer", "execution_rows",
           "insert_column", "law_file", "move", "relabel", "report_sheet", "retype", "swap", "title_row", "to_csv",
           "to_xlsx"]
