"""The readers against real files: DIPRES publications and the test corpora of csv-spectrum, frictionless-py
and python-calamine (see each folder's SOURCES.md for provenance and the documented quirks)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import rows
from workbench.engine.core.errors import EmptyFileError, EncryptedWorkbookError, FileFormatError, SheetNotFoundError
from workbench.engine.core.readers import RawGrid, build_table, list_sheets, read_raw
from workbench.engine.core.spec.source import SourceOptions

pytestmark = pytest.mark.realdata

DIPRES_HEADER_2017 = ["Partida", "Capítulo", "Programa", "Subtítulo", "Item", "Asignación", "Denominación",
                      "Monto Pesos", "Monto Dólar"]


def grid_of(path: Path, **options) -> RawGrid:
    return read_raw(path.read_bytes(), SourceOptions(**options), filename=path.name)


def table_of(path: Path, **options):
    opts = SourceOptions(**options)
    return build_table(read_raw(path.read_bytes(), opts, filename=path.name), opts)


def as_json_rows(table) -> list[dict[str, str]]:
    """Rows as csv-spectrum writes them: every value a string, an empty cell as ""."""
    return [{k: "" if v is None else v for k, v in r.items()} for r in rows(table)]


def row_at(grid: RawGrid, line: int) -> list[str | None]:
    values = grid.df.iloc[grid.rows.index(line)].tolist()
    return [v if isinstance(v, str) else None for v in values]


# --- csv-spectrum ------------------------------------------------------------------------------------

SPECTRUM = ["comma_in_quotes", "empty", "empty_crlf", "escaped_quotes", "json", "newlines", "newlines_crlf",
            "quotes_and_newlines", "simple", "simple_crlf", "utf8"]


@pytest.mark.parametrize("name", SPECTRUM)
def test_csv_spectrum_matches_expected_json(shared_data, name):
    base = shared_data / "peers" / "csv-spectrum"
    table, _, warnings = table_of(base / "csvs" / f"{name}.csv")
    assert as_json_rows(table) == json.loads((base / "json" / f"{name}.json").read_text("utf-8"))
    assert warnings == []


def test_csv_spectrum_location_coordinates_despite_its_self_contradiction(shared_data):
    """The upstream JSON says phone 1234567890, the CSV says 2095257564 (SOURCES.md): every other field must
    match the JSON, and the phone must be what the CSV holds."""
    base = shared_data / "peers" / "csv-spectrum"
    table, _, _ = table_of(base / "csvs" / "location_coordinates.csv")
    expected = json.loads((base / "json" / "location_coordinates.json").read_text("utf-8"))
    (got,) = as_json_rows(table)
    assert got.pop("Contact Phone Number") == "2095257564"
    expected.pop("Contact Phone Number")
    assert got == expected
    assert "\ufffd36'37.8\"N" in got["Location Coordinates"]


@pytest.mark.parametrize("name", ["latin1", "newlines_cr"])
def test_csv_spectrum_history_cases(shared_data, name):
    base = shared_data / "peers" / "csv-spectrum" / "extra_from_history"
    table, _, _ = table_of(base / f"{name}.csv")
    assert as_json_rows(table) == json.loads((base / f"{name}.json").read_text("utf-8"))


def test_csv_spectrum_null_keeps_the_text_null(shared_data):
    """null.json wants bare NULL read as "" (an opinion); RAW keeps the text, typing decides later."""
    table, _, _ = table_of(shared_data / "peers" / "csv-spectrum" / "extra_from_history" / "null.csv")
    assert [r["b"] for r in rows(table)] == [None, "NULL", "NULL"]


def test_csv_spectrum_control_char_separators_with_explicit_delimiter(shared_data):
    grid = grid_of(shared_data / "peers" / "csv-spectrum" / "extra_from_history" / "newlines_as_ctrl_chars",
                   delimiter="\x01")
    assert row_at(grid, 3) == ["1", "2", "3\x02"]  # \x02 record marks are not line ends: kept as text
    assert [i["kind"] for i in grid.issues] == ["ragged"]  # the '#' comment line has one field


# --- frictionless-py -----------------------------------------------------------------------------------


def friction(shared_data: Path, name: str) -> Path:
    return shared_data / "peers" / "frictionless" / "data" / name


@pytest.mark.parametrize(("name", "encoding", "second_row"), [
    ("latin1.csv", "latin-1", ["2", "©"]),
    ("bom.csv", "utf-8-sig", ["2", "中国人"]),
    ("table-unicode-headers.csv", "utf-8", ["2", "中国人"]),
])
def test_frictionless_encodings(shared_data, name, encoding, second_row):
    grid = grid_of(friction(shared_data, name))
    assert grid.source.encoding == encoding
    assert row_at(grid, 3) == second_row


def test_frictionless_greek_needs_the_explicit_encoding(shared_data):
    grid = grid_of(friction(shared_data, "table-infer-iso-8859-7.csv"), encoding="iso-8859-7")
    assert row_at(grid, 2) == ["1", "39", "Λεωνιδας"]


@pytest.mark.parametrize("name", ["encoding-issue-274.csv", "issue-305.csv", "ascii-notvalid.csv",
                                  "table-with-accents.csv", "accent.csv", "doublequote.csv", "Таблица.csv"])
def test_frictionless_hard_csvs_read_without_issues(shared_data, name):
    grid = grid_of(friction(shared_data, name))
    assert len(grid.df) > 1
    assert grid.issues == []


@pytest.mark.parametrize(("name", "delimiter"), [
    ("delimiter.csv", ";"), ("issue-1009-semicolon.csv", ";"), ("issue-1009-comma.csv", ","), ("table.tsv", "\t"),
])
def test_frictionless_dialects(shared_data, name, delimiter):
    grid = grid_of(friction(shared_data, name))
    assert grid.source.delimiter == delimiter
    assert grid.df.shape[1] == 2


def test_frictionless_leading_zeros_stay(shared_data):
    table, _, _ = table_of(friction(shared_data, "issue-1009-semicolon.csv"))
    assert rows(table) == [{"fieldNameA": "0123", "fieldNameB": "c"}]
    table, _, _ = table_of(friction(shared_data, "leading-zeros.csv"))
    assert [r["value"] for r in rows(table)] == ["01", "002", "00003"]


def test_frictionless_space_before_quote_is_literal(shared_data):
    grid = grid_of(friction(shared_data, "escaping.csv"))
    assert row_at(grid, 2) == ["1", ' "Test line 1"']


def test_frictionless_blank_and_duplicate_headers(shared_data):
    table, _, _ = table_of(friction(shared_data, "blank-headers.csv"))
    assert list(table.df.columns) == ["id", "B", "age", "_raw_row"]
    table, _, warnings = table_of(friction(shared_data, "duplicate-headers.csv"))
    assert list(table.df.columns)[:5] == ["id", "name", "id_2", "age", "id_3"]
    assert len(warnings) == 2


def test_frictionless_defective_rows_are_issues_not_crashes(shared_data):
    grid = grid_of(friction(shared_data, "defective-rows.csv"))
    assert [(i["row"], i["expected"], i["found"]) for i in grid.issues] == [(2, 3, 2), (3, 3, 4)]
    assert row_at(grid, 2) == ["1101", "John", None, None]


def test_frictionless_header_only(shared_data):
    table, labels, _ = table_of(friction(shared_data, "without-rows.csv"))
    assert (labels, len(table.df)) == (["id", "name"], 0)


@pytest.mark.parametrize("name", ["merged-cells.xlsx", "merged-cells.xls"])
def test_frictionless_merged_cells_filled(shared_data, name):
    grid = grid_of(friction(shared_data, name), fill_merged=True)
    assert grid.df.astype(object).values.tolist() == [["data", "data"]] * 3


def test_frictionless_merged_boolean(shared_data):
    grid = grid_of(friction(shared_data, "merged-cells-boolean.xls"), fill_merged=True)
    assert grid.df.astype(object).values.tolist() == [["true", "true"]] * 3


def test_frictionless_multiline_header_with_merged_cells(shared_data):
    table, labels, _ = table_of(friction(shared_data, "multiline-headers.xlsx"), fill_merged=True,
                                header={"row": 1, "rows": 5})
    assert labels == [
        "Region",
        "Caloric contribution (%)",
        "Cumulative impact of changes on cost of food basket from previous quarter",
        "Cumulative impact of changes on cost of food basket from baseline (%)",
    ]
    assert rows(table) == [dict(zip(labels, "ABCD"))]


def test_frictionless_wide_sheet_three_row_header(shared_data):
    table, labels, _ = table_of(friction(shared_data, "issue-1024.xlsx"), sheet="IPC", fill_merged=True,
                                header={"row": 10, "rows": 3})
    assert labels[21] == "Current Phase P3+ #"
    assert table.origins[labels[21]] == "V"


@pytest.mark.parametrize("name", ["sheet2.xlsx", "sheet2.xls"])
@pytest.mark.parametrize("sheet", [1, "Sheet2"])
def test_frictionless_second_sheet(shared_data, name, sheet):
    table, _, _ = table_of(friction(shared_data, name), sheet=sheet)
    assert rows(table) == [{"id": "1", "name": "english"}, {"id": "2", "name": "中国人"}]
    assert table.sheet == "Sheet2"


@pytest.mark.parametrize("sheet", [3, "bad"])
def test_frictionless_missing_sheet(shared_data, sheet):
    with pytest.raises(SheetNotFoundError) as info:
        grid_of(friction(shared_data, "sheet2.xlsx"), sheet=sheet)
    assert info.value.details["available"] == "0: 'Sheet1', 1: 'Sheet2'"


def test_frictionless_skip_rows_xlsx_header_found_by_label(shared_data):
    table, _, _ = table_of(friction(shared_data, "skip-rows.xlsx"), header={"find": ["a", "b"]})
    assert rows(table) == [{"A": "8", "B": "9"}, {"A": None, "B": "TOTAL"}]
    assert table.df["_raw_row"].tolist() == [3, 4]


@pytest.mark.parametrize("name", ["table.ods", "table-with-two-sheets.ods"])
def test_frictionless_ods(shared_data, name):
    table, _, _ = table_of(friction(shared_data, name))
    assert rows(table) == [{"id": "1", "name": "english"}, {"id": "2", "name": "中国人"}]


def test_frictionless_dates_in_ods_and_xls_read_alike(shared_data):
    ods = grid_of(friction(shared_data, "table-with-ints-floats-dates.ods")).df.astype(object).values.tolist()
    xls = grid_of(friction(shared_data, "table-with-ints-floats-dates.xls")).df.astype(object).values.tolist()
    assert [r[:3] for r in ods] == xls
    assert xls[1] == ["2013", "3.3", "2009-08-16"]
    assert ods[1][3] == "2009-08-16 05:43:21"


def test_frictionless_text_formatted_codes_keep_zeros(shared_data):
    for name in ("cast-int-to-string-issue-1251.xlsx", "cast-int-to-string-issue-1251.xls"):
        table, _, _ = table_of(friction(shared_data, name))
        assert [r["A"] for r in rows(table)] == ["001", "002"]


# --- python-calamine ----------------------------------------------------------------------------------


def calamine(shared_data: Path, name: str) -> Path:
    return shared_data / "peers" / "python-calamine" / "tests" / "data" / name


def test_calamine_base_workbook_gives_the_same_text_in_every_format(shared_data):
    grids = {ext: grid_of(calamine(shared_data, f"base.{ext}")) for ext in ("xlsx", "xls", "ods")}
    values = {ext: g.df.astype(object).where(g.df.notna(), None).values.tolist() for ext, g in grids.items()}
    expected_a_to_g = [[None] * 7, ["String", "1", "1.1", "true", "false", "2010-10-10", "2010-10-10 10:10:10"]]
    for ext in ("xlsx", "xls", "ods"):
        assert [r[:7] for r in values[ext]] == expected_a_to_g, ext
    # H..J hold a time and two durations: calamine gives them as 1899/1900 datetimes for xlsx/xls, nothing for ods
    assert values["xlsx"][1][7:] == values["xls"][1][7:] == ["1899-12-31 10:10:10", "1899-12-31 10:10:10.100",
                                                             "1900-01-10 15:10:10"]
    assert grids["xlsx"].letters == [chr(65 + i) for i in range(10)]


def test_calamine_sheet_names(shared_data):
    base = calamine(shared_data, "base.xlsx").read_bytes()
    assert list_sheets(base) == ["Sheet1", "Sheet2", "Sheet3", "Merged Cells"]
    any_sheets = calamine(shared_data, "any_sheets.ods").read_bytes()
    assert list_sheets(any_sheets) == ["Visible", "Hidden", "VeryHidden", "Chart"]


@pytest.mark.parametrize("ext", ["xlsx", "xls", "ods", "xlsb"])
def test_calamine_password_protected(shared_data, ext):
    with pytest.raises(EncryptedWorkbookError):
        grid_of(calamine(shared_data, f"password.{ext}"))


@pytest.mark.parametrize("ext", ["xlsx", "ods", "xlsb"])
def test_calamine_empty_file(shared_data, ext):
    with pytest.raises(EmptyFileError):
        grid_of(calamine(shared_data, f"empty_file.{ext}"))


# --- DIPRES ----------------------------------------------------------------------------------------------


def dipres(shared_data: Path) -> Path:
    return shared_data / "dipres"


def test_every_dipres_csv_reads_except_the_html_one(shared_data):
    paths = sorted(dipres(shared_data).rglob("*.csv"))
    assert len(paths) >= 40
    for path in paths:
        if path.name == "elaval_2016_is_html_not_csv.csv":
            with pytest.raises(FileFormatError) as info:
                grid_of(path)
            assert info.value.details["detected"] == "html"
            continue
        grid = grid_of(path)
        assert grid.source.delimiter == ";", path.name
        assert grid.source.encoding in {"latin-1", "utf-8"}, path.name
        assert len(grid.df) > 1, path.name


def test_dipres_2017_national_law(shared_data):
    table, labels, warnings = table_of(dipres(shared_data) / "elaval_ley2017_nacional.csv")
    assert labels == DIPRES_HEADER_2017
    assert len(table.df) == 9283
    assert warnings == []
    assert table.df["Partida"].nunique() == 29
    assert set(table.df["Partida"].str.len()) == {2}
    assert "01" in set(table.df["Partida"]) and "001" in set(table.df["Asignación"])
    first = rows(table)[0]
    assert (first["Partida"], first["Subtítulo"], first["Item"]) == ("01", "08", None)
    assert table.df["_raw_row"].iloc[-1] == 9284


def test_dipres_2017_mid_field_quotes_and_decimal_commas(shared_data):
    grid = grid_of(dipres(shared_data) / "elaval_ley2017_nacional.csv")
    labels = grid.df[6]
    assert (labels == 'Programa "4 a 7"').sum() == 1
    assert (grid.df[7] == "0,001").sum() == 34
    assert grid.source.encoding == "latin-1"


def test_dipres_2012_whitespace_lines_are_reported(shared_data):
    grid = grid_of(dipres(shared_data) / "elaval_ley2012_nacional.csv")
    spaces = [i for i in grid.issues if i["kind"] == "blank-line"]
    assert len(spaces) == 305
    assert spaces[0]["row"] == 2
    assert len(grid.df) == 1 + 8468
    assert grid.rows[:2] == [1, 3]


def test_dipres_2010_line_818_gives_nine_fields(shared_data):
    grid = grid_of(dipres(shared_data) / "elaval_ley2010_nacional.csv")
    assert grid.source.delimiter == ";"
    assert grid.df.shape[1] == 9
    line = row_at(grid, 818)
    assert line[:6] == ["05", "64", "02", "33", "03", "594"]
    assert line[6].startswith('UCN-Diplomado "Gestión de Creatividad, Innovación')
    assert line[7:] == ["10000", "0"]
    assert row_at(grid, 819)[0] == "05"
    assert grid.issues == []


def test_dipres_execution_report_keeps_padding_and_footer(shared_data):
    table, labels, _ = table_of(dipres(shared_data) / "goby_ejecucion2017abr_programa_articles-160296_doc_csv.csv")
    assert labels[-1] == "Ejecución Acumulada al ABRIL"
    assert len(table.df) == 192
    footer = rows(table)[-1]
    assert (footer["Partida"], footer["Denominación"], footer["Ejecución Acumulada al ABRIL"]) == (
        None, "RESULTADO", "-10253120970")
    assert table.df["Denominación"].str.len().isin([80, 250]).sum() > 100  # right-padding kept


def test_dipres_2027_excerpt_is_utf8_with_zero_codes(shared_data):
    table, labels, _ = table_of(dipres(shared_data) / "evegat_proyecto2027_EXCERPT_partida01.csv")
    assert labels[4] == "Ítem"
    assert len(table.df) == 28
    assert ("00", "000") in set(zip(table.df["Ítem"], table.df["Asignacion"]))
