"""Lineage: where each dataset's tables came from (RAW files, spec versions, runs, layers), as a graph of nodes
and edges or as JSON-LD with W3C PROV terms. Recorded by each run (``runs``); read here."""

from __future__ import annotations

from typing import Any

from workbench.engine.app.access import requires
from workbench.engine.app.datasets import DatasetNotFoundError
from workbench.engine.core.settings import Settings
from workbench.engine.store import datasets as dataset_store
from workbench.engine.store import lineage as lineage_store
from workbench.engine.store.db import read_scope
from workbench.engine.store.prepare import prepare_store


@requires("read")
def lineage_graph(slug: str | None = None, *, fmt: str = "json", settings: Settings | None = None) -> dict[str, Any]:
    """The lineage graph of ``slug`` (or of every dataset): nodes/edges JSON, or JSON-LD with W3C PROV."""
    url = prepare_store(settings)
    with read_scope(url) as session:
        if slug is not None and dataset_store.get_dataset(slug, session=session) is None:
            raise DatasetNotFoundError(slug=slug)
        graph = lineage_store.graph(session=session, slug=slug)
    return lineage_store.to_jsonld(graph) if fmt == "jsonld" else graph


__all__ = ["lineage_graph"]
