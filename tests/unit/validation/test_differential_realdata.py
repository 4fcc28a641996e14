"""GX is the oracle on the real DIPRES files too: every execution and budget-law file of ../shared/data/dipres,
through its shipped spec, gives the same QA report, failing rows and GX documents with both engines (skipped
when the files are absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.validation.differential import difference, observed
from tests.unit.validation.test_realdata import LAW_FILES, SPECS, execution_files, raw_lines
from workbench.engine import api
from workbench.engine.core.validation import validate

pytestmark = pytest.mark.realdata


def files(shared: Path) -> list[tuple[Path, str, dict[str, str]]]:
    law = [(shared / "dipres" / name, "dipres_ley", {"anio": "2017"} if name.startswith("goby") else {})
           for name in LAW_FILES]
    return [(path, "dipres_ejecucion", {"anio": "2017"}) for path in execution_files(shared)] + law


def test_every_real_file_gets_the_same_qa_from_both_engines(shared_data: Path) -> None:
    checked = 0
    for path, slug, params in files(shared_data):
        doc = api.preview_path(path, SPECS[slug].model_copy(update={"expectations": {}}), params=params)
        lines = raw_lines(path)
        raw = lambda row, letter: lines[row - 1] if 0 < row <= len(lines) else None  # noqa: E731
        reports = [observed(validate(doc.tables, SPECS[slug].expectations, control_totals=doc.control_totals,
                                     raw_text=raw, engine=engine)) for engine in ("gx", "auto")]
        assert reports[1] == reports[0], (path.name, difference(reports[1], reports[0]))
        checked += 1
    assert checked == 37
