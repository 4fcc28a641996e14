"""/herramientas — links to the API docs, the admin dashboard, Data Docs, the queues page and external tools."""

from __future__ import annotations

import reflex as rx

from workbench.components.layout import page
from workbench.components import routes
from workbench.state.auth import AuthState
from workbench.state.tools import ToolsState


def _tool(icon: str, title: str, description: str, href: str | rx.Var, *, internal: bool = False,
          test_id: str = "") -> rx.Component:
    return rx.link(
        rx.card(
            rx.hstack(
                rx.center(rx.icon(icon, size=22), width="44px", height="44px", border_radius="var(--radius-3)",
                          background=rx.color("accent", 3), color=rx.color("accent", 11), flex_shrink="0"),
                rx.vstack(rx.text(title, weight="bold", size="3", color=rx.color("gray", 12)),
                          rx.text(description, size="2", color=rx.color("gray", 11)), spacing="1"),
                spacing="3",
                align="start",
            ),
            width="100%",
            height="100%",
            _hover={"border_color": rx.color("accent", 8)},
        ),
        href=href,
        underline="none",
        is_external=False,
        class_name="tool-link",
        data_testid=test_id,
        # Reflex's client-side router only knows our own pages: the others are plain links.
        **({} if internal else {"reload_document": True}),
    )


def tools_page() -> rx.Component:
    return page(
        routes.TOOLS,
        "Herramientas",
        rx.grid(
            _tool("book-open", "Documentación de la API", "La API REST (OpenAPI): endpoints, esquemas y pruebas "
                  "desde el navegador.", routes.API_DOCS, test_id="tool-api-docs"),
            rx.cond(AuthState.is_admin,  # /admin answers only to admins
                    _tool("database", "Panel de administración", "Las tablas del almacén de metadatos (datasets, "
                          "versiones de spec, archivos, ejecuciones, linaje), solo lectura.", routes.ADMIN,
                          test_id="tool-admin")),
            _tool("shield-check", "Data Docs", "Los informes de calidad de Great Expectations de cada ejecución.",
                  routes.DATA_DOCS, test_id="tool-data-docs"),
            _tool("list-checks", "Colas y workers", "Trabajos en espera, en curso y fallidos, y el estado de cada "
                  "worker.", routes.QUEUES, internal=True, test_id="tool-queues"),
            rx.cond(ToolsState.pgadmin_url != "",
                    _tool("server", "pgAdmin", "La base de datos PostgreSQL del producto.", ToolsState.pgadmin_url,
                          test_id="tool-pgadmin")),
            columns=rx.breakpoints(initial="1", sm="2", lg="3"),
            spacing="4",
            width="100%",
        ),
        subtitle="Lo que acompaña al producto en este mismo servidor.",
    )
