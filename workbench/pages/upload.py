"""/cargar — the main journey: drop a DIPRES file, check the suggested dataset, sheet and parameters, preview
it (RAW grid, timeline of steps, tidy result, quality control), then run it and follow the run live."""

from __future__ import annotations

from typing import Any

import reflex as rx

from workbench.components.drift_panel import drift_panel
from workbench.components.layer_table import layer_table
from workbench.components.layout import card, only_for_runners, page, role_notice, section
from workbench.components.progress import run_progress, upload_progress
from workbench.components.qa_panel import qa_banner, qa_panel
from workbench.components.raw_grid import raw_grid
from workbench.components.timeline import timeline
from workbench.components import routes
from workbench.state.upload import UploadState as S

UPLOAD_ID = "raw-upload"
MUTED = rx.color("gray", 11)


def _dropzone() -> rx.Component:
    return rx.upload.root(
        rx.vstack(
            rx.icon("file_up", size=28, color=rx.color("accent", 9)),
            rx.text("Arrastre aquí un CSV o Excel de DIPRES, o haga clic para elegirlo", size="3", weight="medium"),
            rx.text("El formato se reconoce por el contenido, no por la extensión. Máximo ", S.max_upload_label, ".",
                    size="2", color=MUTED),
            align="center", spacing="2",
        ),
        id=UPLOAD_ID,
        multiple=False,
        max_files=1,
        max_size=S.max_upload_bytes,
        on_drop=S.receive(rx.upload_files_chunk(upload_id=UPLOAD_ID, on_upload_progress=S.progress)),
        on_drop_rejected=S.rejected,
        border=f"2px dashed {rx.color('accent', 7)}",
        border_radius="var(--radius-3)",
        padding="2rem",
        width="100%",
        cursor="pointer",
        background=rx.color("accent", 2),
        drag_active_style={"background": rx.color("accent", 4)},
        class_name="dropzone",
    )


def _file_line() -> rx.Component:
    return rx.cond(S.file_name != "", rx.hstack(
        rx.icon("file_text", size=16, color=MUTED),
        rx.text(S.file_name, size="2", weight="medium", class_name="file-name"),
        rx.text(S.file_size, size="2", color=MUTED),
        align="center", spacing="2",
    ))


def _error() -> rx.Component:
    return rx.cond(S.error.length() > 0, rx.callout.root(
        rx.callout.icon(rx.icon("triangle_alert")),
        rx.vstack(
            rx.text(S.error["message"], size="2", weight="medium"),
            rx.cond(S.error["location"] != "", rx.text("Ubicación: ", S.error["location"], size="2")),
            rx.cond(S.error["hint"] != "", rx.text(S.error["hint"], size="2", class_name="upload-error-hint")),
            rx.cond(S.error["code"] != "", rx.text("Código: ", rx.code(S.error["code"], variant="ghost"), size="1")),
            spacing="1",
        ),
        color_scheme="red", role="alert", width="100%", class_name="upload-error",
    ))


def _param(p: rx.Var[dict[str, Any]]) -> rx.Component:
    name = p["name"].to(str)
    choices = p["choices"].to(list[str])
    return rx.vstack(
        rx.text(name, as_="label", size="2", weight="medium", html_for=rx.Var.create("param-") + name),
        rx.cond(
            choices.length() > 0,
            rx.select(choices, value=p["value"].to(str), on_change=lambda v: [S.set_param(name, v), S.param_done()]),
            # typing only marks the preview stale; leaving the field (or Enter) previews again
            rx.input(value=p["value"].to(str), on_change=lambda v: S.set_param(name, v), on_blur=S.param_done,
                     on_key_down=lambda key: rx.cond(key == "Enter", S.param_done(), rx.noop()),
                     id=rx.Var.create("param-") + name, type=rx.cond(p["type"] == "int", "number", "text"),
                     width="9rem"),
        ),
        rx.text(p["description"].to(str), size="1", color=MUTED, max_width="22rem"),
        rx.cond(p["source"] == "archivo", rx.text("Valor tomado del nombre del archivo.", size="1", color=MUTED)),
        rx.cond(p["required"].to(bool) & (p["value"].to(str) == ""),
                rx.text("Obligatorio: indique un valor.", size="1", color=rx.color("red", 11),
                        class_name="param-missing")),
        spacing="1", class_name="param",
    )


def _choices() -> rx.Component:
    return rx.cond(S.file_sha != "", card(rx.vstack(
        rx.hstack(
            rx.vstack(
                rx.text("Dataset", as_="label", size="2", weight="medium", html_for="dataset-picker"),
                rx.select.root(
                    rx.select.trigger(placeholder="Elija el dataset", id="dataset-picker", min_width="22rem"),
                    rx.select.content(rx.foreach(S.datasets, lambda d: rx.select.item(d["title"], value=d["slug"]))),
                    value=S.dataset, on_change=S.set_dataset,
                ),
                rx.text(S.suggestion, size="1", color=MUTED, class_name="suggestion"),
                spacing="1",
            ),
            rx.cond(S.sheets.length() > 1, rx.vstack(  # a workbook: always, also when its preview failed
                rx.text("Hoja", as_="label", size="2", weight="medium", html_for="sheet-picker"),
                rx.select(S.sheets, value=S.sheet, on_change=S.set_sheet, id="sheet-picker",
                          placeholder="Elija la hoja"),
                spacing="1",
            )),
            rx.foreach(S.params, _param),
            spacing="5", wrap="wrap", align="start",
        ),
        rx.hstack(
            rx.button(rx.icon("eye", size=16), "Previsualizar", on_click=S.preview, loading=S.previewing,
                      disabled=S.dataset == "", id="preview-button"),
            rx.button(rx.icon("play", size=16), "Ejecutar", on_click=S.run, color_scheme="green",
                      disabled=~S.has_preview | S.previewing | S.stale
                      | (S.run_status == "queued") | (S.run_status == "running"),
                      id="run-button", title="Guarda el archivo y lo procesa en segundo plano"),
            rx.cond(S.previewing, rx.text("Procesando el archivo…", size="2", color=MUTED),
                    rx.cond(S.stale & S.has_preview,
                            rx.text("Cambió una elección: la vista previa se actualiza antes de ejecutar.", size="2",
                                    color=rx.color("amber", 11), class_name="stale-note"))),
            spacing="3", align="center", wrap="wrap",
        ),
        rx.cond(S.sheet_note != "", rx.text(S.sheet_note, size="2", color=MUTED, class_name="sheet-note")),
        spacing="4", width="100%",
    )))


def _run() -> rx.Component:
    return rx.cond(S.run_id > 0, card(rx.vstack(
        rx.hstack(rx.heading("Ejecución #", S.run_id, size="4", as_="h2"), rx.spacer(),
                  rx.link(rx.button("Ver la ejecución", rx.icon("arrow_right", size=16), variant="soft"),
                          href=S.run_href, id="run-link"),
                  align="center", width="100%"),
        run_progress(S.run_state[0], S.run_state[1], S.run_pct, S.run_done, S.run_total,
                     active=(S.run_status == "queued") | (S.run_status == "running"),
                     qa_label=S.run_qa[0], qa_colour=S.run_qa[1]),
        rx.cond(S.run_note != "", rx.text(S.run_note, size="2", color=MUTED)),
        spacing="3", width="100%",
    ), class_name="run-card"))


def _step_detail() -> rx.Component:
    return rx.cond(S.step >= 0, rx.vstack(
        rx.hstack(rx.heading("Tabla después del paso: ", S.step_table["name"].to(str), size="3", as_="h3"),
                  rx.text(S.step_table["count"].to(str), size="2", color=MUTED),
                  rx.cond(S.step_loading, rx.spinner(size="1")), align="center", spacing="3"),
        layer_table(S.step_table, height="20rem", class_name="step-table"),
        spacing="2", width="100%", padding_top="0.5rem",
    ))


def _result() -> rx.Component:
    return rx.tabs.root(
        rx.tabs.list(rx.foreach(S.layers, lambda t: rx.tabs.trigger(
            rx.text(t["name"].to(str), " · ", t["count"].to(str)), value=t["name"].to(str)))),
        rx.foreach(S.layers, lambda t: rx.tabs.content(layer_table(t), value=t["name"].to(str), padding_top="0.75rem")),
        default_value=S.layers[0]["name"].to(str),
        width="100%",
        class_name="result-tabs",
    )


def _preview() -> rx.Component:
    return rx.cond(S.has_preview, rx.vstack(
        qa_banner(S.qa),
        _run(),
        section("Archivo RAW", rx.hstack(
            rx.text(S.raw_label, size="2", color=MUTED, class_name="raw-label"),
            rx.cond(S.raw_windowed, rx.button("Volver a las primeras filas", size="1", variant="ghost",
                                              on_click=S.raw_first_rows)),
            align="center", spacing="3"),
            raw_grid(S.raw_columns, S.raw_rows, scroll_to=S.scroll_target)),
        section("Línea de tiempo de los pasos",
                rx.text("Haga clic en un paso para ver la tabla tal como queda después de él.", size="2", color=MUTED),
                timeline(S.timeline, S.step_key, S.show_step), _step_detail()),
        section("Resultado ordenado", _result()),
        section("Control de calidad", qa_panel(S.qa, S.jump)),
        rx.cond(S.warnings.length() > 0, rx.box(section("Advertencias", rx.foreach(
            S.warnings, lambda w: rx.text(w, size="2", color=rx.color("amber", 11)))), class_name="preview-warnings",
            width="100%")),
        rx.text(S.timings, size="1", color=MUTED),
        spacing="4", width="100%", class_name="preview",
    ))


def upload_page() -> rx.Component:
    return page(
        routes.UPLOAD,
        "Cargar archivo",
        role_notice("cargar archivos"),
        only_for_runners(rx.vstack(
            card(rx.vstack(_dropzone(), upload_progress(S.uploading, S.upload_pct), _file_line(), spacing="3",
                           width="100%")),
            _choices(),
            # before the error and the preview's QA: a changed layout explains both
            drift_panel(S.drift, S.fix_in_editor, S.drift_error),
            _error(),
            _preview(),
            spacing="5", width="100%",
        )),
        subtitle="Suba un CSV o Excel de DIPRES: se reconoce su dataset, se previsualiza paso a paso con su control "
                 "de calidad y se ejecuta.",
    )
