"""The editor's step preview over a sample: before/after, step help (map_categories coverage, type_cast failures
with examples and their RAW cells, melt's columns), a failing step named with the steps after it not run, and
the prefix cache (an edit at step N recomputes from N)."""

from __future__ import annotations

from workbench.engine.core import editor_preview as ep
from workbench.engine.core.spec.loader import parse_spec
from workbench.engine.core.spec.yaml_doc import apply_edit

CSV = ("Código;Región;Monto Enero;Monto Febrero;Monto Marzo\n"
       "01;Norte;1.234;2.000;1500\n"
       "02;Sur;1.234,5;300;2500\n"
       "03;Sur;n/d;400;3500\n"
       "04;Centro;5;1.000.000;4500\n").encode("latin-1")

SPEC = """\
dataset: {slug: prueba, title: Prueba}
source: {format: csv, encoding: latin-1, delimiter: ";"}
layers:
  bronze:
    - type: rename
      snake_case: true
    - type: map_categories
      column: region
      mapping: {Norte: N, Sur: S}
      unmapped: keep
    - type: type_cast
      decimal: "."
      thousands: ""
      columns: {monto_enero: decimal, monto_febrero: decimal}
      on_error: "null"
  silver:
    - type: melt
      value_columns: [monto_enero, monto_febrero]
      variable: mes
      value: monto
"""


def _sample(text: str = SPEC):
    spec = parse_spec(text)
    return spec, ep.load_sample(CSV, spec, sha256="t", filename="prueba.csv")


def test_map_categories_lists_values_counts_unmapped_and_coverage():
    spec, sample = _sample()
    doc = ep.preview_step(spec, sample, layer="bronze", index=1)
    help_ = doc["help"]
    assert help_["coverage"] == 75.0 and help_["unmapped"] == [{"value": "Centro", "count": 1}]
    assert {v["value"]: (v["count"], v["mapped_to"]) for v in help_["values"]} == {
        "Sur": (2, "S"), "Norte": (1, "N"), "Centro": (1, None)}
    assert doc["cells_changed"] == {"region": 3} and doc["rows_in"] == doc["rows_out"] == 4
    assert doc["before"]["rows"][0]["region"] == "Norte" and doc["after"]["rows"][0]["region"] == "N"


def test_type_cast_counts_and_quotes_the_values_each_column_cannot_read():
    spec, sample = _sample()
    doc = ep.preview_step(spec, sample, layer="bronze", index=2)
    columns = {c["column"]: c for c in doc["help"]["columns"]}
    enero = columns["monto_enero"]
    assert enero["failures"] == 2 and [e["value"] for e in enero["examples"]] == ["1.234,5", "n/d"]
    assert enero["examples"][0] == {"value": "1.234,5", "row": 3, "column": "C"}  # the RAW cell
    assert [e["value"] for e in columns["monto_febrero"]["examples"]] == ["1.000.000"]  # 2.000 reads as 2
    assert doc["help"]["failures"] == 3


def test_melt_names_the_columns_it_takes_and_a_measure_it_leaves_behind():
    spec, sample = _sample()
    doc = ep.preview_step(spec, sample, layer="silver", index=0)
    assert doc["help"]["taken"] == ["monto_enero", "monto_febrero"] and doc["help"]["missing"] == []
    assert doc["help"]["new"] == ["monto_marzo"]  # a new month column: kept as an id, it looks like an amount
    assert doc["rows_out"] == 8 and doc["columns_added"] == ["mes", "monto"]


def test_a_missing_column_is_named_before_running_and_later_steps_do_not_run():
    text = apply_edit(SPEC, {"op": "add_step", "layer": "bronze", "index": 1,
                             "step": {"type": "fill_down", "columns": ["comuna"]}})
    spec, sample = _sample(text)
    doc = ep.preview_step(spec, sample, layer="bronze", index=3)
    assert doc["after"] is None and doc["error"] is None  # the focused step never ran: an earlier one failed
    assert doc["blocked_by"] == "bronze[1] fill_down"
    broken = doc["steps"][1]
    assert broken["error"] and "comuna" in broken["error"] and broken["ran"]
    assert [s["ran"] for s in doc["steps"][2:]] == [False, False, False]
    focused = ep.preview_step(spec, sample, layer="bronze", index=1)
    assert focused["error"]["code"] == "column-not-found" and "comuna" in focused["error"]["message_es"]


def test_an_edit_at_step_n_reuses_every_step_before_it():
    ep.clear_caches()
    spec, sample = _sample()
    assert ep.preview_step(spec, sample, layer="silver", index=0)["cached_prefix"] == 0
    assert ep.preview_step(spec, sample, layer="silver", index=0)["cached_prefix"] == 3  # all but the focus
    edited = parse_spec(apply_edit(SPEC, {"op": "update_step", "layer": "bronze", "index": 1, "step": {
        "type": "map_categories", "column": "region", "mapping": {"Norte": "N", "Sur": "S", "Centro": "C"},
        "unmapped": "keep"}}))
    again = ep.preview_step(edited, sample, layer="silver", index=0)
    assert again["cached_prefix"] == 1  # rename only: map_categories and everything after it ran again
    assert again["after"]["rows"][0]["region"] == "N"
    disabled = parse_spec(apply_edit(SPEC, {"op": "toggle_step", "layer": "bronze", "index": 1, "disabled": True}))
    off = ep.preview_step(disabled, sample, layer="bronze", index=1)
    assert off["disabled"] and off["cells_changed"] == {} and off["after"]["rows"][0]["region"] == "Norte"
