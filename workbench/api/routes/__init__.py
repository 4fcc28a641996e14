"""The REST API's routes, one module per resource (an ``APIRouter`` each, listed in ``workbench.api.app.ROUTERS``)."""
