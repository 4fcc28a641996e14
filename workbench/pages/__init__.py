"""One page per module; ``register`` adds them all to the app (the one place routes meet pages)."""

from __future__ import annotations

import reflex as rx

from workbench.components import routes
from workbench.pages.dataset import dataset_page
from workbench.pages.datasets import datasets_page
from workbench.pages.editor import editor_page
from workbench.pages.editor_new import new_spec_page
from workbench.pages.lineage import lineage_page
from workbench.pages.login import login_page
from workbench.pages.not_found import not_found_page
from workbench.pages.publications import publications_page, release_page
from workbench.pages.queues import queues_page
from workbench.pages.run import run_page
from workbench.pages.runs import runs_page
from workbench.pages.automation import automation_page
from workbench.pages.backfills import backfill_page, backfills_page
from workbench.pages.tools import tools_page
from workbench.pages.upload import upload_page
from workbench.state.auth import AuthState
from workbench.state.dataset import DatasetState
from workbench.state.datasets import DatasetsState
from workbench.state.editor_actions import EditorActionsState
from workbench.state.editor_new import NewSpecState
from workbench.state.queues import QueuesState
from workbench.state.automation import AutomationState
from workbench.state.backfills import BackfillsState, BackfillState
from workbench.state.lineage import LineageState
from workbench.state.publications import PublicationsState, ReleaseState
from workbench.state.run import RunState
from workbench.state.runs import RunsState
from workbench.state.tools import ToolsState
from workbench.state.upload import UploadState, warm_validation

TITLE = "Data Workbench"
#: (page, route, title, on-load event) of every page that needs a signed-in user.
PAGES = (
    (release_page, routes.RELEASE, "Publicación", ReleaseState.load),
    (publications_page, routes.PUBLICATIONS, "Publicaciones", PublicationsState.load),
    (dataset_page, routes.DATASET, "Dataset", DatasetState.load),
    (new_spec_page, routes.NEW_SPEC, "Nueva especificación", NewSpecState.load),
    (editor_page, routes.EDITOR, "Editor de reglas", EditorActionsState.load),
    (run_page, routes.RUN, "Ejecución", RunState.load),
    (backfill_page, routes.BACKFILL, "Carga masiva", BackfillState.load),
    (backfills_page, routes.BACKFILLS, "Cargas masivas", BackfillsState.load),
    (datasets_page, routes.DATASETS, "Datasets", DatasetsState.load),
    (upload_page, routes.UPLOAD, "Cargar archivo", UploadState.load),
    (runs_page, routes.RUNS, "Ejecuciones", RunsState.load),
    (automation_page, routes.AUTOMATION, "Automatización", AutomationState.load),
    (lineage_page, routes.LINEAGE, "Linaje", LineageState.load),
    (tools_page, routes.TOOLS, "Herramientas", ToolsState.load),
    (queues_page, routes.QUEUES, "Colas y workers", QueuesState.load),
)


def register(app: rx.App) -> None:
    """Every page with its route, title and on-load events: first the sign-in check (``AuthState.check``, back to
    the sign-in page without a session), then the page's own load (which refuses by itself without a session,
    so nothing is fetched for an anonymous browser). Dynamic routes first (Reflex matches in order)."""
    for component, route, title, load in PAGES:
        app.add_page(component, route=route, title=f"{title} · {TITLE}", on_load=[AuthState.check, load])
    app.register_lifespan_task(warm_validation)  # GX import (~3 s) at server start, not in the first preview
    # Not signed-in pages: the home page sends to the dataset list (which checks), and /login reached by the
    # app's own navigation loads the server's sign-in form.
    app.add_page(_home, route=routes.HOME, title=TITLE, on_load=rx.redirect(routes.DATASETS))
    app.add_page(login_page, route=routes.LOGIN, title=f"Iniciar sesión · {TITLE}")
    # Every unknown address (Reflex's "404" page), signed in or not: in Spanish, with the way back.
    app.add_page(not_found_page, route=routes.NOT_FOUND, title=f"Página no encontrada · {TITLE}")


def _home() -> rx.Component:
    return rx.center(rx.link("Ir a Datasets", href=routes.DATASETS), padding="4rem")
