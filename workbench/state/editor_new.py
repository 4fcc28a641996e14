"""/especificaciones/nueva: a new spec from a file never seen. The upload is kept once in the RAW store (sha256);
the engine proposes the source options, the header row and each column's kind and role (``propose_spec``); the
analyst picks the slug, title, key columns, the measures to melt and the types; ``create_draft_from_file`` makes
the new dataset's first draft, which the editor (/especificaciones/<slug>?borrador=<id>) refines and publishes."""

from __future__ import annotations

import re
from typing import Any

import reflex as rx
import yaml

from workbench.engine import api
from workbench.engine.api import WorkbenchError
from workbench.state import editor_views as views
from workbench.state import upload_calls
from workbench.state.auth import as_user
from workbench.state.numbers import fmt_bytes

#: The type a column's proposed kind starts with.
KIND_TYPES = {"code": "text", "number": "decimal", "text": "text", "empty": "text"}
KIND_LABELS = {"code": "código", "number": "número", "text": "texto", "empty": "vacía"}
SLUG = re.compile(r"^[a-z][a-z0-9_]{1,62}$")


def proposal_view(p: Any) -> dict[str, Any]:
    """A SpecProposal as the page shows it: the RAW head, the header row, the source options, the columns."""
    raw = views.get(p, "raw") or {}
    columns = [str(c) for c in raw.get("columns") or []]
    header = views.get(p, "header_row")
    rows = [[f"{r.get('_row', '')}" + (" · encabezado" if header is not None and r.get("_row") == header else "")]
            + ["" if r.get(c) is None else views.cell(r.get(c)) for c in columns]
            for r in (raw.get("sample") or [])[:25]]
    cols = [{"name": str(c.get("name")), "snake": str(c.get("snake") or c.get("name")),
             "raw_column": str(c.get("raw_column") or ""),
             "kind": KIND_LABELS.get(str(c.get("kind")), str(c.get("kind"))),
             "examples": ", ".join(f"«{e}»" for e in (c.get("examples") or [])[:3]),
             "role": str(c.get("suggest") or "attribute"), "type": KIND_TYPES.get(str(c.get("kind")), "text"),
             "new_name": str(c.get("snake") or c.get("name"))}
            for c in views.get(p, "columns") or []]
    source = views.get(p, "source") or {}
    return {"raw": {"columns": [{"name": c, "mark": ""} for c in ["#", *columns]], "rows": rows},
            "header_row": str(views.get(p, "header_row") or ""), "format": str(views.get(p, "format") or ""),
            "source": yaml.safe_dump(source, allow_unicode=True, sort_keys=False).strip(), "columns": cols}


def slug_of(filename: str) -> str:
    stem = re.sub(r"\.[A-Za-z0-9]+$", "", filename).lower()
    return re.sub(r"[^a-z0-9]+", "_", stem).strip("_")[:60] or "nuevo_dataset"


class NewSpecState(rx.State):
    sha: str = ""
    file_name: str = ""
    file_size: str = ""
    uploading: bool = False
    proposing: bool = False
    creating: bool = False
    error: str = ""
    raw: dict[str, Any] = {}
    header_row: str = ""
    format: str = ""
    source: str = ""
    columns: list[dict[str, str]] = []
    slug: str = ""
    title: str = ""

    @rx.var
    def has_proposal(self) -> bool:
        return bool(self.columns)

    @rx.event
    def load(self):
        if not self.creating:
            self.reset()

    @rx.event
    def set_slug(self, value: str):
        self.slug = value.strip()

    @rx.event
    def set_title(self, value: str):
        self.title = value

    @rx.event
    def set_source(self, value: str):
        self.source = value

    @rx.event
    def set_role(self, name: str, role: str):
        self.columns = [{**c, "role": role} if c["name"] == name else c for c in self.columns]

    @rx.event
    def set_name(self, name: str, value: str):
        self.columns = [{**c, "new_name": value.strip()} if c["name"] == name else c for c in self.columns]

    @rx.event
    def set_type(self, name: str, kind: str):
        self.columns = [{**c, "type": kind} if c["name"] == name else c for c in self.columns]

    @rx.event(background=True)
    async def receive(self, chunks: rx.UploadChunkIterator):
        try:
            await as_user(self, upload_calls.admit_upload)  # the role and the upload rate limit, before any byte
        except WorkbenchError as exc:
            async with self:
                self.error = exc.message_es
            return
        limit = api.get_settings().max_upload_bytes
        buffer, name = bytearray(), ""
        async with self:
            self.reset()
            self.uploading = True
        async for chunk in chunks:
            name = name or chunk.filename.rsplit("/", 1)[-1] or "archivo"
            if len(buffer) + len(chunk.data) > limit:
                async with self:
                    self.uploading, self.error = False, f"El archivo supera el máximo de {fmt_bytes(limit)}."
                return
            buffer += chunk.data
        if not name:
            async with self:
                self.uploading = False
            return
        try:
            sha = await as_user(self, api.keep_upload, bytes(buffer))
            async with self:
                self.sha, self.file_name, self.file_size = sha, name, fmt_bytes(len(buffer))
                self.uploading, self.proposing = False, True
            proposal = await as_user(self, api.propose_spec, sha, filename=name)
        except WorkbenchError as exc:
            async with self:
                self.uploading, self.proposing, self.error = False, False, exc.message_es
            return
        async with self:
            view = proposal_view(proposal)
            self.raw, self.header_row, self.format = view["raw"], view["header_row"], view["format"]
            self.source, self.columns, self.proposing = view["source"], view["columns"], False
            self.slug, self.title = slug_of(name), name

    def _request(self) -> dict[str, Any]:
        if not SLUG.match(self.slug):
            raise views.FormError("El identificador debe empezar con una letra y tener solo minúsculas, dígitos y "
                                  "guiones bajos (2 a 63 caracteres).")
        if not self.title.strip():
            raise views.FormError("Escriba un título para el dataset.")
        keys = [c["name"] for c in self.columns if c["role"] == "key"]
        if not keys:
            raise views.FormError("Elija al menos una columna clave.")
        try:
            source = yaml.safe_load(self.source) if self.source.strip() else None
        except yaml.YAMLError:
            raise views.FormError("Las opciones del origen no son YAML válido.") from None
        return {"filename": self.file_name, "slug": self.slug, "title": self.title.strip(), "keys": keys,
                "measures": [c["name"] for c in self.columns if c["role"] == "measure"],
                "types": {c["name"]: c["type"] for c in self.columns if c["role"] != "drop"},
                "drop": [c["name"] for c in self.columns if c["role"] == "drop"],
                "names": {c["name"]: c["new_name"] for c in self.columns if c["new_name"] != c["snake"]},
                "source": source if isinstance(source, dict) else None}

    @rx.event(background=True)
    async def create(self):
        async with self:
            try:
                asked, sha = self._request(), self.sha
            except views.FormError as exc:
                self.error = str(exc)
                return
            self.creating, self.error = True, ""
        try:
            draft = await as_user(self, api.create_draft_from_file, sha, **asked)
        except WorkbenchError as exc:
            async with self:
                self.creating, self.error = False, views.error_view(exc)["message"]
            return
        async with self:
            self.creating = False
        yield rx.redirect(f"/especificaciones/{draft.slug}?borrador={draft.id}")
