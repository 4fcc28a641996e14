"""The one canonical JSON error shape, pinned: the CLI, API and run records all use it."""

from workbench.engine.core.errors import ColumnNotFoundError, FileFormatError, StepError


def test_error_shape_is_stable():
    err = StepError("'12abc' is not a number", message_es="'12abc' no es un número", step="bronze[3] type_cast",
                    layer="bronze", file="x.csv", row=12, column="I", value="12abc")
    assert err.to_dict() == {
        "code": "step-failed",
        "title": "Transformation step failed",
        "message": "x.csv row 12 column I: step bronze[3] type_cast (bronze): '12abc' is not a number",
        "message_es": "x.csv fila 12 columna I: paso bronze[3] type_cast (bronze): '12abc' no es un número",
        "details": {"message_es": "'12abc' no es un número", "step": "bronze[3] type_cast", "layer": "bronze",
                    "file": "x.csv", "row": 12, "column": "I", "value": "12abc"},
    }


def test_location_includes_sheet():
    err = FileFormatError("not a workbook", message_es="no es un libro", file="a.xlsx", sheet="Hoja 1", row=3)
    assert err.message == "a.xlsx sheet 'Hoja 1' row 3: not a workbook"
    assert err.message_es == "a.xlsx hoja 'Hoja 1' fila 3: no es un libro"


def test_column_not_found_lists_available_columns():
    err = ColumnNotFoundError(step="bronze[1] select", layer="bronze", missing="'x'", available="'a', 'b'")
    assert err.code == "column-not-found"
    assert "column 'x' not found; available columns: 'a', 'b'" in err.message
    assert "no existe la columna 'x'" in err.message_es
