"""Every route of the web app, in one place (pages, links and tests use these names)."""

DATASETS = "/workbench"
DATASET = "/workbench/[slug]"
UPLOAD = "/cargar"
RUNS = "/ejecuciones"
LINEAGE = "/linaje"
TOOLS = "/herramientas"
QUEUES = "/herramientas/colas"
HOME = "/"

# Served by other parts of the product on the same port.
API_DOCS = "/docs"
ADMIN = "/admin"
DATA_DOCS = "/workbench/docs/"


def dataset(slug: str) -> str:
    return f"{DATASETS}/{slug}"
