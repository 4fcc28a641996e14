"""The one problem document shape (RFC 9457 + the engine's error), pinned."""

from fastapi import FastAPI
from fastapi.testclient import TestClient

from workbench.api import problems
from workbench.engine.api import StepError


def test_unknown_dataset_problem_shape_is_pinned(client):
    response = client.get("/workbench/datasets/no_such_dataset")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "/workbench/problems/dataset-not-found",
        "title": "Dataset not found",
        "status": 404,
        "detail": "there is no dataset 'no_such_dataset' in the store (run `workbench specs sync`?)",
        "instance": "/workbench/datasets/no_such_dataset",
        "code": "dataset-not-found",
        "message_es": "no existe el conjunto de datos 'no_such_dataset' en el almacén",
        "details": {"slug": "no_such_dataset"},
    }


def test_location_fields_are_copied_to_the_top_level():
    app = FastAPI()
    problems.install(app)

    @app.get("/boom")
    def boom() -> None:
        raise StepError("'12abc' is not a number", message_es="'12abc' no es un número", step="bronze[3] type_cast",
                        layer="bronze", file="x.csv", row=12, column="I")

    body = TestClient(app).get("/boom").json()
    assert body["status"] == 422 and body["code"] == "step-failed"
    assert (body["file"], body["row"], body["column"], body["layer"]) == ("x.csv", 12, "I", "bronze")
    assert body["message_es"].startswith("x.csv fila 12 columna I: paso bronze[3] type_cast")


def test_wrong_types_are_a_422_problem(client):
    response = client.get("/workbench/datasets", params={"limit": "many"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "request-invalid" and body["type"] == "/workbench/problems/request-invalid"
    assert body["details"]["errors"][0]["location"] == ["query", "limit"]
    assert body["detail"].startswith("limit: ")


def test_unknown_route_is_a_404_problem(client):
    response = client.get("/workbench/nothing-here")
    assert response.status_code == 404 and response.json()["code"] == "not-found"


def test_unexpected_errors_are_a_generic_500_without_traceback(caplog):
    app = FastAPI()
    problems.install(app)

    @app.get("/bug")
    def bug() -> None:
        raise ZeroDivisionError("secret internals")

    response = TestClient(app, raise_server_exceptions=False).get("/bug")
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "internal-error" and "secret" not in response.text and "Traceback" not in response.text
    assert "unexpected error on GET /bug" in caplog.text


def test_openapi_describes_every_route_and_the_problem_model(client):
    spec = client.get("/openapi.json").json()
    assert {"/workbench/datasets", "/workbench/runs/{run_id}/export", "/workbench/lineage/{slug}",
            "/workbench/backfills/{backfill_id}/resume", "/workbench/health", "/workbench/preview"} <= set(spec["paths"])
    assert "Problem" in spec["components"]["schemas"]
    assert "multipart/form-data" in spec["paths"]["/workbench/runs"]["post"]["requestBody"]["content"]
    assert client.get("/docs").status_code == 200


def test_server_side_failures_never_tell_clients_where_the_services_are():
    """A 5xx names no host, port, database, socket path or driver text (that goes to the log)."""
    from workbench.api.problems import public_error
    from workbench.engine.core.errors import RedisUnavailableError
    from workbench.engine.infra.queue import QueueUnavailableError
    from workbench.engine.store.db import DatabaseUnavailableError

    db = DatabaseUnavailableError(where="10.20.30.40:5432/budget_prod", reason="connection refused by pg_hba")
    shown = public_error(db, 503)
    assert shown["code"] == "database-unavailable" and "base de datos" in shown["message_es"]
    assert "10.20.30.40" not in str(shown) and "budget_prod" not in str(shown) and "pg_hba" not in str(shown)
    redis_down = public_error(RedisUnavailableError(where="/srv/data/redis/redis.sock", reason="EACCES"), 503)
    assert "/srv/data" not in str(redis_down) and "Redis" in redis_down["message_es"]
    queued = public_error(QueueUnavailableError(run_id=7, filename="abril.csv"), 503)  # safe as it is
    assert "abril.csv" in queued["message_es"] and queued["details"]["run_id"] == 7
    assert public_error(db, 422) == db.to_dict()  # user errors keep their locations
