"""The run history: every dataset's runs newest first, filtered by dataset, run status, QA status and creation
date (UTC), in pages; each row links to its run page."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import reflex as rx

from workbench.components.status import QA_BADGES, RUN_BADGES
from workbench.engine import api
from workbench.engine.api import WorkbenchError, fmt_int
from workbench.state.auth import as_user
from workbench.state.views import run_row

PAGE_SIZE = 50
ALL_DATASETS = "Todos los datasets"
ALL_STATUSES = "Cualquier estado"
ALL_QA = "Cualquier calidad"
RUN_FILTERS = {ALL_STATUSES: None, **{label: status for status, (label, _) in RUN_BADGES.items()}}
QA_FILTERS = {ALL_QA: None, **{label: status for status, (label, _) in QA_BADGES.items()}}


def _day(text: str, *, end: bool = False) -> datetime | None:
    """``2026-11-25`` (an <input type=date>) as UTC midnight; ``end`` gives the next midnight (inclusive day)."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return datetime.combine(day + timedelta(days=1 if end else 0), time.min, tzinfo=timezone.utc)


def _runs(filters: dict[str, str], page: int) -> dict[str, Any]:
    result = api.list_runs(dataset=filters["dataset"] if filters["dataset"] != ALL_DATASETS else None,
                               status=RUN_FILTERS.get(filters["status"]), qa_status=QA_FILTERS.get(filters["qa"]),
                               since=_day(filters["since"]), until=_day(filters["until"], end=True),
                               limit=PAGE_SIZE, offset=page * PAGE_SIZE)
    rows = [{**run_row(r), "run_href": f"/ejecuciones/{r.id}"} for r in result.items]
    return {"rows": rows, "total": result.total}


def _datasets() -> list[str]:
    return [d.slug for d in api.list_datasets(limit=api.MAX_PAGE, active_only=False).items]


class RunsState(rx.State):
    dataset: str = ALL_DATASETS
    status: str = ALL_STATUSES
    qa: str = ALL_QA
    since: str = ""
    until: str = ""
    datasets: list[str] = []
    page: int = 0
    total: int = 0
    rows: list[dict[str, str]] = []
    loading: bool = True
    error: str = ""

    @rx.var
    def dataset_options(self) -> list[str]:
        return [ALL_DATASETS, *self.datasets]

    @rx.var
    def status_options(self) -> list[str]:
        return list(RUN_FILTERS)

    @rx.var
    def qa_options(self) -> list[str]:
        return list(QA_FILTERS)

    @rx.var
    def summary(self) -> str:
        return "1 ejecución" if self.total == 1 else f"{fmt_int(self.total)} ejecuciones"

    @rx.var
    def page_count(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @rx.event
    def set_filter(self, name: str, value: str):
        if name in ("dataset", "status", "qa", "since", "until"):
            setattr(self, name, value)
        self.page = 0
        return RunsState.load

    @rx.event
    def clear_filters(self):
        self.dataset, self.status, self.qa, self.since, self.until, self.page = (
            ALL_DATASETS, ALL_STATUSES, ALL_QA, "", "", 0)
        return RunsState.load

    @rx.event
    def go(self, delta: int):
        self.page = min(max(0, self.page + delta), self.page_count - 1)
        return RunsState.load

    @rx.event(background=True)
    async def load(self):
        async with self:
            query = self.router.url.query_parameters
            if query.get("dataset") and not self.datasets:
                self.dataset = query["dataset"]
            filters = {"dataset": self.dataset, "status": self.status, "qa": self.qa, "since": self.since,
                       "until": self.until}
            self.loading, page = True, self.page
        try:
            data = await as_user(self, _runs, filters, page)
            datasets = await as_user(self, _datasets)
        except WorkbenchError as exc:
            async with self:
                self.loading, self.error = False, exc.message_es
            return
        async with self:
            current = {"dataset": self.dataset, "status": self.status, "qa": self.qa, "since": self.since,
                       "until": self.until}
            if (current, self.page) == (filters, page):  # a newer filter's answer wins
                self.rows, self.total, self.datasets = data["rows"], data["total"], datasets
                self.loading, self.error = False, ""
