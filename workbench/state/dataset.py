"""One dataset: its current spec (YAML, parameters, layers and steps, expectations), recent runs and lineage."""

from __future__ import annotations

from typing import Any

import reflex as rx

from workbench.engine import api

from workbench.engine.api import OWN_KEYS, WorkbenchError, sentence
from workbench.state.auth import as_user
from workbench.state.qa_rows import SEVERITY
from workbench.state.views import lineage_edges, run_row, step_rows


def expectation_row(layer: str, n: int, item: dict[str, Any]) -> dict[str, str]:
    """A declared expectation as the run page shows a check: id, a Spanish sentence, severity, description."""
    kwargs = {k: v for k, v in item.items() if k not in OWN_KEYS}
    return {"layer": layer, "id": str(item.get("id") or f"{layer}.{n}"), "type": str(item.get("type", "")),
            "sentence": sentence(str(item.get("type", "")), kwargs, item.get("mostly")),
            "severity": SEVERITY.get(str(item.get("severity") or "error"), str(item.get("severity"))),
            "description": str(item.get("description") or "")}


def _detail(slug: str) -> dict[str, Any]:
    detail = api.dataset_detail(slug)
    params = [{"name": name, "type": str(p.get("type", "text")), "description": str(p.get("description") or ""),
               "required": "sí" if p.get("required", True) else "no",
               "default": "—" if p.get("default") is None else str(p.get("default")),
               "from_filename": str(p.get("from_filename") or "")}
              for name, p in detail.parameters.items()]
    expectations = [expectation_row(layer, n, e) for layer, items in detail.expectations.items()
                    for n, e in enumerate(items, start=1)]
    return {
        "title": detail.title, "description": detail.description, "owner": detail.owner or "—",
        "version": f"v{detail.spec_version}", "active": detail.active, "yaml": detail.spec_yaml,
        "params": params, "layers": [{"name": layer.name, "steps": step_rows(layer.steps)} for layer in detail.layers],
        "expectations": expectations, "runs": [run_row(r) for r in detail.recent_runs],
        "lineage": lineage_edges(api.lineage_graph(slug)),
    }


class DatasetState(rx.State):
    slug: str = ""
    title: str = ""
    description: str = ""
    owner: str = ""
    version: str = ""
    active: bool = True
    yaml: str = ""
    params: list[dict[str, str]] = []
    layers: list[dict[str, Any]] = []
    expectations: list[dict[str, str]] = []
    runs: list[dict[str, str]] = []
    lineage: list[dict[str, str]] = []
    loading: bool = True
    error: str = ""

    @rx.event(background=True)
    async def load(self):
        async with self:
            slug = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
            if slug != self.slug:  # another dataset: never show the previous one's data meanwhile
                self.slug, self.title, self.yaml, self.layers, self.runs, self.lineage = slug, slug, "", [], [], []
            self.loading, self.error = True, ""
        try:
            data = await as_user(self, _detail, slug)
        except WorkbenchError as exc:
            async with self:
                self.loading, self.error = False, exc.message_es
            return
        async with self:
            if self.slug == slug:
                for key, value in data.items():
                    setattr(self, key, value)
                self.loading = False
