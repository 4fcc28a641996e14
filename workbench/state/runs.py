"""The runs list (newest first, filtered by run or QA status, in pages) and the product-wide lineage summary."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from workbench.components.numbers import fmt_int
from workbench.components.status import QA_BADGES, RUN_BADGES
from workbench.engine import api, catalog
from workbench.engine.errors import WorkbenchError
from workbench.state.views import lineage_edges, run_row

PAGE_SIZE = 50
ALL = "Todas"
#: filter label -> (run status, QA status)
FILTERS: dict[str, tuple[str | None, str | None]] = {
    ALL: (None, None),
    **{label: (status, None) for status, (label, _) in RUN_BADGES.items()},
    **{label: (None, status) for status, (label, _) in QA_BADGES.items()},
}


def _runs(label: str, page: int) -> tuple[list[dict[str, Any]], int]:
    status, qa_status = FILTERS.get(label, (None, None))
    result = catalog.list_runs(status=status, qa_status=qa_status, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
    return [run_row(r) for r in result.items], result.total


class RunsState(rx.State):
    filter_label: str = ALL
    page: int = 0
    total: int = 0
    rows: list[dict[str, str]] = []
    loading: bool = True
    error: str = ""

    @rx.var
    def filter_labels(self) -> list[str]:
        return list(FILTERS)

    @rx.var
    def summary(self) -> str:
        return f"{fmt_int(self.total)} ejecuciones" if self.total != 1 else "1 ejecución"

    @rx.var
    def page_count(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @rx.event
    def set_filter(self, label: str):
        self.filter_label, self.page = (label if label in FILTERS else ALL), 0
        return RunsState.load

    @rx.event
    def go(self, delta: int):
        self.page = min(max(0, self.page + delta), self.page_count - 1)
        return RunsState.load

    @rx.event(background=True)
    async def load(self):
        async with self:
            self.loading, label, page = True, self.filter_label, self.page
        try:
            rows, total = await asyncio.to_thread(_runs, label, page)
        except WorkbenchError as exc:
            async with self:
                self.loading, self.error = False, exc.message_es
            return
        async with self:
            if (self.filter_label, self.page) == (label, page):
                self.rows, self.total, self.loading, self.error = rows, total, False, ""


class LineageState(rx.State):
    edges: list[dict[str, str]] = []
    loading: bool = True
    error: str = ""

    @rx.event(background=True)
    async def load(self):
        try:
            edges = await asyncio.to_thread(lambda: lineage_edges(api.lineage_graph()))
        except WorkbenchError as exc:
            async with self:
                self.loading, self.error = False, exc.message_es
            return
        async with self:
            self.edges, self.loading, self.error = edges, False, ""
