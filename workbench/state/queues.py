"""Queues and workers: RQ's view of the background work, refreshed on demand."""

from __future__ import annotations

from typing import Any

import reflex as rx

from workbench.state.numbers import fmt_datetime
from workbench.engine import api
from workbench.engine.api import WorkbenchError, fmt_int
from workbench.state.auth import as_user

WORKER_STATES = {"idle": ("Libre", "green"), "busy": ("Trabajando", "blue"), "suspended": ("Suspendido", "amber"),
                 "started": ("Iniciando", "gray")}
QUEUE_LABELS = {"runs": "Ejecuciones", "backfills": "Backfills", "previews": "Vistas previas"}


def _view() -> dict[str, Any]:
    data = api.queues_overview()
    queues = [{"name": q["name"], "label": QUEUE_LABELS.get(q["name"], q["name"]),
               **{k: fmt_int(q[k]) for k in ("queued", "started", "failed", "finished", "scheduled")}}
              for q in data["queues"]]
    workers = [{"name": w["name"], "state": WORKER_STATES.get(w["state"], (w["state"], "gray"))[0],
                "colour": WORKER_STATES.get(w["state"], (w["state"], "gray"))[1], "queues": ", ".join(w["queues"]),
                "job": w["current_job"] or "—", "heartbeat": fmt_datetime(w["last_heartbeat"]),
                "done": fmt_int(w["successful"]), "failed": fmt_int(w["failed"])} for w in data["workers"]]
    failed = [{"id": f["id"], "queue": QUEUE_LABELS.get(f["queue"], f["queue"]), "description": f["description"],
               "ended": fmt_datetime(f["ended_at"]), "error": f["error"] or "—"} for f in data["failed"]]
    return {"queues": queues, "workers": workers, "failed": failed}


class QueuesState(rx.State):
    queues: list[dict[str, str]] = []
    workers: list[dict[str, str]] = []
    failed: list[dict[str, str]] = []
    loading: bool = True
    error: str = ""

    @rx.event(background=True)
    async def load(self):
        async with self:
            self.loading = True
        try:
            data = await as_user(self, _view)
        except WorkbenchError as exc:
            async with self:
                self.loading, self.error = False, exc.message_es
            return
        async with self:
            self.queues, self.workers, self.failed = data["queues"], data["workers"], data["failed"]
            self.loading, self.error = False, ""
