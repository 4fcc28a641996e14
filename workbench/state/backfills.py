"""Backfills (cargas masivas): the list with a form to start one, and one backfill's page with its live
progress (refreshed while it runs), cancel, resume of the failed files, and its runs."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from workbench.state.numbers import fmt_datetime
from workbench.engine import api
from workbench.engine.api import WorkbenchError, fmt_int
from workbench.state.auth import as_user
from workbench.state.views import run_row

BACKFILL_STATUS = {"running": ("En curso", "blue"), "finished": ("Terminada", "green"), "cancelled": ("Cancelada", "gray")}
POLL_S = 1.0
FOLLOW_S = 30 * 60


def backfill_row(b: Any) -> dict[str, Any]:
    label, colour = BACKFILL_STATUS.get(b.status, (b.status, "gray"))
    p = {k: int(v) for k, v in (b.progress or {}).items()}
    if p.get("failed"):
        colour = "red" if b.status != "running" else colour
    return {"id": str(b.id), "href": f"/cargas-masivas/{b.id}", "dataset": b.dataset_slug, "status": b.status,
            "label": label, "colour": colour, "total": b.total, "progress": {k: p.get(k, 0) for k in (
                "done", "failed", "remaining", "cancelled", "skipped", "succeeded")},
            "summary": f"{fmt_int(p.get('done', 0))} listos, {fmt_int(p.get('failed', 0))} fallidos, "
                       f"{fmt_int(p.get('remaining', 0))} pendientes de {fmt_int(b.total)}",
            "created": fmt_datetime(b.created_at), "finished": fmt_datetime(b.finished_at),
            "triggered_by": b.triggered_by or "—", "force": "sí" if b.force else "no",
            "params": ", ".join(f"{k}={v}" for k, v in (b.params or {}).items()) or "—",
            "regex": b.param_from_filename or "—"}


#: Fields of the backfill form as the page labels them (the engine's errors name its own keys).
FORM_LABELS = {"param_from_filename": "Parámetros desde el nombre del archivo"}


def form_message(exc: WorkbenchError) -> str:
    """A refused backfill in the form's words: a parameter problem names the form field it came from, never a
    command-line option (``--param-from-filename``)."""
    name = str(exc.details.get("name") or "")
    if not isinstance(exc, api.ParameterError) or not name:
        return exc.message_es
    detail = str(exc.details.get("message_es") or exc.message_es)
    if name in FORM_LABELS:
        return f"Campo «{FORM_LABELS[name]}»: {detail}"
    return f"Campo «Parámetros», «{name}»: {detail}"


def _list() -> dict[str, Any]:
    page = api.list_backfills(limit=100)
    return {"rows": [backfill_row(b) for b in page.items], "total": page.total,
            "datasets": [d.slug for d in api.list_datasets(limit=api.MAX_PAGE).items]}


def _start(form: dict[str, Any]) -> int:
    files = api.backfill_files(str(form.get("files") or ""))
    params = api.parse_assignments([p for p in str(form.get("params") or "").replace(",", " ").split() if p])
    result = api.start_backfill(str(form.get("dataset") or ""), files, params=params, force=bool(form.get("force")),
                                param_from_filename=str(form.get("regex") or "").strip() or None)
    return int(result.id)


def _detail(backfill_id: int) -> dict[str, Any]:
    return {"info": backfill_row(api.backfill_status(backfill_id)),
            "runs": [{**run_row(r), "run_href": f"/ejecuciones/{r.id}"} for r in api.backfill_runs(backfill_id)]}


class BackfillsState(rx.State):
    rows: list[dict[str, Any]] = []
    datasets: list[str] = []
    dataset: str = ""
    starting: bool = False
    form_error: str = ""
    loading: bool = True
    error: str = ""

    @rx.event(background=True)
    async def load(self):
        try:
            data = await as_user(self, _list)
        except WorkbenchError as exc:
            async with self:
                self.loading, self.error = False, exc.message_es
            return
        async with self:
            self.rows, self.datasets, self.loading, self.error = data["rows"], data["datasets"], False, ""
            self.dataset = self.dataset or (data["datasets"][0] if data["datasets"] else "")

    @rx.event
    def set_dataset(self, value: str):
        self.dataset = value

    @rx.event(background=True)
    async def start(self, form: dict[str, Any]):
        async with self:
            self.starting, self.form_error, form = True, "", {**form, "dataset": self.dataset}
        try:
            backfill_id = await as_user(self, _start, form)
        except WorkbenchError as exc:
            async with self:
                self.starting, self.form_error = False, form_message(exc)
            return
        except BaseException:  # signed out (the sign-in page follows) or a bug: the form works again
            async with self:
                self.starting = False
            raise
        async with self:
            self.starting = False
        yield rx.redirect(f"/cargas-masivas/{backfill_id}")


class BackfillState(rx.State):
    backfill_id: int = 0
    info: dict[str, Any] = {}
    runs: list[dict[str, Any]] = []
    busy: bool = False
    loading: bool = True
    error: str = ""

    @rx.var
    def running(self) -> bool:
        return self.info.get("status") == "running"

    @rx.var
    def can_resume(self) -> bool:
        return self.info.get("status") != "running" and int((self.info.get("progress") or {}).get("failed", 0)) > 0

    @rx.event(background=True)
    async def load(self):
        async with self:
            tail = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
            backfill_id = int(tail) if tail.isdigit() else 0
            if backfill_id != self.backfill_id:
                self.backfill_id, self.info, self.runs = backfill_id, {}, []
            self.loading, self.error = True, ""
        for _ in range(int(FOLLOW_S / POLL_S)):  # live progress while it runs (the runs end one by one)
            if not await self._refresh(backfill_id):
                return
            async with self:
                if self.backfill_id != backfill_id or not self.running:
                    return
            await asyncio.sleep(POLL_S)

    async def _refresh(self, backfill_id: int) -> bool:
        try:
            data = await as_user(self, _detail, backfill_id)
        except WorkbenchError as exc:
            async with self:
                self.loading, self.error = False, exc.message_es
            return False
        async with self:
            if self.backfill_id != backfill_id:
                return False
            self.info, self.runs, self.loading = data["info"], data["runs"], False
        return True

    @rx.event(background=True)
    async def act(self, action: str):
        async with self:
            self.busy, backfill_id = True, self.backfill_id
        call = api.cancel_backfill if action == "cancel" else api.resume_backfill
        try:
            await as_user(self, call, backfill_id)
        except WorkbenchError as exc:
            async with self:
                self.busy = False
            yield rx.toast.error(exc.message_es)
            return
        except BaseException:  # signed out (the sign-in page follows) or a bug: the buttons work again
            async with self:
                self.busy = False
            raise
        async with self:
            self.busy = False
        yield rx.toast.success("Carga masiva cancelada" if action == "cancel" else "Archivos fallidos en cola otra vez")
        yield BackfillState.load
