"""The Publicaciones pages: a dataset's releases (who proposed and approved, QA, diff summary) with the form
that proposes a run, and one release's diff page with the decisions a publisher takes (approve, reject, roll
back). Engine calls run as the signed-in user: the engine refuses self-approval and too-low roles."""

from __future__ import annotations

from typing import Any

import reflex as rx

from workbench.engine import api
from workbench.engine.api import WorkbenchError
from workbench.state.auth import as_user
from workbench.state.publication_views import diff_view, event_row, partition_text, release_row
from workbench.state.numbers import fmt_datetime


def _releases(slug: str) -> dict[str, Any]:
    page = api.list_releases(dataset=slug, limit=100)
    table = f"gold.{slug}"
    published = next((r for r in page.items if r.status == "published"), None)
    if published:
        table = api.get_release(published.id).table
    return {"rows": [release_row(r) for r in page.items], "table": table}


def _release(release_id: int) -> dict[str, Any]:
    detail = api.get_release(release_id)
    r = detail.release
    row = release_row(r)
    info = {**row, "content_hash": r.content_hash, "table": detail.table, "spec": f"v{r.spec_version}",
            "inputs": ", ".join(f"{i.get('name')} (sha256 {str(i.get('sha256'))[:12]}…)" for i in r.inputs),
            "expires": fmt_datetime(r.expires_at), "partitions": partition_text(r.partitions),
            "snapshot": f"Parquet {api.fmt_int(r.snapshot['parquet']['rows'])} filas, sha256 "
                        f"{r.snapshot['parquet']['sha256'][:12]}…; CSV sha256 {r.snapshot['csv']['sha256'][:12]}…",
            "replaces": ", ".join(f"#{i}" for i in r.base_release_ids) or "nada (primera publicación)",
            "status_key": r.status, "slug": r.dataset_slug}
    return {"info": info, "diff": diff_view(api.release_diff(release_id)),
            "events": [event_row(e) for e in detail.events]}


class PublicationsState(rx.State):
    slug: str = ""
    rows: list[dict[str, str]] = []
    table: str = ""
    run_id: str = ""
    acknowledge: bool = False
    busy: bool = False
    loading: bool = True
    error: str = ""

    @rx.event
    def set_run_id(self, value: str):
        self.run_id = value

    @rx.event
    def set_acknowledge(self, value: bool):
        self.acknowledge = value

    @rx.event(background=True)
    async def load(self):
        async with self:
            slug = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
            if slug != self.slug:
                self.slug, self.rows, self.table = slug, [], f"gold.{slug}"
            self.loading, self.error = True, ""
        try:
            data = await as_user(self, _releases, slug)
        except WorkbenchError as exc:
            async with self:
                self.loading, self.error = False, exc.message_es
            return
        async with self:
            if self.slug == slug:
                self.rows, self.table, self.loading = data["rows"], data["table"], False

    @rx.event(background=True)
    async def propose(self):
        async with self:
            text, acknowledge, slug = self.run_id.strip().lstrip("#"), self.acknowledge, self.slug
            self.busy = text.isdigit()
        if not text.isdigit():
            yield rx.toast.error("Indique el número de la ejecución a proponer.")
            return
        try:
            release = await as_user(self, api.propose_release, int(text), acknowledge_warnings=acknowledge)
        except WorkbenchError as exc:
            yield rx.toast.error(exc.message_es)
            return
        finally:
            async with self:
                self.busy = False
        yield rx.toast.success(f"Publicación {release.id} propuesta: otra persona con rol publicador debe aprobarla.")
        yield rx.redirect(f"/publicaciones/{slug}/{release.id}")


class ReleaseState(rx.State):
    release_id: int = 0
    info: dict[str, str] = {}
    diff: dict[str, Any] = {}
    events: list[dict[str, str]] = []
    reason: str = ""
    busy: bool = False
    loading: bool = True
    error: str = ""

    @rx.event
    def set_reason(self, value: str):
        self.reason = value

    @rx.var
    def changes(self) -> list[dict[str, str]]:
        return self.diff.get("changes", [])

    @rx.var
    def added(self) -> list[dict[str, str]]:
        return self.diff.get("added", [])

    @rx.var
    def removed(self) -> list[dict[str, str]]:
        return self.diff.get("removed", [])

    @rx.var
    def totals(self) -> list[dict[str, str]]:
        return self.diff.get("totals", [])

    @rx.var
    def controls(self) -> list[dict[str, str]]:
        return self.diff.get("controls", [])

    @rx.var
    def counts(self) -> dict[str, str]:
        return self.diff.get("counts", {})

    @rx.event(background=True)
    async def load(self):
        async with self:
            text = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
            release_id = int(text) if text.isdigit() else 0
            if release_id != self.release_id:
                self.release_id, self.info, self.diff, self.events = release_id, {}, {}, []
            self.loading, self.error = True, ""
        try:
            data = await as_user(self, _release, release_id)
        except WorkbenchError as exc:
            async with self:
                self.loading, self.error = False, exc.message_es
            return
        async with self:
            if self.release_id == release_id:
                self.info, self.diff, self.events, self.loading = data["info"], data["diff"], data["events"], False

    @rx.event(background=True)
    async def decide(self, action: str):
        async with self:
            release_id, content, reason = self.release_id, self.info.get("content_hash", ""), self.reason
            self.busy = True
        calls = {"approve": (api.approve_release, (release_id, content), "Publicación aprobada y publicada."),
                 "reject": (api.reject_release, (release_id, reason), "Publicación rechazada."),
                 "rollback": (api.rollback_release, (release_id, reason), "Publicación revertida.")}
        call, args, done = calls[action]
        try:
            await as_user(self, call, *args)
        except WorkbenchError as exc:
            yield rx.toast.error(exc.message_es)
            return
        finally:
            async with self:
                self.busy = False
        async with self:
            self.reason = ""
        yield rx.toast.success(done)
        yield ReleaseState.load
