"""Sign-in over HTTP: the session cookie's attributes, tokens, Basic, CSRF defence, open redirects, lock-out."""

from __future__ import annotations

import base64

import pytest
from fastapi import Request
from fastapi.testclient import TestClient

from workbench.api.app import create_api
from workbench.api.credentials import COOKIE, principal_of
from workbench.engine.app import access, accounts, sessions

PASSWORD = "una-clave-larga-2026"
HTML = {"accept": "text/html"}


@pytest.fixture
def app(settings):
    accounts.add_user("ana", PASSWORD, "analyst", settings)
    api = create_api(settings)

    @api.post("/workbench/_test/whoami")  # a state-changing probe route, only in this test's app
    async def whoami(request: Request) -> dict:
        return {"username": principal_of(request, settings).username}

    return api


@pytest.fixture
def web(app):
    with TestClient(app, base_url="http://127.0.0.1:8000", follow_redirects=False) as c:
        yield c


def login(web, password=PASSWORD, next_="/ejecuciones"):
    return web.post("/workbench/auth/login", data={"username": "Ana", "password": password, "next": next_},
                    headers=HTML)


def test_login_sets_a_hardened_cookie_and_redirects_back(web):
    answer = login(web)
    assert answer.status_code == 303 and answer.headers["location"] == "/ejecuciones"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=wbs_") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Path=/" in cookie and "Secure" not in cookie  # development over http
    assert web.get("/workbench/auth/me").json() == {"username": "ana", "role": "analyst", "via": "session"}


def test_production_cookies_are_secure(settings, app):
    app.state.settings = settings.model_copy(update={"environment": "production"})
    with TestClient(app, follow_redirects=False) as c:
        assert "Secure" in login(c).headers["set-cookie"]


def test_wrong_password_goes_back_to_the_form_and_json_clients_get_401(web):
    answer = login(web, password="no-es-la-clave")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login?error=invalid")
    assert "set-cookie" not in answer.headers
    problem = web.post("/workbench/auth/login", data={"username": "ana", "password": "no-es-la-clave"})
    assert problem.status_code == 401 and problem.json()["code"] == "not-authenticated"
    assert problem.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("target", ["https://evil.example/x", "//evil.example", "/\\evil.example", "javascript:x"])
def test_next_never_leaves_the_site(web, target):
    assert login(web, next_=target).headers["location"] == "/workbench"


def test_anonymous_and_forged_credentials_are_refused(web):
    assert web.get("/workbench/auth/me").status_code == 401
    web.cookies.set(COOKIE, "wbs_forged")
    assert web.get("/workbench/auth/me").status_code == 401
    assert web.get("/workbench/auth/me", headers={"authorization": "Bearer wbt_nope"}).status_code == 401


def test_tokens_and_basic(web, settings, app):
    token = accounts.create_token("ana", "etl", settings=settings)
    assert web.get("/workbench/auth/me", headers={"authorization": f"Bearer {token}"}).json()["via"] == "token"
    basic = "Basic " + base64.b64encode(f"ana:{PASSWORD}".encode()).decode()
    refused = web.get("/workbench/auth/me", headers={"authorization": basic})
    assert refused.status_code == 401 and "not enabled" in refused.json()["detail"]
    app.state.settings = settings.model_copy(update={"auth_basic": True})
    assert web.get("/workbench/auth/me", headers={"authorization": basic}).json()["via"] == "basic"


def test_cookie_changes_must_come_from_our_origin(web):
    login(web)
    assert web.post("/workbench/_test/whoami").status_code == 401  # no Origin: refused
    assert web.post("/workbench/_test/whoami", headers={"origin": "https://evil.example"}).status_code == 401
    ok = web.post("/workbench/_test/whoami", headers={"origin": "http://127.0.0.1:8000"})
    assert ok.status_code == 200 and ok.json() == {"username": "ana"}


def test_logout_revokes_the_session(web):
    login(web)
    secret = web.cookies.get(COOKIE)
    assert web.post("/workbench/auth/logout", headers=HTML).headers["location"] == "/login"
    web.cookies.set(COOKIE, secret)
    assert web.get("/workbench/auth/me").status_code == 401


def test_repeated_failures_lock_the_account_out_with_retry_after(web, settings, app):
    app.state.settings = settings.model_copy(update={"login_max_failures": 2, "login_lockout_s": 120})
    for _ in range(2):
        web.post("/workbench/auth/login", data={"username": "ana", "password": "mala-clave-x"})
    locked = web.post("/workbench/auth/login", data={"username": "ana", "password": PASSWORD})
    assert locked.status_code == 429 and locked.headers["retry-after"] == "120"
    assert locked.json()["code"] == "too-many-attempts"


def test_the_setup_link_creates_the_first_admin_once(settings):
    fresh = settings.model_copy(update={"data_dir": settings.data_dir})
    secret = accounts.bootstrap(fresh)
    assert secret is not None
    with TestClient(create_api(fresh), follow_redirects=False) as c:
        made = c.post("/workbench/auth/setup", data={"token": secret, "username": "jefa", "password": PASSWORD})
        assert made.status_code == 201 and made.json() == {"username": "jefa", "role": "admin"}
        assert c.get("/workbench/auth/me").json()["role"] == "admin"
        again = c.post("/workbench/auth/setup", data={"token": secret, "username": "otra", "password": PASSWORD})
        assert again.status_code == 401


def test_the_admin_dashboard_is_for_admins_only(web, settings):
    anonymous = web.get("/admin/")
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login?next=/admin/"
    login(web)  # ana is an analyst
    assert web.get("/admin/").status_code == 403
    accounts.add_user("jefa", PASSWORD, "admin", settings)
    web.post("/workbench/auth/login", data={"username": "jefa", "password": PASSWORD}, headers=HTML)
    assert web.get("/admin/").status_code == 404  # passed the guard: this test app mounts no dashboard


def test_the_sign_in_page_is_plain_html_and_escapes_what_it_is_given(web):
    page = web.get("/login", params={"next": '/x"><script>alert(1)</script>', "error": "invalid"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
    assert 'action="/workbench/auth/login"' in page.text and "Usuario o contraseña incorrectos." in page.text
    assert 'value="/workbench"' in web.get("/login", params={"next": "//evil.example"}).text
    setup = web.get("/login", params={"setup": 'wbx_"onmouseover="x'})
    assert 'action="/workbench/auth/setup"' in setup.text and '"onmouseover="' not in setup.text


def test_sign_in_forms_posted_from_another_site_are_refused(web):
    """Login CSRF: a foreign page must not sign the victim into another account (or out of theirs)."""
    for path, data in (("/workbench/auth/login", {"username": "ana", "password": PASSWORD}),
                       ("/workbench/auth/logout", {})):
        refused = web.post(path, data=data, headers={"origin": "https://evil.example"})
        assert refused.status_code == 403 and refused.json()["code"] == "cross-site", path
    ours = web.post("/workbench/auth/login", data={"username": "ana", "password": PASSWORD},
                    headers={"origin": "http://127.0.0.1:8000"})
    assert ours.status_code == 200 and COOKIE in ours.cookies


def test_rotating_usernames_from_one_address_is_limited_too(web, settings, app):
    """The per-address counter stops guessing across many usernames before argon2 runs for each."""
    app.state.settings = settings.model_copy(update={"login_max_failures": 2, "login_lockout_s": 120})
    statuses = [web.post("/workbench/auth/login", data={"username": f"u{i}", "password": "mala-clave-x"}).status_code
                for i in range(sessions.ADDRESS_FACTOR * 2 + 3)]
    assert statuses[:sessions.ADDRESS_FACTOR * 2] == [401] * (sessions.ADDRESS_FACTOR * 2)
    assert statuses[-1] == 429


def test_the_client_address_comes_from_x_forwarded_for_only_behind_a_trusted_proxy(settings):
    from starlette.requests import Request as StarletteRequest

    from workbench.api.credentials import _client_address

    def request(peer: str, xff: str, trusted: list[str]):
        app = type("App", (), {})()
        app.state = type("S", (), {"settings": settings.model_copy(update={"trusted_proxies": trusted})})()
        scope = {"type": "http", "client": (peer, 5000), "headers": [(b"x-forwarded-for", xff.encode())],
                 "app": app}
        return StarletteRequest(scope)

    assert _client_address(request("203.0.113.9", "1.2.3.4", [])) == "203.0.113.9"  # not a proxy: ignored
    assert _client_address(request("127.0.0.1", "1.2.3.4", [])) == "127.0.0.1"
    assert _client_address(request("127.0.0.1", "6.6.6.6, 198.51.100.7", ["127.0.0.1"])) == "198.51.100.7"
    assert _client_address(request("127.0.0.1", "198.51.100.7, 10.0.0.2", ["127.0.0.1", "10.0.0.2"])) == "198.51.100.7"


def test_the_setup_link_works_on_a_server_where_nobody_is_signed_in(settings):
    """The web server has no process default principal: the link itself must be enough."""
    secret = accounts.bootstrap(settings)
    access.set_process_default(None)
    with TestClient(create_api(settings), follow_redirects=False) as c:
        made = c.post("/workbench/auth/setup", data={"token": secret, "username": "jefa", "password": PASSWORD})
        assert made.status_code == 201, made.text
        assert c.get("/workbench/auth/me").json() == {"username": "jefa", "role": "admin", "via": "session"}
