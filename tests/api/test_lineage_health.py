"""/workbench/lineage/{slug} (JSON or JSON-LD by Accept) and /workbench/health."""

from fastapi.testclient import TestClient

from tests.api.conftest import run_now
from workbench.api.app import create_api
from workbench.engine.core.settings import Settings


def test_lineage_graph_json_and_jsonld(client, settings):
    run = run_now(client, settings)
    graph = client.get("/workbench/lineage/dipres_ejecucion")
    assert graph.status_code == 200 and graph.headers["content-type"] == "application/json"
    kinds = {n["kind"] for n in graph.json()["nodes"]}
    assert kinds >= {"raw_file", "dataset_layer"} and run["id"] in {r["id"] for r in graph.json()["runs"]}
    ld = client.get("/workbench/lineage/dipres_ejecucion", headers={"Accept": "application/ld+json"})
    assert ld.status_code == 200 and ld.headers["content-type"] == "application/ld+json"
    assert "@context" in ld.json() and ld.headers["vary"] == "Accept"


def test_lineage_of_unknown_dataset_is_404(client):
    response = client.get("/workbench/lineage/no_such", headers={"Accept": "application/ld+json"})
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"


def test_health_reports_each_dependency(client):
    body = client.get("/workbench/health").json()
    assert body["checks"]["database"]["status"] == "ok" and body["checks"]["redis"]["status"] == "ok"
    assert body["checks"]["workers"] == {"status": "none", "count": 0, "names": []}
    assert body["status"] == "degraded"  # no worker is running


def test_health_is_503_when_the_database_is_down(tmp_path, settings):
    down = Settings(**{**settings.model_dump(), "database_url": "postgresql+psycopg://nobody@127.0.0.1:9/nowhere"})
    response = TestClient(create_api(down)).get("/workbench/health")
    assert response.status_code == 503
    assert response.json()["status"] == "down" and response.json()["checks"]["database"]["code"] == "database-unavailable"


def test_a_database_down_is_a_503_problem_on_other_routes(settings):
    down = Settings(**{**settings.model_dump(), "database_url": "postgresql+psycopg://nobody@127.0.0.1:9/nowhere"})
    response = TestClient(create_api(down)).get("/workbench/runs", headers={"authorization": "Bearer wbt_any"})
    assert response.status_code == 503 and response.json()["code"] == "database-unavailable"
