"""``/workbench/releases``: propose a run's rows for publication, list and show releases, their diff and
snapshots, approve (four eyes), reject, publish and roll back; ``/workbench/datasets/{slug}/changelog.json`` and
``.atom``: what each published release changed, for an external site."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, Literal
from xml.sax.saxutils import escape

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from workbench.api import problems
from workbench.api.deps import MAX_INT, require, settings_of
from workbench.engine import api
from workbench.engine.api import RELEASE_STATUSES, ReleasePublic

router = APIRouter(prefix="/workbench/releases", tags=["releases"], dependencies=[Depends(require("read"))])
changelog_router = APIRouter(prefix="/workbench/datasets", tags=["releases"])

ReleaseStatus = Literal[RELEASE_STATUSES]  # type: ignore[valid-type]
RELEASE_ID = Path(ge=1, le=MAX_INT, description="Release id.")
SLUG = Path(pattern=r"^[a-z][a-z0-9_]{1,62}$", description="Dataset slug.")
#: Who reads a public changelog (``WORKBENCH_PUBLIC_CHANGELOG``): a viewer with no account.
PUBLIC_READER = api.Principal(username="changelog", role="viewer", via="public")


class Proposal(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    run_id: int = Field(ge=1, le=MAX_INT, description="The run whose rows are proposed (its QA passed).")
    acknowledge_warnings: bool = Field(default=False, description="Propose a run whose QA passed with warnings; "
                                       "recorded on the release.")


class Approval(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    content_hash: str = Field(pattern=r"^[0-9a-f]{64}$", description="The content hash of the release you "
                              "reviewed: a release changed since is refused (409 `approval-void`).")
    publish: bool = Field(default=True, description="Publish at once (false: approve only).")


class Reason(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    reason: str = Field(default="", max_length=2000, description="Why (required to reject).")


@router.post("", status_code=201, response_model=ReleasePublic, summary="Propose a run's rows as a release",
             dependencies=[Depends(require("propose"))],
             description="409 `qa-failed` when the run's QA failed, `warnings-not-acknowledged` when it passed "
                         "with warnings and `acknowledge_warnings` is false; 422 `duplicate-keys` lists the "
                         "business keys that occur more than once. Approvers are notified (event + webhooks).",
             responses=problems.responses(404, 409, 422, 503))
def propose(request: Request, body: Proposal) -> ReleasePublic:
    return api.propose_release(body.run_id, acknowledge_warnings=body.acknowledge_warnings,
                               settings=settings_of(request))


@router.get("", response_model=api.ReleasePage, responses=problems.responses(422, 503), summary="List releases")
def list_releases(
    request: Request,
    dataset: Annotated[str | None, Query(max_length=63, description="Dataset slug.")] = None,
    status: ReleaseStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=api.MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
) -> api.ReleasePage:
    return api.list_releases(settings_of(request), dataset=dataset, status=status, limit=limit, offset=offset)


@router.get("/{release_id}", response_model=api.ReleaseDetail, responses=problems.responses(404, 422, 503),
            summary="One release with its audit log")
def get_release(request: Request, release_id: Annotated[int, RELEASE_ID]) -> api.ReleaseDetail:
    return api.get_release(release_id, settings_of(request))


@router.get("/{release_id}/diff", summary="The release's diff against the published partitions",
            responses=problems.responses(404, 422, 503))
def release_diff(request: Request, release_id: Annotated[int, RELEASE_ID],
                 limit: Annotated[int, Query(ge=0, le=100_000, description="Rows and changed cells per kind.")] = 1000,
                 ) -> dict[str, Any]:
    """Counts (added, removed, changed, unchanged), the added and removed rows, each changed cell (key, column,
    old, new, delta), totals before and after, the file's control totals, and the content hash to approve."""
    return api.release_diff(release_id, settings_of(request), limit=limit)


@router.get("/{release_id}/snapshot", summary="Download a release's rows (Parquet or CSV)", response_class=Response,
            responses={200: {"content": {m: {} for m in api.SNAPSHOT_FORMATS.values()}},
                       **problems.responses(404, 422, 503)})
def snapshot(request: Request, release_id: Annotated[int, RELEASE_ID],
             format: Annotated[Literal["parquet", "csv"], Query(description="File format.")] = "parquet") -> Response:
    data, meta = api.release_snapshot(release_id, format, settings_of(request))
    return Response(data, media_type=api.SNAPSHOT_FORMATS[format], headers={
        "Content-Disposition": f'attachment; filename="release-{release_id}.{format}"',
        "ETag": f'"{meta["sha256"]}"', "X-Row-Count": str(meta["rows"])})


@router.post("/{release_id}/approve", response_model=ReleasePublic, dependencies=[Depends(require("publish"))],
             summary="Approve (and publish) a release another user proposed",
             description="403 `self-approval` for the proposer; 409 `approval-void` when the content changed since "
                         "`content_hash`, `release-state` when it is not proposed (expired, rejected ...), "
                         "`release-stale` when the published partitions changed since the proposal.",
             responses=problems.responses(403, 404, 409, 422, 503))
def approve(request: Request, release_id: Annotated[int, RELEASE_ID], body: Approval) -> ReleasePublic:
    return api.approve_release(release_id, body.content_hash, publish=body.publish, settings=settings_of(request))


@router.post("/{release_id}/publish", response_model=ReleasePublic, dependencies=[Depends(require("publish"))],
             summary="Publish an approved release", responses=problems.responses(404, 409, 422, 503))
def publish(request: Request, release_id: Annotated[int, RELEASE_ID]) -> ReleasePublic:
    return api.publish_release(release_id, settings_of(request))


@router.post("/{release_id}/reject", response_model=ReleasePublic, dependencies=[Depends(require("publish"))],
             summary="Reject a release (a reason is required)", responses=problems.responses(404, 409, 422, 503))
def reject(request: Request, release_id: Annotated[int, RELEASE_ID], body: Reason) -> ReleasePublic:
    return api.reject_release(release_id, body.reason, settings_of(request))


@router.post("/{release_id}/rollback", response_model=ReleasePublic, dependencies=[Depends(require("publish"))],
             summary="Roll back a published release to the rows it replaced",
             responses=problems.responses(404, 409, 422, 503))
def rollback(request: Request, release_id: Annotated[int, RELEASE_ID], body: Reason | None = None) -> ReleasePublic:
    return api.rollback_release(release_id, body.reason if body else "", settings_of(request))


# --- changelog feeds ------------------------------------------------------------------------------------------


async def changelog_reader(request: Request) -> api.Principal:
    """A reader (``read``) of the changelog feeds; nobody signed in is needed when ``WORKBENCH_PUBLIC_CHANGELOG``
    is true (the feeds then act as ``PUBLIC_READER``, a viewer without an account)."""
    if settings_of(request).public_changelog:
        api.act_as(PUBLIC_READER)
        return PUBLIC_READER
    return await require("read")(request)


changelog_reader.permission = "read"  # type: ignore[attr-defined]


async def _changelog(request: Request, slug: str, reader: api.Principal) -> list[dict[str, Any]]:
    settings = settings_of(request)

    def read() -> list[dict[str, Any]]:
        with api.acting_as(reader):
            return api.changelog(slug, settings)

    return await run_in_threadpool(read)


@changelog_router.get("/{slug}/changelog.json", summary="A dataset's changelog (JSON feed)",
                      responses=problems.responses(401, 422, 503))
async def changelog_json(request: Request, slug: Annotated[str, SLUG],
                         reader: Annotated[api.Principal, Depends(changelog_reader)]) -> JSONResponse:
    """Published releases newest first: partitions, counts of rows added/removed/changed, who proposed and
    approved, QA. Public when `WORKBENCH_PUBLIC_CHANGELOG` is true."""
    entries = await _changelog(request, slug, reader)
    return JSONResponse({"dataset": slug, "releases": [_jsonable(e) for e in entries]})


@changelog_router.get("/{slug}/changelog.atom", summary="A dataset's changelog (Atom feed)", response_class=Response,
                      responses={200: {"content": {"application/atom+xml": {}}}, **problems.responses(401, 422, 503)})
async def changelog_atom(request: Request, slug: Annotated[str, SLUG],
                         reader: Annotated[api.Principal, Depends(changelog_reader)]) -> Response:
    entries = await _changelog(request, slug, reader)
    base = str(request.base_url).rstrip("/")
    updated = max((e["rolled_back_at"] or e["published_at"] for e in entries), default=datetime.now(timezone.utc))
    items = []
    for e in entries:
        c = e["counts"]
        when = e["rolled_back_at"] or e["published_at"]
        title = (f"Publicación {e['release_id']}" + (" (revertida)" if e["status"] == "rolled_back" else "")
                 + f": {', '.join(_partition(p) for p in e['partitions'])}")
        summary = (f"{c.get('added', 0)} filas agregadas, {c.get('removed', 0)} eliminadas, {c.get('changed', 0)} "
                   f"modificadas, {c.get('unchanged', 0)} sin cambios. Propuso {e['proposer']}, aprobó "
                   f"{e['approver'] or '-'}; calidad {e['qa_status']}.")
        items.append(f"""<entry><id>urn:data-workbench:release:{e['release_id']}</id><title>{escape(title)}</title>
<updated>{_iso(when)}</updated><link href="{escape(base)}/publicaciones/{escape(slug)}/{e['release_id']}"/>
<summary>{escape(summary)}</summary></entry>""")
    body = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:data-workbench:changelog:{escape(slug)}</id>
<title>Publicaciones de {escape(slug)}</title><updated>{_iso(updated)}</updated>
<link rel="self" href="{escape(base)}/workbench/datasets/{escape(slug)}/changelog.atom"/>
{''.join(items)}</feed>
"""
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def _partition(values: dict[str, Any]) -> str:
    return " ".join(str(v) for v in values.values() if v is not None)


def _iso(value: datetime | None) -> str:
    return (value or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _jsonable(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in entry.items()}
