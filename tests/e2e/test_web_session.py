"""The web app's session helpers, without a browser: engine calls from a state run as the user whose cookie came
with the websocket, and never without one. (Plain unit tests beside the journeys in test_sign_in.py.)"""

from __future__ import annotations

import asyncio
import threading
from types import SimpleNamespace

import pytest

from workbench.engine.app import access
from workbench.engine.app import sessions as engine_sessions
from workbench.engine.core.errors import WorkbenchError
from workbench.state import auth as web_auth

ANA = access.Principal("ana", "viewer", "session", 7)


def _state(cookie: str = "", path: str = "/ejecuciones/3", query: str = "") -> SimpleNamespace:
    """What the helpers read of a Reflex state: the connection's headers and the page's address."""
    return SimpleNamespace(router=SimpleNamespace(headers=SimpleNamespace(cookie=cookie),
                                                  url=SimpleNamespace(path=path, query=query)))


@pytest.fixture
def sessions(monkeypatch: pytest.MonkeyPatch) -> None:
    """One valid session secret (``wbs_ana``); any other is unknown. No process default: the web server has none."""
    access.set_process_default(None)

    def resolve(secret: str, settings=None) -> access.Principal:  # noqa: ANN001
        if secret != "wbs_ana":
            raise access.AuthError("unknown", message_es="credencial desconocida")
        return ANA

    monkeypatch.setattr(engine_sessions, "resolve", resolve)


def _run(coroutine) -> object:  # noqa: ANN001
    """``asyncio.run`` in a thread of its own (playwright's sync API keeps a loop running in this one)."""
    out: dict = {}

    def target() -> None:
        try:
            out["value"] = asyncio.run(coroutine)
        except BaseException as exc:  # noqa: BLE001 (handed back to the test)
            out["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


def _engine_call(seen: list) -> object:
    def call(x: int) -> int:
        seen.append(access.require("read").username)
        return x * 2
    return call


def test_engine_call_runs_as_the_cookie_user_in_its_thread(sessions) -> None:
    seen: list = []
    state = _state("theme=dark; wb_session=wbs_ana")
    assert _run(web_auth.as_user(state, _engine_call(seen), 21)) == 42
    assert seen == ["ana"] and access.current() is None  # nothing leaks out of the call


@pytest.mark.parametrize("cookie", ["", "theme=dark", "wb_session=wbs_revoked", "wb_session=\"broken"])
def test_without_a_valid_session_the_engine_is_never_called(sessions, cookie: str) -> None:
    seen: list = []
    with pytest.raises(web_auth.SignedOut) as raised:
        _run(web_auth.as_user(_state(cookie, query="x=1"), _engine_call(seen), 1))
    assert seen == [] and raised.value.next == "/ejecuciones/3?x=1"
    assert not isinstance(raised.value, WorkbenchError)  # handlers' error displays don't catch it


def test_acting_for_plain_events(sessions) -> None:
    with web_auth.acting(_state("wb_session=wbs_ana")) as principal:
        assert access.require("read") == principal == ANA
    with pytest.raises(web_auth.SignedOut), web_auth.acting(_state()):
        pytest.fail("the body must not run")


def test_forbidden_is_an_engine_error_shown_by_the_page(sessions) -> None:
    with pytest.raises(access.ForbiddenError) as raised:
        _run(web_auth.as_user(_state("wb_session=wbs_ana"), access.require, "run"))
    assert "no tiene permiso" in raised.value.message_es


def test_error_boundary_sends_signed_out_browsers_to_sign_in_and_back() -> None:
    spec = web_auth.on_backend_error(web_auth.SignedOut("/cargar?run=3"))
    args = {name._js_expr: value._var_value for name, value in spec.args}  # type: ignore[union-attr]
    assert args["path"] == "/login?next=%2Fcargar%3Frun%3D3" and args["replace"] is True


def test_roles_in_spanish() -> None:
    assert web_auth.ROLE_LABELS == {"viewer": "lector", "analyst": "analista", "publisher": "publicador",
                                    "admin": "administrador"}
    assert set(web_auth.ROLE_LABELS) == set(access.ROLES)
