"""Every response carries the security headers; the policy allows nothing from outside."""

from fastapi.testclient import TestClient

from workbench.api.app import create_api
from workbench.api.security import CSP, DATA_DOCS_CSP
from workbench.engine.core.settings import Settings


def test_every_response_has_the_security_headers(tmp_path):
    client = TestClient(create_api(Settings(data_dir=tmp_path)))
    for path in ("/docs", "/workbench/health", "/workbench/no-such-route", "/workbench/docs/index.html"):
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
        policy = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
        assert "http" not in policy  # no outside source anywhere
    assert client.get("/docs").headers["content-security-policy"] == CSP
    assert "'unsafe-eval'" not in CSP and "'unsafe-eval'" in DATA_DOCS_CSP
    assert client.get("/workbench/docs/x").headers["content-security-policy"] == DATA_DOCS_CSP


def test_data_answers_are_not_stored_and_production_pins_https(tmp_path):
    client = TestClient(create_api(Settings(data_dir=tmp_path)))
    for path in ("/workbench/health", "/workbench/datasets", "/workbench/docs/index.html"):
        assert client.get(path).headers["cache-control"] == "no-store", path
    assert "cache-control" not in client.get("/docs").headers  # the API docs page carries no data
    assert "strict-transport-security" not in client.get("/docs").headers
    production = TestClient(create_api(Settings(data_dir=tmp_path, environment="production",
                                                admin_secret="s" * 40)))
    assert production.get("/docs").headers["strict-transport-security"] == "max-age=31536000"
