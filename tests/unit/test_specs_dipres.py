"""The shipped DIPRES specs on our own fixtures (tests/data/workbench, written by generate.py)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from tests.checks import asignaciones_vs_items, balance, items_vs_subtitulos
from workbench.engine import api

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "workbench"


def run(slug: str, name: str, **params):
    spec = api.load_spec(ROOT / "specs" / f"{slug}.yaml")
    return api.preview_path(DATA / name, spec, params={k: str(v) for k, v in params.items()})


@pytest.fixture(scope="module")
def ejecucion():
    return run("dipres_ejecucion", "ejecucion_2017_abril_pesos.csv")


def test_ejecucion_reads_latin1_semicolon(ejecucion):
    assert ejecucion.source["encoding"] == "latin-1"
    assert ejecucion.source["delimiter"] == ";"
    assert ejecucion.params == {"anio": 2017}  # from the file name


def test_ejecucion_bronze_columns_and_types(ejecucion):
    bronze = ejecucion.tables["bronze"].df
    assert ejecucion.tables["bronze"].data_columns == [
        "partida", "capitulo", "programa", "subtitulo", "item", "asignacion", "moneda", "denominacion", "nivel",
        "presupuesto_inicial", "presupuesto_vigente", "ejecucion_acumulada", "periodo"]
    assert len(bronze) == 48  # 2 programs x 24 lines; the RESULTADO footer is gone
    first = bronze.iloc[0]
    assert (first["partida"], first["capitulo"], first["programa"], first["subtitulo"]) == ("50", "01", "05", "05")
    assert pd.isna(first["item"]) and pd.isna(first["asignacion"])
    assert first["denominacion"] == "TRANSFERENCIAS CORRIENTES"  # padding stripped
    assert set(bronze["moneda"]) == {"CLP"}
    assert set(bronze["periodo"]) == {"2017-04"}
    assert set(bronze["nivel"]) == {"subtitulo", "item", "asignacion"}
    assert "decimal" in str(bronze["ejecucion_acumulada"].dtype)


def test_ejecucion_hierarchy_and_control_total(ejecucion):
    bronze = ejecucion.tables["bronze"].df
    for measure in ("presupuesto_inicial", "presupuesto_vigente", "ejecucion_acumulada"):
        assert items_vs_subtitulos(bronze, measure) == []
        assert asignaciones_vs_items(bronze, measure) == []
    total = ejecucion.control_totals["resultado"]
    assert Decimal(str(total["value"])) == balance(bronze)
    assert total["column"] == "K"


def test_ejecucion_silver_is_long_with_provenance(ejecucion):
    silver = ejecucion.tables["silver"]
    assert silver.data_columns == ["partida", "capitulo", "programa", "subtitulo", "item", "asignacion", "nivel",
                                   "moneda", "denominacion", "periodo", "medida", "monto"]
    assert len(silver.df) == 48 * 3
    assert list(silver.df["medida"][:3]) == ["presupuesto_inicial", "presupuesto_vigente", "ejecucion_acumulada"]
    # the first tidy value traces back to RAW row 2, column I (Presupuesto Inicial)
    assert silver.trace(0, "monto") == {"sheet": None, "row": 2, "column": "I"}
    assert silver.trace(2, "monto") == {"sheet": None, "row": 2, "column": "K"}
    assert silver.trace(2, "denominacion") == {"sheet": None, "row": 2, "column": "H"}


def test_ejecucion_timeline_records_every_step(ejecucion):
    spec = api.load_spec(ROOT / "specs" / "dipres_ejecucion.yaml")
    assert len(ejecucion.timeline) == len(spec.layers["bronze"]) + len(spec.layers["silver"])
    drop = next(s for s in ejecucion.timeline if s["type"] == "drop_rows")
    assert (drop["rows_in"], drop["rows_out"]) == (49, 48)
    assert drop["removed_sample"][0]["denominacion"] == "RESULTADO"
    strip = next(s for s in ejecucion.timeline if s["type"] == "strip")
    assert strip["cells_changed"]["denominacion"] == 48
    melt = next(s for s in ejecucion.timeline if s["type"] == "melt")
    assert (melt["rows_in"], melt["rows_out"]) == (48, 144)
    assert set(melt["columns_added"]) == {"medida", "monto"}


def test_ejecucion_month_from_header_and_usd():
    doc = run("dipres_ejecucion", "ejecucion_2017_junio_dolares.csv")
    bronze = doc.tables["bronze"].df
    assert set(bronze["periodo"]) == {"2017-06"}
    assert set(bronze["moneda"]) == {"USD"}


def test_ejecucion_without_year_is_a_clear_error(tmp_path):
    target = tmp_path / "informe.csv"
    target.write_bytes((DATA / "ejecucion_2017_abril_pesos.csv").read_bytes())
    spec = api.load_spec(ROOT / "specs" / "dipres_ejecucion.yaml")
    with pytest.raises(api.ParameterError, match="parameter 'anio': required"):
        api.preview_path(target, spec)


@pytest.mark.parametrize("name", ["ley_2017_programa.csv", "ley_2012_programa.csv", "ley_2027_programa.csv"])
def test_ley_layouts_give_the_same_shape(name):
    doc = run("dipres_ley", name, anio=2017)
    bronze = doc.tables["bronze"].df
    assert len(bronze) == 24 * (1 if "2027" in name else 2)
    subs = bronze[bronze["nivel"] == "subtitulo"]
    assert subs["item"].isna().all() and subs["asignacion"].isna().all()  # `00`/`000` and blanks alike
    assert bronze["partida"].str.len().eq(2).all()
    asig = bronze[bronze["nivel"] == "asignacion"]
    assert asig["asignacion"].str.len().eq(3).all()
    silver = doc.tables["silver"].df
    assert len(silver) == 2 * len(bronze)
    assert set(silver["moneda"]) == {"CLP", "USD"}
    assert items_vs_subtitulos(bronze, "monto_pesos") == []


def test_ley_decimal_comma_and_literal_quotes():
    doc = run("dipres_ley", "ley_2017_programa.csv", anio=2017)
    bronze = doc.tables["bronze"].df
    prestamos = bronze[(bronze["subtitulo"] == "32") & (bronze["nivel"] == "subtitulo")]
    assert prestamos["monto_pesos"].iloc[0] == Decimal("0.001")
    assert 'Programa "4 a 7"' in set(bronze["denominacion"])
    assert "Becas de Especialización" in set(bronze["denominacion"])  # internal runs of spaces collapsed
    assert (bronze["monto_pesos"] < 0).any()


def test_ley_2012_reports_whitespace_lines():
    doc = run("dipres_ley", "ley_2012_programa.csv", anio=2012)
    assert doc.raw["issue_count"] == 2
    assert {i["kind"] for i in doc.raw["issues"]} == {"blank-line"}


def test_programa_xlsx_report():
    doc = run("dipres_programa_xlsx", "programa_ejecucion_2017_abril.xlsx")
    assert doc.source["format"] == "xlsx"
    assert doc.raw["header"]["row"] == 7  # found by its labels below six title rows
    bronze = doc.tables["bronze"].df
    assert len(bronze) == 24
    first = bronze.iloc[0]
    assert (first["partida"], first["capitulo"], first["programa"]) == ("12", "01", "01")
    assert first["nombre_programa"] == "SECRETARÍA Y ADMINISTRACIÓN GENERAL"
    assert first["subtitulo"] == "05" and first["moneda"] == "CLP" and first["periodo"] == "2017-04"
    for measure in ("presupuesto_inicial", "ejecucion_acumulada"):
        assert items_vs_subtitulos(bronze, measure) == []
    assert Decimal(str(doc.control_totals["resultado"]["value"])) == balance(bronze)
    silver = doc.tables["silver"]
    assert len(silver.df) == 24 * 7
    assert silver.trace(0, "monto")["sheet"] == "Reporte"


def test_html_disguised_as_csv_is_rejected():
    spec = api.load_spec(ROOT / "specs" / "dipres_ejecucion.yaml")
    with pytest.raises(api.FileFormatError) as info:
        api.preview_path(DATA / "html_disfrazado.csv", spec, params={"anio": "2017"})
    assert "HTML" in info.value.message
