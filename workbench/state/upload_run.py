"""/cargar's run: submit what the preview shows and follow it live. Plain async functions over the upload
page's state (``UploadState.run`` calls them), kept apart so the state module holds the page's choices and
preview."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from workbench.engine import api
from workbench.engine.api import WorkbenchError
from workbench.state import preview_view as view
from workbench.state.auth import as_user

if TYPE_CHECKING:
    from workbench.state.upload import UploadState

#: How often a followed run is looked at, and for how long at most, seconds.
FOLLOW_EVERY_S = 0.3
FOLLOW_FOR_S = 1800.0
STATUS_EVERY_S = 2.0


async def submit_and_follow(state: UploadState) -> None:
    """Submit the run of the preview shown (its file, dataset and parameters: never a choice made since), then
    follow it until it ends."""
    async with state:
        if not state.has_preview or state.stale or state.run_status in ("queued", "running"):
            return
        shown = state._shown  # what the page shows, never a choice made since
        args = (shown["sha"], shown["slug"], shown["name"], shown["params"], shown["sheet"] or None)
        state.run_status, state.run_done, state.run_total, state.run_note = "queued", 0, len(state.timeline), ""
        state.run_qa_status = ""
    sha, slug, name, params, sheet = args
    try:  # the engine records the signed-in user as who ran it; a sheet the user picked goes with the run
        run = await as_user(state, lambda: api.submit_run(slug, api.upload_bytes(sha), filename=name, params=params,
                                                          sheet=sheet))
    except WorkbenchError as exc:
        async with state:
            state.run_status = ""
            state._fail(exc)
        return
    except BaseException:
        async with state:
            state.run_status = ""
        raise
    async with state:
        state.run_id, state.run_status = run.id, run.status
        state.run_qa_status = run.qa_status if run.status in ("succeeded", "failed") else ""
        if run.reused:
            state.run_note = "Ya existía una ejecución idéntica de este archivo: se muestra esa."
        elif run.error:
            state.error = {**view.error_view(run.error), "hint": ""}
    if run.status in ("queued", "running"):
        await follow(state, run.id)


async def follow(state: UploadState, run_id: int) -> None:
    """Live progress from the event stream; the store's status every few seconds (events may be lost)."""
    after, started, checked = None, time.monotonic(), time.monotonic()
    while time.monotonic() - started < FOLLOW_FOR_S:
        status = ""
        try:
            events, after = await as_user(state, api.run_events, run_id, after)
        except WorkbenchError:
            events = []
        for event in events:
            data = event["data"]
            async with state:
                if event["type"] == "run.step":
                    state.run_status, state.run_done, state.run_total = "running", data["done"], data["total"]
                elif event["type"] == "run.started":
                    state.run_status = "running"
            if event["type"] in ("run.succeeded", "run.failed"):
                status = event["type"].split(".")[1]
        if status or time.monotonic() - checked > STATUS_EVERY_S:
            checked = time.monotonic()
            try:
                run = await as_user(state, api.get_run, run_id)
            except WorkbenchError:  # the store is briefly unavailable: look again later
                await asyncio.sleep(FOLLOW_EVERY_S)
                continue
            if run.status in ("succeeded", "failed", "cancelled"):
                async with state:
                    state.run_status, state.run_done, state.run_qa_status = run.status, state.run_total, run.qa_status
                    if run.error:
                        state.error = {**view.error_view(run.error), "hint": ""}
                return
        await asyncio.sleep(FOLLOW_EVERY_S)
