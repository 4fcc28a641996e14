"""The lineage graph: React Flow (``@xyflow/react`` 12, from the npm registry, pinned) wrapped as a Reflex
component, with pan, zoom, a minimap and the zoom controls. Positions and colours come from Python (the state
lays the graph out in columns by node kind), so no layout library is needed; React Flow only draws.

The graph is uncontrolled (``defaultNodes``/``defaultEdges``): React Flow keeps dragging and selection to
itself, and a new ``key`` (the dataset filter) mounts a fresh graph when the data changes.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars.base import Var
from reflex.vars.object import ObjectVar

XYFLOW = "@xyflow/react@12.12.1"
HEIGHT = "560px"


def _node_click(event: ObjectVar[Any], node: ObjectVar[dict[str, Any]]) -> tuple[Var[str]]:
    """React Flow calls ``onNodeClick(event, node)``: the handler gets the node's id."""
    return (node["id"].to(str),)


class _Flow(rx.NoSSRComponent):
    library = XYFLOW


class ReactFlow(_Flow):
    tag = "ReactFlow"

    default_nodes: Var[list[dict[str, Any]]]
    default_edges: Var[list[dict[str, Any]]]
    fit_view: Var[bool]
    fit_view_options: Var[dict[str, Any]]
    min_zoom: Var[float]
    max_zoom: Var[float]
    nodes_connectable: Var[bool]
    elements_selectable: Var[bool]
    pro_options: Var[dict[str, Any]]
    on_node_click: rx.EventHandler[_node_click]

    def add_imports(self) -> dict[str, Any]:
        return {"": "@xyflow/react/dist/style.css"}


class MiniMap(_Flow):
    tag = "MiniMap"

    pannable: Var[bool]
    zoomable: Var[bool]
    node_color: Var[Any]
    aria_label: Var[str]


class Controls(_Flow):
    tag = "Controls"

    show_interactive: Var[bool]


class Background(_Flow):
    tag = "Background"

    gap: Var[int]


def lineage_graph(nodes: Var, edges: Var, *, key: Var | str, on_node_click: Any) -> rx.Component:
    """The graph filling its box: nodes and edges as React Flow expects them (``id``, ``position``, ``data``,
    ``style``; ``source``/``target``), a minimap coloured like the nodes and the zoom controls."""
    return rx.box(
        ReactFlow.create(
            MiniMap.create(pannable=True, zoomable=True, aria_label="Vista general del linaje",
                           node_color=Var(_js_expr="(n) => (n.style && n.style.borderColor) || '#8b8d98'")),
            Controls.create(show_interactive=False),
            Background.create(gap=24),
            key=key,
            default_nodes=nodes,
            default_edges=edges,
            fit_view=True,
            fit_view_options={"maxZoom": 1.0, "padding": 0.15},
            min_zoom=0.2,
            max_zoom=2.0,
            nodes_connectable=False,
            elements_selectable=True,
            pro_options={"hideAttribution": True},
            on_node_click=on_node_click,
        ),
        width="100%",
        height=HEIGHT,
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="var(--radius-3)",
        background="white",
        min_width="0",
        class_name="lineage-graph",
    )
