"""One page per module; ``register`` adds them all to the app (the one place routes meet pages)."""

from __future__ import annotations

import reflex as rx

from workbench.pages import routes
from workbench.pages.dataset import dataset_page
from workbench.pages.datasets import datasets_page
from workbench.pages.lineage import lineage_page
from workbench.pages.queues import queues_page
from workbench.pages.run import run_page
from workbench.pages.runs import runs_page
from workbench.pages.backfills import backfill_page, backfills_page
from workbench.pages.tools import tools_page
from workbench.pages.upload import upload_page
from workbench.state.dataset import DatasetState
from workbench.state.datasets import DatasetsState
from workbench.state.queues import QueuesState
from workbench.state.backfills import BackfillsState, BackfillState
from workbench.state.lineage import LineageState
from workbench.state.run import RunState
from workbench.state.runs import RunsState
from workbench.state.tools import ToolsState
from workbench.state.upload import UploadState, warm_validation

TITLE = "Data Workbench"


def register(app: rx.App) -> None:
    """Every page with its route, title and on-load event. Dynamic routes first (Reflex matches in order)."""
    app.add_page(dataset_page, route=routes.DATASET, title=f"Dataset · {TITLE}", on_load=DatasetState.load)
    app.add_page(run_page, route=routes.RUN, title=f"Ejecución · {TITLE}", on_load=RunState.load)
    app.add_page(backfill_page, route=routes.BACKFILL, title=f"Carga masiva · {TITLE}", on_load=BackfillState.load)
    app.add_page(backfills_page, route=routes.BACKFILLS, title=f"Cargas masivas · {TITLE}",
                 on_load=BackfillsState.load)
    app.add_page(datasets_page, route=routes.DATASETS, title=f"Datasets · {TITLE}", on_load=DatasetsState.load)
    app.add_page(upload_page, route=routes.UPLOAD, title=f"Cargar archivo · {TITLE}", on_load=UploadState.load)
    app.add_page(runs_page, route=routes.RUNS, title=f"Ejecuciones · {TITLE}", on_load=RunsState.load)
    app.add_page(lineage_page, route=routes.LINEAGE, title=f"Linaje · {TITLE}", on_load=LineageState.load)
    app.add_page(tools_page, route=routes.TOOLS, title=f"Herramientas · {TITLE}", on_load=ToolsState.load)
    app.add_page(queues_page, route=routes.QUEUES, title=f"Colas y workers · {TITLE}", on_load=QueuesState.load)
    app.register_lifespan_task(warm_validation)  # GX import (~3 s) at server start, not in the first preview
    app.add_page(_home, route=routes.HOME, title=TITLE, on_load=rx.redirect(routes.DATASETS))


def _home() -> rx.Component:
    return rx.center(rx.link("Ir a Datasets", href=routes.DATASETS), padding="4rem")
