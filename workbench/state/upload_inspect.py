"""/cargar: looking inside the preview shown, as plain async functions over the upload page's state
(``UploadState.show_step`` and ``.jump`` call them): the table right after a step, and the RAW rows around a
failing cell. Both read what the preview was made from (``_shown``), never a choice made since."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from workbench.engine import api
from workbench.engine.api import WorkbenchError
from workbench.state import preview_view as view
from workbench.state import upload_calls as calls
from workbench.state.auth import as_user

if TYPE_CHECKING:
    from workbench.state.upload import UploadState


async def step_table(state: UploadState, index: int) -> None:
    """A timeline step: its own sample at once, then the table right after it (re-run up to the step)."""
    async with state:
        if state.step == index or not state.has_preview:
            state.step, state.step_table = -1, {}
            return
        state.step, state.step_loading = index, True
        state.step_table = state._samples[index] if index < len(state._samples) else {}
        shown = state._shown
        args = (shown["sha"], shown["slug"], shown["name"], shown["params"], shown["sheet"] or state.sheet)

    def after() -> dict[str, Any]:
        sha, slug, name, params, sheet = args
        out = api.table_after_step(api.upload_bytes(sha), calls.spec(slug), step=index, filename=name,
                                   params=params, sheet=sheet or None, sample_rows=calls.SAMPLE_ROWS)
        return view.table_view(f"{out['layer']} · paso {index + 1} · {out['type']}", out)

    try:
        table = await as_user(state, after)
    except WorkbenchError as exc:
        async with state:
            state.step_loading = False
            state._fail(exc)
        return
    except BaseException:
        async with state:
            state.step_loading = False
        raise
    async with state:
        if state.step == index:
            state.step_table, state.step_loading = table, False


async def raw_around(state: UploadState, row: str) -> None:
    """Show the RAW rows around a failing cell (outside the first rows shown)."""
    async with state:
        if not state.has_preview:
            return
        shown = state._shown
        sha, slug, name, sheet = shown["sha"], shown["slug"], shown["name"], shown["sheet"] or state.sheet
    try:
        window = await as_user(state, lambda: api.raw_window(api.upload_bytes(sha), calls.spec(slug), row=int(row),
                                                             filename=name, sheet=sheet or None))
    except WorkbenchError as exc:
        async with state:
            state._fail(exc)
        return
    async with state:
        state.raw_rows, state.raw_windowed = view.raw_rows(window, state._highlights), True
        state.raw_label = view.raw_label(window)
        state.scroll_target = f"raw-row-{row}#{time.monotonic_ns()}"
