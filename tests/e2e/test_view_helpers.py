"""The web app's display helpers, without a browser: es-CL numbers and dates, status badges (a failed QA is never
green), run-history bars and step summaries. (Plain unit tests; they live beside the journeys they support.)"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest

from workbench.state.numbers import fmt_datetime, fmt_duration_ms
from workbench.components.status import CHART_COLOURS, QA_BADGES, RUN_BADGES, outcome_colour, qa_badge, run_badge
from workbench.engine.api import fmt_int, fmt_number
from workbench.engine.core.statuses import QA_STATUSES, RUN_STATUSES
from workbench.state.views import history_bars, lineage_edges, step_rows


@pytest.mark.parametrize(("value", "decimals", "text"), [
    (1234567.891, 2, "1.234.567,89"), (1234567, 0, "1.234.567"), (-5.5, 1, "-5,5"), (0, 0, "0"),
    (Decimal("1000.005"), 3, "1.000,005"), (None, 0, "—"),
])
def test_numbers_are_written_the_chilean_way(value, decimals, text) -> None:
    assert fmt_number(value, decimals) == text


def test_dates_and_durations() -> None:
    assert fmt_datetime(datetime(2026, 11, 25, 14, 5, tzinfo=timezone.utc)) == "25-11-2026 14:05"
    assert fmt_int(None) == "—"
    assert (fmt_duration_ms(850), fmt_duration_ms(12_500)) == ("850 ms", "12,5 s")


def test_every_status_has_a_spanish_badge_and_failed_qa_is_never_green() -> None:
    assert set(RUN_BADGES) == set(RUN_STATUSES) and set(QA_BADGES) == set(QA_STATUSES)
    assert qa_badge("failed") == ("QA fallida", "red")
    assert qa_badge("warning")[1] != "green"
    assert run_badge(None) == ("Sin ejecuciones", "gray")
    assert outcome_colour("succeeded", "failed") == "red"
    assert outcome_colour("succeeded", "warning") == "amber"
    assert outcome_colour("succeeded", "passed") == "green"


def test_history_bars_are_oldest_first_padded_and_coloured_by_outcome() -> None:
    runs = [SimpleNamespace(id=3, status="succeeded", qa_status="failed", row_counts={"silver": 10}),
            SimpleNamespace(id=2, status="failed", qa_status="not_run", row_counts=None),
            SimpleNamespace(id=1, status="succeeded", qa_status="passed", row_counts={"bronze": 5, "silver": 8})]
    bars = history_bars(runs, slots=5)
    assert [b["run"] for b in bars] == ["", "", "#1", "#2", "#3"]
    assert [b["height"] for b in bars] == ["0%", "0%", "80%", "35%", "100%"]  # the failed run: 35 % of the tallest
    assert bars[3]["label"] == "Ejecución 2: Fallida, QA sin ejecutar, sin filas"
    assert bars[4]["fill"] == CHART_COLOURS["red"]  # succeeded, but its QA failed


def test_step_rows_name_columns_once_and_leave_unset_options_out() -> None:
    rows = step_rows([{"type": "hierarchy_level", "columns": ["a", "b"], "levels": ["a", "b"], "target": "nivel",
                       "on_gap": "warn", "zero_as_empty": True, "note": None}])
    assert rows == [{"n": "1", "type": "hierarchy_level", "columns": "a, b, nivel",
                     "options": "on_gap: warn; zero_as_empty: true"}]


def test_lineage_edges_count_runs_per_link() -> None:
    graph = {"nodes": [{"id": 1, "label": "f.csv", "kind": "raw_file"}, {"id": 2, "label": "x · bronze",
                                                                         "kind": "dataset_layer"}],
             "edges": [{"source": 1, "target": 2, "run_id": 1}, {"source": 1, "target": 2, "run_id": 2}]}
    assert lineage_edges(graph) == [{"source": "f.csv", "source_kind": "Archivo RAW", "target": "x · bronze",
                                     "target_kind": "Capa", "runs": "2 ejecuciones"}]
