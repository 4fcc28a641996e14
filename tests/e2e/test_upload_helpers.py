"""What the upload page says, without a browser: file sizes, which sheet of a workbook was read and why, the
sheets a failed preview still offers (the engine's ``header-not-found`` contract: ``details["sheets"]`` and
``details["suggested_sheet"]``), and errors in the web's words (a form field, never ``--param``; the file's own
read error first). (Plain unit tests; they live beside the journeys they support.)"""

from __future__ import annotations

import pytest

from workbench.state.numbers import fmt_bytes
from workbench.engine.core.errors import FileFormatError, HeaderNotFoundError, ParameterError
from workbench.engine.core.params import parse_assignments
from workbench.state import upload_calls as calls
from workbench.state.backfills import form_message

SHEETS = ["Notas", "Reporte", "Reporte (copia)"]
ANIO = {"name": "anio", "type": "int", "description": "Año del informe.", "required": True, "choices": [],
        "value": "", "source": ""}


@pytest.mark.parametrize(("size", "text"), [
    (0, "0 bytes"), (1, "1 byte"), (37, "37 bytes"), (1023, "1.023 bytes"), (1024, "1 KB"), (7980, "7,8 KB"),
    (102_400, "100 KB"), (5 * 2**20, "5 MB"), (None, "—"),
])
def test_sizes_under_one_kilobyte_are_bytes(size: int | None, text: str) -> None:
    assert fmt_bytes(size) == text


def test_sheet_note_says_which_sheet_was_read_and_why() -> None:
    found = calls.sheet_note("Reporte", SHEETS, "Notas", chosen=False)
    assert found == ("Se leyó la hoja «Reporte» (la segunda de 3): la hoja «Notas», la que indica el dataset, no "
                     "tiene el encabezado que este busca, y «Reporte» es la primera que lo tiene.")
    assert calls.sheet_note("Notas", SHEETS, "Notas", chosen=False) == \
        "Se leyó la hoja «Notas» (la primera de 3), la que indica el dataset."
    assert calls.sheet_note("Reporte (copia)", SHEETS, "Notas", chosen=True) == \
        "Se leyó la hoja «Reporte (copia)» (la tercera de 3), la que usted eligió."
    assert calls.sheet_note("Hoja1", ["Hoja1"], "Hoja1", chosen=False) == ""  # one sheet: nothing to say


def test_a_header_not_found_error_still_offers_the_sheets_and_the_suggestion() -> None:
    error = HeaderNotFoundError(file="libro.xlsx", sheet="Notas", searched=50, labels="'Subt.', 'Ítem'",
                                sheets=SHEETS, suggested_sheet="Reporte")
    assert calls.failed_sheets(error) == (SHEETS, "Reporte")
    assert "la hoja «Reporte» sí" in calls.failed_sheet_note("Notas", "Reporte")
    nowhere = HeaderNotFoundError(searched=50, labels="'Subt.'", sheets=SHEETS, suggested_sheet=None)
    assert calls.failed_sheets(nowhere) == (SHEETS, "")
    assert calls.failed_sheet_note("Notas", "").startswith("Ninguna hoja del libro tiene el encabezado")
    # an engine without the contract (no sheets), another error, or a suggestion that is no sheet: nothing
    assert calls.failed_sheets(HeaderNotFoundError(searched=50, labels="'Subt.'")) == ([], "")
    assert calls.failed_sheets(FileFormatError("x", file="a.csv")) == ([], "")
    assert calls.failed_sheets(HeaderNotFoundError(sheets=SHEETS, suggested_sheet="Otra")) == (SHEETS, "")


def test_a_read_error_comes_first_and_the_empty_field_second() -> None:
    error = HeaderNotFoundError(file="rara.csv", searched=50, labels="'Partida', 'Moneda'")
    shown = calls.web_error(error, [ANIO])
    assert shown["message"] == "Ninguna de las primeras 50 filas contiene todas las etiquetas 'Partida', 'Moneda'"
    assert shown["location"] == "Archivo: rara.csv" and shown["code"] == "header-not-found"
    assert shown["hint"] == "Además, complete el campo «anio» del formulario."
    assert calls.web_error(error, [{**ANIO, "value": "2017"}])["hint"] == ""


def test_form_fields_are_named_as_the_form_shows_them_never_as_command_line_options() -> None:
    missing = calls.web_error(calls.FieldMissingError(field="anio", description="Año del informe."), [ANIO])
    assert missing["message"] == "Complete el campo «anio» del formulario (Año del informe.) y vuelva a previsualizar"
    assert missing["hint"] == ""  # not a read error: the field is the problem
    bad = calls.web_error(ParameterError("'20x' is not a whole number", message_es="'20x' no es un número entero",
                                         name="anio"), [{**ANIO, "value": "20x"}])
    assert bad["message"] == "Revise el campo «anio» del formulario: '20x' no es un número entero"
    assert "--param" not in missing["message"] + bad["message"]


def test_missing_fields_are_the_required_ones_left_empty() -> None:
    optional = {**ANIO, "name": "moneda", "required": False}
    assert calls.missing_fields([ANIO, optional, {**ANIO, "name": "mes", "value": "4"}]) == [ANIO]
    assert calls.missing_fields([{**ANIO, "value": "  "}]) == [{**ANIO, "value": "  "}]


def test_backfill_form_errors_name_the_form_field_not_the_command_line_option() -> None:
    too_long = ParameterError("--param-from-filename is longer than 500 characters",
                              message_es="la expresión tiene más de 500 caracteres", name="param_from_filename")
    assert form_message(too_long) == ("Campo «Parámetros desde el nombre del archivo»: la expresión tiene más de "
                                      "500 caracteres")
    with pytest.raises(ParameterError) as typed:
        parse_assignments(["anio2017"])
    assert form_message(typed.value) == "Campo «Parámetros», «anio2017»: se esperaba NOMBRE=VALOR, se recibió 'anio2017'"
    assert form_message(FileFormatError("x", file="a.csv")) == FileFormatError("x", file="a.csv").message_es
