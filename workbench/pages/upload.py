"""/cargar — uploading a file from the browser (next step of the web app); meanwhile, how to do it."""

from __future__ import annotations

import reflex as rx

from workbench.components.layout import page, section
from workbench.pages import routes


def upload_page() -> rx.Component:
    return page(
        routes.UPLOAD,
        "Cargar archivo",
        section(
            "Desde la línea de comandos",
            rx.text("La carga desde el navegador llega en la próxima versión. Mientras tanto, procese un archivo "
                    "con el comando ", rx.code("workbench run"), "; la ejecución aparece en Ejecuciones y en su "
                    "dataset.", size="2"),
            rx.code_block("workbench run dipres_ejecucion archivo.csv --param anio=2017 --background",
                          language="bash", width="100%"),
        ),
        subtitle="Suba un CSV o Excel de DIPRES y elija el dataset que lo describe.",
    )
