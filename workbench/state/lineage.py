"""The lineage graph page: the engine's graph laid out left to right (RAW file -> bronze -> silver -> gold ->
published), nodes coloured by the QA of the run that produced them, a dataset filter and a details panel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import reflex as rx

from workbench.state.numbers import fmt_datetime
from workbench.components.status import CHART_COLOURS, qa_badge, run_badge
from workbench.engine import api
from workbench.engine.api import WorkbenchError, fmt_int
from workbench.state.auth import as_user
from workbench.state.views import KIND_LABELS

ALL = "Todos los datasets"
COLUMN_WIDTH, ROW_HEIGHT, NODE_WIDTH = 270, 84, 210
LAYER_COLUMNS = {"bronze": 1, "silver": 2, "gold": 3}
#: QA status -> (fill, border): passed green, warning amber, failed red, not run / unknown grey.
QA_COLOURS = {"passed": ("#e9f6ee", CHART_COLOURS["green"]), "warning": ("#fff7e0", CHART_COLOURS["amber"]),
              "failed": ("#fdecec", CHART_COLOURS["red"]), "not_run": ("#f1f2f4", CHART_COLOURS["gray"])}


def column(node: dict[str, Any]) -> int:
    if node["kind"] == "raw_file":
        return 0
    if node["kind"] == "dataset_layer":
        return LAYER_COLUMNS.get((node.get("meta") or {}).get("layer") or node["key"].rsplit(":", 1)[-1], 3)
    if (node.get("meta") or {}).get("exposure"):
        return 5  # a spec's consumers (dashboards, reports), after the published table they read
    return 4  # published tables and external systems


def node_qa(node: dict[str, Any], graph: dict[str, Any]) -> str:
    """The QA of the run that produced the node; a RAW file takes the QA of the newest run that read it."""
    if node.get("qa_status"):
        return str(node["qa_status"])
    runs = {r["id"]: r for r in graph.get("runs", [])}
    readers = [e["run_id"] for e in graph.get("edges", []) if e["source"] == node["id"] and e.get("run_id")]
    return str(runs.get(max(readers), {}).get("qa_status") or "not_run") if readers else "not_run"


def layout(graph: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """React Flow nodes and edges: one column per kind, rows in dataset then id order, one edge per link
    (the runs that made it counted in its label)."""
    columns: dict[int, list[dict[str, Any]]] = {}
    for node in sorted(graph.get("nodes", []), key=lambda n: (n.get("dataset_slug") or "~", n["id"])):
        columns.setdefault(column(node), []).append(node)
    nodes = []
    for col, members in columns.items():
        for row, node in enumerate(members):
            fill, border = QA_COLOURS.get(node_qa(node, graph), QA_COLOURS["not_run"])
            nodes.append({"id": str(node["id"]), "position": {"x": col * COLUMN_WIDTH, "y": row * ROW_HEIGHT},
                          "data": {"label": _label(node)}, "sourcePosition": "right", "targetPosition": "left",
                          "className": f"lineage-node kind-{node['kind']} qa-{node_qa(node, graph)}",
                          "style": {"background": fill, "borderColor": border, "borderWidth": "2px",
                                    "width": f"{NODE_WIDTH}px", "fontSize": "12px", "color": "#1c2024"}})
    runs: dict[tuple[int, int], int] = {}
    for edge in graph.get("edges", []):
        runs[(edge["source"], edge["target"])] = runs.get((edge["source"], edge["target"]), 0) + 1
    edges = [{"id": f"e{s}-{t}", "source": str(s), "target": str(t), "label": f"{n} ejec." if n > 1 else "",
              "style": {"stroke": "#8b8d98"}} for (s, t), n in sorted(runs.items())]
    return nodes, edges


#: dbt's exposure types, in Spanish
EXPOSURE_TYPES = {"dashboard": "tablero", "notebook": "cuaderno", "analysis": "análisis", "ml": "modelo",
                  "application": "aplicación"}


def _label(node: dict[str, Any]) -> str:
    meta = node.get("meta") or {}
    if node["kind"] == "raw_file":
        return str(meta.get("name") or node["label"])
    if meta.get("exposure"):
        return f"{node['label']} ({EXPOSURE_TYPES.get(meta.get('type'), meta.get('type') or 'consumidor')})"
    return str(node["label"])


def details(node: dict[str, Any], graph: dict[str, Any]) -> dict[str, Any]:
    """The side panel of one node: what it is, its dataset, the runs on its edges, QA and hash."""
    run_ids = sorted({e["run_id"] for e in graph.get("edges", [])
                      if e.get("run_id") and node["id"] in (e["source"], e["target"])}, reverse=True)
    runs = {r["id"]: r for r in graph.get("runs", [])}
    qa_label, qa_colour = qa_badge(node_qa(node, graph))
    meta = node.get("meta") or {}
    return {
        "id": str(node["id"]), "name": _label(node), "kind": KIND_LABELS.get(node["kind"], node["kind"]),
        "key": node["key"], "dataset": node.get("dataset_slug") or "—", "sha256": str(meta.get("sha256") or ""),
        "qa_label": qa_label, "qa_colour": qa_colour, "created": fmt_datetime(_parse(node.get("created_at"))),
        "spec_version": f"v{meta['spec_version']}" if meta.get("spec_version") else "—",
        "runs": [{"id": str(i), "href": f"/ejecuciones/{i}", "label": run_badge(runs.get(i, {}).get("status"))[0],
                  "qa": qa_badge(runs.get(i, {}).get("qa_status"))[0]} for i in run_ids[:20]],
        "runs_total": fmt_int(len(run_ids)),
    }


def _parse(value: str | None) -> Any:
    return datetime.fromisoformat(value) if value else None


def _load(slug: str | None) -> dict[str, Any]:
    graph = api.lineage_graph(slug)
    nodes, edges = layout(graph)
    slugs = [d.slug for d in api.list_datasets(limit=api.MAX_PAGE).items]
    return {"graph": graph, "nodes": nodes, "edges": edges, "datasets": slugs}


class LineageState(rx.State):
    dataset: str = ALL
    datasets: list[str] = []
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    selected: dict[str, Any] = {}
    loading: bool = True
    error: str = ""
    _graph: dict[str, Any] = {}

    @rx.var
    def dataset_options(self) -> list[str]:
        return [ALL, *self.datasets]

    @rx.var
    def graph_key(self) -> str:
        return f"{self.dataset}:{len(self.nodes)}:{len(self.edges)}"

    @rx.event
    def set_dataset(self, value: str):
        self.dataset, self.selected = value, {}
        return LineageState.load

    @rx.event
    def select_node(self, node_id: str):
        found = next((n for n in self._graph.get("nodes", []) if str(n["id"]) == str(node_id)), None)
        self.selected = details(found, self._graph) if found else {}

    @rx.event
    def close_details(self):
        self.selected = {}

    @rx.event(background=True)
    async def load(self):
        async with self:
            query = self.router.url.query_parameters.get("dataset") if self.dataset == ALL else None
            if query:
                self.dataset = query
            self.loading, slug = True, (None if self.dataset == ALL else self.dataset)
        try:
            data = await as_user(self, _load, slug)
        except WorkbenchError as exc:
            async with self:
                self.loading, self.error, self.nodes, self.edges = False, exc.message_es, [], []
            return
        async with self:
            self._graph, self.nodes, self.edges = data["graph"], data["nodes"], data["edges"]
            self.datasets, self.loading, self.error = data["datasets"], False, ""
