"""Every response carries the security headers; the policy allows nothing from outside."""

from fastapi.testclient import TestClient

from workbench.api.app import create_api
from workbench.api.security import CSP, DATA_DOCS_CSP
from workbench.engine.settings import Settings


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
