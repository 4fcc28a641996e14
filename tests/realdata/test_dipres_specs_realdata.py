"""The shipped specs on the real DIPRES files in ../shared/data/dipres (skipped when absent)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.checks import balance, items_vs_subtitulos
from workbench.engine import api

pytestmark = pytest.mark.realdata
ROOT = Path(__file__).resolve().parents[2]
SPECS = {slug: api.load_spec(ROOT / "specs" / f"{slug}.yaml") for slug in ("dipres_ejecucion", "dipres_ley")}
MEASURES = ("presupuesto_inicial", "presupuesto_vigente", "ejecucion_acumulada")


def execution_files(shared: Path) -> list[Path]:
    d = shared / "dipres"
    return sorted(d.glob("goby_ejecucion*.csv")) + sorted((d / "ejecucion_2017_04").glob("*.csv")) + [
        d / "goby_test_anchors" / "execution-raw.csv"]


def preview(path: Path, slug: str, **params):
    return api.preview_path(path, SPECS[slug], params={k: str(v) for k, v in params.items()})


def test_every_execution_file_balances_to_its_resultado(shared_data):
    files = execution_files(shared_data)
    assert len(files) == 32
    for path in files:
        doc = preview(path, "dipres_ejecucion", anio=2017)
        bronze = doc.tables["bronze"].df
        for measure in MEASURES:
            assert items_vs_subtitulos(bronze, measure) == [], (path.name, measure)
        resultado = Decimal(str(doc.control_totals["resultado"]["value"]))
        assert balance(bronze) == resultado, path.name
        assert len(doc.tables["silver"].df) == 3 * len(bronze)
        assert bronze["moneda"].isin(["CLP", "USD"]).all()


def test_execution_known_file(shared_data):
    doc = preview(shared_data / "dipres" / "goby_ejecucion2017abr_programa_articles-160296_doc_csv.csv",
                  "dipres_ejecucion", anio=2017)
    bronze = doc.tables["bronze"].df
    assert len(bronze) == 191  # 192 data lines, the last one the RESULTADO footer
    assert doc.control_totals["resultado"]["value"] in ("-10253120970", -10253120970)
    assert doc.control_totals["resultado"]["row"] == 193
    assert set(bronze["periodo"]) == {"2017-04"}
    assert not bronze["denominacion"].str.endswith(" ").any()


def test_usd_execution_file(shared_data):
    doc = preview(shared_data / "dipres" / "goby_ejecucion2017abr_programa_USD_articles-159970_doc_csv.csv",
                  "dipres_ejecucion", anio=2017)
    assert set(doc.tables["bronze"].df["moneda"]) == {"USD"}
    assert Decimal(str(doc.control_totals["resultado"]["value"])) == Decimal(2461200)


def test_law_2017_national(shared_data):
    doc = preview(shared_data / "dipres" / "elaval_ley2017_nacional.csv", "dipres_ley")
    assert doc.params == {"anio": 2017}
    bronze = doc.tables["bronze"].df
    assert len(bronze) == 9283
    assert bronze["partida"].str.fullmatch(r"\d\d").all()
    assert {"01", "50"} <= set(bronze["partida"])
    assert set(bronze["asignacion"].dropna()) >= {"001"}
    assert (bronze["monto_pesos"] == Decimal("0.001")).sum() == 34
    assert ((bronze["monto_pesos"] < 0) | (bronze["monto_dolar"] < 0)).sum() == 43  # rows negative in either
    assert 'Programa "4 a 7"' in set(bronze["denominacion"])
    assert len(bronze.groupby(["partida", "capitulo", "programa"])) == 325
    assert len(doc.tables["silver"].df) == 2 * 9283
    assert items_vs_subtitulos(bronze, "monto_pesos") == []


def test_law_2012_whitespace_lines_and_2010_unterminated_quote(shared_data):
    d = shared_data / "dipres"
    doc12 = preview(d / "elaval_ley2012_nacional.csv", "dipres_ley")
    assert len(doc12.tables["bronze"].df) == 8468
    assert doc12.raw["issue_count"] == 305
    doc10 = preview(d / "elaval_ley2010_nacional.csv", "dipres_ley")
    bronze = doc10.tables["bronze"].df
    assert len(bronze) == 8417
    row = bronze[bronze["denominacion"].str.startswith('UCN-Diplomado "Gestión')]
    assert len(row) == 1 and row["monto_pesos"].iloc[0] == Decimal(10000)


def test_law_per_program_and_2027_layout(shared_data):
    d = shared_data / "dipres"
    prog = preview(d / "goby_ley2017_programa_articles-155046_doc_csv.csv", "dipres_ley", anio=2017)
    assert len(prog.tables["bronze"].df) == 53
    new = preview(d / "evegat_proyecto2027_EXCERPT_partida01.csv", "dipres_ley")
    bronze = new.tables["bronze"].df
    assert new.params == {"anio": 2027}
    assert len(bronze) == 28
    subs = bronze[bronze["nivel"] == "subtitulo"]
    assert subs["item"].isna().all()


def test_html_page_is_rejected(shared_data):
    with pytest.raises(api.FileFormatError):
        preview(shared_data / "dipres" / "elaval_2016_is_html_not_csv.csv", "dipres_ley")


def test_headerless_file_gives_a_clear_error(shared_data):
    with pytest.raises(api.HeaderNotFoundError):
        preview(shared_data / "dipres" / "goby_test_anchors" / "map_fixture_execution.csv", "dipres_ejecucion", anio=2017)
