"""``workbench dbt export DIR``: the published (gold) tables as dbt sources and the specs' consumers as dbt
exposures (core/dbt.py), written as ``sources.yml`` and ``exposures.yml`` (docs/lineage.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from workbench.engine.app.access import requires
from workbench.engine.core import dbt
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.core.spec.loader import load_all
from workbench.engine.store.gold import GoldTarget


@requires("read")
def dbt_export(directory: str | Path, settings: Settings | None = None) -> dict[str, Any]:
    """Write ``sources.yml`` and ``exposures.yml`` into ``directory`` (created if needed); returns what was
    written: the files, the tables and the exposures."""
    settings = settings or get_settings()
    loaded, _errors = load_all(settings.specs_dir)  # a broken spec is `workbench specs check`'s to report
    specs = [spec for _, spec in sorted(loaded.items())]
    target = GoldTarget.from_settings(settings)
    database = target.database_name if target.backend == "postgresql" else None
    schema = settings.publish_schema if target.backend == "postgresql" else "gold"
    sources, exposures = dbt.sources(specs, database=database, schema=schema), dbt.exposures(specs)
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, document in (("sources.yml", sources), ("exposures.yml", exposures)):
        path = folder / name
        path.write_text("# written by `workbench dbt export`: do not edit, export again\n"
                        + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8")
        written.append(str(path))
    return {"files": written, "database": database, "schema": schema,
            "tables": [t["name"] for t in sources["sources"][0]["tables"]],
            "exposures": [e["name"] for e in exposures["exposures"]]}


__all__ = ["dbt_export"]
