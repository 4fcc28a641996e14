"""dbt export (pure): the published (gold) tables as a dbt source and the specs' consumers as dbt exposures.

``workbench dbt export DIR`` writes ``sources.yml`` and ``exposures.yml`` into DIR (a dbt project's models
folder), so that a dbt project on the same warehouse can ``select * from {{ source('workbench', '<table>') }}``
and dbt's lineage shows where the data came from and who reads it.

Tests are derived from the published layer's expectations where dbt has the same test: ``not_null`` (the key's
columns, and ``expect_column_values_to_not_be_null`` without ``mostly``), ``unique``
(``expect_column_values_to_be_unique``, and the key when it is one column) and ``accepted_values``
(``expect_column_values_to_be_in_set``). dbt's ``relationships`` test needs another model, which no Workbench
check names, so none is derived; a compound key has no dbt core test and is kept in the table's ``meta``.
"""

from __future__ import annotations

from typing import Any

SOURCE = "workbench"


def _checks(spec: Any, layer: str) -> list[Any]:
    return list((spec.expectations or {}).get(layer, []))


def column_tests(spec: Any, publication: Any) -> dict[str, list[Any]]:
    """dbt tests per published column, from the key and the published layer's expectations."""
    tests: dict[str, list[Any]] = {c: [] for c in publication.columns}

    def add(column: str, test: Any) -> None:
        if column in tests and test not in tests[column]:
            tests[column].append(test)

    for column in publication.key:
        add(column, "not_null")
    if len(publication.key) == 1:
        add(publication.key[0], "unique")
    for item in _checks(spec, publication.layer):
        kwargs = item.kwargs or {}
        column = kwargs.get("column")
        if not isinstance(column, str) or (item.mostly is not None and item.mostly < 1):
            continue
        warn = {"config": {"severity": "warn"}} if item.severity == "warning" else {}
        if item.type == "expect_column_values_to_not_be_null":
            add(column, {"not_null": warn} if warn else "not_null")
        elif item.type == "expect_column_values_to_be_unique":
            add(column, {"unique": warn} if warn else "unique")
        elif item.type == "expect_column_values_to_be_in_set" and kwargs.get("value_set"):
            add(column, {"accepted_values": {"values": [str(v) for v in kwargs["value_set"]], **warn}})
    return tests


def sources(specs: list[Any], *, database: str | None, schema: str = "gold") -> dict[str, Any]:
    """``sources.yml``: one source ``workbench`` (the gold schema) with a table per published dataset."""
    tables = []
    for spec in specs:
        publication = getattr(spec, "publication", None)
        if publication is None:
            continue
        tests = column_tests(spec, publication)
        description = " — ".join(t for t in (spec.dataset.title, spec.dataset.description.strip()) if t)
        columns = []
        for name, comment in publication.columns.items():
            column: dict[str, Any] = {"name": name, "description": comment}
            if tests.get(name):
                column["data_tests"] = tests[name]
            columns.append(column)
        tables.append({
            "name": publication.table or spec.dataset.slug,
            "description": description,
            "meta": {"workbench": {"dataset": spec.dataset.slug, "key": list(publication.key),
                                   "partition_by": list(publication.partition_by),
                                   "owner": spec.dataset.owner or None}},
            "columns": columns,
        })
    source: dict[str, Any] = {"name": SOURCE, "description": "Tablas publicadas por Data Workbench (gold): cada "
                              "una crece por liberaciones aprobadas por una segunda persona.", "schema": schema,
                              "tables": tables}
    if database:
        source["database"] = database
    return {"version": 2, "sources": [source]}


def exposures(specs: list[Any]) -> dict[str, Any]:
    """``exposures.yml``: each spec's consumers, depending on its published table."""
    out = []
    for spec in specs:
        publication = getattr(spec, "publication", None)
        for exposure in getattr(spec, "exposures", []) or []:
            item: dict[str, Any] = {"name": exposure.name, "type": exposure.type,
                                    "owner": {k: v for k, v in exposure.owner.model_dump().items() if v}}
            if exposure.label:
                item["label"] = exposure.label
            if exposure.maturity:
                item["maturity"] = exposure.maturity
            if exposure.url:
                item["url"] = exposure.url
            if exposure.description:
                item["description"] = exposure.description
            if publication is not None:
                item["depends_on"] = [f"source('{SOURCE}', '{publication.table or spec.dataset.slug}')"]
            out.append(item)
    return {"version": 2, "exposures": out}


__all__ = ["SOURCE", "column_tests", "exposures", "sources"]
