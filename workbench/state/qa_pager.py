"""Paging through a preview's failing rows (the upload page's QA panel): every failing row of every check is
reachable, 20 at a time, as on the run page.

The preview document carries only each check's first rows; a further page asks the engine, which reads and
validates the same file again (``api.preview_failures``). A page belongs to the preview it came from
(``key``): a newer preview shows its own first page, never an old page."""

from __future__ import annotations

from typing import Any

import reflex as rx

from workbench.engine import api
from workbench.engine.api import WorkbenchError
from workbench.state import upload_calls as calls
from workbench.state.auth import as_user
from workbench.state.preview_view import qa_key
from workbench.state.qa_rows import PAGE_SIZE, failure_row, page_label
from workbench.state.upload import UploadState


def _page(shown: dict[str, Any], sheet: str, check: str, offset: int) -> dict[str, Any]:
    page = api.preview_failures(api.upload_bytes(shown["sha"]), calls.spec(shown["slug"]), check=check,
                                     offset=offset, limit=PAGE_SIZE, filename=shown["name"], params=shown["params"],
                                     sheet=shown["sheet"] or sheet or None)
    rows = [failure_row(row, check, page["layer"]) for row in page["rows"]]
    return {"key": qa_key(page["qa"]), "rows": rows, "total": int(page["total"]),
            "label": page_label(offset, len(rows), int(page["total"]))}


class QAPagerState(rx.State):
    #: The preview these rows belong to (``qa_view``'s key); the panel shows them only while it is shown.
    key: str = ""
    check: str = ""
    offset: int = 0
    total: int = 0
    rows: list[dict[str, Any]] = []
    label: str = ""
    loading: bool = False

    @rx.event(background=True)
    async def show(self, check: str):
        """Another check's failing rows, from the first."""
        notice = await self._load(check, 0)
        if notice is not None:
            yield notice

    @rx.event(background=True)
    async def page(self, check: str, offset: int, delta: int):
        """The page ``delta`` pages away from the one at ``offset`` (the panel passes what it shows)."""
        notice = await self._load(check, offset + delta * PAGE_SIZE)
        if notice is not None:
            yield notice

    async def _load(self, check: str, offset: int) -> Any:
        """Read the page; a toast to show when it cannot be (None when it is shown)."""
        async with self:
            upload = await self.get_state(UploadState)
            shown, sheet, key = dict(upload._shown), upload.sheet, (upload.qa or {}).get("key", "")
            total = next((c["total"] for c in (upload.qa or {}).get("checks", []) if c["id"] == check), 0)
            if not shown or self.loading:
                return None
            offset = max(0, min(offset, max(0, total - 1)))
            self.loading = True
        try:
            page = await as_user(self, _page, shown, sheet, check, offset)
        except WorkbenchError as exc:
            async with self:
                self.loading = False
            return rx.toast.error(f"No se pudieron leer las filas: {exc.message_es}")
        except BaseException:
            async with self:
                self.loading = False
            raise
        async with self:
            self.loading = False
            same = page["key"] == key  # else the file or its choices changed since this preview: not its rows
            if same:
                self.key, self.check, self.offset = key, check, offset
                self.rows, self.total, self.label = page["rows"], page["total"], page["label"]
        return None if same else rx.toast.info("La vista previa cambió: vuelva a elegir la página.")
