"""/linaje — where every table comes from: an interactive graph RAW file -> bronze -> silver -> gold -> published,
across datasets, coloured by QA; click a node for its details."""

from __future__ import annotations

import reflex as rx

from workbench.components.layout import error_callout, loading, page
from workbench.components.lineage_graph import lineage_graph
from workbench.components.status import CHART_COLOURS, badge
from workbench.components import routes
from workbench.state.lineage import LineageState

LEGEND = (("QA aprobada", "green"), ("QA con advertencias", "amber"), ("QA fallida", "red"),
          ("Sin QA / sin ejecución", "gray"))
COLUMNS = ("Archivo RAW", "Bronce", "Plata", "Oro", "Publicado")


def _legend() -> rx.Component:
    return rx.hstack(
        *(rx.hstack(rx.box(width="12px", height="12px", border_radius="3px", border=f"2px solid {CHART_COLOURS[c]}"),
                    rx.text(label, size="1", color=rx.color("gray", 11)), align="center", spacing="1")
          for label, c in LEGEND),
        rx.text("Columnas: " + " → ".join(COLUMNS), size="1", color=rx.color("gray", 10)),
        spacing="4", wrap="wrap", align="center",
    )


def _fact(label: str, value: rx.Component) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(label, min_width="90px"), rx.data_list.value(value))


def _details() -> rx.Component:
    s = LineageState.selected
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading(s["name"], size="3", as_="h2", word_break="break-all"),
                      rx.icon_button(rx.icon("x", size=14), size="1", variant="ghost", aria_label="Cerrar detalles",
                                     on_click=LineageState.close_details),
                      justify="between", width="100%", align="start"),
            rx.data_list.root(
                _fact("Tipo", rx.text(s["kind"])),
                _fact("Dataset", rx.text(s["dataset"])),
                _fact("Calidad", badge(s["qa_label"], s["qa_colour"])),
                _fact("Spec", rx.text(s["spec_version"])),
                _fact("Registrado", rx.text(s["created"])),
                _fact("Clave", rx.code(s["key"], size="1", word_break="break-all")),
                size="1", orientation="vertical",
            ),
            rx.cond(s["sha256"] != "", rx.vstack(rx.text("SHA-256", size="1", weight="bold"),
                                                 rx.code(s["sha256"], size="1", word_break="break-all",
                                                         class_name="node-sha256"), spacing="1")),
            rx.text("Ejecuciones (", s["runs_total"], ")", size="2", weight="bold"),
            rx.vstack(rx.foreach(s["runs"].to(list[dict[str, str]]), lambda r: rx.hstack(
                rx.link("#", r["id"], href=r["href"], size="2"), rx.text(r["label"], " · ", r["qa"], size="1",
                                                                         color=rx.color("gray", 11)),
                spacing="2", align="center")), spacing="1"),
            spacing="3", width="100%",
        ),
        width="300px", flex_shrink="0", class_name="lineage-details",
    )


def lineage_page() -> rx.Component:
    return page(
        routes.LINEAGE,
        "Linaje",
        rx.hstack(
            rx.text("Dataset", size="2", color=rx.color("gray", 11), as_="label", html_for="lineage-dataset"),
            rx.select(LineageState.dataset_options, value=LineageState.dataset, on_change=LineageState.set_dataset,
                      id="lineage-dataset"),
            loading(LineageState.loading),
            align="center", spacing="3",
        ),
        _legend(),
        error_callout(LineageState.error),
        rx.cond(
            LineageState.nodes.length() > 0,  # type: ignore[attr-defined]
            rx.hstack(
                lineage_graph(LineageState.nodes, LineageState.edges, key=LineageState.graph_key,
                              on_node_click=LineageState.select_node),
                rx.cond(LineageState.selected.length() > 0, _details(),  # type: ignore[attr-defined]
                        rx.card(rx.text("Haga clic en un nodo para ver de qué se trata, su dataset, sus ejecuciones, "
                                        "su calidad y, si es un archivo, su SHA-256.", size="2",
                                        color=rx.color("gray", 11)), width="300px", flex_shrink="0")),
                width="100%", align="start", spacing="4",
            ),
            rx.cond(~LineageState.loading & (LineageState.error == ""),
                    rx.text("Sin linaje registrado: aparece tras la primera ejecución.", size="2",
                            color=rx.color("gray", 11))),
        ),
        subtitle="De qué archivo RAW viene cada capa y hacia dónde va. Arrastre para mover, rueda para acercar; "
                 "haga clic en un nodo para ver sus detalles. En W3C PROV: workbench lineage --format jsonld.",
    )
