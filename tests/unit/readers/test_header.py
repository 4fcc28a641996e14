"""build_table: header by row / labels / several rows / none, column naming, blank rows, provenance."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.helpers import rows
from workbench.engine.core.errors import HeaderNotFoundError, HeaderRowError
from workbench.engine.core.readers import RawGrid, SourceInfo, build_table, normalize_label, title_rows
from workbench.engine.core.spec.source import SourceOptions


def grid(data: list[list[str | None]], *, rows_: list[int] | None = None, letters: list[str] | None = None,
         issues: list[dict] | None = None) -> RawGrid:
    width = max(len(r) for r in data)
    frame = pd.DataFrame({j: pd.array([r[j] if j < len(r) else None for r in data], dtype="str")
                          for j in range(width)})
    return RawGrid(
        df=frame,
        rows=rows_ or list(range(1, len(data) + 1)),
        letters=letters or [chr(65 + j) for j in range(width)],
        source=SourceInfo(sha256="0" * 64, bytes=1, format="csv", filename="f.csv"),
        issues=issues or [],
    )


def build(g: RawGrid, **options):
    return build_table(g, SourceOptions(**options))


def test_first_row_is_the_header_by_default():
    result, labels, _ = build(grid([["Partida", "Monto"], ["01", "5"]]))
    assert labels == ["Partida", "Monto"]
    assert rows(result) == [{"Partida": "01", "Monto": "5"}]


def test_header_by_raw_row_number():
    result, _, _ = build(grid([["Título"], ["a", "b"], ["1", "2"]]), header={"row": 2})
    assert list(result.df.columns) == ["a", "b", "_raw_row"]
    assert result.df["_raw_row"].tolist() == [3]


def test_header_row_number_is_raw_not_positional():
    g = grid([["a", "b"], ["1", "2"], ["3", "4"]], rows_=[1, 3, 4])  # line 2 was a skipped blank line
    result, _, _ = build(g, header={"row": 3})
    assert list(result.df.columns)[:2] == ["1", "2"]
    assert result.df["_raw_row"].tolist() == [4]


def test_header_row_not_in_the_file():
    with pytest.raises(HeaderRowError) as info:
        build(grid([["a"], ["1"]]), header={"row": 9})
    assert info.value.message == "f.csv: the header row 9 is not in the file (its rows go from 1 to 2)"
    assert info.value.message_es == "f.csv: la fila de encabezado 9 no está en el archivo (sus filas van de 1 a 2)"
    assert isinstance(info.value, HeaderNotFoundError)


def test_find_ignores_case_accents_and_extra_spaces():
    g = grid([["Informe"], [None, None], ["SUBT.", " Ítem ", "Clasificación  Económica"], ["21", None, "GASTOS"]])
    result, labels, _ = build(g, header={"find": ["Subt.", "item", "clasificacion economica"]})
    assert labels == ["SUBT.", "Ítem", "Clasificación  Económica"]
    assert result.df["_raw_row"].tolist() == [4]


def test_find_needs_whole_cells():
    g = grid([["Subtítulo del informe", "x"], ["Subt.", "Ítem"]])
    result, _, _ = build(g, header={"find": ["subt."]})
    assert list(result.df.columns)[:2] == ["Subt.", "Ítem"]


def test_find_fails_beyond_search_rows():
    g = grid([["t"], ["t"], ["Subt.", "Ítem"]])
    with pytest.raises(HeaderNotFoundError) as info:
        build(g, header={"find": ["Subt.", "Ítem"], "search_rows": 2})
    assert info.value.details["searched"] == 2
    assert "ninguna de las primeras 2 filas" in info.value.message_es


def test_multi_row_header_joins_non_empty_parts_top_to_bottom():
    g = grid([["Región", "Ejecución", None], [None, "Acumulada\na Junio", "(%) "], ["RM", "10", "5"]])
    result, labels, _ = build(g, header={"row": 1, "rows": 2})
    assert labels == ["Región", "Ejecución Acumulada a Junio", "(%)"]
    assert result.df["_raw_row"].tolist() == [3]


def test_multi_row_header_drops_a_part_repeated_from_the_row_above():
    g = grid([["Región", "Costo"], ["Región", "desde base"], ["RM", "1"]])
    _, labels, _ = build(g, header={"row": 1, "rows": 2})
    assert labels == ["Región", "Costo desde base"]


def test_newlines_in_a_header_cell_become_spaces():
    _, labels, _ = build(grid([["Ejecución Acumulada\r\na Junio"], ["1"]]))
    assert labels == ["Ejecución Acumulada a Junio"]


def test_no_header_names_columns_by_letter():
    result, labels, _ = build(grid([["01", "5"], ["02", "6"]], letters=["C", "D"]), header={"none": True})
    assert labels == []
    assert rows(result) == [{"C": "01", "D": "5"}, {"C": "02", "D": "6"}]
    assert result.df["_raw_row"].tolist() == [1, 2]


def test_blank_header_takes_the_raw_column_letter():
    result, labels, _ = build(grid([["id", None, "age"], ["1", "x", "3"]], letters=["I", "J", "K"]))
    assert labels == ["id", "", "age"]
    assert list(result.df.columns) == ["id", "J", "age", "_raw_row"]


def test_duplicate_headers_get_numbered_with_a_warning():
    result, _, warnings = build(grid([["id", "name", "id", "age", "id"], ["1", "a", "0", "3", "9"]]))
    assert list(result.df.columns)[:5] == ["id", "name", "id_2", "age", "id_3"]
    assert [w.message for w in warnings] == ["column C: duplicate header 'id' renamed to 'id_2'",
                                             "column E: duplicate header 'id' renamed to 'id_3'"]
    assert [w.message_es for w in warnings] == ["columna C: el encabezado 'id' está repetido; se llama 'id_2'",
                                                "columna E: el encabezado 'id' está repetido; se llama 'id_3'"]


def test_a_reserved_header_is_renamed_with_a_warning_in_both_languages():
    result, _, warnings = build(grid([["_raw_row", "b"], ["1", "2"]]))
    assert list(result.df.columns)[:2] == ["raw_row", "b"]
    assert [(w.message, w.message_es) for w in warnings] == [(
        "column A: header '_raw_row' is reserved for provenance; renamed",
        "columna A: el encabezado '_raw_row' está reservado para la procedencia; se cambió su nombre")]


def test_header_text_is_stripped_but_cells_are_not():
    result, _, _ = build(grid([["  Denominación  "], ["  APORTE FISCAL   "]]))
    assert rows(result) == [{"Denominación": "  APORTE FISCAL   "}]


def test_blank_and_whitespace_rows_are_dropped_by_default():
    result, _, _ = build(grid([["a", "b"], ["1", None], [None, None], [" ", "\t"], ["2", "3"]]))
    assert result.df["_raw_row"].tolist() == [2, 5]


def test_blank_rows_kept_when_asked():
    result, _, _ = build(grid([["a", "b"], [None, None], ["2", "3"]]), skip_blank_rows=False)
    assert result.df["_raw_row"].tolist() == [2, 3]


def test_header_only_gives_an_empty_table_with_columns():
    result, _, _ = build(grid([["Partida", "Monto"]]))
    assert list(result.df.columns) == ["Partida", "Monto", "_raw_row"]
    assert len(result.df) == 0


def test_columns_are_text_and_raw_row_is_int64():
    result, _, _ = build(grid([["a"], ["01"]]))
    assert result.df["a"].dtype == "str"
    assert str(result.df["_raw_row"].dtype) == "int64"


def test_reading_issues_stay_in_the_grid_not_in_warnings():
    issues = [{"row": 3, "kind": "ragged", "message": "row 3 has 3 fields, expected 2"}]
    _, _, warnings = build(grid([["a", "b"], ["1", "2"], ["3", "4", "5"]], issues=issues))
    assert warnings == []


def test_normalize_label():
    assert normalize_label("  Clasificación\n Económica ") == "clasificacion economica"


def test_title_rows_are_the_non_empty_rows_above_the_header():
    g = grid([["INFORME EJECUCIÓN", None], [None, None], [" 120101 : SECRETARÍA ", "Moneda Nacional"],
              ["Subt.", "Ítem"]])
    assert title_rows(g, SourceOptions(header={"find": ["Subt."]})) == [
        (1, "INFORME EJECUCIÓN"), (3, "120101 : SECRETARÍA | Moneda Nacional")]
    assert title_rows(g, SourceOptions(header={"none": True})) == []


def test_title_rows_count_a_filled_merged_value_once():
    g = grid([["120101 : SECRETARÍA", "120101 : SECRETARÍA", "120101 : SECRETARÍA"], ["Subt.", "Ítem", "Asig."]])
    assert title_rows(g, SourceOptions(header={"find": ["Subt."]})) == [(1, "120101 : SECRETARÍA")]


def test_blank_rows_are_found_across_the_chunks_of_a_column_read_in_blocks():
    import pyarrow as pa

    cells = [["h1", "h2"], ["1", "x"], [None, " "], ["2", None], [None, "\xa0"], [None, "y"], [" ", None]]
    g = grid(cells)
    for j in range(2):  # the CSV reader's Arrow path hands over one chunk per 4 MB block
        values = [r[j] for r in cells]
        chunks = [pa.array(values[:2], pa.large_string()), pa.array(values[2:5], pa.large_string()),
                  pa.array(values[5:], pa.large_string())]
        g.df[j] = pd.Series(pd.array(pa.chunked_array(chunks), dtype="str"))
    result, _, _ = build(g)
    assert rows(result) == [{"h1": "1", "h2": "x"}, {"h1": "2", "h2": None}, {"h1": None, "h2": "y"}]
    assert result.df["_raw_row"].tolist() == [2, 4, 6]
