"""Other origins get nothing with a signed-in user's cookie from the served product: no CORS grant on the REST
API (a page on another site, or on another port of this host, can't read its answers) and no websocket to the
app's events (it can't act as the user in the pages' state). The product's own origin still works."""

from __future__ import annotations

import base64
import os
import socket
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.conftest import ADMIN_PASSWORD, ADMIN_USER

pytestmark = pytest.mark.e2e

FOREIGN = "https://other.gob.cl"


@pytest.fixture(scope="module")
def cookie(product: str) -> str:
    """A signed-in admin's session cookie, from the real sign-in route."""
    answer = httpx.post(f"{product}/workbench/auth/login", data={"username": ADMIN_USER, "password": ADMIN_PASSWORD},
                        headers={"origin": product, "accept": "application/json"}, follow_redirects=False)
    assert answer.status_code == 200, answer.text
    value = answer.cookies.get("wb_session")
    assert value
    return f"wb_session={value}"


def _other_port(product: str) -> str:
    """A page served by another program on this host (same host, another port: another origin)."""
    url = urlsplit(product)
    return f"http://{url.hostname}:{(url.port or 80) + 1}"


def test_the_api_grants_no_other_origin_the_users_cookie(product: str, cookie: str) -> None:
    for origin in (FOREIGN, _other_port(product), "null"):
        answer = httpx.get(f"{product}/workbench/datasets", headers={"origin": origin, "cookie": cookie})
        assert answer.status_code == 200  # the request is the user's (CORS only decides who may read it)
        # without a matching allow-origin the browser hands the answer to no page (Starlette's constant
        # allow-credentials header grants nothing alone)
        assert "access-control-allow-origin" not in answer.headers, origin
        preflight = httpx.options(f"{product}/workbench/datasets",
                                  headers={"origin": origin, "access-control-request-method": "POST",
                                           "access-control-request-headers": "content-type", "cookie": cookie})
        assert "access-control-allow-origin" not in preflight.headers, origin
        assert preflight.status_code >= 400, origin
    own = httpx.get(f"{product}/workbench/datasets", headers={"origin": product, "cookie": cookie})
    assert own.status_code == 200 and "dipres_ejecucion" in own.text
    assert own.headers["access-control-allow-origin"] == product  # the product's own pages still may


def _websocket_handshake(product: str, origin: str, cookie: str) -> str:
    """The status line a websocket upgrade to the app's event endpoint (/_event) gets with ``origin``."""
    url = urlsplit(product)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (f"GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {url.netloc}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
               f"Origin: {origin}\r\nCookie: {cookie}\r\n\r\n")
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(request.encode())
        answer = b""
        while b"\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.split(b"\r\n", 1)[0].decode()


def test_the_event_websocket_refuses_other_origins(product: str, cookie: str) -> None:
    for origin in (FOREIGN, _other_port(product)):
        status = _websocket_handshake(product, origin, cookie)
        assert status.startswith("HTTP/1.1 ") and " 101 " not in status, (origin, status)
    assert " 101 " in _websocket_handshake(product, product, cookie)  # the pages' own connection
