"""The Arrow CSV path (readers/csv_arrow.py) gives exactly the grid of the numpy and Python parsers, and only
takes the files it can read that way (regular, unquoted); any other file falls through to them."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.engine.core.limits import InputLimits, TooManyColumnsError
from workbench.engine.core.readers.base import SourceInfo
from workbench.engine.core.readers.csv_arrow import BLOCK_BYTES, line_bounds
from workbench.engine.core.readers.csv_reader import (_parse_fast, _parse_python, _parse_regular, _shape_check,
                                                      read_csv)
from workbench.engine.core.spec.source import SourceOptions


def parsed(p) -> tuple:
    return (p.rows.tolist(), p.counts.tolist(), p.whitespace_lines, [c.to_pylist() for c in p.columns])


def all_three(buf: bytes, delimiter: str = ";"):
    """The Arrow path's grid (None when it declines) and the numpy and Python parsers' grids."""
    return (_parse_regular(buf, delimiter), parsed(_parse_fast(buf, delimiter)),
            parsed(_parse_python(buf.decode(), delimiter, '"')))


REGULAR = [
    b"a;b;c\n01;001;x\n2;;q z\n",
    b"a;b\r\n1;2\r\n\r\n3;4\r\n",  # CRLF, an empty line
    b"a;b\r1;2\r\r3;4",  # lone CRs, no final break
    b"a;b\n1;2\r\n3;4\r5;6\n\n\n7;8\n",  # mixed breaks
    b"a;b\n \n1;2\n\t \xc2\xa0\n3;4\n",  # whitespace-only lines (NBSP included): skipped and reported
    b"\n\na;b\n1;2\n",  # leading empty lines
    b'x;y"z\n1;2"\n',  # a quote inside a field is text
    b"a;b\n\x00;\xc3\xb1\n",
    b";\n;\n",  # every field empty
]


@pytest.mark.parametrize("buf", REGULAR)
def test_regular_files_are_read_by_arrow_and_agree_with_both_parsers(buf):
    arrow, fast, python = all_three(buf)
    assert arrow is not None
    assert parsed(arrow) == fast == python


def test_whitespace_lines_are_skipped_with_their_line_numbers():
    arrow = _parse_regular(b"a;b\n \n1;2\n\t \xc2\xa0\n3;4\n", ";")
    assert arrow.rows.tolist() == [1, 3, 5]
    assert arrow.whitespace_lines == [2, 4]


@pytest.mark.parametrize("buf", [
    b"a;b\n1;2;3\n4;5\n",  # a wider row
    b"a;b;c\n1;2\n",  # a narrower row
    b"titulo\na;b\n1;2\n",  # a title line above the header
    b"solo\nvalor\n \n",  # one column: a whitespace line would be a record to Arrow
    b"\n\r\n",  # no record at all
])
def test_other_files_fall_through_to_the_general_parsers(buf):
    arrow, fast, python = all_three(buf)
    assert arrow is None
    assert fast == python


def test_a_line_longer_than_a_block_is_read_whole():
    buf = b"a;b\n" + b"x" * (BLOCK_BYTES + 10) + b";y\n1;2\n"
    arrow = _parse_regular(buf, ";")
    assert arrow is not None and parsed(arrow) == parsed(_parse_fast(buf, ";"))


def test_a_too_wide_first_line_is_refused_before_arrow_builds_columns():
    limits = InputLimits(max_columns=3)
    with pytest.raises(TooManyColumnsError) as info:
        _parse_regular(b"\n" + b";".join([b"c"] * 5) + b"\n", ";", _shape_check(limits, "f.csv"))
    assert info.value.details["row"] == 2


def test_line_bounds_follow_lf_cr_and_crlf():
    starts, ends = line_bounds(b"ab\r\ncd\ref\n\n")
    assert list(zip(starts.tolist(), ends.tolist())) == [(0, 2), (4, 6), (7, 9), (10, 10)]


def test_read_csv_takes_the_arrow_path_for_a_dipres_like_file(monkeypatch):
    from workbench.engine.core.readers import csv_reader

    taken = []
    monkeypatch.setattr(csv_reader, "_parse_fast", lambda *a, **k: taken.append("numpy"))
    data = "Partida;Denominación;Monto\n50;Programa \"4 a 7\"   ;1.234\n50;RESULTADO;\n".encode("latin-1")
    grid = read_csv(data, SourceOptions(), SourceInfo(sha256="", bytes=len(data), format="csv"))
    assert taken == []
    assert grid.rows == [1, 2, 3]
    assert grid.df.iloc[1].tolist() == ["50", 'Programa "4 a 7"   ', "1.234"]
    assert pd.isna(grid.df.iloc[2, 2])


LINE = st.lists(st.sampled_from(["a", "01", " ", "ñ", "x y", "", "\xa0", "\t", '"', 'q"']), min_size=3, max_size=3)
BREAK = st.sampled_from(["\n", "\r\n", "\r"])
EXTRA = st.sampled_from(["", "", "", "\n", " \n", "\r\n", "\t\r\n"])


@given(st.lists(st.tuples(LINE, BREAK, EXTRA), min_size=1, max_size=15))
def test_arrow_agrees_with_the_numpy_parser_on_generated_files(lines):
    text = "".join(";".join(cells) + brk + extra for cells, brk, extra in lines)
    buf = text.encode()
    if buf.startswith(b'"') or any(m in buf for m in (b';"', b'\n"', b'\r"')):
        return  # a field opening with a quote goes to Python's csv, never to these two
    arrow = _parse_regular(buf, ";")
    fast = parsed(_parse_fast(buf, ";"))
    if all(count == 3 for count in fast[1]):  # regular (whitespace-only lines aside): Arrow reads it
        assert arrow is not None
    if arrow is not None:
        assert parsed(arrow) == fast
