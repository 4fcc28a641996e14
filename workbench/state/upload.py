"""/cargar: upload a RAW file, pick its dataset, sheet and parameters, preview it, run it and follow the run.

The uploaded bytes never live in a var: they go once into the engine's RAW store (content-addressed) and the
state keeps their sha256. What the preview was made from is kept (``_shown``): a change of dataset, sheet or
parameter previews again, and a run (``upload_run``), a step's table and the RAW around a cell
(``upload_inspect``) use what is shown, never a choice made since. Vars hold view-ready rows (capped
samples); every engine call runs in a thread from a background event."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from workbench.components import routes
from workbench.state.numbers import fmt_bytes
from workbench.components.status import qa_badge, run_badge
from workbench.engine import api
from workbench.engine.api import WorkbenchError
from workbench.state import preview_view as view
from workbench.state import upload_calls as calls
from workbench.state import upload_drift, upload_inspect, upload_run
from workbench.state.auth import acting, as_user

class UploadState(rx.State):
    file_sha: str = ""
    file_name: str = ""
    file_size: str = ""
    uploading: bool = False
    upload_pct: int = 0
    datasets: list[dict[str, str]] = []
    dataset: str = ""
    suggestion: str = ""
    sheets: list[str] = []
    sheet: str = ""
    sheet_note: str = ""
    params: list[dict[str, Any]] = []
    previewing: bool = False
    has_preview: bool = False
    #: The dataset, sheet or a parameter changed since the preview shown: Ejecutar waits for a new one.
    stale: bool = False
    error: dict[str, str] = {}
    warnings: list[str] = []
    timings: str = ""
    raw_columns: list[str] = []
    raw_rows: list[dict[str, Any]] = []
    raw_label: str = ""
    raw_windowed: bool = False
    #: "<element id>#<n>": the page's static script scrolls to that element each time it changes (no eval).
    scroll_target: str = ""
    timeline: list[dict[str, str]] = []
    step: int = -1
    step_table: dict[str, Any] = {}
    step_loading: bool = False
    layers: list[dict[str, Any]] = []
    qa: dict[str, Any] = {}
    #: The file's layout drift (state/upload_drift.py): {} when its layout did not change.
    drift: dict[str, Any] = {}
    #: Why the drift's fix could not be opened in the editor (Spanish), or "".
    drift_error: str = ""
    run_id: int = 0
    run_status: str = ""
    run_done: int = 0
    run_total: int = 0
    run_note: str = ""
    run_qa_status: str = ""
    _raw: dict[str, Any] = {}
    #: What the preview shown was made from (file, dataset, name, parameters, sheet): what a run submits.
    _shown: dict[str, Any] = {}
    #: The user picked the sheet (else the engine chose it; a run then names it, else it reads the same one).
    _sheet_chosen: bool = False
    _samples: list[dict[str, Any]] = []
    _highlights: dict[str, str] = {}

    @rx.var
    def run_state(self) -> list[str]:
        return list(run_badge(self.run_status)) if self.run_status else ["", "gray"]

    @rx.var
    def step_key(self) -> str:
        return str(self.step)

    @rx.var
    def run_qa(self) -> list[str]:
        return list(qa_badge(self.run_qa_status)) if self.run_qa_status else ["", "gray"]

    @rx.var
    def run_pct(self) -> int:
        if self.run_status in ("succeeded", "failed"):
            return 100
        return int(self.run_done * 100 / self.run_total) if self.run_total else 0

    @rx.var(deps=["run_id"], auto_deps=False)
    def run_href(self) -> str:
        return routes.run(self.run_id) if self.run_id else ""

    @rx.var
    def max_upload_bytes(self) -> int:
        return api.get_settings().max_upload_bytes

    @rx.var
    def max_upload_label(self) -> str:
        return fmt_bytes(api.get_settings().max_upload_bytes)

    def _fail(self, exc: WorkbenchError) -> None:
        self.error = calls.web_error(exc, self.params)

    def _request(self) -> dict[str, Any]:
        """The preview the page's choices ask for (the sheet only when the user picked it)."""
        return {"sha": self.file_sha, "slug": self.dataset, "name": self.file_name,
                "params": {p["name"]: p["value"] for p in self.params if p["value"] != ""},
                "sheet": self.sheet if self._sheet_chosen else ""}

    # --- choosing the file ---------------------------------------------------------------------------------

    @rx.event
    def progress(self, event: dict[str, Any]):
        self.upload_pct = int(float(event.get("progress", 0)) * 100)  # may arrive after the upload ended

    @rx.event
    def rejected(self, files: list[dict[str, Any]]):
        """The browser refused the drop (react-dropzone checks size and count before sending anything)."""
        codes = {e.get("code") for f in files for e in f.get("errors", [])}
        if "too-many-files" in codes:
            self.error = {"message": "Suba un archivo a la vez.", "code": "too-many-files", "location": "", "row": "",
                          "hint": ""}
            return
        limit = api.get_settings().max_upload_bytes
        self._fail(api.UploadTooLargeError(limit=limit))

    @rx.event(background=True)
    async def receive(self, chunks: rx.UploadChunkIterator):
        """Stream the upload into memory up to the size limit, store it once, then suggest and preview. Who may
        upload is checked before the first byte is read (an anonymous or read-only session buffers nothing)."""
        try:
            await as_user(self, api.require, "upload")
        except WorkbenchError as exc:
            async with self:
                self._fail(exc)
            return
        limit = api.get_settings().max_upload_bytes
        buffer, name = bytearray(), ""
        async for chunk in chunks:
            if not name:  # the first chunk (an empty file sends one empty chunk; a refused drop sends none)
                try:  # counted like the API's uploads, before the file is buffered
                    await as_user(self, calls.admit_upload)
                except WorkbenchError as exc:
                    async with self:
                        self.uploading = False
                        if isinstance(exc, api.RateLimitedError):
                            self.error = calls.rate_limited_view(exc)
                        else:
                            self._fail(exc)
                    return
                name = chunk.filename.rsplit("/", 1)[-1] or "archivo"
                async with self:
                    self._reset_file()
                    self.uploading = True
            if len(buffer) + len(chunk.data) > limit:
                async with self:
                    self.uploading = False
                    self._fail(api.UploadTooLargeError(limit=limit))
                return
            buffer += chunk.data
        if not name:
            return
        data = bytes(buffer)
        del buffer
        try:
            sha = await as_user(self, api.keep_upload, data)
            choices = await as_user(self, calls.choices, data, name)
        except WorkbenchError as exc:
            async with self:
                self.uploading, self.file_name = False, name
                self._fail(exc)
            return
        except BaseException:  # signed out (the sign-in page follows) or a bug: a new upload can start
            async with self:
                self.uploading = False
            raise
        async with self:
            self.file_sha, self.file_name, self.file_size = sha, name, fmt_bytes(len(data))
            self.uploading, self.upload_pct = False, 100
            self.datasets, self.dataset = choices["datasets"], choices["dataset"]
            self.suggestion, self.params, self.sheets = choices["suggestion"], choices["params"], choices["sheets"]
        if choices["dataset"]:
            yield UploadState.preview

    def _reset_file(self) -> None:
        self.file_sha = self.file_name = self.file_size = self.dataset = self.suggestion = self.sheet = ""
        self.sheets, self.params, self.error, self.upload_pct, self.has_preview = [], [], {}, 0, False
        self.run_id, self.run_status, self.run_note, self.step, self.step_table = 0, "", "", -1, {}
        self.sheet_note, self.drift = "", {}
        self._shown, self._sheet_chosen, self.stale = {}, False, False

    def _changed(self):
        """A choice changed: the preview shown no longer matches them; a new one is made at once."""
        self.stale, self.error = True, {}
        return UploadState.preview

    @rx.event
    def set_dataset(self, slug: str):
        """The dataset picked for the file: its parameters (for a role that may preview; the slug is the
        browser's, so it is only ever a dataset name)."""
        try:
            with acting(self):
                params = api.parameter_fields(calls.spec(slug), self.file_name)  # spec() checks the role first
        except WorkbenchError as exc:
            self._fail(exc)
            return
        if slug == self.dataset and self.has_preview:
            return
        self.dataset, self.params, self._sheet_chosen = slug, params, False
        return self._changed()  # another dataset may read another sheet, with other parameters

    @rx.event
    def set_sheet(self, sheet: str):
        if sheet == self.sheet and (self._sheet_chosen or self.has_preview):
            return
        self.sheet, self._sheet_chosen = sheet, True
        return self._changed()

    @rx.event
    def set_param(self, name: str, value: str):
        """Typing in a field: Ejecutar waits until the preview is made again (on leaving the field or Enter)."""
        self.params = [{**p, "value": value, "source": "usuario"} if p["name"] == name else p for p in self.params]
        if self.has_preview:
            self.stale = self._request() != self._shown

    @rx.event
    def param_done(self, _value: Any = None):
        """Leaving a field (or Enter, or picking a choice): preview again when the parameters changed."""
        if self.file_sha and self.dataset and self._request() != self._shown:
            return self._changed()

    # --- preview --------------------------------------------------------------------------------------------

    @rx.event(background=True)
    async def preview(self):
        """Preview what the page's choices say. A choice changed meanwhile: this result is dropped and the
        preview made again, so what is shown (and what Ejecutar submits) always matches the choices."""
        async with self:
            if not self.file_sha or not self.dataset or self.previewing:
                return
            self.previewing, self.error, self.step, self.step_table, self.run_id = True, {}, -1, {}, 0
            asked, fields = self._request(), [dict(p) for p in self.params]
        try:
            await upload_drift.check(self, asked)  # before the preview: a breaking drift explains its error
            out = await as_user(self, calls.preview, asked["sha"], asked["slug"], asked["name"], asked["params"],
                                asked["sheet"], fields)
        except WorkbenchError as exc:
            async with self:
                self.previewing = False
                again = self._request() != asked  # the dataset, sheet or a parameter changed meanwhile
                if not again:
                    self.has_preview, self.stale, self._shown = False, False, {}
                    self._fail(exc)
                    self._offer_sheets(exc, asked["sheet"])
        except BaseException:
            async with self:
                self.previewing = False
            raise
        else:
            async with self:
                self.previewing = False
                again = self._request() != asked
                if not again:
                    self._show(out, asked)
        if again:
            yield UploadState.preview

    def _show(self, out: dict[str, Any], asked: dict[str, Any]) -> None:
        self._raw, self._samples, self._highlights = out["doc_raw"], out["samples"], out["qa"].pop("highlights")
        self.raw_columns, self.raw_rows = out["doc_raw"]["columns"], view.raw_rows(out["doc_raw"], self._highlights)
        self.raw_label, self.raw_windowed = view.raw_label(out["doc_raw"]), False
        self.timeline, self.layers, self.qa = out["timeline"], out["layers"], out["qa"]
        self.sheets, self.sheet = out["sheets"], out["sheet"] if out["sheets"] else ""
        self.sheet_note = calls.sheet_note(self.sheet, self.sheets, out["default_sheet"], bool(asked["sheet"]))
        self.warnings, self.timings, self.has_preview, self.stale = out["warnings"], out["timings"], True, False
        self._shown = asked

    def _offer_sheets(self, exc: WorkbenchError, tried: str) -> None:
        """A workbook whose header was not found: its sheets to pick from, the engine's suggestion chosen."""
        sheets, suggested = calls.failed_sheets(exc)
        if len(sheets) < 2:
            self.sheet_note = ""
            return
        tried = tried or str(exc.details.get("sheet") or "")
        self.sheets = sheets
        self.sheet, self._sheet_chosen = (suggested, True) if suggested else (tried if tried in sheets else "",
                                                                              bool(tried in sheets))
        self.sheet_note = calls.failed_sheet_note(tried, suggested)

    @rx.event(background=True)
    async def show_step(self, index: int):
        """A timeline step: its own sample at once, then the table right after it (re-run up to the step)."""
        await upload_inspect.step_table(self, index)

    @rx.event(background=True)
    async def jump(self, row: str):
        """Show the RAW rows around a failing cell, and bring the row into view."""
        await upload_inspect.raw_around(self, row)

    @rx.event
    def raw_first_rows(self):
        self.raw_rows, self.raw_label = view.raw_rows(self._raw, self._highlights), view.raw_label(self._raw)
        self.raw_windowed = False

    @rx.event(background=True)
    async def fix_in_editor(self):
        """Open the drift report's proposed patch as a draft in the rule editor, this file as its sample."""
        redirect = await upload_drift.open_fix(self)
        if redirect is not None:
            yield redirect

    # --- run ------------------------------------------------------------------------------------------------

    @rx.event(background=True)
    async def run(self):
        """Submit what the preview shows (never a choice made since) and follow it live."""
        await upload_run.submit_and_follow(self)

    # --- a past run (/cargar?run=<id>) ----------------------------------------------------------------------

    @rx.event(background=True)
    async def load(self):
        try:
            await as_user(self, api.require, "upload")
        except WorkbenchError:
            return  # a read-only role: the page shows a notice instead of the upload
        async with self:
            wanted = self.router.url.query_parameters.get("run", "")
            known = bool(self.datasets)
            if not self.uploading and not self.previewing:  # a new visit starts a new journey
                self._reset_file()
        try:
            if not wanted.isdigit():
                if not known:
                    listed = await as_user(self, lambda: api.list_datasets(limit=200).items)
                    async with self:
                        self.datasets = [{"slug": d.slug, "title": d.title} for d in listed]
                return
            past = await as_user(self, calls.past_run, int(wanted))
        except WorkbenchError as exc:
            async with self:
                self._fail(exc)
            return
        async with self:
            self._reset_file()
            self.file_sha, self.file_name, self.file_size = past["sha"], past["name"], fmt_bytes(past["size"])
            self.datasets, self.dataset, self.params = past["datasets"], past["slug"], past["params"]
            self.sheets = past["sheets"]
            self.suggestion = f"Archivo de la ejecución #{wanted}."
        yield UploadState.preview


async def warm_validation() -> None:
    """Lifespan task of the web server: import the validation library in a thread while the server starts."""
    await asyncio.to_thread(api.warm_validation)
