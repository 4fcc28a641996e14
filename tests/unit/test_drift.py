"""Layout drift (engine/core/drift*.py) on the generator's DIPRES layouts changed one way each.

The baseline is the fingerprint a preview of the unchanged file takes (the one a successful run stores). Each
synthetic change must be detected, named (its ``kind``) and classified; each fixable one gets a patch that,
checked again on the same file, reports no breaking drift, and under which the file's run reconciles (QA passes
and the tidy table equals the unchanged file's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.data.workbench import drift_variants as v
from workbench.engine.core.drift import check_drift
from workbench.engine.core.drift_patch import propose_patch
from workbench.engine.core.layout import column_kind, footer_rows
from workbench.engine.core.preview import preview_file
from workbench.engine.core.spec.loader import parse_spec

ROOT = Path(__file__).resolve().parents[2]
EJECUCION = (ROOT / "specs" / "dipres_ejecucion.yaml").read_text(encoding="utf-8")
PROGRAMA = (ROOT / "specs" / "dipres_programa_xlsx.yaml").read_text(encoding="utf-8")
LEY = (ROOT / "specs" / "dipres_ley.yaml").read_text(encoding="utf-8")
NAME = "ejecucion_2017_04.csv"
XLSX = "programa_2017_04.xlsx"


def fingerprint(text: str, data: bytes, filename: str) -> dict:
    preview = preview_file(data, parse_spec(text), filename=filename)
    assert preview.layout is not None
    return preview.layout


@pytest.fixture(scope="module")
def base_fp() -> dict:
    return fingerprint(EJECUCION, v.base_execution(), NAME)


@pytest.fixture(scope="module")
def xlsx_fp() -> dict:
    titles, table = v.report_sheet()
    return fingerprint(PROGRAMA, v.to_xlsx(titles, table), XLSX)


def drift(rows_or_bytes, fp: dict, text: str = EJECUCION, filename: str = NAME):
    data = rows_or_bytes if isinstance(rows_or_bytes, bytes) else v.to_csv(rows_or_bytes)
    return check_drift(parse_spec(text), data, filename, [fp], spec_text=text)


def kinds(report) -> list[str]:
    return [c.kind for c in report.changes]


def reconciles(report, data: bytes, filename: str, reference: bytes, fp: dict) -> None:
    """The patch is verified; the patched spec re-checked on the file reports no breaking drift; under it the
    file's run passes QA and its tidy table equals the unchanged file's under the current spec."""
    assert report.patch is not None and report.patch.verified, report.patch and report.patch.diff
    patched = parse_spec(report.patch.text)
    again = check_drift(patched, data, filename, [fp], spec_text=report.patch.text)
    assert not again.breaking, again.messages()
    run = preview_file(data, patched, filename=filename)
    assert run.qa["status"] in ("passed", "warning"), run.qa["statistics"]
    ref = preview_file(reference, parse_spec(EJECUCION), filename=filename)
    last = list(ref.tables)[-1]
    columns = [c for c in ref.tables[last].data_columns if not c.startswith("_")]
    assert run.tables[last].df[columns].astype(str).values.tolist() == \
        ref.tables[last].df[columns].astype(str).values.tolist()


# --- the ten synthetic changes -------------------------------------------------------------------------------------


def test_a_moved_column_is_named_with_its_old_and_new_place_and_is_compatible(base_fp):
    report = drift(v.move(v.execution_rows(), "Moneda", 10), base_fp)
    assert kinds(report) == ["moved"]
    change = report.changes[0]
    assert change.details["column"] == "Moneda" and (change.details["old"], change.details["new"]) == ("G", "K")
    assert not report.breaking and report.status == "compatible"
    assert "se movió: G -> K" in change.message_es


def test_a_slightly_renamed_column_is_breaking_and_the_patch_maps_it_back(base_fp):
    rows = v.relabel(v.execution_rows(), "Presupuesto Vigente", "Presupuesto Vigente (M$)")
    report = drift(rows, base_fp)
    assert kinds(report) == ["renamed"]
    change = report.changes[0]
    assert change.breaking and change.details["similarity"] >= 0.8
    assert change.details["suggested_mapping"] == {"Presupuesto Vigente (M$)": "Presupuesto Vigente"}
    assert '+      mapping: {Presupuesto Vigente (M$): Presupuesto Vigente}' in report.patch.diff
    reconciles(report, v.to_csv(rows), NAME, v.base_execution(), base_fp)


def test_a_completely_renamed_header_label_is_found_by_its_place_and_fixed_in_find_and_rename(base_fp):
    rows = v.relabel(v.execution_rows(), "Denominación", "Glosa")
    report = drift(rows, base_fp)
    assert kinds(report) == ["renamed"]
    change = report.changes[0]
    assert change.breaking and change.details["old"] == "Denominación" and change.details["similarity"] < 0.6
    assert "+    find: [Partida, Subtítulo, Moneda, Glosa]" in report.patch.diff
    reconciles(report, v.to_csv(rows), NAME, v.base_execution(), base_fp)


def test_an_inserted_title_row_shifts_the_header_and_find_still_reads_it(base_fp):
    report = drift(v.title_row(v.execution_rows(), "Informe de Ejecución Programa"), base_fp)
    assert kinds(report) == ["header_shifted"]
    assert (report.changes[0].details["old"], report.changes[0].details["new"]) == (1, 2)
    assert not report.breaking
    assert "fila 1 -> 2" in report.changes[0].message_es


def test_a_shifted_header_breaks_a_spec_with_a_fixed_row_and_the_patch_moves_it():
    text = EJECUCION.replace("find: [Partida, Subtítulo, Moneda, Denominación]", "row: 1")
    fp = fingerprint(text, v.base_execution(), NAME)
    rows = v.title_row(v.execution_rows(), "Informe de Ejecución Programa")
    report = drift(rows, fp, text)
    assert kinds(report) == ["header_shifted"] and report.breaking
    assert "+    row: 2" in report.patch.diff
    assert report.patch.verified
    run = preview_file(v.to_csv(rows), parse_spec(report.patch.text), filename=NAME)
    assert run.qa["status"] == "passed" and run.layers["bronze"]["row_count"] == len(rows) - 3  # title, header, footer


def test_an_added_column_is_compatible(base_fp):
    rows = v.insert_column(v.execution_rows(), "Compromiso", "Ejecución Acumulada al ABRIL", lambda i: str(i * 10))
    report = drift(rows, base_fp)
    assert kinds(report) == ["added"]
    assert report.changes[0].details["column"] == "Compromiso" and report.changes[0].details["letter"] == "K"
    assert not report.breaking and report.patch is None


def test_a_dropped_column_the_checks_use_is_breaking_and_not_patched(base_fp):
    report = drift(v.drop_column(v.execution_rows(), "Presupuesto Vigente"), base_fp)
    assert kinds(report) == ["removed"]
    change = report.changes[0]
    assert change.breaking and change.fix is None
    assert any("items_suman_subtitulo" in use for use in change.details["used_by"])


def test_a_dropped_column_only_listed_is_patched_out_of_the_lists(xlsx_fp):
    titles, table = v.report_sheet()
    at = table[0].index("% Ejecución")
    dropped = [row[:at] + row[at + 1:] for row in table]
    data = v.to_xlsx(titles, dropped)
    report = drift(data, xlsx_fp, PROGRAMA, XLSX)
    assert kinds(report) == ["removed"] and report.breaking
    diff = report.patch.diff
    assert "-        porcentaje_ejecucion: float" in diff and "porcentaje_ejecucion]" not in diff.split("+++")[1]
    assert report.patch.verified
    run = preview_file(data, parse_spec(report.patch.text), filename=XLSX)
    assert run.qa["status"] in ("passed", "warning") and "porcentaje_ejecucion" not in run.tables["bronze"].df


def test_a_number_column_now_holding_text_is_a_breaking_kind_change(base_fp):
    report = drift(v.retype(v.execution_rows(), "Presupuesto Inicial"), base_fp)
    assert kinds(report) == ["kind_changed"]
    change = report.changes[0]
    assert change.breaking and (change.details["old"], change.details["new"]) == ("number", "text")
    assert "s/i" in change.details["sample"] and "ahora texto" in change.message_es


def test_a_renamed_sheet_is_named_and_compatible_when_the_spec_reads_the_first_sheet(xlsx_fp):
    titles, table = v.report_sheet()
    report = drift(v.to_xlsx(titles, table, sheet="Informe"), xlsx_fp, PROGRAMA, XLSX)
    assert kinds(report) == ["sheet_renamed"] and not report.breaking
    assert "la hoja 'Reporte' ahora se llama 'Informe'" == report.changes[0].message_es


def test_a_renamed_sheet_the_spec_names_is_breaking_and_patched():
    text = PROGRAMA.replace("  sheet: 0\n", "  sheet: Reporte\n")
    titles, table = v.report_sheet()
    fp = fingerprint(text, v.to_xlsx(titles, table), XLSX)
    data = v.to_xlsx(titles, table, sheet="Informe")
    report = drift(data, fp, text, XLSX)
    assert kinds(report) == ["sheet_renamed"] and report.breaking
    assert "+  sheet: Informe" in report.patch.diff and report.patch.verified
    assert preview_file(data, parse_spec(report.patch.text), filename=XLSX).qa["status"] in ("passed", "warning")


def test_without_a_fingerprint_a_missing_named_sheet_is_breaking_and_patched():
    text = PROGRAMA.replace("  sheet: 0\n", "  sheet: Reporte\n")
    titles, table = v.report_sheet()
    report = check_drift(parse_spec(text), v.to_xlsx(titles, table, sheet="Informe"), XLSX, [], spec_text=text)
    assert kinds(report) == ["sheet_renamed"] and report.breaking
    assert report.changes[0].message_es == "el libro no tiene la hoja 'Reporte'; se leyó la hoja 'Informe'"
    assert "+  sheet: Informe" in report.patch.diff and report.patch.verified


def test_two_same_typed_numeric_columns_that_trade_places_are_one_swap(base_fp):
    report = drift(v.swap(v.execution_rows(), "Presupuesto Inicial", "Presupuesto Vigente"), base_fp)
    assert kinds(report) == ["swapped"]
    change = report.changes[0]
    assert change.details["columns"] == ["Presupuesto Vigente", "Presupuesto Inicial"]
    assert change.details["same_kind"] and not change.breaking
    assert "intercambiaron su posición" in change.message_es


def test_a_new_month_is_information_not_drift(base_fp):
    report = drift(v.execution_rows(month=5), base_fp)
    assert kinds(report) == ["period_changed"]
    assert report.status == "unchanged" and not report.drift and report.patch is None
    assert report.changes[0].details["new"] == "Ejecución Acumulada al MAYO"


def test_a_lost_footer_the_spec_captures_is_breaking(base_fp):
    report = drift(v.drop_footer(v.execution_rows()), base_fp)
    assert kinds(report) == ["footer_changed"] and report.breaking
    assert report.changes[0].details == {"old": ["RESULTADO"], "new": []}


def test_a_new_period_column_is_offered_to_melt():
    text = """dataset: {slug: meses, title: Meses}
source: {format: csv, delimiter: ";", header: {find: [Código, Glosa]}}
layers:
  bronze:
    - type: rename
      snake_case: true
    - type: select
      columns: [codigo, glosa, enero, febrero]
  silver:
    - type: melt
      value_columns: [enero, febrero]
      variable: mes
      value: monto
"""
    base = "Código;Glosa;Enero;Febrero\n01;Uno;1;2\n02;Dos;3;4\n".encode()
    new = "Código;Glosa;Enero;Febrero;Marzo\n01;Uno;1;2;5\n02;Dos;3;4;6\n".encode()
    report = drift(new, fingerprint(text, base, "m.csv"), text, "m.csv")
    assert kinds(report) == ["new_period_column"] and not report.breaking
    assert "+      value_columns: [enero, febrero, marzo]" in report.patch.diff
    assert "+      columns: [codigo, glosa, enero, febrero, marzo]" in report.patch.diff
    run = preview_file(new, parse_spec(report.patch.text), filename="m.csv")
    assert sorted(run.tables["silver"].df["mes"].unique()) == ["enero", "febrero", "marzo"]


# --- no false alarms ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("i", range(20))
def test_unchanged_layouts_of_other_programs_months_and_amounts_report_nothing(base_fp, i):
    program = v.OTHER_PROGRAMS[i]
    rows = v.execution_rows(program, month=1 + i % 12, currency="PD"[i % 2], seed=100 + i)
    report = drift(rows, base_fp)
    assert not report.drift and not report.breaking, report.messages()
    assert set(kinds(report)) <= {"period_changed"}


def test_unchanged_workbooks_and_law_files_report_nothing(xlsx_fp):
    for i in range(3):
        titles, table = v.report_sheet(program=f"1{i}0{i}01", name=f"PROGRAMA {i}", month=3 + i, seed=30 + i)
        assert not drift(v.to_xlsx(titles, table), xlsx_fp, PROGRAMA, XLSX).drift
    law_fp = fingerprint(LEY, v.law_file(("06", "01", "01"), 1), "ley_2017.csv")
    for i, program in enumerate(v.OTHER_PROGRAMS[:5]):
        report = drift(v.law_file(program, 50 + i), law_fp, LEY, "ley_2017.csv")
        assert report.changes == [], report.messages()


def test_without_a_fingerprint_a_missing_header_label_is_matched_with_the_file_s_label():
    rows = v.relabel(v.execution_rows(), "Denominación", "Denominacion Programa")
    report = check_drift(parse_spec(EJECUCION), v.to_csv(rows), NAME, [], spec_text=EJECUCION)
    assert kinds(report) == ["header_not_found"] and report.breaking
    assert report.changes[0].details["suggestions"][0]["new"] == "Denominacion Programa"
    assert report.patch is not None and report.patch.verified


def test_a_clean_file_without_fingerprints_reports_nothing():
    report = check_drift(parse_spec(EJECUCION), v.base_execution(), NAME, None, spec_text=EJECUCION)
    assert report.changes == [] and report.status == "unchanged"


# --- the pieces ------------------------------------------------------------------------------------------------


def test_a_completely_different_wide_file_is_bounded_and_named_as_removed_and_added():
    from workbench.engine.core.drift_match import match_columns
    from workbench.engine.core.layout import ColumnShape

    old = [ColumnShape(i, "", f"Columna antigua {i}", "number") for i in range(200)]
    new = [ColumnShape(i, "", f"Otra {i * 7}", "text") for i in range(200)]
    matching = match_columns(old, new)
    assert len(matching.removed) == 200 and len(matching.added) == 200 and matching.pairs == []


def test_column_kinds():
    import pandas as pd

    assert column_kind(pd.Series(["01", "21", None, ""]))[0] == "code"
    assert column_kind(pd.Series(["-800000", "0,001", "12"]))[0] == "number"
    assert column_kind(pd.Series(["12", "s/i"]))[0] == "text"
    assert column_kind(pd.Series(["2017-04-30", "01/05/2017"]))[0] == "date"
    assert column_kind(pd.Series([None, "  "]))[0] == "empty"


def test_footer_rows_are_trailing_rows_with_empty_key_cells():
    import pandas as pd

    df = pd.DataFrame({"a": ["01", "02", "03", None], "b": ["x", "y", "z", "RESULTADO"]})
    assert footer_rows(df) == 1
    assert footer_rows(df.iloc[:3]) == 0


def test_the_patch_keeps_comments_and_merges_into_its_own_rename_step():
    first = propose_patch(EJECUCION, [{"op": "rename", "from": "A", "to": "B"}])
    second = propose_patch(first.text, [{"op": "rename", "from": "C", "to": "D"}])
    assert second.text.count("type: rename  # proposed") == 1
    assert "mapping: {A: B, C: D}" in second.text
    assert second.text.startswith(EJECUCION.split("dataset:")[0])  # the header comments are untouched
    assert parse_spec(second.text).layers["bronze"][0].mapping == {"A": "B", "C": "D"}


def test_the_fingerprint_holds_the_shape(base_fp):
    assert base_fp["header_row"] == 1 and base_fp["title_rows"] == 0 and base_fp["column_count"] == 11
    assert base_fp["columns"][7]["label"] == "Denominación" and base_fp["columns"][7]["kind"] == "text"
    assert base_fp["columns"][8]["kind"] == "number" and base_fp["footer"] == ["RESULTADO"]


def test_the_upload_page_shows_breaking_drift_in_spanish_and_nothing_for_a_new_month(base_fp):
    from workbench.state.upload_drift import drift_view

    view = drift_view(drift(v.relabel(v.execution_rows(), "Denominación", "Glosa"), base_fp).to_dict())
    assert view["status"] == "breaking" and view["colour"] == "red"
    assert view["title"] == "El formato del archivo cambió y la especificación ya no lo lee bien"
    assert view["changes"] == [{"label": "Rompe la especificación", "colour": "red",
                                "message": "la columna H cambió de nombre: 'Denominación' -> 'Glosa' (similitud 24 %)"}]
    assert view["against"] == "Comparado con la especificación y la última ejecución exitosa."
    assert "+      mapping: {Glosa: Denominación}" in view["diff"] and "ya no rompe la lectura" in view["patch_note"]
    added = [line for line in view["diff_lines"] if line["colour"] == "var(--green-11)"]
    assert "+      mapping: {Glosa: Denominación}" in [line["text"] for line in added]
    assert drift_view(drift(v.execution_rows(month=5), base_fp).to_dict()) == {}
