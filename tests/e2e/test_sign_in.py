"""Sign-in on every page of the served product: an anonymous browser is sent to the sign-in page from every route
the app registers and receives no engine data; a viewer reads but sees no upload, run or backfill actions; an
analyst's run records who ran it; signing out ends the session for good."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.conftest import ADMIN_PASSWORD, ADMIN_USER, ROOT, Tab, add_user, signed_in_tab
from workbench import pages
from workbench.engine.app import sessions
from workbench.components import routes
from workbench.state.auth import AuthState

pytestmark = pytest.mark.e2e

WAIT_MS = 20_000
#: A real value for each dynamic segment: the session's example run (run 1) of its dataset.
SEGMENTS = {"slug": "dipres_ejecucion", "run_id": "1", "backfill_id": "1", "release_id": "1"}
#: Text that only the engine's data carries (dataset slugs and titles, the example run's file).
ENGINE_DATA = ("dipres_", "Ejecución presupuestaria", "ejecucion_2017_abril_programa")
NOTICE = "Su rol (lector) no permite cargar archivos; pida el rol analista a un administrador."
DOLARES = ROOT / "tests" / "data" / "workbench" / "ejecucion_2017_junio_dolares.csv"


class _Recorder:
    """Stands in for ``rx.App`` in ``pages.register``: the routes and on-load events the app registers."""

    def __init__(self) -> None:
        self.pages: dict[str, object] = {}

    def add_page(self, component, *, route: str, title: str, on_load=None) -> None:  # noqa: ANN001
        self.pages[route] = on_load

    def register_lifespan_task(self, task) -> None:  # noqa: ANN001
        pass


def _registered() -> dict[str, object]:
    app = _Recorder()
    pages.register(app)  # type: ignore[arg-type]
    return app.pages


def _concrete(route: str) -> str:
    segments = re.findall(r"\[(\w+)\]", route)
    assert set(segments) <= set(SEGMENTS), f"give the test a real value for {segments} of {route}"
    return re.sub(r"\[(\w+)\]", lambda m: SEGMENTS[m.group(1)], route)


def _until(check, timeout_ms: int = WAIT_MS) -> None:
    """Poll ``check()`` from Python (the product's CSP forbids the string evaluation wait_for_function uses)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not check():
        assert time.monotonic() < deadline, "timed out waiting for the page"
        time.sleep(0.1)


def test_every_page_checks_the_session_before_its_own_load() -> None:
    registered = _registered()
    served_elsewhere = {routes.API_DOCS, routes.ADMIN, routes.DATA_DOCS, routes.LOGOUT}  # not Reflex pages
    assert set(registered) == {value for name, value in vars(routes).items()
                               if name.isupper() and isinstance(value, str) and value.startswith("/")} - served_elsewhere | {routes.NOT_FOUND}
    for route, on_load in registered.items():
        if route in (routes.HOME, routes.LOGIN, routes.NOT_FOUND):  # the home page only redirects; /login is the
            # way in; an unknown address is the same Spanish page for everyone
            continue
        assert isinstance(on_load, list) and on_load[0] == AuthState.check and len(on_load) == 2, route


def test_anonymous_browser_gets_the_sign_in_page_everywhere_and_no_engine_data(anon_tab: Tab, product: str) -> None:
    page, frames, seen_frames = anon_tab.page, [], 0
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    for route in _registered():
        if route in (routes.LOGIN, routes.NOT_FOUND):  # the way in; no address (every unknown one)
            continue
        path = _concrete(route)
        expected = routes.DATASETS if route == routes.HOME else path  # the home page sends to the datasets
        frames.clear()
        page.goto(product + path)
        page.locator("#login-submit").wait_for(timeout=WAIT_MS)  # the server's sign-in form
        url = urlsplit(page.url)
        back = parse_qs(url.query)["next"][0].rstrip("/")  # the static server may add a slash to a page's path
        assert url.path == routes.LOGIN and back == expected, (route, page.url)
        seen, seen_frames = "\n".join([page.content(), *frames]), seen_frames + len(frames)
        for value in SEGMENTS.values():  # the page's own address is not engine data
            seen = seen.replace(value, "")
        assert not [marker for marker in ENGINE_DATA if marker in seen], route
    assert seen_frames  # the pages did talk to the server (and got nothing from the engine)
    # signing in on the form brings the browser back to the page it asked for
    page.goto(product + _concrete(routes.RUN))
    page.locator("#username").wait_for(timeout=WAIT_MS)
    page.locator("#username").fill(ADMIN_USER)
    page.locator("#password").fill(ADMIN_PASSWORD)
    page.locator("#login-submit").click()
    page.wait_for_url(product + _concrete(routes.RUN), timeout=WAIT_MS)
    page.get_by_text("ejecucion_2017_abril_programa.csv").first.wait_for(timeout=WAIT_MS)
    assert anon_tab.outside == [] and anon_tab.errors == []


@pytest.fixture(scope="session")
def viewer(product: str) -> tuple[str, str]:
    return add_user(product, "lector-e2e", "viewer")


@pytest.fixture(scope="session")
def analyst(product: str) -> tuple[str, str]:
    return add_user(product, "analista-e2e", "analyst")


def _nav(tab: Tab) -> tuple[list[str], str]:
    """The navigation's entries, and the signed-in user's part of the bar (name, role, sign-out)."""
    header = tab.page.locator("header")
    header.locator(".nav-role").wait_for(timeout=WAIT_MS)  # the sign-in check answered
    return header.locator("nav a").all_inner_texts(), header.locator(".nav-account").inner_text()


def test_viewer_reads_everything_but_sees_no_upload_run_or_backfill_actions(chromium, product: str,
                                                                            viewer: tuple[str, str]) -> None:
    with signed_in_tab(chromium, product, *viewer) as tab:
        page = tab.page
        page.goto(product + routes.DATASETS)
        page.locator('tr.dataset-row[data-slug="dipres_ejecucion"]').wait_for(timeout=WAIT_MS)
        entries, account = _nav(tab)
        # no Cargar, no Cargas masivas
        assert entries == ["Datasets", "Ejecuciones", "Automatización", "Linaje", "Herramientas"]
        assert account.split() == ["lector-e2e", "lector", "Cerrar", "sesión"]
        tab.shot("navbar_lector", "header")
        page.goto(product + routes.RUNS)
        page.locator("tr.run-row").first.wait_for(timeout=WAIT_MS)
        page.goto(product + routes.run(1))
        page.locator("a.raw-download").wait_for(timeout=WAIT_MS)  # the run is shown, with what a reader may do
        assert page.locator("button.rerun").count() == 0 and page.locator("a.reload-preview").count() == 0
        page.goto(product + routes.UPLOAD)
        page.locator(".role-notice").wait_for(timeout=WAIT_MS)
        assert page.locator(".role-notice").inner_text() == NOTICE
        assert page.locator(".dropzone").count() == 0
        tab.shot("cargar_lector")
        page.goto(product + routes.BACKFILLS)
        page.locator(".role-notice").wait_for(timeout=WAIT_MS)
        assert "no permite iniciar cargas masivas" in page.locator(".role-notice").inner_text()
        assert page.locator("#bf-files").count() == 0
        page.goto(product + routes.TOOLS)
        page.get_by_test_id("tool-queues").wait_for(timeout=WAIT_MS)
        assert page.get_by_test_id("tool-admin").count() == 0  # /admin is for admins
        assert tab.outside == [] and tab.errors == []


def test_analyst_run_records_the_analyst_as_who_ran_it(chromium, product: str, analyst: tuple[str, str]) -> None:
    with signed_in_tab(chromium, product, *analyst) as tab:
        page = tab.page
        page.goto(product + routes.UPLOAD, wait_until="networkidle")
        page.locator(".dropzone input[type=file]").set_input_files(str(DOLARES))
        page.locator(".timeline-step").first.wait_for(timeout=30_000)  # previewed
        page.locator("#run-button").click()
        page.locator("#run-link").wait_for(timeout=WAIT_MS)
        page.locator("#run-link").click()
        page.wait_for_url(re.compile(r".*/ejecuciones/\d+$"), timeout=WAIT_MS)
        who = page.get_by_text("Iniciada por").locator("xpath=..")  # the fact's row: label and value
        _until(lambda: "analista-e2e" in who.inner_text())
        assert _nav(tab)[1].split()[:2] == ["analista-e2e", "analista"]
        assert tab.outside == [] and tab.errors == []


def test_sign_out_returns_to_the_sign_in_page_and_the_old_cookie_is_dead(chromium, product: str) -> None:
    with signed_in_tab(chromium, product) as tab:
        page, frames = tab.page, []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
        page.goto(product + routes.DATASETS)
        page.locator("tr.dataset-row").first.wait_for(timeout=WAIT_MS)
        entries, account = _nav(tab)
        assert entries == ["Datasets", "Cargar", "Ejecuciones", "Cargas masivas", "Automatización", "Linaje",
                       "Herramientas"]
        assert account.split() == ["admin-e2e", "administrador", "Cerrar", "sesión"]
        tab.shot("navbar_admin", "header")
        cookie = next(c for c in page.context.cookies() if c["name"] == "wb_session")
        page.locator("#logout-button").click()
        page.wait_for_url(re.compile(r".*/login$"), timeout=WAIT_MS)
        page.locator("#login-submit").wait_for(timeout=WAIT_MS)
        assert not [c for c in page.context.cookies() if c["name"] == "wb_session"]
        frames.clear()  # the same tab again, signed out: what the last session loaded is not sent back
        page.goto(product + routes.DATASETS)
        page.locator("#login-submit").wait_for(timeout=WAIT_MS)
        assert frames and not [f for f in frames if "dipres_" in f]
    with signed_in_tab(chromium, product) as other:  # a browser that still sends the old cookie
        other.page.context.clear_cookies()
        other.page.context.add_cookies([{**cookie}])
        # at once in the web process that signed out; other processes forget the session they resolved last
        # within the engine's cache time
        _until(lambda: other.page.request.get(product + "/workbench/auth/me").status == 401,
               int((sessions.RESOLVE_CACHE_S + 3) * 1000))
        other.page.goto(product + routes.DATASETS)
        other.page.locator("#login-submit").wait_for(timeout=WAIT_MS)
        assert urlsplit(other.page.url).path == routes.LOGIN
