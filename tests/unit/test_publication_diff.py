"""The release diff (pure): a fixture pair whose added, removed, changed and unchanged rows are known, missing key
parts as a value of their own, duplicate keys listed, and the spec's publication block checked at load."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest
from pydantic import ValidationError

from workbench.engine.core.publication_diff import diff_partition, duplicate_keys
from workbench.engine.core.spec.publication import Publication

KEY = ["partida", "item", "medida"]


def frame(rows: list[tuple[str, str | None, str, str | None, str]]) -> pd.DataFrame:
    df = pd.DataFrame({"partida": pd.array([r[0] for r in rows], dtype="str"),
                       "item": pd.array([r[1] for r in rows], dtype="str"),
                       "medida": pd.array([r[2] for r in rows], dtype="str"),
                       "monto": pd.array([None if r[3] is None else Decimal(r[3]) for r in rows],
                                         dtype=pd.ArrowDtype(pa.decimal128(18, 3))),
                       "nombre": pd.array([r[4] for r in rows], dtype="str")})
    return df


OLD = frame([("01", None, "vigente", "100", "Total"), ("01", "01", "vigente", "60", "Sueldos"),
             ("01", "02", "vigente", "40", "Bienes"), ("01", "03", "vigente", None, "Otros")])
NEW = frame([("01", None, "vigente", "120", "Total"), ("01", "01", "vigente", "60", "Sueldos y salarios"),
             ("01", "03", "vigente", None, "Otros"), ("01", "04", "vigente", "60", "Nuevo")])


def test_the_diff_names_exactly_the_added_removed_and_changed_rows():
    diff = diff_partition(OLD, NEW, KEY, ["monto", "nombre"], totals_by=["partida", "medida"], totals_value="monto")
    doc = diff.document()
    assert doc["counts"] == {"before": 4, "after": 4, "added": 1, "removed": 1, "changed": 2, "unchanged": 1,
                             "changed_cells": 2}
    assert doc["added"] == [{"partida": "01", "item": "04", "medida": "vigente", "monto": "60.000", "nombre": "Nuevo"}]
    assert [r["item"] for r in doc["removed"]] == ["02"]
    assert sorted([(c["key"]["item"], c["column"], c["old"], c["new"], c["delta"]) for c in doc["changes"]],
                  key=str) == sorted([(None, "monto", "100.000", "120.000", "20.000"),
                                      ("01", "nombre", "Sueldos", "Sueldos y salarios", None)], key=str)
    assert doc["totals"] == [{"by": {"partida": "01", "medida": "vigente"}, "before": "200.000", "after": "240.000",
                              "delta": "40.000"}]


def test_a_first_release_is_all_added():
    diff = diff_partition(OLD.iloc[0:0], NEW, KEY, ["monto", "nombre"])
    assert (diff.counts["added"], diff.counts["removed"], diff.counts["changed"]) == (4, 0, 0)


def test_duplicate_keys_are_listed_once_with_their_count():
    twice = pd.concat([NEW, NEW.iloc[[0, 0, 1]]], ignore_index=True)
    assert duplicate_keys(twice, KEY) == [{"partida": "01", "item": None, "medida": "vigente", "rows": 3},
                                          {"partida": "01", "item": "01", "medida": "vigente", "rows": 2}]
    assert duplicate_keys(NEW, KEY) == []


def test_the_publication_block_is_checked_at_load():
    ok = Publication(columns={"a": "A", "b": "B", "m": "M"}, key="a b", partition_by=["a"])
    assert ok.key == ["a", "b"] and ok.values == ["m"]
    for bad in ({"key": ["a", "x"]}, {"partition_by": ["m"]}, {"columns": {"_x": "", "a": "", "b": "", "m": ""}}):
        with pytest.raises(ValidationError):
            Publication(**{"columns": {"a": "A", "b": "B", "m": "M"}, "key": ["a", "b"], "partition_by": ["a"],
                           **bad})
