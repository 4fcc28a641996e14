"""/linaje — where every table comes from: RAW files -> layers -> published tables (a list for now)."""

from __future__ import annotations

import reflex as rx

from workbench.components.layout import error_callout, loading, page
from workbench.components.tables import simple_table, text
from workbench.pages import routes
from workbench.state.runs import LineageState


def _node(name: str, kind: str):
    return lambda r: rx.vstack(rx.text(r[name], size="2"), rx.text(r[kind], size="1", color=rx.color("gray", 10)),
                               spacing="0")


def lineage_page() -> rx.Component:
    return page(
        routes.LINEAGE,
        "Linaje",
        loading(LineageState.loading),
        error_callout(LineageState.error),
        rx.card(simple_table(LineageState.edges, [
            ("Origen", _node("source", "source_kind")), ("Destino", _node("target", "target_kind")),
            ("Ejecuciones", text("runs")),
        ], empty="Sin linaje registrado: aparece tras la primera ejecución."), width="100%"),
        subtitle="De qué archivo RAW viene cada capa y hacia dónde va (el grafo interactivo llega más adelante; "
                 "el linaje en W3C PROV se exporta con el comando workbench lineage --format jsonld).",
    )
