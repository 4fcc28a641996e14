"""The input format registry: one entry per format, the only place sniffing, reading, sheet listing and the
limits before parsing look a format up. A throwaway format registered by a fixture is sniffed, read, listed
and bounded with no other change: the recipe of docs/readers.md ("Adding a format")."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import Path
from typing import get_args

import pandas as pd
import pytest

from tests.abuse.hostile import Entry, deflate_zeros, write_zip
from tests.unit.readers.workbooks import ods, ole, xlsb, xlsx, zip_of
from workbench.engine.core import limits as lim
from workbench.engine.core.errors import FileFormatError
from workbench.engine.core.readers import list_sheets, read_raw, sniff_format
from workbench.engine.core.readers import registry
from workbench.engine.core.readers.base import RawGrid, SourceInfo
from workbench.engine.core.readers.detect import ZIP
from workbench.engine.core.readers.format import FormatLimits, InputFormat, Probe
from workbench.engine.core.spec.source import Format, SourceOptions
from workbench.engine.core.table import column_letter

DOCS = Path(__file__).parents[3] / "docs" / "readers.md"
TIGHT = lim.InputLimits(max_rows=5, max_zip_entries=20, max_xls_bytes=4096)


def test_the_spec_format_literal_is_auto_and_every_registered_format():
    assert get_args(Format) == ("auto", *registry.INPUT_FORMATS), \
        "add the new format's name to Format in engine/core/spec/source.py"


def test_every_source_option_belongs_to_every_format_or_to_the_formats_that_list_it():
    fields = set(SourceOptions.model_fields)
    listed = {option for fmt in registry.INPUT_FORMATS.values() for option in fmt.options}
    assert listed <= fields
    assert fields - set(registry.COMMON_OPTIONS) == listed
    assert registry.option_defaults("csv") == {"encoding": "auto", "delimiter": "auto", "quotechar": '"'}
    assert registry.option_defaults("xlsx") == {"sheet": 0, "fill_merged": False}


@pytest.mark.parametrize(("wanted", "detected", "expected"), [
    ("auto", "csv", True), ("auto", "ods", True), ("csv", "csv", True), ("xlsx", "xls", True),
    ("xls", "xlsb", True), ("csv", "xlsx", False), ("ods", "csv", False),
])
def test_a_spec_format_reads_its_whole_family(wanted: str, detected: str, expected: bool):
    assert registry.reads(wanted, detected) is expected


def test_each_built_in_format_is_sniffed_by_its_own_entry():
    samples = {
        "csv": b"a;b\n1;2\n",
        "xlsx": xlsx({"Hoja1": {"A1": "x"}}),
        "xlsm": xlsx({"Hoja1": {"A1": "x"}}, macro=True),
        "xlsb": xlsb({"Hoja1": {"A1": "x"}}),
        "xls": ole(["Workbook"]),
        "ods": ods([["x"]]),
    }
    assert set(samples) == set(registry.INPUT_FORMATS)
    for name, data in samples.items():
        container, probe = registry.INPUT_FORMATS[name].container, Probe(data)
        assert sniff_format(data) == name
        # the content tests of one container never both pass: registry order does not decide between them
        assert [f.name for f in registry.INPUT_FORMATS.values() if f.container == container and f.detect(probe)] == [name]


def test_measured_zip_parts_are_folders_or_exact_names():
    rules = FormatLimits(zip=True, measured=("xl/worksheets/", "content.xml"))
    assert rules.is_measured("xl/worksheets/sheet1.xml") and rules.is_measured("content.xml")
    assert not rules.is_measured("content.xml.bak") and not rules.is_measured("xl/styles.xml")


def test_docs_list_every_format_with_its_extensions():
    doc = DOCS.read_text(encoding="utf-8")
    for fmt in registry.INPUT_FORMATS.values():
        row = re.search(rf"^\| `{fmt.name}` \|.*$", doc, re.MULTILINE)
        assert row is not None, f"docs/readers.md has no row for {fmt.name}"
        assert all(f"`{ext}`" in row.group(0) for ext in fmt.extensions), row.group(0)


# --- the recipe: a throwaway zip-based format, registered by a fixture only ------------------------------

def _is_wbz(probe: Probe) -> bool:
    return "wbz/rows.txt" in probe.zip_names


def _read_wbz(data: bytes, options: SourceOptions, source: SourceInfo, limits: lim.InputLimits,
              fmt: InputFormat) -> RawGrid:
    """Rows of ``|``-separated cells in the part ``wbz/rows.txt``."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        rows = [line.split("|") for line in archive.read("wbz/rows.txt").decode().splitlines()]
    width = max(map(len, rows), default=0)
    lim.check_shape(len(rows), width, limits, filename=source.filename)
    df = pd.DataFrame({j: pd.array([r[j] if j < len(r) else None for r in rows], dtype="str") for j in range(width)})
    return RawGrid(df=df, rows=list(range(1, len(rows) + 1)), letters=[column_letter(j) for j in range(width)],
                   source=source)


WBZ = InputFormat(name="wbz", family="table", label="a wbz table", label_es="una tabla wbz", container=ZIP,
                  detect=_is_wbz, read=_read_wbz, sheets=None, options=(), extensions=(".wbz",),
                  limits=FormatLimits(max_bytes="max_xls_bytes", zip=True))


def wbz(text: str, **extra: bytes) -> bytes:
    return zip_of({"wbz/rows.txt": text.encode(), **extra})


@pytest.fixture
def wbz_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.INPUT_FORMATS, "wbz", WBZ)


def test_without_its_entry_the_throwaway_format_is_a_plain_zip():
    with pytest.raises(FileFormatError) as err:
        sniff_format(wbz("a|b"))
    assert err.value.details["detected"] == "zip"


def test_a_registered_format_is_sniffed_read_and_listed(wbz_registered: None):
    data = wbz("Partida|Monto\n01|1050\n02")
    assert sniff_format(data, "datos.csv") == "wbz"
    grid = read_raw(data, SourceOptions(), filename="datos.wbz")
    assert grid.source.format == "wbz" and grid.letters == ["A", "B"] and grid.rows == [1, 2, 3]
    assert grid.df.astype(object).where(grid.df.notna(), None).values.tolist() == \
        [["Partida", "Monto"], ["01", "1050"], ["02", None]]
    assert list_sheets(data) == []
    assert sniff_format(xlsx({"Hoja1": {"A1": "x"}})) == "xlsx"  # the built-in formats are unchanged


def test_a_spec_for_another_family_names_the_registered_format(wbz_registered: None):
    with pytest.raises(FileFormatError) as err:
        read_raw(wbz("a|b"), SourceOptions(format="csv"), filename="datos.wbz")
    assert err.value.details["detected"] == "wbz"
    assert "this file is a wbz table, but the spec reads a CSV text file" in str(err.value)


def test_a_registered_format_gets_its_limits_before_its_reader_runs(wbz_registered: None):
    with pytest.raises(lim.ZipLimitError) as err:  # the zip container's directory check, while sniffing
        read_raw(wbz("a", **{f"wbz/x{i}": b"" for i in range(25)}), SourceOptions(), limits=TIGHT)
    assert err.value.details["reason"] == "entries"

    stream, crc = deflate_zeros(64 * lim.MIB)  # a part that lies about its size: inflated before the reader
    rows = b"a|b"
    lying = write_zip([Entry("wbz/rows.txt", rows, len(rows), zlib.crc32(rows), method=0),
                       Entry("wbz/blob", stream, 2048, crc)])
    with pytest.raises(lim.ZipLimitError) as err:
        read_raw(lying, SourceOptions())
    assert err.value.details["reason"] == "size-mismatch"

    with pytest.raises(lim.WorkbookTooLargeError) as err:  # its max_bytes bound
        read_raw(wbz("a|b\n" * 3000), SourceOptions(), filename="big.wbz", limits=TIGHT)
    assert err.value.details["limit"] == 4096 and "the wbz file is 12,122 bytes" in err.value.message

    with pytest.raises(lim.TooManyRowsError):  # what its reader checks itself
        read_raw(wbz("a\n" * 6), SourceOptions(), limits=TIGHT)
