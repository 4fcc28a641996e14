"""The input limits themselves: file names, zip directories, shapes and cells, with located messages."""

from __future__ import annotations

import pytest

from tests.abuse.hostile import far_cells, lying_sheet, many_entries, small_xlsx
from workbench.engine.core import limits as lim
from workbench.engine.core import zipcheck
from workbench.engine.core.readers import read_raw
from workbench.engine.core.readers.guard import check_input
from workbench.engine.core.readers.registry import input_format
from workbench.engine.core.spec.source import SourceOptions

TIGHT = lim.InputLimits(max_rows=5, max_columns=3, max_cells=12, max_cell_chars=10, max_zip_entries=20,
                        max_xls_bytes=4096)


@pytest.mark.parametrize(("given", "expected"), [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\ana\\ley 2017.csv", "ley 2017.csv"),
    ("/abs/x.xlsx", "x.xlsx"),
    ("a\x00b\r\nc.csv", "abc.csv"),
    ("\u202egnp.exe.csv", "gnp.exe.csv"),
    ('re"po<r>t|?*.csv', "re_po_r_t___.csv"),
    ("..", "upload"),
    ("", "upload"),
    (None, "upload"),
    ("  .oculto.csv. ", "oculto.csv"),
    ("Año Presupuestario.xlsx", "Año Presupuestario.xlsx"),
])
def test_sanitize_filename(given, expected):
    assert lim.sanitize_filename(given) == expected
    assert lim.sanitize_filename(expected) == expected  # idempotent


def test_a_long_name_keeps_its_extension():
    name = lim.sanitize_filename("x" * 10_000 + ".xlsx")
    assert len(name) == lim.MAX_FILENAME_CHARS and name.endswith("x.xlsx")


def test_too_many_rows_names_the_first_row_over_the_limit():
    with pytest.raises(lim.TooManyRowsError) as err:
        read_raw(b"a\n\nb\nc\nd\ne\nf\ng\n", SourceOptions(), filename="filas.csv", limits=TIGHT)
    assert err.value.details["row"] == 7  # the sixth record, on line 7 (line 2 is empty)
    assert err.value.message_es.startswith("filas.csv fila 7: tiene 7 filas; el máximo es 5")


def test_too_many_columns_names_the_first_wide_row():
    with pytest.raises(lim.TooManyColumnsError) as err:
        read_raw(b"a;b\n1;2\n1;2;3;4\n", SourceOptions(), filename="ancha.csv", limits=TIGHT)
    assert err.value.details["row"] == 3
    assert err.value.message == "ancha.csv row 3: it has 4 columns (up to D); the limit is 3"


def test_a_long_cell_is_located_by_row_and_column():
    data = "a;b\nok;" + "ñ" * 11 + "\n"
    with pytest.raises(lim.CellTooLongError) as err:
        read_raw(data.encode(), SourceOptions(), filename="celda.csv", limits=TIGHT)
    assert (err.value.details["row"], err.value.details["column"], err.value.details["chars"]) == (2, "B", 11)
    assert err.value.message_es == "celda.csv fila 2 columna B: una celda tiene 11 caracteres; el máximo es 10"


def test_multibyte_text_at_the_limit_is_accepted():
    grid = read_raw(("a\n" + "ñ" * 10 + "\n").encode(), SourceOptions(), filename="x.csv", limits=TIGHT)
    assert grid.df.iloc[1, 0] == "ñ" * 10


def test_a_sheet_with_two_far_cells_is_refused_before_calamine_allocates_it():
    with pytest.raises(lim.TooManyColumnsError) as err:
        read_raw(far_cells("A1", "XFD1048576"), SourceOptions(), filename="lejos.xlsx")
    assert err.value.details["sheet"] == "Datos" and err.value.details["columns"] == 16_384


def test_zip_entries_and_lying_sizes():
    with pytest.raises(lim.ZipLimitError) as err:
        read_raw(many_entries(25), SourceOptions(), filename="m.xlsx", limits=TIGHT)
    assert err.value.details["reason"] == "entries"
    with pytest.raises(lim.ZipLimitError) as err:
        read_raw(lying_sheet(), SourceOptions(), filename="l.xlsx")
    assert err.value.details["reason"] == "size-mismatch"
    assert err.value.code == "workbook-zip-limit" and isinstance(err.value, lim.WorkbookError)


def test_xls_size_bound():
    with pytest.raises(lim.WorkbookTooLargeError):
        check_input(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(5000), input_format("xls"), "grande.xls", TIGHT)


def test_a_normal_workbook_passes_every_check():
    grid = read_raw(small_xlsx(), SourceOptions(), filename="ok.xlsx")
    assert grid.df.iloc[1, 0] == "21"


def test_limits_come_from_settings():
    from workbench.engine.core.settings import Settings

    limits = lim.InputLimits.from_settings(Settings(max_rows=7, max_zip_ratio=50))
    assert (limits.max_rows, limits.max_zip_ratio, limits.max_columns) == (7, 50, 2_000)


def test_a_crash_of_the_isolated_xls_reader_is_a_corrupt_workbook(monkeypatch: pytest.MonkeyPatch):
    """What an abort inside calamine looks like from here: the child dies, the caller gets a clean error."""
    from pathlib import Path

    from workbench.engine.core.errors import CorruptWorkbookError
    from workbench.engine.core.readers import isolated

    monkeypatch.setattr(isolated, "_CHILD", "import os, sys; sys.stdin.buffer.read(); os.abort()")
    data = (Path(__file__).resolve().parents[1] / "data" / "abuse" / "base.xls").read_bytes()
    with pytest.raises(CorruptWorkbookError) as err:
        read_raw(data, SourceOptions(), filename="b.xls")
    assert "signal 6" in err.value.message


def test_xls_is_read_in_the_child_with_the_same_cells():
    from pathlib import Path

    data = (Path(__file__).resolve().parents[1] / "data" / "abuse" / "base.xls").read_bytes()
    grid = read_raw(data, SourceOptions(), filename="b.xls")
    assert grid.source.sheets and grid.df.shape[0] >= 1


def test_cell_references_are_measured_from_attributes_only():
    xml = b'<row r="5"><c r="AB12" t="s"><v>1</v></c><c\tr="C7"/><f>IF(Number="XFD99999",1)</f></row>'
    assert zipcheck._refs_extent(xml) == (12, 28)  # AB = 28; the formula's text is not a reference
