"""Automatización: the automated datasets (next fires in their time zone, last result, paused), the inboxes'
files and what became of each, the latest triggers, and a banner for automated runs that failed; pause, resume
and run now. Rows are view-ready dicts (Spanish labels, es-CL dates)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx

from workbench.engine import api
from workbench.engine.api import WorkbenchError, fmt_int
from workbench.state.auth import as_user
from workbench.state.numbers import fmt_datetime

STATUS = {"pending": ("Pendiente", "gray"), "queued": ("En cola", "blue"), "running": ("En curso", "blue"),
          "succeeded": ("Exitosa", "green"), "failed": ("Fallida", "red"), "skipped": ("Omitida", "gray"),
          "missed": ("Perdida", "orange"), "duplicate": ("Duplicado", "amber"), "waiting": ("Esperando", "gray")}
KIND = {"schedule": "Programada", "inbox": "Bandeja", "manual": "Manual"}
#: Triggers listed on the page.
RECENT = 30


def reason_es(t: Any) -> str:
    """Why a trigger ended as it did, in Spanish (the engine records English; a run's error has both)."""
    message = t.message or ""
    if t.status == "failed":
        return (t.error or {}).get("message_es") or message
    if t.status == "missed":
        return "Perdida: el programador no estaba en ejecución a esa hora (según «catchup»)"
    if t.status == "duplicate":
        return "Duplicado: el mismo contenido ya se procesó; no se ejecuta de nuevo"
    if t.status == "skipped":
        if "paused" in message:
            return "Omitida: la automatización estaba en pausa"
        if "identical" in message:
            return f"Omitida: idéntica a la ejecución #{t.run_id} (mismo archivo, spec y parámetros)"
        if "no new file" in message:
            return "Omitida: no hay un archivo nuevo que procesar"
        return "Omitida: el spec ya no tiene automatización"
    if t.status == "succeeded":
        return ("Control de calidad fallido: " + message.removeprefix("QA failed: ")) if message.startswith("QA failed") \
            else f"Ejecución #{t.run_id} exitosa"
    if t.status == "pending":
        return "Esperando turno (máximo de ejecuciones activas) o al programador"
    return ""


def _local(value: datetime, tz: str | None) -> str:
    zone = ZoneInfo(tz or "UTC")
    local = value.astimezone(zone)
    return f"{local.strftime('%d-%m-%Y %H:%M')} ({local.tzname()})"


def trigger_row(t: Any) -> dict[str, Any]:
    label, colour = STATUS.get(t.status, (t.status, "gray"))
    return {"id": str(t.id), "dataset": t.dataset_slug, "kind": KIND.get(t.kind, t.kind), "file": t.file_name or "—",
            "when": fmt_datetime(t.fire_at or t.created_at), "label": label, "colour": colour, "reason": reason_es(t),
            "run": f"#{t.run_id}" if t.run_id else "", "run_href": f"/ejecuciones/{t.run_id}" if t.run_id else ""}


def schedule_row(s: Any) -> dict[str, Any]:
    last = trigger_row(s.last_result) if s.last_result else {"label": "—", "colour": "gray", "when": "", "reason": ""}
    return {"dataset": s.dataset, "title": s.title, "cron": s.cron or "—", "timezone": s.timezone or "—",
            "catchup": s.catchup or "—", "next": [_local(f, s.timezone) for f in s.next_fires] or ["—"],
            "paused": s.paused, "state": "En pausa" if s.paused else "Activa",
            "state_colour": "orange" if s.paused else "green", "inbox": s.inbox or "—",
            "active": f"{s.active} de {s.max_active_runs}", "last_label": last["label"],
            "last_colour": last["colour"], "last_when": last["when"], "last_reason": last["reason"]}


def _overview() -> dict[str, Any]:
    schedules = api.list_schedules()
    leader = api.scheduler_leader()
    files = []
    for s in schedules:
        if s.inbox is None:
            continue
        try:
            view = api.inbox_contents(s.dataset)
        except WorkbenchError as exc:
            files.append({"dataset": s.dataset, "name": "—", "size": "", "modified": "", "label": "Error",
                          "colour": "red", "reason": exc.message_es, "run": "", "run_href": ""})
            continue
        for f in view.files:
            label, colour = STATUS.get(f.status, (f.status, "gray"))
            files.append({"dataset": s.dataset, "name": f.name, "size": f"{fmt_int(f.size)} B",
                          "modified": fmt_datetime(f.modified), "label": label, "colour": colour,
                          "reason": "Esperando que el archivo deje de cambiar, o al programador" if f.status == "waiting"
                          else reason_es(next((t for t in view.history if t.file_name == f.name), f)),
                          "run": f"#{f.run_id}" if f.run_id else "",
                          "run_href": f"/ejecuciones/{f.run_id}" if f.run_id else ""})
    alerts = [{"dataset": t.dataset_slug, "file": t.file_name or "—",
               "reason": reason_es(t).removeprefix(f"{t.file_name}: ") if t.file_name else reason_es(t),
               "when": fmt_datetime(t.alerted_at)} for t in api.automation_alerts()]
    return {"schedules": [schedule_row(s) for s in schedules], "files": files, "alerts": alerts,
            "triggers": [trigger_row(t) for t in api.automation_triggers(limit=RECENT)],
            "leader": (f"Programador activo: {leader.get('name') or 'sin nombre'} (proceso {leader.get('pid')} en "
                       f"{leader.get('host')})") if leader else
                      "Ningún programador en ejecución: inicie «workbench serve» o «workbench scheduler»."}


class AutomationState(rx.State):
    schedules: list[dict[str, Any]] = []
    files: list[dict[str, Any]] = []
    triggers: list[dict[str, Any]] = []
    alerts: list[dict[str, Any]] = []
    leader: str = ""
    busy: str = ""  # the dataset whose button is working
    loading: bool = True
    error: str = ""

    @rx.event(background=True)
    async def load(self):
        try:
            data = await as_user(self, _overview)
        except WorkbenchError as exc:
            async with self:
                self.loading, self.error = False, exc.message_es
            return
        async with self:
            self.schedules, self.files, self.triggers = data["schedules"], data["files"], data["triggers"]
            self.alerts, self.leader, self.loading, self.error = data["alerts"], data["leader"], False, ""

    @rx.event(background=True)
    async def act(self, dataset: str, action: str):
        async with self:
            self.busy = dataset
        call = {"pause": api.pause_schedule, "resume": api.resume_schedule, "run": api.run_now}[action]
        try:
            await as_user(self, call, dataset)
        except WorkbenchError as exc:
            async with self:
                self.busy = ""
            yield rx.toast.error(exc.message_es)
            return
        except BaseException:  # signed out (the sign-in page follows) or a bug: the buttons work again
            async with self:
                self.busy = ""
            raise
        async with self:
            self.busy = ""
        yield rx.toast.success({"pause": f"{dataset}: automatización en pausa",
                                "resume": f"{dataset}: automatización reanudada",
                                "run": f"{dataset}: ejecución solicitada; el programador la inicia en segundos"}[action])
        yield AutomationState.load
