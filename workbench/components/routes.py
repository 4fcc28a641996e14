"""Every route of the web app, in one place (pages, links and tests use these names)."""

DATASETS = "/workbench"
DATASET = "/workbench/[slug]"
UPLOAD = "/cargar"
RUNS = "/ejecuciones"
RUN = "/ejecuciones/[run_id]"
BACKFILLS = "/cargas-masivas"
BACKFILL = "/cargas-masivas/[backfill_id]"
LINEAGE = "/linaje"
AUTOMATION = "/automatizacion"
TOOLS = "/herramientas"
QUEUES = "/herramientas/colas"
PUBLICATIONS = "/publicaciones/[slug]"
RELEASE = "/publicaciones/[slug]/[release_id]"
EDITOR = "/especificaciones/[slug]"
NEW_SPEC = "/especificaciones/nueva"
HOME = "/"
LOGIN = "/login"
NOT_FOUND = "404"  # Reflex's name for the page of every unknown address

# Served by other parts of the product on the same port.
API_DOCS = "/docs"
LOGOUT = "/workbench/auth/logout"  # POST: ends the session, then the sign-in page
ADMIN = "/admin/"  # starlette-admin's mount: "/admin" itself is not a page (404)
DATA_DOCS = "/workbench/docs/"


def dataset(slug: str) -> str:
    return f"{DATASETS}/{slug}"


def run(run_id: int | str) -> str:
    return f"{RUNS}/{run_id}"


def upload_of_run(run_id: int | str) -> str:
    """The upload page showing a past run's file again (its preview with the run's dataset and parameters)."""
    return f"{UPLOAD}?run={run_id}"


def publications(slug: str) -> str:
    return f"/publicaciones/{slug}"


def release(slug: str, release_id: int | str) -> str:
    return f"/publicaciones/{slug}/{release_id}"


def editor(slug: str) -> str:
    """The rule editor of a dataset's spec (opens the user's draft, or a new one of the current version)."""
    return f"/especificaciones/{slug}"
