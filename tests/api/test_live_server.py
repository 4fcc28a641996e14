"""The API behind the production server (``workbench serve``: Granian, the Reflex app around the API), where
TestClient's differences hide bugs: Granian's ``pathsend`` (the server opens a file response's path itself,
after the route returned), the frontend's static mount under ``/``, keep-alive connections.

One product for the module (a temporary data directory with one run of a bundled example), a token of its
admin, loopback only; every load is bounded in count."""

from __future__ import annotations

import collections
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import ADMIN_USER, ENVS, free_port, start_product, stop_group

#: Uploads one principal may make per minute on this product: the refusal test is about the 429s.
RATE_PER_PRINCIPAL = 3
#: A refused upload's body, about 80 KB: big enough that the client is still sending when the 429 is ready.
UPLOAD = ("Partida;Monto\n" + "gasto corriente;1234\n" * 4000).encode()
SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, an admin's API token) of a running ``workbench serve``."""
    proc, url = start_product(tmp_path_factory.mktemp("live"), free_port(),
                              extra_env={"WORKBENCH_UPLOAD_RATE_PER_PRINCIPAL": str(RATE_PER_PRINCIPAL)})
    try:
        token = subprocess.run([str(Path(sys.executable).parent / "workbench"), "tokens", "create", ADMIN_USER,
                                "--name", "live tests"], env=ENVS[url], capture_output=True, text=True, check=True,
                               timeout=60).stdout.strip()
        yield url, token
    finally:
        stop_group(proc)


def client(live: tuple[str, str], connections: int = 10) -> httpx.Client:
    url, token = live
    return httpx.Client(base_url=url, headers={"authorization": f"Bearer {token}"}, timeout=60,
                        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections))


def run_id(http: httpx.Client) -> int:
    runs = http.get("/workbench/runs", params={"status": "succeeded"}).json()["items"]
    assert runs, "the product starts with one run of the bundled example"
    return runs[0]["id"]


def test_exports_answer_the_same_bytes_every_time(live: tuple[str, str]):
    """A temporary folder deleted by a background task after the answer lost the race with Granian opening
    the path (pathsend): 3-35 % of exports answered a bare 404 without our headers. Now: 500 sequential and
    50 concurrent exports per format, all 200 with identical bytes and the security headers."""
    with client(live, connections=50) as http:
        rid = run_id(http)

        def export(fmt: str) -> tuple[int, bytes, str | None, bool]:
            r = http.get(f"/workbench/runs/{rid}/export", params={"layer": "silver", "format": fmt})
            return r.status_code, r.content, r.headers.get("etag"), all(h in r.headers for h in SECURITY_HEADERS)

        sequential = [export("csv") for _ in range(500)]
        assert collections.Counter(s for s, *_ in sequential) == {200: 500}
        assert len({body for _, body, *_ in sequential}) == 1
        with ThreadPoolExecutor(50) as pool:
            for fmt in ("csv", "parquet", "xlsx"):
                answers = list(pool.map(export, [fmt] * 50))
                assert collections.Counter(s for s, *_ in answers) == {200: 50}, fmt
                assert len({body for _, body, *_ in answers}) == 1, fmt  # an xlsx build embeds its time: built once
                assert len({etag for *_, etag, _ in answers}) == 1 and all(ok for *_, ok in answers), fmt


@pytest.mark.parametrize("kind", ["docs", "raw"])
def test_data_docs_and_raw_files_are_sent_whole_under_load(live: tuple[str, str], kind: str):
    with client(live, connections=20) as http:
        rid = run_id(http)
        first = http.get(f"/workbench/runs/{rid}/{kind}", follow_redirects=True)
        assert first.status_code == 200 and len(first.content) > 100
        with ThreadPoolExecutor(20) as pool:
            answers = list(pool.map(lambda _: http.get(first.url.path), range(100)))
    assert {r.status_code for r in answers} == {200}
    assert {r.content for r in answers} == {first.content}
    assert all(int(r.headers["content-length"]) == len(first.content) for r in answers)
    assert all(h in r.headers for r in answers for h in SECURITY_HEADERS)


@pytest.mark.parametrize(("method", "path", "status", "allow"), [
    ("DELETE", "/workbench/runs/1", 405, "GET, HEAD, OPTIONS"),
    ("PUT", "/workbench/runs", 405, "GET, HEAD, OPTIONS, POST"),
    ("POST", "/workbench/auth/me", 405, "GET, HEAD, OPTIONS"),
    ("PATCH", "/workbench/docs/index.html", 405, "GET, HEAD, OPTIONS"),
    ("GET", f"/workbench/runs/{2**63}", 422, None),
    ("GET", f"/workbench/runs/{2**64 + 1}/export", 422, None),
    ("GET", "/workbench/runs?offset=10000000000000000001", 422, None),
    ("GET", "/workbench/datasets?offset=10000000000000000001", 422, None),
    ("GET", "/workbench/runs?until=0.5", 422, None),
    ("POST", f"/workbench/backfills/{2**63}/cancel", 422, None),
    ("GET", "/_event/xyz", 400, None),  # engine.io's own text answer, its header named Content-Type
    ("GET", "/_event/?EIO=4&transport=polling", 400, None),  # a transport the socket does not offer
])
def test_errors_are_problem_documents_with_the_security_headers(live: tuple[str, str], method: str, path: str,
                                                                 status: int, allow: str | None):
    """Framework answers (the frontend mount's plain-text 405 with ``Allow: GET, HEAD``, engine.io's
    ``400 Invalid transport`` on the event socket) and overflowing integers (SQLite's OverflowError, a 500) were
    not problems; each is now our problem JSON."""
    with client(live) as http:
        r = http.request(method, path)
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"
    assert all(h in r.headers for h in SECURITY_HEADERS)
    body = r.json()
    assert body["status"] == status and body["message_es"] and body["detail"] != body["message_es"]
    assert r.headers.get("allow") == allow


def test_options_lists_exactly_the_methods_of_the_path(live: tuple[str, str]):
    with client(live) as http:
        runs, one = http.options("/workbench/runs"), http.options("/workbench/backfills/1/cancel")
    assert (runs.status_code, runs.headers["allow"]) == (204, "GET, HEAD, OPTIONS, POST")
    assert (one.status_code, one.headers["allow"]) == (204, "OPTIONS, POST")


def test_a_nul_byte_in_a_backfill_pattern_is_refused(live: tuple[str, str]):
    with client(live) as http:
        r = http.post("/workbench/backfills", json={"dataset": "dipres_ejecucion", "files": "examples/\x00*.csv"})
    assert r.status_code == 422 and r.json()["code"] == "backfill-pattern-invalid"  # the engine's typed error


def test_refused_uploads_always_get_their_429(live: tuple[str, str]):
    """Answering 429 before reading the body made Granian drop some keep-alive connections under a client
    still sending (19 of 1,600 here, "Server disconnected without sending a response"): 8 threads x 200
    uploads of one principal must each get an answer."""
    with client(live, connections=8) as http:
        def uploads(_: int) -> collections.Counter[str]:
            seen: collections.Counter[str] = collections.Counter()
            for _ in range(200):
                try:
                    seen[str(http.post("/workbench/preview", files={"file": ("a.csv", UPLOAD)}).status_code)] += 1
                except httpx.TransportError as exc:
                    seen[type(exc).__name__] += 1
            return seen

        with ThreadPoolExecutor(8) as pool:
            total = sum(pool.map(uploads, range(8)), collections.Counter())
    assert set(total) <= {"200", "429"}, total
    assert total["429"] >= 1600 - 2 * RATE_PER_PRINCIPAL and sum(total.values()) == 1600


def test_uploads_refused_before_their_body_is_read_always_get_their_answer(live: tuple[str, str]):
    """Not only the rate limit: a 401 (no credentials) or 415 (not multipart) is decided before the body is
    read too, and Granian dropped keep-alive connections whose body was left unread."""
    url, _ = live
    with httpx.Client(base_url=url, timeout=60, limits=httpx.Limits(max_connections=8)) as anonymous:
        def uploads(i: int) -> collections.Counter[str]:
            seen: collections.Counter[str] = collections.Counter()
            for _ in range(100):
                try:
                    if i % 2:
                        r = anonymous.post("/workbench/preview", files={"file": ("a.csv", UPLOAD)})
                    else:
                        r = anonymous.post("/workbench/runs", content=UPLOAD, headers={"content-type": "text/csv"})
                    seen[str(r.status_code)] += 1
                except httpx.TransportError as exc:
                    seen[type(exc).__name__] += 1
            return seen

        with ThreadPoolExecutor(8) as pool:
            total = sum(pool.map(uploads, range(8)), collections.Counter())
    assert total == {"401": 800}, total
