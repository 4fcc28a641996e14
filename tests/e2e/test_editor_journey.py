"""The rule editor in a browser (issue 19), on a product of its own whose specs folder is a copy (publishing writes
specs/<slug>.yaml):

(a) open dipres_ejecucion in the editor, add a map_categories step, see its unmapped values in the preview, fix
    them from the preview, reorder a step, undo, publish (the YAML diff first), and a run uses the new version;
(b) a new spec from examples/programa_ejecucion_2017_abril.xlsx through the UI only (proposal -> keys and
    measures -> editor -> publish), run it, and its silver table reconciles with the shipped spec's
    (dipres_programa_xlsx): the same detail row count and the same monto total per measure.

Zero console errors, nothing fetched off the machine, every link followed answers."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from tests.e2e.conftest import (CHROMIUM, ENVS, ROOT, WEB_DIR, Tab, add_user, free_port, signed_in_tab,
                                start_product, stop_group)

pytestmark = pytest.mark.e2e

WAIT_MS = 30_000
CSV = ROOT / "examples" / "ejecucion_2017_abril_programa.csv"
XLSX = ROOT / "examples" / "programa_ejecucion_2017_abril.xlsx"
PESOS = ROOT / "tests" / "data" / "workbench" / "ejecucion_2017_abril_pesos.csv"
NEW_SLUG = "programa_editor"


@pytest.fixture(scope="module")
def editor_product(tmp_path_factory: pytest.TempPathFactory):
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    specs = tmp_path_factory.mktemp("editor-specs")
    shutil.copytree(ROOT / "specs", specs, dirs_exist_ok=True)
    proc, url = start_product(tmp_path_factory.mktemp("editor-product"), free_port(),
                              # its own build directory: a build for another port under the session's running
                              # product would replace the assets that product serves
                              extra_env={"WORKBENCH_SPECS_DIR": str(specs), "REFLEX_WEB_WORKDIR": WEB_DIR + "-editor"})
    try:
        yield url
    finally:
        stop_group(proc)


def _cli(product: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).parent / "workbench"), *args], cwd=ROOT, env=ENVS[product],
                          capture_output=True, text=True, timeout=180)


def _run(product: str, slug: str, path: Path, *params: str, exits: tuple[int, ...] = (0,)) -> dict:
    """``workbench run ... --json``: exit 0, or 3 when allowed (the run succeeded, its QA failed)."""
    out = _cli(product, "run", slug, str(path), *(a for p in params for a in ("--param", p)), "--json")
    assert out.returncode in exits, out.stdout + out.stderr
    return json.loads(out.stdout)


def _silver(product: str, run_id: int, tmp: Path) -> pd.DataFrame:
    target = tmp / f"run-{run_id}.csv"
    out = _cli(product, "export", str(run_id), "--layer", "silver", "--to", str(target))
    assert out.returncode == 0, out.stdout + out.stderr
    return pd.read_csv(target, dtype=str, keep_default_na=False)


def _clean(tab: Tab) -> None:
    assert tab.outside == [], tab.outside
    assert tab.errors == [], tab.errors
    assert tab.console == [], tab.console


def _links_resolve(tab: Tab, product: str) -> None:
    """Every link on the page answers (with the session's cookie, redirects followed)."""
    hrefs = {h for h in tab.page.locator("a[href]").evaluate_all("els => els.map(e => e.getAttribute('href'))")
             if h and h.startswith("/")}
    assert hrefs
    broken = {h: r.status for h in sorted(hrefs) if (r := tab.page.request.get(product + h)).status >= 400}
    assert broken == {}


def _types(tab: Tab, layer: str) -> list[str]:
    return tab.page.locator(f".editor-layer[data-layer={layer}] .step-type").all_inner_texts()


def _until(tab: Tab, check, timeout_ms: int = WAIT_MS) -> None:
    for _ in range(timeout_ms // 100):
        if check():
            return
        tab.page.wait_for_timeout(100)
    assert check()


def _pick(tab: Tab, picker: str, option: str | re.Pattern) -> None:
    tab.page.locator(picker).click()
    tab.page.get_by_role("option", name=option).click()


def _open_editor(tab: Tab, product: str, slug: str) -> None:
    page = tab.page
    page.goto(f"{product}/workbench/{slug}", wait_until="networkidle")
    page.locator(".editor-link").click()
    page.wait_for_url(f"{product}/especificaciones/{slug}", timeout=WAIT_MS)
    page.locator(".step-card").first.wait_for(timeout=WAIT_MS)
    page.locator("#save-status").get_by_text("Guardado").wait_for(timeout=WAIT_MS)


def _publish(tab: Tab, shot: str) -> int:
    page = tab.page
    page.locator("#publish-button").click()
    page.locator(".publish-diff").wait_for(timeout=WAIT_MS)
    page.wait_for_timeout(400)  # the dialog's opening animation
    tab.shot(shot, "[role=dialog]")
    diff = page.locator(".publish-diff").inner_text()
    page.locator("#publish-confirm").click()
    note = page.locator("#published-note")
    note.wait_for(timeout=WAIT_MS)
    version = int(re.search(r"versión (\d+)", note.inner_text()).group(1))
    return version, diff


def test_edit_dipres_ejecucion_fix_unmapped_values_reorder_undo_publish_and_run(chromium, editor_product, tmp_path):
    with signed_in_tab(chromium, editor_product) as tab:
        page = tab.page
        page.set_viewport_size({"width": 1360, "height": 1500})  # screenshots of the panels without scrolling
        _open_editor(tab, editor_product, "dipres_ejecucion")
        assert _types(tab, "silver") == ["melt", "select"]
        # the sample: the file the dataset's example run read, picked by itself
        page.locator("#sample-name").get_by_text(CSV.name).wait_for(timeout=WAIT_MS)
        page.locator(".status-chip").first.wait_for(timeout=WAIT_MS)
        page.evaluate("window.scrollTo(0, 0)")
        tab.shot("editor_overview")
        _links_resolve(tab, editor_product)

        # another sample, uploaded (the same program in pesos): the preview follows it
        page.locator(".sample-dropzone input[type=file]").set_input_files(str(PESOS))
        page.locator("#sample-name").get_by_text(PESOS.name).wait_for(timeout=WAIT_MS)
        page.locator(".status-chip").first.wait_for(timeout=WAIT_MS)

        # add a map_categories step at the end of silver: the measure's label in Spanish, in a new column
        page.locator(".add-step[data-layer=silver]").click()
        _pick(tab, "#step-type-picker", re.compile(r"^map_categories"))
        page.locator("#field-column").fill("medida")
        page.locator("#field-target").fill("medida_es")
        page.locator("#field-mapping").fill("presupuesto_inicial = Presupuesto inicial")
        assert page.locator(".step-help").inner_text().strip() != ""  # the step's docs beside the form
        page.wait_for_timeout(300)
        tab.shot("editor_step_form", "[role=dialog]")
        page.locator("#form-save").click()
        page.locator(".step-card[data-key='silver:2']").wait_for(timeout=WAIT_MS)
        assert _types(tab, "silver") == ["melt", "select", "map_categories"]

        # its preview: two of the three measures unmapped (unmapped: error -> the step fails, named)
        rows = page.locator(".unmapped-row")
        rows.first.wait_for(timeout=WAIT_MS)
        assert sorted(rows.locator(".unmapped-value").all_inner_texts()) == ["ejecucion_acumulada",
                                                                             "presupuesto_vigente"]
        assert page.locator("#map-coverage").inner_text() == "33,3 %"
        tab.shot("editor_map_categories", ".editor-main")
        for value, target in (("presupuesto_vigente", "Presupuesto vigente"),
                              ("ejecucion_acumulada", "Ejecución acumulada")):
            row = page.locator(f".unmapped-row[data-value='{value}']")
            row.locator(".fix-input input").fill(target)
            row.locator(".fix-button").click()
            row.wait_for(state="detached", timeout=WAIT_MS)
        page.locator(".all-mapped").wait_for(timeout=WAIT_MS)
        _until(tab, lambda: page.locator("#map-coverage").inner_text() == "100 %")
        assert "error" not in " ".join(page.locator(".status-chip").all_inner_texts())

        # reorder (the new step before select), then undo it
        page.locator(".step-card[data-key='silver:2'] .step-up").click()
        _until(tab, lambda: _types(tab, "silver") == ["melt", "map_categories", "select"])
        page.locator("#undo-button").click()
        _until(tab, lambda: _types(tab, "silver") == ["melt", "select", "map_categories"])

        # switch a step off and on again (undo, redo, undo)
        card = page.locator(".step-card[data-key='silver:2']")
        card.locator(".step-toggle").click()
        card.locator(".step-disabled").wait_for(timeout=WAIT_MS)
        page.locator("#undo-button").click()
        card.locator(".step-disabled").wait_for(state="detached", timeout=WAIT_MS)
        page.locator("#redo-button").click()
        card.locator(".step-disabled").wait_for(timeout=WAIT_MS)
        page.locator("#undo-button").click()
        card.locator(".step-disabled").wait_for(state="detached", timeout=WAIT_MS)

        # an edit the engine refuses: named in Spanish beside the form, nothing applied
        saved = page.locator("#save-status").inner_text()
        page.locator(".add-step[data-layer=gold]").click()
        _pick(tab, "#step-type-picker", re.compile(r"^type_cast"))
        page.locator("#field-columns").fill("monto: numero")
        page.locator("#form-save").click()
        page.locator("[role=dialog] .editor-error").wait_for(timeout=WAIT_MS)
        assert "No se aplicó ningún cambio." in page.locator("[role=dialog] .editor-error").inner_text()
        page.get_by_role("button", name="Cancelar").click()
        page.locator(".editor-error").get_by_role("button", name="Cerrar").click()
        assert page.locator(".editor-layer[data-layer=gold] .step-card").count() == 0
        assert re.search(r"revisión \d+", saved).group(0) in page.locator("#save-status").inner_text()

        version, diff = _publish(tab, "editor_publish_diff")
        assert "+    - type: map_categories" in diff or "map_categories" in diff
        assert "Ejecución acumulada" in diff
        # the editor goes on with a fresh draft of the new version; one edit there, then discarded
        page.locator("#draft-version").get_by_text(f"basado en v{version}").wait_for(timeout=WAIT_MS)
        card = page.locator(".step-card[data-key='bronze:1']")
        card.locator(".step-toggle").click()
        card.locator(".step-disabled").wait_for(timeout=WAIT_MS)
        page.locator("#discard-button").click()
        page.locator("#discard-confirm").click()
        card.locator(".step-disabled").wait_for(state="detached", timeout=WAIT_MS)
        _until(tab, lambda: "revisión 1 " in page.locator("#save-status").inner_text())
        _clean(tab)

    run = _run(editor_product, "dipres_ejecucion", CSV, "anio=2017")
    assert run["spec_version"] == version and run["status"] == "succeeded"
    silver = _silver(editor_product, run["id"], tmp_path)
    assert set(zip(silver["medida"], silver["medida_es"])) == {
        ("presupuesto_inicial", "Presupuesto inicial"), ("presupuesto_vigente", "Presupuesto vigente"),
        ("ejecucion_acumulada", "Ejecución acumulada")}


def _totals(df: pd.DataFrame) -> dict[str, Decimal]:
    return {m: sum((Decimal(v) for v in g["monto"] if v != ""), Decimal(0))
            for m, g in df.groupby("medida")}


def test_a_new_spec_from_a_file_through_the_ui_reconciles_with_the_shipped_spec(chromium, editor_product, tmp_path):
    with signed_in_tab(chromium, editor_product) as tab:
        page = tab.page
        page.goto(f"{editor_product}/workbench", wait_until="networkidle")
        page.locator(".new-spec-link").click()
        page.wait_for_url(f"{editor_product}/especificaciones/nueva", timeout=WAIT_MS)
        page.locator(".new-spec-dropzone input[type=file]").set_input_files(str(XLSX))
        page.locator(".proposed-column").first.wait_for(timeout=WAIT_MS)
        assert page.locator("#proposed-header").inner_text() == "7"
        # "% Ejecución" is a ratio, not an amount to melt
        _pick(tab, "#role-ejecucion", "Atributo")
        _pick(tab, "#type-ejecucion", "Real")
        # the accumulated execution named as the shipped spec names it (the file says "... a Abril")
        page.locator("#name-ejecucion_acumulada_a_abril").fill("ejecucion_acumulada")
        page.locator("#new-slug").fill(NEW_SLUG)
        page.locator("#new-title").fill("Programa desde el editor")
        page.evaluate("window.scrollTo(0, 0)")
        tab.shot("editor_new_spec")
        _links_resolve(tab, editor_product)
        page.locator("#create-draft").click()
        page.wait_for_url(re.compile(rf".*/especificaciones/{NEW_SLUG}\?borrador=\d+"), timeout=WAIT_MS)
        page.locator(".step-card").first.wait_for(timeout=WAIT_MS)
        assert _types(tab, "silver") == ["melt"]
        # the melt step's preview on the file: the seven amounts it takes
        page.locator(".step-card[data-key='silver:0'] .step-type").click()
        page.locator(".melt-taken").wait_for(timeout=WAIT_MS)
        assert "devengado" in page.locator(".melt-taken").inner_text()
        # type_cast's help: every value of every cast column reads
        page.locator(".editor-layer[data-layer=bronze] .step-card .step-type").get_by_text("type_cast").click()
        page.locator(".cast-row").first.wait_for(timeout=WAIT_MS)
        casts = page.locator(".cast-row").all_inner_texts()
        assert len(casts) == 12 and all("todos los valores se convierten" in c for c in casts), casts
        # a step's form shows its fields with their values and the step's help
        page.locator(".step-card[data-key='silver:0'] .step-edit").click()
        assert "devengado" in page.locator("#field-value_columns").input_value()
        assert page.locator("#field-variable").input_value() == "medida"
        page.get_by_role("button", name="Cancelar").click()
        # a section's form: the dataset's description
        page.locator(".section-edit[data-section=dataset]").click()
        page.locator("#field-description").fill("Ejecución del programa, hecho en el editor.")
        revision = page.locator("#save-status").inner_text()
        page.locator("#form-save").click()
        _until(tab, lambda: page.locator("#save-status").inner_text() != revision
               and "Guardado" in page.locator("#save-status").inner_text())
        assert "hecho en el editor" in page.locator(".draft-yaml").inner_text()
        version, diff = _publish(tab, "editor_new_publish")
        assert version == 1 and f"slug: {NEW_SLUG}" in diff
        _clean(tab)

    mine = _run(editor_product, NEW_SLUG, XLSX)
    shipped = _run(editor_product, "dipres_programa_xlsx", XLSX, "anio=2017")
    assert mine["status"] == "succeeded", mine.get("error")
    ours, theirs = _silver(editor_product, mine["id"], tmp_path), _silver(editor_product, shipped["id"], tmp_path)
    assert len(ours) == len(theirs) > 0
    assert _totals(ours) == _totals(theirs)


def test_a_viewer_sees_the_rules_read_only(chromium, editor_product):
    viewer = add_user(editor_product, "vera-editor", "viewer")
    with signed_in_tab(chromium, editor_product, *viewer) as tab:
        page = tab.page
        page.goto(f"{editor_product}/especificaciones/dipres_ejecucion", wait_until="networkidle")
        page.locator(".step-card").first.wait_for(timeout=WAIT_MS)
        page.locator(".role-notice").wait_for(timeout=WAIT_MS)
        for control in (".add-step", ".step-edit", ".step-delete", "#publish-button", "#undo-button",
                        ".section-edit"):
            assert page.locator(control).count() == 0, control
        assert "value_columns" in page.locator(".draft-yaml").inner_text()
        _clean(tab)


def test_two_tabs_on_one_draft_the_older_one_is_told_to_reload(chromium, editor_product):
    with signed_in_tab(chromium, editor_product) as first, signed_in_tab(chromium, editor_product) as second:
        for tab in (first, second):
            tab.page.goto(f"{editor_product}/especificaciones/dipres_ejecucion", wait_until="networkidle")
            tab.page.locator("#save-status").get_by_text("Guardado").wait_for(timeout=WAIT_MS)
        first.page.locator(".step-card[data-key='bronze:1'] .step-toggle").click()
        first.page.locator(".step-card[data-key='bronze:1'] .step-disabled").wait_for(timeout=WAIT_MS)
        # the second tab still shows the revision before: its edit is refused, nothing applied, reload offered
        second.page.locator(".step-card[data-key='bronze:2'] .step-toggle").click()
        second.page.locator(".editor-error .reload-draft").click()
        second.page.locator(".step-card[data-key='bronze:1'] .step-disabled").wait_for(timeout=WAIT_MS)
        assert second.page.locator(".step-card[data-key='bronze:2'] .step-disabled").count() == 0
        second.page.locator("#undo-button").click()
        second.page.locator(".step-card[data-key='bronze:1'] .step-disabled").wait_for(state="detached",
                                                                                     timeout=WAIT_MS)
        _clean(first)
        _clean(second)
