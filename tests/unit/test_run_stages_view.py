"""The run page's stage line: es-CL milliseconds, the engine's order, nothing for runs recorded before it."""

from workbench.state.run_views import stages


def test_stages_in_order_with_es_cl_numbers():
    timings = {"qa": 8.2, "read": 12.4, "steps": 1234.5, "outputs": 0.44, "store": 3.0, "total": 99.0,
               "run_total": 1300.0}
    assert stages(timings) == "lectura 12 ms · pasos 1.234 ms · calidad 8 ms · tablas Parquet 0,4 ms · registro 3 ms"


def test_no_line_for_a_run_recorded_before_the_breakdown():
    assert stages({"read": 1.0, "steps": 2.0, "qa": 3.0, "total": 6.0, "run_total": 7.0}) == ""
    assert stages(None) == ""
