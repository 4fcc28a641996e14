"""Per-run, offline Data Docs: built from real GX results, one page per run, no network, no injected script."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from great_expectations.expectations.expectation import BatchExpectation
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

from workbench.engine.core.validation.docs import RunDocsNotFoundError, build_run_docs, open_run_docs
from workbench.engine.core.validation.docs.offline import RemoteAssetError, check_offline
from workbench.engine.core.validation.docs.sample import CUSTOM_TYPES, HOSTILE, UNKNOWN_TYPE, sample_results

ROOT = Path(__file__).resolve().parents[3]


class Page(HTMLParser):
    """What a browser would load from a page (script/link/img/...), its inline scripts, its text and CSS."""

    LOADS = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src", "embed": "src"}

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.loads: list[str] = []
        self.inline_scripts: list[str] = []
        self.text: list[str] = []
        self.css: list[str] = []
        self._in: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in self.LOADS and values.get(self.LOADS[tag]):
            self.loads.append(values[self.LOADS[tag]] or "")
        if values.get("style"):
            self.css.append(values["style"] or "")
        self._in = tag if tag in ("script", "style") and not values.get("src") else None

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "script":
            self.inline_scripts.append(data)
        elif self._in == "style":
            self.css.append(data)
        else:
            self.text.append(data)


@pytest.fixture(scope="module")
def results() -> dict[str, dict]:
    return sample_results(rows=200, bad_rows=20, hostile=True, custom=True)


@pytest.fixture(scope="module")
def passing() -> dict[str, dict]:
    return sample_results(rows=20, bad_rows=0)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, results: dict[str, dict]) -> Path:
    out = tmp_path_factory.mktemp("site")
    build_run_docs(results, run_id=1, title=f"Ley {HOSTILE}", out_dir=out, meta={"dataset": f"ds {HOSTILE}"})
    return out


def _pages(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


def test_build_returns_the_run_page_at_its_stable_url(tmp_path: Path, passing: dict[str, dict]) -> None:
    page = build_run_docs(passing, run_id=42, title="Ley 2024", out_dir=tmp_path)
    assert page == tmp_path / "runs" / "42" / "index.html"
    assert open_run_docs(42, tmp_path) == page
    text = page.read_text(encoding="utf-8")
    assert "<title>Ejecución 42 · Ley 2024</title>" in text
    assert [layer for layer in ("bronze", "silver", "gold") if f"Capa {layer} " in text] == [
        "bronze", "silver", "gold"]


def test_pages_load_nothing_from_the_network(site: Path) -> None:
    remote = []
    for path in _pages(site):
        page = Page(path.read_text(encoding="utf-8"))
        remote += [(path.name, u) for u in page.loads if urlsplit(u).scheme in ("http", "https") or u.startswith("//")]
        remote += [(path.name, c) for c in page.css if "url(http" in c.replace(" ", "") or "url('http" in c
                   or 'url("http' in c or "url(//" in c]
    assert remote == []


def test_every_local_asset_a_page_loads_exists(site: Path) -> None:
    missing = []
    for path in _pages(site):
        for ref in Page(path.read_text(encoding="utf-8")).loads:
            if not (path.parent / unquote(urlsplit(ref).path)).resolve().is_file():
                missing.append((str(path.relative_to(site)), ref))
    assert _pages(site) and missing == []


def test_font_files_the_vendored_css_loads_exist(site: Path) -> None:
    css = next((site / "static").rglob("all.min.css"))
    refs = set(__import__("re").findall(r"url\((\.\./webfonts/[^)]+)\)", css.read_text(encoding="utf-8")))
    assert refs and [r for r in refs if not (css.parent / r).is_file()] == []


def test_no_tracking_image_and_no_context_id(site: Path) -> None:
    text = (site / "runs" / "1" / "index.html").read_text(encoding="utf-8")
    assert "great-expectations-web-assets" not in text
    assert "dataContextId" not in text
    assert [src for src in Page(text).loads if src.endswith(".png")] == []
    assert "Data Workbench &middot; QA" in text


def test_script_in_column_name_value_and_description_is_shown_as_text(site: Path) -> None:
    text = (site / "runs" / "1" / "index.html").read_text(encoding="utf-8")
    page = Page(text)
    shown = "".join(page.text)
    assert [s for s in page.inline_scripts if "alert(" in s] == []
    assert f"col {HOSTILE}" in shown  # the column name, in the table of contents and its section header
    assert f"Partida code {HOSTILE}" in shown  # the expectation description
    assert f"Ley {HOSTILE}" in shown  # the title we were given
    assert shown.count(HOSTILE) >= 5  # plus the unexpected value and the run metadata
    assert "&amp;lt;" not in text  # escaped once, not twice


def test_index_escapes_titles(site: Path) -> None:
    page = Page((site / "index.html").read_text(encoding="utf-8"))
    assert page.inline_scripts == []
    assert f"Ley {HOSTILE}" in "".join(page.text)


def test_custom_and_unknown_expectation_types_render(site: Path) -> None:
    shown = "".join(Page((site / "runs" / "1" / "index.html").read_text(encoding="utf-8")).text)
    assert "cada partida es la suma de sus capitulo y cada capitulo es la suma de sus programa, en monto_pesos" in shown
    assert "la suma de monto_pesos es igual al total de control «total_ley» del archivo" in shown
    assert f"control «{UNKNOWN_TYPE}» (column: partida)" in shown  # a type no longer known still reads
    assert "2 de 30 totales no cuadran" in shown  # the observed value of a custom type
    assert "cuadra: TOTAL_LEY del archivo: 176.100; calculado: 176.100; diferencia: 0" in shown


class ExpectWorkbenchDocsStrictCheck(BatchExpectation):
    """A registered custom type whose fields changed after some results were stored."""

    levels: list[str]
    metric_dependencies = ("table.row_count",)

    def _validate(self, metrics: dict, runtime_configuration: dict | None = None, execution_engine=None) -> dict:
        return {"success": True}


def test_stored_kwargs_that_no_longer_fit_a_registered_type_still_render(tmp_path: Path, passing: dict) -> None:
    stale = {"success": False, "meta": {}, "result": {"observed_value": 3}, "exception_info": {},
             "expectation_config": {"type": "expect_workbench_docs_strict_check", "kwargs": {"old_field": "x"},
                                    "meta": {}}}
    with pytest.raises(ValueError):  # what GX would raise while rendering
        ExpectationConfiguration(**stale["expectation_config"]).to_domain_obj()
    results = copy.deepcopy(passing)
    results["gold"]["results"].append(stale)
    text = build_run_docs(results, run_id=1, title="t", out_dir=tmp_path).read_text(encoding="utf-8")
    assert "control «expect_workbench_docs_strict_check» (old_field: x)" in text


def test_index_lists_runs_newest_first_with_status(tmp_path: Path, results: dict, passing: dict) -> None:
    build_run_docs(passing, run_id=1, title="enero", out_dir=tmp_path, meta={"date": "2024-01-31T10:00:00+00:00"})
    build_run_docs(results, run_id=3, title="marzo", out_dir=tmp_path, meta={"date": "2024-03-31T10:00:00+00:00"})
    build_run_docs(passing, run_id=2, title="febrero", out_dir=tmp_path, meta={"date": "2024-02-29T10:00:00+00:00"})
    manifest = json.loads((tmp_path / "runs.json").read_text(encoding="utf-8"))["runs"]
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    order = [index.index(f'data-run="{n}"') for n in (3, 2, 1)]
    assert order == sorted(order)
    assert {k: (v["title"], v["status"]) for k, v in manifest.items()} == {
        "1": ("enero", "success"), "2": ("febrero", "success"), "3": ("marzo", "failed")}
    assert manifest["3"]["layers"] == {"bronze": "failed", "silver": "failed", "gold": "failed"}


def test_building_a_run_leaves_other_runs_pages_untouched(tmp_path: Path, passing: dict) -> None:
    first = build_run_docs(passing, run_id=1, title="uno", out_dir=tmp_path)
    before = (first.read_bytes(), first.stat().st_mtime_ns)
    font = next((tmp_path / "static").rglob("fa-solid-900.woff2"))
    font_mtime = font.stat().st_mtime_ns
    build_run_docs(passing, run_id=2, title="dos", out_dir=tmp_path)
    assert (first.read_bytes(), first.stat().st_mtime_ns) == before
    assert font.stat().st_mtime_ns == font_mtime  # assets are copied once per site, not per run
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["1", "2"]


def test_rebuilding_a_run_replaces_its_entry(tmp_path: Path, passing: dict) -> None:
    build_run_docs(passing, run_id=5, title="v1", out_dir=tmp_path)
    build_run_docs(passing, run_id=5, title="v2", out_dir=tmp_path)
    manifest = json.loads((tmp_path / "runs.json").read_text(encoding="utf-8"))["runs"]
    assert [(k, v["title"]) for k, v in manifest.items()] == [("5", "v2")]


def test_open_run_docs_of_an_unbuilt_run_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(RunDocsNotFoundError) as error:
        open_run_docs(99, tmp_path)
    assert error.value.to_dict()["code"] == "run-docs-not-found"
    assert error.value.to_dict()["details"]["run_id"] == "99"


@pytest.mark.parametrize("run_id", ["../x", "a/b", "..", ""])
def test_run_ids_that_could_escape_the_site_are_refused(tmp_path: Path, passing: dict, run_id: str) -> None:
    with pytest.raises(ValueError):
        build_run_docs(passing, run_id=run_id, title="t", out_dir=tmp_path)


def test_an_unknown_remote_asset_fails_the_build_rather_than_shipping() -> None:
    with pytest.raises(RemoteAssetError):
        check_offline('<html><head><script src="https://cdn.example.org/new.js"></script></head></html>')
    check_offline('<a href="https://greatexpectations.io">links are not loads</a>')


def test_importing_the_package_does_not_import_great_expectations() -> None:
    code = "import sys, workbench.engine.core.validation.docs; print('great_expectations' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"


#: What GX's own templates print (the page used to be theirs): none of it may reach an analyst.
GX_ENGLISH = ("Expectation Validation Result", "Show All", "unexpected", "Overview", "Evaluated", "Status",
              "Observed Value", "Expectation", "Table-Level", "values must", "Actions", "passed", "failed", "Run ")


def test_the_run_page_is_spanish_with_es_cl_dates_and_a_link_back_to_the_run(tmp_path: Path, results: dict) -> None:
    page = build_run_docs(results, run_id=7, title="dipres_ejecucion", out_dir=tmp_path,
                          meta={"dataset": "dipres_ejecucion", "qa_status": "failed", "spec_version": 3,
                                "date": "2024-03-31T14:05:00+00:00", "run_href": "/ejecuciones/7"})
    text = page.read_text(encoding="utf-8")
    shown = " ".join(Page(text).text)
    assert [phrase for phrase in GX_ENGLISH if phrase in shown] == []
    assert '<html lang="es">' in text and "31-03-2024 14:05 UTC" in shown and "fallida" in shown
    assert '<a class="btn btn-sm btn-primary" href="/ejecuciones/7">' in text and "Volver a la ejecución" in shown
    assert "monto_pesos está al menos 0 en el 100 % de las filas" in shown  # a sentence, not GX's kwargs
    assert "Resumen" in shown and "Cumple" in shown and "No cumple" in shown
    index = " ".join(Page((tmp_path / "index.html").read_text(encoding="utf-8")).text)
    assert "31-03-2024 14:05 UTC" in index and "fallida" in index and "Ejecuciones: 1" in index


def test_failing_rows_are_listed_by_their_raw_row_with_es_cl_numbers(tmp_path: Path, results: dict) -> None:
    check = results["silver"]["results"][0]["expectation_config"]
    check["meta"] = {"workbench_id": "monto_positivo"}
    rows = [{"row": 86, "position": 84, "values": {"partida": "50", "monto_pesos": -976368290},
             "raw": [{"sheet": None, "row": 86, "column": "I", "text": "-976368290"}]}]
    page = build_run_docs(results, run_id=8, title="t", out_dir=tmp_path, meta={"run_href": "/ejecuciones/8"},
                          failing={"monto_positivo": {"total": 101, "rows": rows}})
    shown = " ".join(Page(page.read_text(encoding="utf-8")).text)
    assert "Filas que no cumplen: 1 de 101" in shown and "Ver todas en la página de la ejecución" in shown
    assert "86 partida=50, monto_pesos=-976.368.290 I86 = -976368290" in " ".join(shown.split())
    assert " 84 " not in shown  # the table position is never shown as a row
