"""The one list of export formats: every format has a writer, a media type and an extension, the typed names
follow the list, and a file name's suffix picks the writer."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import get_args

import openpyxl
import pandas as pd
import pytest

from workbench.engine.core.export import EXPORT_FORMATS, ExportError, ExportFormatName, write_frame

FRAME = pd.DataFrame({"partida": pd.array(["01", "=1+1", None], dtype="str"),
                      "monto": [Decimal("1.5"), Decimal("-2"), Decimal("0.001")]})


def test_the_typed_names_are_the_list():
    assert get_args(ExportFormatName) == tuple(EXPORT_FORMATS), "add the new format's name to ExportFormatName"
    assert [(f.name, f.extension) for f in EXPORT_FORMATS.values()] == \
        [("csv", ".csv"), ("parquet", ".parquet"), ("xlsx", ".xlsx")]
    assert len({f.media_type for f in EXPORT_FORMATS.values()}) == len(EXPORT_FORMATS)


def _read_back(name: str, path: Path) -> list[list[object]]:
    if name == "csv":
        return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))[1:]
    if name == "parquet":
        return pd.read_parquet(path).astype(object).where(lambda d: d.notna(), None).values.tolist()
    return [list(row) for row in openpyxl.load_workbook(path)["capa"].iter_rows(min_row=2, values_only=True)]


@pytest.mark.parametrize("name", list(EXPORT_FORMATS))
def test_each_format_writes_what_its_suffix_names(name: str, tmp_path: Path):
    fmt = EXPORT_FORMATS[name]
    path = tmp_path / f"out{fmt.extension}"
    write_frame(FRAME, path, sheet="capa")
    rows = _read_back(name, path)
    assert [r[0] for r in rows] == {"csv": ["01", "'=1+1", ""], "parquet": ["01", "=1+1", None],
                                    "xlsx": ["01", "'=1+1", None]}[name]
    assert [Decimal(str(r[1])) for r in rows] == [Decimal("1.5"), Decimal("-2"), Decimal("0.001")]


def test_an_unknown_suffix_lists_every_format(tmp_path: Path):
    with pytest.raises(ExportError) as err:
        write_frame(FRAME, tmp_path / "out.pdf")
    assert err.value.message == "cannot export to out.pdf: use a .csv, .parquet or .xlsx file name"
    assert err.value.message_es == "no se puede exportar a out.pdf: use un nombre de archivo .csv, .parquet o .xlsx"
