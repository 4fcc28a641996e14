"""The real product in a browser: one ``workbench serve`` per test session (production build, one port, a
temporary data directory with SQLite and an embedded Redis), and Debian's chromium driven by playwright.

Every request that leaves 127.0.0.1 is aborted and recorded; tests assert that none was attempted. Skipped
when /usr/bin/chromium is absent (``apt-get install -y chromium``; never ``playwright install``)."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
#: First start builds the frontend (about 10 s here; a cold bun cache downloads packages once).
START_TIMEOUT_S = 300
STOP_TIMEOUT_S = 30
READY_LINE = "web app at "
#: The tests' own Reflex build, one per xdist worker (each product runs on its own port, which the build embeds).
#: ``WORKBENCH_E2E_WEB_DIR`` gives a checkout's parallel test sessions (several developers' at once) their own.
WEB_DIR = os.environ.get("WORKBENCH_E2E_WEB_DIR", ".web-e2e") + (
    f"-{os.environ['PYTEST_XDIST_WORKER']}" if os.environ.get("PYTEST_XDIST_WORKER") else "")
EXAMPLE = ("dipres_ejecucion", ROOT / "examples" / "ejecucion_2017_abril_programa.csv", "anio=2017")


ADMIN_USER, ADMIN_PASSWORD = "admin-e2e", "clave-de-pruebas-e2e"
#: The environment each running product was started with (by base URL), for CLI calls against its data.
ENVS: dict[str, dict[str, str]] = {}


def sign_in(tab: "Tab", base: str, user: str = ADMIN_USER, password: str = ADMIN_PASSWORD) -> None:
    """Sign in through the real form (the server sets the HttpOnly session cookie)."""
    page = tab.page
    page.goto(f"{base}/login?next=/workbench")  # type: ignore[attr-defined]
    page.locator("#username").fill(user)  # type: ignore[attr-defined]
    page.locator("#password").fill(password)  # type: ignore[attr-defined]
    page.locator("#login-submit").click()  # type: ignore[attr-defined]
    page.wait_for_url(f"{base}/workbench**")  # type: ignore[attr-defined]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _lines(stream, out: queue.Queue[str]) -> None:
    for line in iter(stream.readline, ""):
        out.put(line)
    stream.close()


def stop_group(proc: subprocess.Popen) -> None:
    """SIGTERM to the serve process (it stops its workers and web server), then SIGKILL to what is left."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def start_product(data_dir: Path, port: int, *, extra_env: dict[str, str] | None = None,
                  example_run: bool = True) -> tuple[subprocess.Popen, str]:
    """``workbench serve`` on ``port`` over ``data_dir`` (after one recorded run of a bundled example, so pages
    show a run); returns the process and its base URL once it answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WORKBENCH_", "REFLEX_"))}
    env.update({"WORKBENCH_DATA_DIR": str(data_dir), "WORKBENCH_SPECS_DIR": str(ROOT / "specs"),
                # the first admin, created at the first start (there is no default account)
                "WORKBENCH_ADMIN_USERNAME": ADMIN_USER, "WORKBENCH_ADMIN_PASSWORD": ADMIN_PASSWORD,
                # A build of their own: tests never rebuild the frontend under a running `workbench serve`.
                "REFLEX_WEB_WORKDIR": WEB_DIR, **(extra_env or {})})
    workbench = str(Path(sys.executable).parent / "workbench")
    slug, path, param = EXAMPLE
    if example_run:
        subprocess.run([workbench, "run", slug, str(path), "--param", param], cwd=ROOT, env=env, check=True,
                       capture_output=True, timeout=120)
    proc = subprocess.Popen([workbench, "serve", "--port", str(port)], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_lines, args=(proc.stdout, lines), daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if proc.poll() is not None:
                break
            continue
        seen.append(line)
        if READY_LINE in line:
            url = f"http://127.0.0.1:{port}"
            ENVS[url] = env
            return proc, url
    stop_group(proc)
    raise RuntimeError("workbench serve did not start:\n" + "".join(seen[-40:]))


#: The gold target of the session's product (``WORKBENCH_PUBLISH_URL``) by base URL: a database of its own on
#: the local PostgreSQL when one answers (the publication journey queries gold.<slug> with psycopg), else None
#: (the embedded default, ``<data_dir>/gold.sqlite``).
GOLD_URLS: dict[str, str | None] = {}
POSTGRES_ADMIN = os.environ.get("WORKBENCH_TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/postgres")


@contextmanager
def gold_database() -> Iterator[str | None]:
    """A fresh PostgreSQL database for the product's gold tables, dropped afterwards; None without a server."""
    import secrets

    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    admin = make_url(POSTGRES_ADMIN).set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"wb_e2e_gold_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError:
        yield None
        return
    try:
        yield make_url(POSTGRES_ADMIN).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    with gold_database() as gold:
        proc, url = start_product(tmp_path_factory.mktemp("product"), free_port(),
                                  extra_env={"WORKBENCH_PUBLISH_URL": gold} if gold else None)
        GOLD_URLS[url] = gold
        try:
            yield url
        finally:
            stop_group(proc)


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@dataclass
class Tab:
    """A browser page whose requests off this machine are aborted and recorded."""

    page: object
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: Every error the browser's console printed (a resource that answered 4xx/5xx, a blocked script, a CSP
    #: violation...), with the page it happened on.
    console: list[str] = field(default_factory=list)

    def shot(self, name: str, selector: str | None = None) -> Path:
        """The whole page, or only the element ``selector`` finds (the navigation bar: ``header``)."""
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        if selector:
            self.page.locator(selector).screenshot(path=str(path))  # type: ignore[attr-defined]
        else:
            self.page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        return path


LOCAL = ("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:", "about:")


def _tab(chromium) -> tuple[object, Tab]:
    context = chromium.new_context(viewport={"width": 1360, "height": 900}, locale="es-CL")
    page = context.new_page()
    t = Tab(page)

    def route(r):
        if r.request.url.startswith(LOCAL):
            r.continue_()
        else:
            t.outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page.on("pageerror", lambda exc: t.errors.append(str(exc)))
    page.on("console", lambda msg: t.console.append(f"{page.url}: {msg.text} {msg.location}")
            if msg.type == "error" else None)
    page.on("websocket", lambda ws: None if ws.url.startswith(LOCAL) else t.outside.append(ws.url))
    return context, t


def add_user(product: str, username: str, role: str) -> tuple[str, str]:
    """Create a user of the running product the way an operator does (``workbench users add`` on the server,
    with the product's environment); returns (username, password)."""
    password = f"clave-{username}-e2e"
    out = subprocess.run([str(Path(sys.executable).parent / "workbench"), "users", "add", username, "--role", role,
                          "--password-stdin"], cwd=ROOT, env=ENVS[product], input=password + "\n", text=True,
                         capture_output=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    return username, password


@contextmanager
def signed_in_tab(chromium, product: str, user: str = ADMIN_USER, password: str = ADMIN_PASSWORD) -> Iterator[Tab]:
    """A browser tab signed in as ``user``: the session cookie is set by the real sign-in route, as when a
    person submits the form."""
    context, t = _tab(chromium)
    answer = context.request.post(f"{product}/workbench/auth/login", max_redirects=0,  # type: ignore[attr-defined]
                                  form={"username": user, "password": password, "next": "/workbench"},
                                  headers={"accept": "text/html", "origin": product})
    assert answer.status == 303, answer.status
    try:
        yield t
    finally:
        context.close()  # type: ignore[attr-defined]


@pytest.fixture
def tab(chromium, product) -> Iterator[Tab]:
    """A browser tab signed in as the test product's admin."""
    with signed_in_tab(chromium, product) as t:
        yield t


@pytest.fixture
def anon_tab(chromium, product) -> Iterator[Tab]:
    """A browser tab with no session."""
    context, t = _tab(chromium)
    yield t
    context.close()  # type: ignore[attr-defined]
