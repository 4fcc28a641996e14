"""CSV parsing: Python csv-module semantics, physical line numbers, and structural problems as issues."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.engine.core.errors import FileFormatError

from tests.unit.readers.util import cells, read
from workbench.engine.core.readers.base import SourceInfo
from workbench.engine.core.readers.csv_reader import _fast_path_ok, read_csv
from workbench.engine.core.spec.source import SourceOptions

FIXTURES = Path(__file__).parents[2] / "data" / "workbench" / "readers"


def kinds(grid):
    return [(issue["kind"], issue["row"]) for issue in grid.issues]


def test_text_is_kept_exactly():
    grid = read(b"Partida;Item;Nombre\n01;001;  APORTE FISCAL   \n")
    assert cells(grid)[1] == ["01", "001", "  APORTE FISCAL   "]


def test_empty_fields_are_missing():
    assert cells(read(b"a;b;c\n1;;3\n"))[1] == ["1", None, "3"]


def test_dipres_like_file_reads_with_every_quirk():
    grid = read((FIXTURES / "ley_mini_latin1.csv").read_bytes())
    assert grid.source.encoding == "latin-1"
    assert grid.source.delimiter == ";"
    assert grid.rows == [1, 3, 4, 5, 6]
    assert cells(grid)[2][6] == 'Programa "4 a 7"'
    assert cells(grid)[3] == ["05", "64", "02", "33", "03", "594",
                              'UCN-Diplomado "Gestión de Creatividad, Innovación', "10000", "0"]
    assert cells(grid)[4][7] == "0,001"
    assert kinds(grid) == [("blank-line", 2)]


def test_whitespace_only_lines_are_skipped_and_reported():
    grid = read(b"a;b\r\n \r\n1;2\r\n\t \r\n3;4\r\n")
    assert cells(grid) == [["a", "b"], ["1", "2"], ["3", "4"]]
    assert grid.rows == [1, 3, 5]
    assert kinds(grid) == [("blank-line", 2), ("blank-line", 4)]
    assert grid.issues[0]["message"] == "line 2 holds only whitespace; skipped"
    assert grid.issues[0]["message_es"] == "la línea 2 solo tiene espacios en blanco; se omitió"


def test_empty_lines_are_skipped_silently():
    grid = read(b"a;b\n\n1;2\n\n")
    assert grid.rows == [1, 3]
    assert grid.issues == []


def test_quote_in_the_middle_of_a_field_is_literal_and_swallows_nothing():
    grid = read(b'a;b\n1;UCN "Gestion, Innovacion;3\n4;5\n')
    assert cells(grid) == [["a", "b", None], ["1", 'UCN "Gestion, Innovacion', "3"], ["4", "5", None]]
    assert grid.rows == [1, 2, 3]


def test_doubled_quotes_escape_a_quote():
    assert cells(read(b'a,b\n1,"ha ""ha"" ha"\n'))[1] == ["1", 'ha "ha" ha']


def test_quoted_delimiters_stay_in_the_field():
    assert cells(read(b'a,b\n"Anytown, WW",08123\n'))[1] == ["Anytown, WW", "08123"]


def test_multiline_quoted_field_keeps_the_line_where_its_record_starts():
    grid = read(b'id,notes\n1,"line one\nline two\nline three"\n2,plain\n3,"x\r\ny"\n4,z\n')
    assert cells(grid)[1] == ["1", "line one\nline two\nline three"]
    assert cells(grid)[3] == ["3", "x\r\ny"]
    assert grid.rows == [1, 2, 5, 6, 8]


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"])
def test_line_endings(eol):
    grid = read(eol.join([b"a;b", b"1;2", b"3;4"]) + eol)
    assert cells(grid) == [["a", "b"], ["1", "2"], ["3", "4"]]
    assert grid.rows == [1, 2, 3]


def test_mixed_line_endings_count_one_line_each():
    grid = read(b"a;b\r\n1;2\n3;4\r5;6")
    assert grid.rows == [1, 2, 3, 4]
    assert cells(grid)[-1] == ["5", "6"]


def test_short_row_is_padded_and_reported():
    grid = read(b"a;b;c\n1;2;3\n4\n5;6;7\n")
    assert cells(grid)[2] == ["4", None, None]
    assert grid.issues == [{"row": 3, "kind": "ragged", "expected": 3, "found": 1,
                            "message": "row 3 has 1 field, expected 3",
                            "message_es": "la fila 3 tiene 1 campo; se esperaban 3"}]


def test_long_row_widens_the_grid_and_is_reported():
    grid = read(b"a;b\n1;2\n3;4;extra\n5;6\n")
    assert grid.letters == ["A", "B", "C"]
    assert cells(grid) == [["a", "b", None], ["1", "2", None], ["3", "4", "extra"], ["5", "6", None]]
    assert kinds(grid) == [("ragged", 3)]
    assert grid.issues[0]["found"] == 3


def test_header_only_file_has_one_row():
    grid = read(b"Partida;Monto\r\n")
    assert cells(grid) == [["Partida", "Monto"]]


def test_file_without_final_newline_keeps_its_last_row():
    assert cells(read(b"a,b\n1,2"))[-1] == ["1", "2"]


def test_unterminated_opening_quote_is_a_located_error_not_a_silent_truncation():
    with pytest.raises(FileFormatError) as info:
        read(b'a,b\n1,"never closed\n2,3\n')
    assert info.value.details["row"] == 2
    assert "never closed" in info.value.message and "row 2" in info.value.message


TRICKY = [
    b"a;b;c\r\n01;001;x\r\n \r\n\r\n2;;q z\r\nshort\r\nl;o;n;g\r\n",
    b'x;y"z;w\n1;2\n',
    b"a,b\rc,d\r\re,f",
    b"solo\n \nvalor\n",
    b"a;b\n\xed;\xf1\n",
    b"\xef\xbb\xbfa;b\r\n1;2",
    b"",
    b"\n\n\r\n",
]


@pytest.mark.parametrize("data", TRICKY)
def test_fast_and_python_parsers_agree(data):
    options = SourceOptions()
    fast = read_csv(data, options, SourceInfo(sha256="", bytes=len(data), format="csv"))
    slow = read_csv(data, options, SourceInfo(sha256="", bytes=len(data), format="csv"), force_python=True)
    assert fast.df.equals(slow.df)
    assert (fast.rows, fast.letters, fast.issues) == (slow.rows, slow.letters, slow.issues)


def test_fast_path_is_taken_only_without_field_opening_quotes():
    assert _fast_path_ok(b'a;b\n1;Programa "4 a 7"\n', ";", '"')
    assert not _fast_path_ok(b'a;b\n1;"quoted"\n', ";", '"')
    assert not _fast_path_ok(b'"a";b\n', ";", '"')
