"""The editor's incremental preview: the draft's sample file (an upload, kept once in the RAW store by sha256, or
a file the dataset's runs read) and the step selected, shown before and after with its step-specific help.

The engine previews from the selected step only (it caches the spec prefix); every edit of the draft calls
``refresh``, so the panel always shows the draft as saved."""

from __future__ import annotations

from typing import Any

import reflex as rx

from workbench.engine import api
from workbench.engine.api import WorkbenchError
from workbench.state import editor_views as views
from workbench.state import upload_calls
from workbench.state.auth import as_user
from workbench.state.editor import EditorState
from workbench.state.numbers import fmt_bytes, fmt_datetime

#: Rows of the sample the preview runs on (the issue's target: any step in <= 1 s on 1,000 rows).
SAMPLE_ROWS = 1000


def _sample_files(draft_id: int) -> list[dict[str, str]]:
    """The files the dataset's runs read (newest first, one per content), to preview on without uploading."""
    out = []
    for f in api.draft_sample_files(draft_id):
        params = ", ".join(f"{k}={v}" for k, v in (f.get("params") or {}).items())
        out.append({"sha": str(f["sha256"]), "name": str(f.get("filename") or "archivo"), "params": params,
                    "label": f"{f.get('filename') or 'archivo'}" + (f" ({params})" if params else "")
                             + f" · {fmt_bytes(f.get('bytes'))} · usado el {fmt_datetime(f.get('used_at'))}"})
    return out


def parse_params(text: str) -> dict[str, str]:
    """``anio=2017, mes=4`` -> {"anio": "2017", "mes": "4"} (what the sample's file name does not say)."""
    out = {}
    for part in text.replace(";", ",").split(","):
        key, sep, value = part.partition("=")
        if sep and key.strip():
            out[key.strip()] = value.strip()
    return out


class EditorPreviewState(rx.State):
    sample: str = ""
    files: list[dict[str, str]] = []
    params_text: str = ""
    uploading: bool = False
    loading: bool = False
    selected: str = ""
    layer: str = ""
    index: int = -1
    view: dict[str, Any] = {}
    strip: list[dict[str, Any]] = []
    error: str = ""
    fix: dict[str, str] = {}

    @rx.var
    def has_view(self) -> bool:
        return bool(self.view)

    @rx.event
    def set_params_text(self, value: str):
        self.params_text = value

    @rx.event
    def set_fix(self, value: str, target: str):
        self.fix = {**self.fix, value: target}

    @rx.event(background=True)
    async def opened(self):
        """A draft shown: the files its dataset's runs read; without a sample yet, the newest of them."""
        async with self:
            editor = await self.get_state(EditorState)
            draft_id, sample = editor.draft_id, dict(editor._sample)
            self.selected, self.view, self.strip, self.error, self.index, self.layer = "", {}, [], "", -1, ""
            self.sample = sample.get("filename", "")
            self.params_text = ", ".join(f"{k}={v}" for k, v in (sample.get("params") or {}).items())
        try:
            files = await as_user(self, _sample_files, draft_id) if draft_id else []
        except WorkbenchError as exc:
            files = []
            async with self:
                self.error = exc.message_es
        async with self:
            self.files = files
        if not sample and files:
            yield EditorPreviewState.use_file(files[0]["sha"])

    async def _set_sample(self, sha: str, name: str, params: dict[str, str]):
        async with self:
            editor = await self.get_state(EditorState)
            draft_id = editor.draft_id
            self.loading, self.error = True, ""
        try:
            draft = await as_user(self, api.set_draft_sample, draft_id, sha, filename=name, params=params or None)
        except WorkbenchError as exc:
            async with self:
                self.loading, self.error = False, exc.message_es
            return
        async with self:
            editor = await self.get_state(EditorState)
            editor._show(draft)
            self.loading, self.sample = False, name
        yield EditorPreviewState.refresh

    @rx.event(background=True)
    async def apply_params(self, _value: str = ""):
        """Leaving the parameters field: the same sample with the parameters typed (when they changed)."""
        async with self:
            editor = await self.get_state(EditorState)
            sample, params = dict(editor._sample), parse_params(self.params_text)
        if sample.get("sha256") and params != {k: str(v) for k, v in (sample.get("params") or {}).items()}:
            async for event in self._set_sample(sample["sha256"], sample.get("filename") or "archivo", params):
                yield event

    @rx.event(background=True)
    async def use_file(self, sha: str):
        async with self:
            chosen = next((f for f in self.files if f["sha"] == sha), None)
            if chosen:
                self.params_text = chosen["params"]
        if chosen:
            async for event in self._set_sample(sha, chosen["name"], parse_params(chosen["params"])):
                yield event

    @rx.event(background=True)
    async def receive(self, chunks: rx.UploadChunkIterator):
        """An uploaded sample: kept once in the RAW store (the upload page's rules: role first, size limit)."""
        try:
            await as_user(self, upload_calls.admit_upload)  # the role and the upload rate limit, before any byte
        except WorkbenchError as exc:
            async with self:
                self.error = exc.message_es
            return
        limit = api.get_settings().max_upload_bytes
        buffer, name = bytearray(), ""
        async with self:
            self.uploading, self.error, params = True, "", parse_params(self.params_text)
        async for chunk in chunks:
            name = name or chunk.filename.rsplit("/", 1)[-1] or "archivo"
            if len(buffer) + len(chunk.data) > limit:
                async with self:
                    self.uploading, self.error = False, f"El archivo supera el máximo de {fmt_bytes(limit)}."
                return
            buffer += chunk.data
        try:
            sha = await as_user(self, api.keep_upload, bytes(buffer)) if name else ""
        except WorkbenchError as exc:
            async with self:
                self.uploading, self.error = False, exc.message_es
            return
        finally:
            async with self:
                self.uploading = False
        if sha:
            async for event in self._set_sample(sha, name, params):
                yield event

    @rx.event(background=True)
    async def select(self, layer: str, index: int):
        async with self:
            self.layer, self.index, self.selected, self.fix = layer, index, f"{layer}:{index}", {}
        yield EditorPreviewState.refresh

    @rx.event(background=True)
    async def refresh(self):
        """Preview the selected step of the draft as saved now (nothing selected: nothing to do)."""
        async with self:
            editor = await self.get_state(EditorState)
            if not self.layer:  # nothing chosen yet: the draft's last step (the strip shows every step)
                last = [name for name, steps in editor._steps.items() if steps]
                if last:
                    self.layer, self.index = last[-1], len(editor._steps[last[-1]]) - 1
                    self.selected = f"{self.layer}:{self.index}"
            draft_id, layer, index, steps = editor.draft_id, self.layer, self.index, editor._steps.get(self.layer) or []
            if index >= len(steps):  # the step was deleted or moved out: show the layer's last one
                index = len(steps) - 1
                self.index, self.selected = index, f"{layer}:{index}"
            if not draft_id or index < 0 or not self.sample:
                self.view = {} if index < 0 else self.view
                return
            self.loading, self.error = True, ""
        try:
            out = await as_user(self, api.preview_draft_step, draft_id, layer=layer, index=index, rows=SAMPLE_ROWS)
        except WorkbenchError as exc:
            async with self:
                self.loading, self.error, self.view = False, exc.message_es, {}
            return
        async with self:
            if (self.layer, self.index) == (layer, index):
                self.view = views.preview_view(out)
                self.strip = views.status_strip(views.get(out, "steps") or [], self.selected)
            self.loading = False
