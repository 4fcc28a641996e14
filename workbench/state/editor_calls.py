"""The rule editor's engine calls that are more than one facade call (run in a thread as the signed-in user)."""

from __future__ import annotations

from typing import Any

from workbench.engine import api
from workbench.state.views import step_rows


def open_draft(slug: str, draft_id: int | None) -> Any:
    """The draft asked for, else the user's draft of the dataset (reused or new); for a role that may only
    read, the current version as a read-only view (id 0) in the same shape."""
    if draft_id:
        return api.get_draft(draft_id)
    if api.require("read").can("edit_specs"):
        return api.create_draft(slug)
    detail = api.dataset_detail(slug)
    layers = [{"name": layer.name, "steps": [
        {"index": i, "type": row["type"], "label": row["columns"], "disabled": bool(step.get("disabled")), "step": step}
        for i, (step, row) in enumerate(zip(layer.steps, step_rows(layer.steps)))]} for layer in detail.layers]
    return {"id": 0, "slug": slug, "title": detail.title, "base_version": detail.spec_version, "revision": 0,
            "yaml": detail.spec_yaml, "layers": layers}
