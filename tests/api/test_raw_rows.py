"""The RAW row number the API reports is the engine's (``_raw_row``, the row the analyst sees in Excel or a
text editor), passed through unchanged: the API never recomputes it."""

from __future__ import annotations

from pathlib import Path

from tests.api.conftest import CSV, upload
from workbench.engine import api
from workbench.engine.app import access


def test_preview_rows_are_the_rows_of_the_raw_file(client):
    doc = client.post("/workbench/preview", **upload(CSV)).json()
    lines = CSV.read_bytes().decode("latin-1").splitlines()
    sample = doc["layers"]["silver"]["sample"]
    assert sample and all(isinstance(r["_raw_row"], int) for r in sample)
    for record in sample:  # line N of the file (1-based, the header is line 1) holds the record's text
        assert record["denominacion"] in lines[record["_raw_row"] - 1], record


def test_preview_rows_are_the_engines_values(client, settings):
    doc = client.post("/workbench/preview", **upload(CSV)).json()
    spec = api.load_spec(api.find_spec("dipres_ejecucion", Path(settings.specs_dir), slug_only=True))
    with access.acting_as(access.Principal("tester", "admin")):
        engine = api.preview_file(CSV.read_bytes(), spec, filename=CSV.name, params={"anio": 2017})
    sample = doc["layers"]["silver"]["sample"]
    assert [r["_raw_row"] for r in sample] == engine.tables["silver"].df["_raw_row"].head(len(sample)).tolist()
