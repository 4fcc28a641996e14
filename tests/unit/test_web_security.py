"""The web app's security review fixes, without a browser (the served product is tested in
tests/e2e/test_cross_origin.py and test_sign_in.py):

- only the product's own origin may call it cross-origin with credentials or open its websocket;
- a dataset name from the browser is a slug, never a server path, and nothing is looked up for a viewer;
- the tools hub reads nothing for an anonymous connection;
- uploads through the web count against the API's upload rate limits (one budget, the same counters);
- a tab's state belongs to the session that filled it (``SessionBoundState``)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import fakeredis
import pytest

from workbench import web
from workbench.engine.app import access
from workbench.engine.app import sessions as engine_sessions
from workbench.engine.app.uploads import RateLimitedError, UploadLimiter
from workbench.engine.core.errors import SpecNotFoundError
from workbench.engine.core.settings import Settings
from workbench.state import auth as web_auth
from workbench.state import tools as tools_state
from workbench.state import upload as upload_state
from workbench.state import upload_calls
from workbench.state.tools import ToolsState
from workbench.state.upload import UploadState

ROOT = Path(__file__).resolve().parents[2]
PRINCIPALS = {"wbs_ana": access.Principal("ana", "analyst", "session", 1),
              "wbs_vera": access.Principal("vera", "viewer", "session", 2)}
ANA, VERA = "wb_session=wbs_ana", "wb_session=wbs_vera"


@pytest.fixture(autouse=True)
def sessions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two valid session secrets (an analyst's, a viewer's); no process default (the web server has none)."""
    access.set_process_default(None)

    def resolve(secret: str, settings=None) -> access.Principal:  # noqa: ANN001
        if secret not in PRINCIPALS:
            raise access.AuthError("unknown", message_es="credencial desconocida")
        return PRINCIPALS[secret]

    monkeypatch.setattr(engine_sessions, "resolve", resolve)


def _router(cookie: str) -> SimpleNamespace:
    return SimpleNamespace(headers=SimpleNamespace(cookie=cookie), url=SimpleNamespace(path="/cargar", query=""))


# --- 1. origins -------------------------------------------------------------------------------------------


def test_the_server_allows_only_its_own_origin() -> None:
    env = web.web_env("127.0.0.1", 8123, base={})
    assert env["REFLEX_CORS_ALLOWED_ORIGINS"] == "http://127.0.0.1:8123" == env["REFLEX_API_URL"]
    behind = web.web_env("127.0.0.1", 8123, base={}, public_url="https://Workbench.DIPRES.gob.cl:443/")
    assert behind["REFLEX_CORS_ALLOWED_ORIGINS"] == "https://workbench.dipres.gob.cl" == behind["REFLEX_API_URL"]
    assert web.origin("http://[::1]:8000/x") == "http://[::1]:8000" and web.base_url("::1", 80) == "http://[::1]:80"
    with pytest.raises(web.WebAppError):
        web.web_env("127.0.0.1", 8123, base={}, public_url="https://workbench.dipres.gob.cl/sub")
    with pytest.raises(web.WebAppError):
        web.origin("*")


def test_rxconfig_never_allows_every_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    import rxconfig

    monkeypatch.delenv("REFLEX_API_URL", raising=False)
    monkeypatch.delenv("REFLEX_DEPLOY_URL", raising=False)
    assert rxconfig._own_origins() == ["http://localhost:8000", "http://localhost:3000"]
    monkeypatch.setenv("REFLEX_API_URL", "http://127.0.0.1:9000")
    monkeypatch.setenv("REFLEX_DEPLOY_URL", "http://127.0.0.1:9000")
    assert rxconfig._own_origins() == ["http://127.0.0.1:9000"]
    assert "*" not in rxconfig.config.cors_allowed_origins


# --- 2. dataset names from the browser ----------------------------------------------------------------------


class _Upload:
    """What UploadState's handlers use of a Reflex state (``async with self`` included)."""

    _fail = UploadState._fail
    _reset_file = UploadState._reset_file
    _changed = UploadState._changed

    def __init__(self, cookie: str) -> None:
        self.router = _router(cookie)
        self.file_sha = self.file_name = self.file_size = self.dataset = self.suggestion = self.sheet = ""
        self.sheets: list[str] = []
        self.params: list[dict[str, Any]] = []
        self.datasets: list[dict[str, str]] = []
        self.error: dict[str, str] = {}
        self.upload_pct, self.has_preview, self.uploading = 0, False, False
        self.run_id, self.run_status, self.run_note, self.step, self.step_table = 0, "", "", -1, {}

    async def __aenter__(self) -> "_Upload":
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """Every spec file lookup and load the web makes (the real functions still run)."""
    seen: list[tuple[str, Any]] = []
    api = upload_state.api
    find, load = api.find_spec, api.load_spec
    monkeypatch.setattr(api, "get_settings", lambda: Settings(specs_dir=ROOT / "specs", data_dir=ROOT / "data"))
    monkeypatch.setattr(api, "find_spec", lambda *a, **k: seen.append(("find", a, k)) or find(*a, **k))
    monkeypatch.setattr(api, "load_spec", lambda *a, **k: seen.append(("load", a)) or load(*a, **k))
    return seen


def test_a_viewer_picking_a_dataset_gets_the_forbidden_notice_and_no_lookup(tmp_path: Path, lookups: list) -> None:
    target = tmp_path / "x" / "compose.yaml"
    target.parent.mkdir()
    target.write_text("services: {db: {image: postgres}}\n")
    state = _Upload(VERA)
    UploadState.set_dataset.fn(state, str(target))
    assert state.error["code"] == "forbidden" and "no tiene permiso" in state.error["message"]
    assert lookups == [] and state.dataset == "" and state.params == []


def test_an_analyst_names_datasets_never_server_files(tmp_path: Path, lookups: list) -> None:
    target = tmp_path / "x" / "compose.yaml"
    target.parent.mkdir()
    target.write_text("services: {db: {image: postgres}}\n")
    errors = []
    for name in (str(target), str(tmp_path / "x" / "missing.yaml"), "../specs/dipres_ejecucion"):
        state = _Upload(ANA)
        UploadState.set_dataset.fn(state, name)
        errors.append(state.error["code"])
        assert state.dataset == ""
    assert errors == ["spec-not-found"] * 3  # an existing file and a missing one look alike
    assert [entry for entry in lookups if entry[0] == "load"] == []
    assert all(entry[2] == {"slug_only": True} for entry in lookups)
    state = _Upload(ANA)  # a real dataset still works
    UploadState.set_dataset.fn(state, "dipres_ejecucion")
    assert state.error == {} and state.dataset == "dipres_ejecucion" and state.params


def test_previews_check_the_role_before_any_spec(lookups: list) -> None:
    with access.acting_as(PRINCIPALS["wbs_vera"]), pytest.raises(access.ForbiddenError):
        upload_calls.preview("0" * 64, "/etc/passwd.yaml", "a.csv", {}, "")
    with access.acting_as(PRINCIPALS["wbs_vera"]), pytest.raises(access.ForbiddenError):
        upload_calls.spec("dipres_ejecucion")
    assert lookups == []
    with access.acting_as(PRINCIPALS["wbs_ana"]), pytest.raises(SpecNotFoundError):
        upload_calls.spec(str(ROOT / "specs" / "dipres_ejecucion.yaml"))


# --- 3. tools hub -------------------------------------------------------------------------------------------


def test_the_tools_hub_reads_nothing_for_an_anonymous_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[int] = []
    monkeypatch.setattr(tools_state, "get_settings",
                        lambda: reads.append(1) or SimpleNamespace(pgadmin_url="http://pgadmin.internal"))
    for cookie in ("", "wb_session=wbs_revoked"):
        state = SimpleNamespace(router=_router(cookie), pgadmin_url="left over")
        ToolsState.load.fn(state)
        assert state.pgadmin_url == "" and reads == []
    state = SimpleNamespace(router=_router(VERA), pgadmin_url="")
    ToolsState.load.fn(state)
    assert state.pgadmin_url == "http://pgadmin.internal" and reads == [1]


# --- 4. upload rate limits ----------------------------------------------------------------------------------


class _Chunk:
    def __init__(self, filename: str, data: bytes) -> None:
        self.filename, self.data = filename, data


async def _chunks(*chunks: _Chunk):
    for chunk in chunks:
        yield chunk


def _receive(state: _Upload, data: bytes = b"a;b\n1;2\n") -> list[Any]:
    async def go() -> list[Any]:
        return [event async for event in UploadState.receive.fn(state, _chunks(_Chunk("a.csv", data)))]

    return asyncio.run(go())


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[UploadLimiter, list[bytes]]:
    """The API's limiter and the web's, on one Redis (2 uploads per user a minute); the web's stored uploads."""
    settings = Settings(data_dir=tmp_path, upload_rate_per_principal=2, upload_rate_global=100,
                        upload_rate_window_s=60)
    client = fakeredis.FakeRedis()
    web_limiter, api_limiter = UploadLimiter(settings, client), UploadLimiter(settings, client)
    monkeypatch.setattr(upload_calls, "upload_limiter", lambda: web_limiter)
    monkeypatch.setattr(upload_state.api, "get_settings", lambda: settings)
    stored: list[bytes] = []
    monkeypatch.setattr(upload_state.api, "keep_upload", lambda data: stored.append(data) or "f" * 64)
    monkeypatch.setattr(upload_calls, "choices", lambda data, name: {"datasets": [], "dataset": "", "suggestion": "",
                                                                      "params": [], "sheets": []})
    return api_limiter, stored


def test_web_uploads_share_the_apis_budget(limits) -> None:
    api_limiter, stored = limits
    api_limiter.check("ana")  # an API preview
    state = _Upload(ANA)
    _receive(state)  # a web upload: the second of two
    assert state.error == {} and state.file_sha == "f" * 64 and len(stored) == 1
    with pytest.raises(RateLimitedError):  # the API's next one is refused: the web's counted
        api_limiter.check("ana")
    state = _Upload(ANA)
    _receive(state)
    assert state.error["code"] == "rate-limited"
    assert state.error["message"].startswith("Demasiadas cargas; intente de nuevo en ")
    assert state.error["message"].endswith(" s.") and state.error["message"].split()[-2].isdigit()
    assert len(stored) == 1 and state.file_sha == "" and state.uploading is False  # nothing stored


def test_refused_and_unauthorised_uploads_are_not_counted(limits) -> None:
    api_limiter, stored = limits
    viewer = _Upload(VERA)
    _receive(viewer)
    assert viewer.error["code"] == "forbidden" and stored == []
    for _ in range(2):
        api_limiter.check("ana")
    for _ in range(3):
        refused = _Upload(ANA)
        _receive(refused)
        assert refused.error["code"] == "rate-limited"
    api_limiter.check("bob")  # another user's budget is untouched by the refusals
    assert stored == []


def test_the_web_limiter_is_the_apis_class_on_the_process_settings() -> None:
    limiter = upload_calls.upload_limiter()
    assert isinstance(limiter, UploadLimiter) and limiter.settings is upload_state.api.get_settings()
    assert upload_calls.upload_limiter() is limiter


# --- 5. a tab's state belongs to its session ----------------------------------------------------------------


class _Root:
    """The root of a tab's state tree, as SessionBoundState sees it."""

    def __init__(self, cookie: str, owner: str) -> None:
        self.parent_state = None
        self.router = _router(cookie)
        self.auth = SimpleNamespace(_owner=owner)
        self.resets = 0

    def get_substate(self, path: list[str]) -> SimpleNamespace:
        assert path == web_auth.AuthState.get_full_name().split(".")
        return self.auth

    async def get_state(self, cls: type) -> SimpleNamespace:
        assert cls is web_auth.AuthState
        return self.auth

    def reset(self) -> None:
        self.resets += 1
        self.auth._owner = ""


def _event(root: _Root, name: str) -> object:
    event = SimpleNamespace(name=f"reflex___state____state.{name}")
    return asyncio.run(web_auth.SessionBoundState().preprocess(None, root, event))


def test_hydration_under_another_session_empties_the_state() -> None:
    ana = web_auth._owner(SimpleNamespace(router=_router(ANA)))
    root = _Root("", ana)  # filled by ana, now without a session (signed out)
    assert _event(root, "hydrate_and_load") is None and root.resets == 1 and root.auth._owner == ""
    root = _Root(ANA, ana)
    assert _event(root, "hydrate_and_load") is None and root.resets == 0


def test_other_events_are_refused_while_the_state_is_another_sessions() -> None:
    ana = web_auth._owner(SimpleNamespace(router=_router(ANA)))
    root = _Root(VERA, ana)  # a client that skips hydration
    refused = _event(root, "workbench___state___upload____upload_state.raw_first_rows")
    assert refused is not None and not refused.delta and not refused.events and root.auth._owner == ana
    root = _Root(ANA, ana)
    assert _event(root, "workbench___state___upload____upload_state.raw_first_rows") is None
    root = _Root(ANA, "")  # new, or expired in the state manager: claimed by this connection's session
    assert _event(root, "workbench___state___upload____upload_state.raw_first_rows") is None
    assert root.auth._owner == ana and root.resets == 0
