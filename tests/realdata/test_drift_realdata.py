"""Layout drift on the real DIPRES files in ../shared/data/dipres (skipped when absent): the April 2017 execution
files of 31 programs (pesos and dollars) share one layout, so none reports drift against another's fingerprint;
the 2017 and 2012 national law files differ only in what the spec already reads (labels without accents)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.engine import api

pytestmark = pytest.mark.realdata
ROOT = Path(__file__).resolve().parents[2]


def spec_text(slug: str) -> str:
    return (ROOT / "specs" / f"{slug}.yaml").read_text(encoding="utf-8")


def fingerprint(slug: str, path: Path) -> dict:
    return api.preview_file(path.read_bytes(), api.parse_spec(spec_text(slug)), filename=path.name,
                            params={"anio": "2017"}).layout


def test_no_execution_file_of_april_2017_drifts_from_another(shared_data):
    d = shared_data / "dipres"
    files = sorted((d / "ejecucion_2017_04").glob("*.csv")) + sorted(d.glob("goby_ejecucion*.csv"))
    assert len(files) == 31
    text = spec_text("dipres_ejecucion")
    spec = api.parse_spec(text)
    baseline = fingerprint("dipres_ejecucion", files[0])
    for path in files[1:]:
        report = api.check_drift(spec, path.read_bytes(), path.name, [baseline], spec_text=text)
        assert report.changes == [], (path.name, report.messages())


def test_the_2012_law_layout_against_the_2017_one(shared_data):
    d = shared_data / "dipres"
    text = spec_text("dipres_ley")
    baseline = fingerprint("dipres_ley", d / "elaval_ley2017_nacional.csv")
    report = api.check_drift(api.parse_spec(text), (d / "elaval_ley2012_nacional.csv").read_bytes(),
                             "elaval_ley2012_nacional.csv", [baseline], spec_text=text)
    assert not report.breaking and not report.drift, report.messages()
