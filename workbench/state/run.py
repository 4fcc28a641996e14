"""One run's page: its facts, spec diff, timeline, QA and failing rows (paged), and, while it is queued or
running, its live status from the engine's event stream (no page reload). Re-run queues the same RAW file and
parameters as a new run."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import reflex as rx

from workbench.engine import api
from workbench.engine.api import RUN_FAILED, RUN_STEP, RUN_SUCCEEDED, WorkbenchError
from workbench.state import run_views
from workbench.state.auth import as_user
from workbench.state.qa_rows import PAGE_SIZE, page_label

FAIL_PAGE = PAGE_SIZE
LIVE = ("queued", "running")
POLL_S = 0.5
#: The store is read again this often while following a run (in case an event was missed).
RELOAD_S = 3.0
#: A page stops following a run after this long (the user can reload).
FOLLOW_S = 15 * 60


def _view(run_id: int) -> dict[str, Any]:
    view = api.run_view(run_id)
    run = view.run
    graph = api.lineage_graph(run.dataset_slug) if run.status == "succeeded" else {}
    return {"info": run_views.facts(view), "steps": run_views.timeline(run), "checks": run_views.checks(run),
            "totals": run_views.control_totals(run), "nodes": run_views.lineage(graph, run_id),
            "failure": run_views.error(run)}


def _failures(run_id: int, check: str, offset: int) -> dict[str, Any]:
    page = api.run_failures(run_id, expectation_id=check or None, offset=offset, limit=FAIL_PAGE)
    return {"rows": run_views.failure_rows(page), "total": int(page["total"])}


def _rerun(run_id: int) -> int:
    run = api.get_run(run_id)
    name = (run.inputs or [{}])[0].get("name") or f"run{run_id}"
    new = api.submit_run(run.dataset_slug, api.raw_bytes(run_id), filename=name, params=dict(run.params or {}),
                         force=True)
    return int(new.id)


class RunState(rx.State):
    run_id: int = 0
    info: dict[str, Any] = {}
    steps: list[dict[str, str]] = []
    checks: list[dict[str, Any]] = []
    totals: list[dict[str, str]] = []
    nodes: list[dict[str, str]] = []
    failure: dict[str, str] = {}
    fail_check: str = ""
    fail_offset: int = 0
    fail_total: int = 0
    fail_rows: list[dict[str, Any]] = []
    live_step: str = ""
    live_done: int = 0
    live_total: int = 0
    rerunning: bool = False
    loading: bool = True
    error: str = ""

    @rx.var
    def is_live(self) -> bool:
        return self.info.get("status") in LIVE

    @rx.var
    def qa_failed(self) -> bool:
        return self.info.get("qa_status") == "failed"

    @rx.var
    def failed_checks(self) -> list[str]:
        return [c["id"] for c in self.checks if c.get("failed") and c.get("total")]  # with rows to page

    @rx.var
    def fail_summary(self) -> str:
        """``Filas 1–20 de 101``."""
        return page_label(self.fail_offset, len(self.fail_rows), self.fail_total)

    @rx.event(background=True)
    async def load(self):
        async with self:
            path_id = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
            run_id = int(path_id) if path_id.isdigit() else 0
            if run_id != self.run_id:  # another run: never show the previous one's data meanwhile
                self.run_id, self.info, self.steps, self.checks, self.fail_rows = run_id, {}, [], [], []
                self.fail_check, self.fail_offset, self.live_step, self.live_done, self.live_total = "", 0, "", 0, 0
            self.loading, self.error, self.rerunning = True, "", False
        if not await self._refresh(run_id):
            return
        async with self:
            follow = self.is_live
        if follow:
            await self._follow(run_id)

    async def _refresh(self, run_id: int) -> bool:
        """Read the run again; False when it cannot be shown (the error is on the page)."""
        try:
            data = await as_user(self, _view, run_id)
            failed = [c["id"] for c in data["checks"] if c.get("failed") and c.get("total")]
            fails = await as_user(self, _failures, run_id, failed[0] if failed else "", 0) if failed else None
        except WorkbenchError as exc:
            async with self:
                if self.run_id == run_id:
                    self.loading, self.error = False, exc.message_es
            return False
        async with self:
            if self.run_id != run_id:
                return False
            for key, value in data.items():
                setattr(self, key, value)
            if fails is not None and not self.fail_rows:
                self.fail_check, self.fail_rows, self.fail_total = failed[0], fails["rows"], fails["total"]
            self.loading = False
        return True

    async def _follow(self, run_id: int) -> None:
        """Tail the event stream for this run's events until it ends (reading the store now and then too)."""
        try:
            last: str | None = await as_user(self, api.latest_event_id)
        except WorkbenchError:
            last = None  # Redis is down: the store is read now and then instead
        started = reloaded = time.monotonic()
        while time.monotonic() - started < FOLLOW_S:
            await asyncio.sleep(POLL_S)
            mine: list[dict[str, Any]] = []
            if last is not None:
                try:
                    mine, last = await as_user(self, api.run_events, run_id, last)
                except WorkbenchError:
                    last = None
            async with self:
                if self.run_id != run_id:
                    return  # the user went to another run
                for event in (e for e in mine if e["type"] == RUN_STEP):
                    data = event["data"]
                    self.live_step, self.live_done = str(data.get("step", "")), int(data.get("done", 0))
                    self.live_total = int(data.get("total", 0))
                    self.info = {**self.info, "status": "running", "run_label": "En ejecución", "run_colour": "blue"}
            ended = any(e["type"] in (RUN_SUCCEEDED, RUN_FAILED) for e in mine)
            if ended or time.monotonic() - reloaded > RELOAD_S or any(e["type"] != RUN_STEP for e in mine):
                reloaded = time.monotonic()
                if not await self._refresh(run_id):
                    return
                async with self:
                    if not self.is_live:
                        return

    @rx.event(background=True)
    async def show_failures(self, check: str):
        async with self:
            self.fail_check, self.fail_offset, run_id = check, 0, self.run_id
        await self._load_failures(run_id, check, 0)

    @rx.event(background=True)
    async def page_failures(self, delta: int):
        async with self:
            offset = max(0, min(self.fail_offset + delta * FAIL_PAGE, max(0, self.fail_total - 1)))
            self.fail_offset, run_id, check = offset, self.run_id, self.fail_check
        await self._load_failures(run_id, check, offset)

    async def _load_failures(self, run_id: int, check: str, offset: int) -> None:
        try:
            page = await as_user(self, _failures, run_id, check, offset)
        except WorkbenchError as exc:
            async with self:
                self.error = exc.message_es
            return
        async with self:
            if (self.run_id, self.fail_check, self.fail_offset) == (run_id, check, offset):
                self.fail_rows, self.fail_total = page["rows"], page["total"]

    @rx.event(background=True)
    async def rerun(self):
        async with self:
            if self.rerunning:
                return
            self.rerunning, run_id = True, self.run_id
        try:
            new_id = await as_user(self, _rerun, run_id)
        except WorkbenchError as exc:
            async with self:
                self.rerunning = False
            yield rx.toast.error(f"No se pudo re-ejecutar: {exc.message_es}")
            return
        except BaseException:  # signed out (the sign-in page follows) or a bug: the button works again
            async with self:
                self.rerunning = False
            raise
        yield rx.toast.success(f"Ejecución {new_id} en cola")
        yield rx.redirect(f"/ejecuciones/{new_id}")
