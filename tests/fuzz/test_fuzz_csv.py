"""Fuzz the readers: whatever the bytes, the result is a grid or a WorkbenchError (never another exception),
and the two CSV parsers agree whenever both read a file."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tests.abuse.hostile import small_xlsx
from tests.unit.readers.workbooks import ods
from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.limits import InputLimits
from workbench.engine.core.readers import read_raw
from workbench.engine.core.readers.base import SourceInfo
from workbench.engine.core.readers.csv_reader import read_csv
from workbench.engine.core.spec.source import SourceOptions

pytestmark = pytest.mark.fuzz

#: Small limits: the fuzzer reaches them, so the limit paths are fuzzed too.
LIMITS = InputLimits(max_rows=200, max_columns=40, max_cells=2_000, max_cell_chars=300)
PIECES = st.sampled_from([";", ",", "\t", "|", '"', '""', "'", "\r", "\n", "\r\n", " ", "  ", "\x00", "\\", "=",
                          "a", "01", "1.234,5", "Año", "ñ", "€", "\u202e", "\ufeff", "\udcff", "<html>", "%PDF-",
                          "PK\x03\x04", "😀", "\x85", "\u2028"])
SMALL_ODS = ods([["Partida", "Monto"], ["21", "100"]])
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16", "utf-16-le", "utf-32"])


def _read(data: bytes, options: SourceOptions = SourceOptions()) -> None:
    try:
        grid = read_raw(data, options, filename="fuzz.csv", limits=LIMITS)
    except WorkbenchError:
        return
    assert len(grid.rows) == len(grid.df) and len(grid.letters) == grid.df.shape[1]


@given(st.binary(max_size=4096))
def test_random_bytes(data: bytes):
    _read(data)


@given(st.lists(PIECES, max_size=300), ENCODINGS)
def test_csv_ish_text(pieces: list[str], encoding: str):
    text = "".join(pieces)
    _read(text.encode(encoding, errors="surrogatepass" if "utf-8" in encoding else "replace"))


@given(st.lists(PIECES, max_size=200), st.sampled_from([";", ",", "\\t", "|", "auto"]),
       st.sampled_from(['"', "'"]), st.sampled_from(["auto", "utf-8", "latin-1", "utf-16"]))
def test_csv_ish_text_with_options(pieces: list[str], delimiter: str, quotechar: str, encoding: str):
    options = SourceOptions(delimiter=delimiter, quotechar=quotechar, encoding=encoding)
    _read("".join(pieces).encode("utf-8", errors="replace"), options)


@given(st.lists(st.lists(st.text(st.sampled_from('ab;,"\r\n '), max_size=6), min_size=1, max_size=5),
                min_size=1, max_size=12))
def test_both_csv_parsers_agree(rows: list[list[str]]):
    data = "\n".join(";".join(row) for row in rows).encode()
    options = SourceOptions(delimiter=";")
    grids = []
    for force_python in (False, True):
        source = SourceInfo(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data), format="csv")
        try:
            grids.append(read_csv(data, options, source, force_python=force_python, limits=LIMITS))
        except WorkbenchError:
            return
    assume(len(grids) == 2)
    fast, slow = grids
    assert fast.rows == slow.rows
    pd.testing.assert_frame_equal(fast.df, slow.df)


@given(st.sampled_from(["xlsx", "ods"]), st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)),
                                                   min_size=1, max_size=8), st.integers(0, 12_000))
def test_damaged_workbooks(kind: str, flips: list[tuple[int, int]], cut: int):
    """An xlsx or ods with bytes changed and maybe truncated: calamine (or the limits) must answer with an
    error we can show, never a crash or a panic. (.xls is parsed in a child process: its mutations are abuse
    cases, too slow to fuzz here.)"""
    data = bytearray(small_xlsx() if kind == "xlsx" else SMALL_ODS)
    for position, value in flips:
        data[position % len(data)] = value
    _read(bytes(data[: max(1, cut)] if cut < len(data) else data))
