"""expect_hierarchy_consistency: children add up to their parent, exactly, in wide and long shapes."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from tests.unit.validation.support import dec, only, run, table, text
from workbench.engine.core.validation.hierarchy import HierarchyKwargs, check_hierarchy

LEVELS = ["subtitulo", "item", "asignacion"]


def budget(inicial: list[str], vigente: list[str] | None = None) -> dict:
    """Program 01: subtítulo 21 (items 01 with two asignaciones, 02 without), subtítulo 22 without items."""
    return {
        "programa": text("01", "01", "01", "01", "01", "01"),
        "subtitulo": text("21", "21", "21", "21", "21", "22"),
        "item": text(None, "01", "01", "01", "02", None),
        "asignacion": text(None, None, "001", "002", None, None),
        "nivel": text("subtitulo", "item", "asignacion", "asignacion", "item", "subtitulo"),
        "inicial": dec(*inicial),
        "vigente": dec(*(vigente or inicial)),
    }


CONSISTENT = ["10.5", "7.5", "7.499", "0.001", "3", "99"]
WIDE = {"type": "expect_hierarchy_consistency", "levels": LEVELS, "group_by": ["programa"],
        "measures": ["inicial", "vigente"]}


def test_consistent_hierarchy_passes_and_childless_parents_are_fine():
    r = only(run(table(budget(CONSISTENT)), WIDE))
    assert r.status == "passed"
    assert r.element_count == 4  # (subtítulo 21, item 01) x 2 measures; item 02 and subtítulo 22 have no children


def test_an_asignacion_that_does_not_add_up_fails_its_item_with_the_sums():
    amounts = ["10.5", "7.5", "7.499", "0.002", "3", "99"]
    r = only(run(table(budget(amounts, CONSISTENT)), WIDE))
    assert r.status == "failed"
    assert r.positions.tolist() == [1]  # the item row, not its children
    assert r.row_details[1] == [{"measure": "inicial", "parent_value": "7.500", "children_sum": "7.501",
                                 "difference": "-0.001", "children": 2}]
    assert r.details == {"failing_by_measure": {"inicial": 1}}


def test_tolerance_is_absolute_and_exact():
    amounts = ["10.5", "7.5", "7.499", "0.002", "3", "99"]
    entry = {**WIDE, "measures": ["inicial"]}
    exact_fail, tolerated = run(table(budget(amounts)), entry, {**entry, "tolerance": 0.001}).results
    assert exact_fail.status == "failed" and tolerated.status == "passed"


def test_parents_restricts_the_checked_levels():
    amounts = ["999", "7.5", "7.499", "0.001", "3", "99"]  # subtítulo wrong, item right
    only_items = only(run(table(budget(amounts)), {**WIDE, "parents": ["item"]}))
    assert only_items.status == "passed"


def test_groups_keep_programs_apart():
    cols = {k: pd.concat([v, v], ignore_index=True) for k, v in budget(CONSISTENT).items()}
    cols["programa"] = text(*(["01"] * 6 + ["02"] * 6))
    r = only(run(table(cols), WIDE))
    assert r.status == "passed" and r.element_count == 8


def test_long_silver_shape_uses_the_measure_as_part_of_the_key():
    wide = budget(["10.5", "7.5", "7.499", "0.002", "3", "99"], CONSISTENT)
    n = len(wide["nivel"])
    long = {k: pd.concat([v, v], ignore_index=True) for k, v in wide.items() if k not in ("inicial", "vigente")}
    long["medida"] = text(*(["inicial"] * n + ["vigente"] * n))
    long["monto"] = pd.concat([wide["inicial"], wide["vigente"]], ignore_index=True)
    entry = {"type": "expect_hierarchy_consistency", "levels": LEVELS, "group_by": ["programa"],
             "measure_column": "medida", "value_column": "monto"}
    r = only(run(table(long), entry, layer="silver"))
    assert r.status == "failed" and r.positions.tolist() == [1]
    assert r.row_details[1][0]["measure"] == "inicial"


def test_missing_column_is_an_error_naming_it():
    data = budget(CONSISTENT)
    del data["nivel"]
    r = only(run(table(data), WIDE))
    assert r.status == "error" and "'nivel'" in r.message


def test_pure_check_sums_exactly_beyond_float_precision():
    big = "12345678901234567.891"  # 20 significant digits: a float sum would round it
    df = pd.DataFrame({"s": text("21", "21", "21"), "i": text(None, "01", "02"), "nivel": text("s", "i", "i"),
                       "m": dec(big, "12345678901234567.890", "0.001")})
    outcome = check_hierarchy(df, HierarchyKwargs(levels=["s", "i"], measures=["m"]))
    assert outcome.parents_checked == 1 and outcome.mismatches == []
    df.loc[2, "m"] = Decimal("0.002")
    [bad] = check_hierarchy(df, HierarchyKwargs(levels=["s", "i"], measures=["m"])).mismatches
    assert bad.difference == Decimal("-0.001")


def test_amounts_too_precise_for_floats_stay_exact_through_gx():
    data = {"s": text("21", "21", "21"), "i": text(None, "01", "02"), "nivel": text("s", "i", "i"),
            "m": dec("12345678901234567.891", "12345678901234567.890", "0.002")}
    entry = {"type": "expect_hierarchy_consistency", "levels": ["s", "i"], "measures": ["m"]}
    r, between = run(table(data), entry, {"type": "expect_column_values_to_be_between", "column": "m",
                                          "min_value": 0}).results
    assert r.status == "failed" and r.row_details[0][0]["difference"] == "-0.001"
    assert between.status == "passed"  # core checks still run on the decimal column


def test_empty_table_has_nothing_to_check():
    data = {k: v.iloc[:0] for k, v in budget(CONSISTENT).items()}
    r = only(run(table(data), WIDE))
    assert r.status == "passed" and r.element_count == 0


def test_a_missing_group_value_still_meets_its_children():
    data = budget(["10.5", "7.5", "7.499", "0.002", "3", "99"])
    data["programa"] = text(None, None, None, None, None, None)
    r = only(run(table(data), {**WIDE, "measures": ["inicial"]}))
    assert r.status == "failed" and r.positions.tolist() == [1]


def test_too_many_key_combinations_fall_back_to_text_keys(monkeypatch):
    from workbench.engine.core.validation import hierarchy

    df = pd.DataFrame(budget(["10.5", "7.5", "7.499", "0.002", "3", "99"]))
    kw = HierarchyKwargs(levels=LEVELS, group_by=["programa"], measures=["inicial"])
    expected = check_hierarchy(df, kw)
    monkeypatch.setattr(hierarchy, "KEY_LIMIT", 1)
    assert check_hierarchy(df, kw) == expected and [m.position for m in expected.mismatches] == [1]
