"""Access control, read from the app itself: every route the API serves is enumerated from ``create_api()``
(nothing listed by hand but the few routes that are public on purpose), its permission is read from the
dependency it declares (``deps.require(...)``), and each role is sent a real request to it:

- anonymous: 401 with ``WWW-Authenticate`` on every route that is not public;
- viewer, analyst, admin: exactly the routes their role allows answer (2xx/3xx, or a 4xx that is not about
  rights), the others answer 403 ``forbidden`` with a Spanish message, and nothing changed in the store.

The engine checks the same permissions again in its use cases (tests/unit/test_permissions.py), so a route
that forgot its dependency would still be refused; this test makes a forgotten declaration fail loudly."""

from __future__ import annotations

import re
import shutil
from typing import Any, Iterator

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import CSV, run_now, upload
from workbench.api.app import create_api
from workbench.engine.app import access, accounts, datasets, runs, runs_read, sessions
from workbench.engine.core.settings import Settings

#: Public on purpose: signing in (the form, the JSON route, the first-admin link, signing out), the health
#: endpoint (load balancers; up/down only) and the API's own documentation (its schema and Swagger UI).
PUBLIC = {("GET", "/login"), ("POST", "/workbench/auth/login"), ("POST", "/workbench/auth/logout"),
          ("POST", "/workbench/auth/setup"), ("GET", "/workbench/health"), ("GET", "/openapi.json"),
          ("HEAD", "/openapi.json"), ("GET", "/docs")}
PASSWORD = "clave-de-acceso-123"


def _routes(app: Any) -> Iterator[tuple[str, str, Any]]:
    """(method, path, dependant) for every route of the app, through FastAPI's included routers."""
    for route in app.routes:
        candidates = getattr(route, "effective_candidates", None)
        if candidates is not None:  # FastAPI >= 0.16x: included routers are resolved lazily
            for context in (candidates() if callable(candidates) else candidates):
                for method in sorted(context.methods or ()):
                    yield method, context.path_format, context.dependant
        elif hasattr(route, "dependant"):
            for method in sorted(route.methods or ()):
                yield method, route.path_format, route.dependant
        elif hasattr(route, "methods"):
            for method in sorted(route.methods or ()):
                yield method, route.path, None


def _declared(dependant: Any) -> set[str]:
    """The permissions a route's dependency tree declares."""
    found: set[str] = set()
    stack = [dependant] if dependant is not None else []
    while stack:
        node = stack.pop()
        if getattr(node.call, "permission", None):
            found.add(node.call.permission)
        stack.extend(node.dependencies)
    return found


def _strictest(permissions: set[str]) -> str | None:
    if not permissions:
        return None
    return max(permissions, key=lambda p: access.ROLES.index(access.PERMISSIONS[p]))


def _request(client: TestClient, method: str, path: str, ids: dict[str, str], headers: dict[str, str]):
    """A real request to ``path`` (its parameters filled with objects that exist), with a body it accepts."""
    url = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: ids[m.group(1)], path)
    kwargs: dict[str, Any] = {"headers": headers}
    if (method, path) == ("POST", "/workbench/preview") or (method, path) == ("POST", "/workbench/runs"):
        kwargs.update(upload(CSV, anio="2017"))
    elif (method, path) == ("POST", "/workbench/backfills"):
        kwargs["json"] = {"dataset": "dipres_ejecucion", "files": "examples/*.csv", "params": {"anio": 2017}}
    elif (method, path) == ("POST", "/workbench/drafts"):
        kwargs["json"] = {"dataset": "dipres_ejecucion"}
    elif (method, path) == ("POST", "/workbench/drafts/{draft_id}/edits"):
        kwargs["json"] = {"op": {"op": "toggle_step", "layer": "bronze", "index": 1}}
    elif path == "/workbench/runs/{run_id}/export":
        kwargs["params"] = {"layer": "silver", "format": "csv"}
    return client.request(method, url, follow_redirects=False, **kwargs)


@pytest.fixture
def world(settings: Settings) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str]]]:
    """The app with one user per role (tokens), one succeeded run, one backfill, a Data Docs page, a release and
    a spec draft."""
    datasets.sync_specs(settings)
    tokens = {}
    for role in access.ROLES:
        accounts.add_user(f"u-{role}", PASSWORD, role, settings)
        tokens[role] = accounts.create_token(f"u-{role}", "access tests", settings=settings)
    with TestClient(create_api(settings), raise_server_exceptions=False) as client:
        admin = {"authorization": f"Bearer {tokens['admin']}"}
        client.headers.update(admin)
        run = run_now(client, settings, anio="2017")
        assert run["status"] == "succeeded", run
        backfill = client.post("/workbench/backfills", json={"dataset": "dipres_ejecucion",
                                                             "files": "examples/*.csv", "params": {"anio": 2017}})
        assert backfill.status_code == 202, backfill.text
        runs_read.build_run_docs(run["id"], settings)
        release = client.post("/workbench/releases", json={"run_id": run["id"]})
        assert release.status_code == 201, release.text
        draft = client.post("/workbench/drafts", json={"dataset": "dipres_ejecucion"})
        assert draft.status_code == 201, draft.text
        client.headers.pop("authorization")
        ids = {"run_id": str(run["id"]), "slug": "dipres_ejecucion", "backfill_id": str(backfill.json()["id"]),
               "path": "index.html", "release_id": str(release.json()["id"]), "draft_id": str(draft.json()["id"])}
        yield client, ids, tokens


def test_every_route_is_public_on_purpose_or_declares_a_permission(settings: Settings) -> None:
    routes = list(_routes(create_api(settings)))
    assert len(routes) >= 20, routes  # the enumeration sees the included routers
    undeclared = [(m, p) for m, p, dep in routes if not _declared(dep) and (m, p) not in PUBLIC
                  and not p.startswith("/workbench/_static/")]
    assert not undeclared, f"routes with neither a permission nor a reason to be public: {undeclared}"
    assert not [(m, p) for m, p, dep in routes if (m, p) in PUBLIC and _declared(dep)], "PUBLIC is stale"
    writes = {(m, p): _strictest(_declared(dep)) for m, p, dep in routes if m == "POST" and _declared(dep)}
    assert writes[("POST", "/workbench/runs")] == "run" and writes[("POST", "/workbench/preview")] == "preview"
    assert writes[("POST", "/workbench/backfills")] == "backfill"
    assert writes[("POST", "/workbench/specs/sync")] == "sync_specs"


def test_anonymous_callers_get_401_on_every_route_that_is_not_public(world) -> None:
    client, ids, _ = world
    checked = 0
    for method, path, dependant in _routes(client.app):
        if (method, path) in PUBLIC or path.startswith("/workbench/_static/") or method == "HEAD":
            continue
        for headers in ({}, {"authorization": "Bearer wbt_not-a-real-token"}, {"cookie": "wb_session=wbs_forged"},
                        {"authorization": "Basic dS12aWV3ZXI6Y2xhdmU="}):
            response = _request(client, method, path, ids, headers)
            assert response.status_code == 401, (method, path, headers, response.status_code, response.text[:200])
            assert response.json()["code"] == "not-authenticated"
            assert "Traceback" not in response.text
        checked += 1
    assert checked >= 15


@pytest.mark.parametrize("role", access.ROLES)
def test_each_role_gets_exactly_its_rights_on_every_route(world, settings: Settings, role: str) -> None:
    client, ids, tokens = world
    principal = access.Principal(f"u-{role}", role)
    headers = {"authorization": f"Bearer {tokens[role]}"}
    allowed, refused = [], []
    routes = sorted(_routes(client.app), key=lambda r: (r[0] != "GET", r[1]))  # reads first, then writes
    for method, path, dependant in routes:
        permission = _strictest(_declared(dependant))
        if permission is None or method == "HEAD":
            continue
        runs_before = len(runs_read.list_runs(settings).items)
        response = _request(client, method, path, ids, headers)
        if principal.can(permission):
            assert response.status_code not in (401, 403), (role, method, path, response.text[:300])
            assert response.status_code < 500, (role, method, path, response.text[:300])
            allowed.append((method, path))
        else:
            assert response.status_code == 403, (role, method, path, response.status_code, response.text[:300])
            body = response.json()
            assert body["code"] == "forbidden" and "no tiene permiso" in body["message_es"], body
            assert len(runs_read.list_runs(settings).items) == runs_before, (role, method, path)  # nothing happened
            refused.append((method, path))
    writes = {("POST", "/workbench/runs"), ("POST", "/workbench/preview"), ("POST", "/workbench/backfills"),
              ("POST", "/workbench/releases")}
    sync = ("POST", "/workbench/specs/sync")
    decisions = {("POST", f"/workbench/releases/{{release_id}}/{what}")
                 for what in ("approve", "publish", "reject", "rollback")}
    editing = {("POST", "/workbench/drafts"), ("POST", "/workbench/drafts/{draft_id}/edits"),
               ("GET", "/workbench/drafts/{draft_id}/preview"), ("POST", "/workbench/drafts/{draft_id}/publish")}
    if role == "viewer":
        assert writes | {sync} | editing <= set(refused) and ("GET", "/workbench/runs/{run_id}/export") in allowed
        assert ("GET", "/workbench/drafts/{draft_id}") in allowed and ("GET", "/workbench/drafts/{draft_id}/diff") \
            in allowed
    elif role == "analyst":
        assert writes | editing <= set(allowed) and set(refused) == decisions | {sync}
    elif role == "publisher":
        assert writes | decisions <= set(allowed) and refused == [sync]
    else:
        assert writes | decisions | {sync} <= set(allowed) and not refused


def test_a_viewer_session_cookie_reads_but_cannot_change_anything(world, settings: Settings) -> None:
    client, ids, _ = world
    viewer = next(u for u in accounts.list_users(settings) if u.username == "u-viewer")
    secret = sessions.start_session(access.Principal("u-viewer", "viewer", "session", viewer.id), settings)
    cookie = {"cookie": f"wb_session={secret}"}
    assert client.get("/workbench/auth/me", headers=cookie).json() == {"username": "u-viewer", "role": "viewer",
                                                                      "via": "session"}
    assert client.get(f"/workbench/runs/{ids['run_id']}", headers=cookie).status_code == 200
    same_origin = {**cookie, "origin": "http://testserver"}
    refused = client.post("/workbench/runs", headers=same_origin, **upload(CSV, anio="2017"))
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


def test_admin_dashboard_is_for_admins_only(world, settings: Settings) -> None:
    """``/admin`` (mounted by the web app) is guarded by a middleware of this app: sign-in first, admins only."""
    client, _, _ = world
    assert client.get("/admin/", follow_redirects=False).headers["location"] == "/login?next=/admin/"
    users = {u.username: u for u in accounts.list_users(settings)}
    for role, status in (("viewer", 403), ("analyst", 403), ("admin", 404)):  # 404: no dashboard in this app
        user = users[f"u-{role}"]
        secret = sessions.start_session(access.Principal(user.username, role, "session", user.id), settings)
        response = client.get("/admin/", headers={"cookie": f"wb_session={secret}"}, follow_redirects=False)
        assert response.status_code == status, (role, response.status_code)
        if status == 403:  # a problem that says why, not a generic "HTTP error 403"
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["code"] == "forbidden" and "administradores" in response.json()["message_es"]


def test_engine_refuses_what_the_route_would_refuse(settings: Settings, tmp_path) -> None:
    """The same rights hold without the API: a viewer acting through the engine cannot run or preview."""
    datasets.sync_specs(settings)
    shutil.copy(CSV, tmp_path / "x.csv")
    with access.acting_as(access.Principal("vera", "viewer")):
        with pytest.raises(access.ForbiddenError):
            runs.run_file("dipres_ejecucion", CSV.read_bytes(), filename="x.csv", params={"anio": "2017"},
                              settings=settings)
        assert runs_read.list_runs(settings).items == []
