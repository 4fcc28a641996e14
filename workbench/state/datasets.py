"""The dataset list: search, sort and pages run as one catalogue query each (fast with thousands of datasets);
each visible dataset's recent runs are fetched after the rows are shown."""

from __future__ import annotations

from typing import Any

import reflex as rx

from workbench.state.numbers import fmt_datetime
from workbench.components.status import qa_badge, run_badge
from workbench.engine import api
from workbench.engine.api import WorkbenchError, fmt_int
from workbench.state.auth import acting, as_user
from workbench.state.views import history_bars, output_rows, short

PAGE_SIZE = 25
HISTORY_RUNS = 12
#: label -> catalogue sort key
SORTS = {"Nombre (A-Z)": "title", "Nombre (Z-A)": "-title", "Última ejecución": "-last_run",
         "Identificador": "slug", "Actualizado": "-updated_at"}


def _row(item: api.DatasetSummary) -> dict[str, Any]:
    last = item.last_run
    run_label, run_colour = run_badge(last.status if last else None)
    qa_label, qa_colour = qa_badge(last.qa_status if last else None)
    return {
        "slug": item.slug, "title": item.title, "description": short(item.description),
        "href": f"/workbench/{item.slug}", "version": f"v{item.spec_version}",
        "last_run": fmt_datetime(last.created_at) if last else "—", "has_run": last is not None,
        "run_label": run_label, "run_colour": run_colour, "qa_label": qa_label, "qa_colour": qa_colour,
        "rows": fmt_int(output_rows(last.row_counts)) if last else "—", "history": [],
    }


def _page(q: str, sort: str, page: int) -> tuple[list[dict[str, Any]], int]:
    result = api.list_datasets(q=q or None, sort=sort, limit=PAGE_SIZE, offset=page * PAGE_SIZE)  # type: ignore[arg-type]
    return [_row(i) for i in result.items], result.total


def _histories(slugs: list[str]) -> dict[str, list[dict[str, Any]]]:
    return {slug: history_bars(api.list_runs(dataset=slug, limit=HISTORY_RUNS).items, HISTORY_RUNS) for slug in slugs}


class DatasetsState(rx.State):
    search: str = ""
    sort_label: str = "Nombre (A-Z)"
    page: int = 0
    total: int = 0
    rows: list[dict[str, Any]] = []
    loading: bool = True
    error: str = ""

    @rx.var
    def page_count(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @rx.var
    def summary(self) -> str:
        if self.total == 0:
            return "Ningún dataset coincide con la búsqueda." if self.search else "Aún no hay datasets."
        first = self.page * PAGE_SIZE + 1
        last = min(self.total, first + PAGE_SIZE - 1)
        return f"{fmt_int(first)}–{fmt_int(last)} de {fmt_int(self.total)} datasets"

    @rx.event
    def set_search(self, value: str):
        self.search, self.page = value, 0
        return DatasetsState.load

    @rx.event
    def set_sort(self, label: str):
        if label in SORTS:
            self.sort_label, self.page = label, 0
        return DatasetsState.load

    @rx.event
    def go(self, delta: int):
        self.page = min(max(0, self.page + delta), self.page_count - 1)
        return DatasetsState.load

    @rx.event
    def load(self):
        """One catalogue page (a single indexed query, milliseconds even with thousands of datasets: run inline
        so the rows arrive with the first response); the run histories follow in the background."""
        try:
            with acting(self):
                self.rows, self.total = _page(self.search.strip(), SORTS[self.sort_label], self.page)
        except WorkbenchError as exc:
            self.rows, self.total, self.error = [], 0, exc.message_es
        else:
            self.error = ""
        self.loading = False
        return DatasetsState.load_history

    @rx.event(background=True)
    async def load_history(self):
        async with self:
            slugs = [r["slug"] for r in self.rows]
        try:
            history = await as_user(self, _histories, slugs)
        except WorkbenchError:
            return  # the charts stay empty; the rows (and any error) are already shown
        async with self:
            if [r["slug"] for r in self.rows] == slugs:
                self.rows = [{**r, "history": history[r["slug"]]} for r in self.rows]
