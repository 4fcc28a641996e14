"""The frameworks' own answers as problem documents: 405 with the path's real Allow, OPTIONS, plain-text
errors replaced, and the security headers on a 500 (TestClient; tests/api/test_live_server.py does the same
against Granian with the Reflex app around the API)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from starlette.responses import PlainTextResponse

from workbench.api.app import create_api
from workbench.api.server_errors import PlainErrors
from workbench.engine.core.settings import Settings


def _client(tmp_path) -> TestClient:
    return TestClient(create_api(Settings(data_dir=tmp_path)), raise_server_exceptions=False)


def test_a_method_a_path_lacks_is_a_405_problem_with_every_method_of_the_path(tmp_path):
    with _client(tmp_path) as client:
        put, options = client.put("/workbench/runs"), client.options("/workbench/runs")
    assert put.status_code == 405 and put.headers["allow"] == "GET, HEAD, OPTIONS, POST"
    assert put.headers["content-type"] == "application/problem+json"
    assert put.json()["code"] == "method-not-allowed" and "Allow" in put.json()["message_es"]
    assert (options.status_code, options.headers["allow"], options.content) == (204, "GET, HEAD, OPTIONS, POST",
                                                                                 b"")


def test_head_is_the_get_without_its_body(tmp_path):
    """FastAPI's GET routes do not answer HEAD: the request went on to the frontend's page (a 200 of HTML)."""
    with _client(tmp_path) as client:
        get, head = client.get("/openapi.json"), client.head("/workbench/health")
        health = client.get("/workbench/health")
    assert head.status_code == health.status_code and head.content == b""
    assert head.headers["content-type"] == health.headers["content-type"] == "application/json"
    assert get.status_code == 200


def test_a_500_carries_the_security_headers(tmp_path):
    app = create_api(Settings(data_dir=tmp_path))

    @app.get("/workbench/boom")
    def boom() -> None:
        raise RuntimeError("/srv/secret/path")

    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/workbench/boom")
    assert r.status_code == 500 and r.json()["code"] == "internal-error"
    assert "/srv/secret" not in r.text
    assert "content-security-policy" in r.headers and r.headers["x-frame-options"] == "DENY"


def test_a_plain_text_error_becomes_a_problem_with_its_allow_header():
    app = PlainErrors(PlainTextResponse("Method Not Allowed", status_code=405, headers={"Allow": "GET, HEAD"}))
    r = TestClient(app).post("/anything")
    assert r.status_code == 405 and r.headers["content-type"] == "application/problem+json"
    assert r.headers["allow"] == "GET, HEAD" and r.json()["message_es"].startswith("este recurso no acepta")
    assert "Method Not Allowed" not in r.text


def test_html_error_pages_stay_pages():
    from starlette.responses import HTMLResponse

    r = TestClient(PlainErrors(HTMLResponse("<h1>No encontrada</h1>", status_code=404))).get("/x")
    assert r.status_code == 404 and r.text == "<h1>No encontrada</h1>"


def test_header_names_are_matched_in_any_case():
    """engine.io (the ``/_event`` socket) sends ``Content-Type``: its ``400 Invalid transport`` left as text."""
    async def engineio_like(scope, receive, send):
        await send({"type": "http.response.start", "status": 400,
                    "headers": [(b"Content-Type", b"text/plain"), (b"Retry-After", b"5")]})
        await send({"type": "http.response.body", "body": b'"Invalid transport"'})

    r = TestClient(PlainErrors(engineio_like)).get("/_event/xyz")
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "bad-request" and r.headers["retry-after"] == "5"
    assert "Invalid transport" not in r.text
