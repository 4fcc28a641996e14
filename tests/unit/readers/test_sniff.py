"""sniff_format: the format comes from the bytes; disguised and unreadable files are rejected with a reason."""

from __future__ import annotations

import pytest

from tests.unit.readers.util import read
from tests.unit.readers.workbooks import ods, ole, xlsx, zip_of
from workbench.engine.core.errors import (
    CorruptWorkbookError,
    EmptyFileError,
    EncryptedWorkbookError,
    FileFormatError,
    WorkbookError,
)
from workbench.engine.core.readers import sniff_format

HTML_PAGE = b"<!DOCTYPE html>\n<html><head><title>Nivel Nacional - W3 DIPRES</title></head></html>"


def test_plain_text_is_csv():
    assert sniff_format(b"Partida;Monto\n01;5\n", "ley.xlsx") == "csv"


def test_utf16_text_with_bom_is_csv_despite_nul_bytes():
    assert sniff_format("a;b\n1;2\n".encode("utf-16")) == "csv"


def test_xlsx_is_recognised_whatever_the_name():
    assert sniff_format(xlsx({"Hoja1": {"A1": "x"}}), "datos.csv") == "xlsx"


def test_xlsx_with_vba_project_is_xlsm():
    assert sniff_format(xlsx({"Hoja1": {"A1": "x"}}, macro=True)) == "xlsm"


def test_ods_is_recognised_by_its_mimetype():
    assert sniff_format(ods([["a"]]), "datos.xls") == "ods"


def test_ole_file_with_workbook_stream_is_xls():
    assert sniff_format(ole(["Workbook"])) == "xls"


@pytest.mark.parametrize("name", ["ley2016.csv", "ley2016.xlsx", None])
def test_html_page_is_rejected_whatever_the_extension(name):
    with pytest.raises(FileFormatError) as info:
        sniff_format(HTML_PAGE, name)
    assert info.value.details["detected"] == "html"
    assert "HTML" in info.value.message
    assert "página web HTML" in info.value.message_es


def test_html_after_bom_and_whitespace_is_rejected():
    with pytest.raises(FileFormatError):
        sniff_format(b"\xef\xbb\xbf \r\n\t<HTML lang='es'><body>Error 404</body></HTML>")


def test_error_message_names_the_file():
    with pytest.raises(FileFormatError) as info:
        sniff_format(HTML_PAGE, "elaval_2016.csv")
    assert info.value.message.startswith("elaval_2016.csv: ")
    assert info.value.to_dict()["code"] == "file-format"


def test_pdf_is_rejected():
    with pytest.raises(FileFormatError) as info:
        sniff_format(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "ley.csv")
    assert info.value.details["detected"] == "pdf"


def test_zip_that_is_not_a_workbook_is_rejected():
    with pytest.raises(FileFormatError) as info:
        sniff_format(zip_of({"datos/ley.csv": b"a;b\n"}), "ley.xlsx")
    assert info.value.details["detected"] == "zip"
    assert "no xl/workbook.xml" in info.value.message


def test_word_document_in_a_zip_is_named_as_such():
    with pytest.raises(FileFormatError) as info:
        sniff_format(zip_of({"word/document.xml": b"<w:document/>"}), "ley.xlsx")
    assert "Word document" in info.value.message


def test_binary_with_nul_bytes_is_rejected():
    with pytest.raises(FileFormatError) as info:
        sniff_format(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", "ley.csv")
    assert info.value.details["detected"] == "binary"


def test_empty_file_is_rejected():
    with pytest.raises(EmptyFileError) as info:
        sniff_format(b"", "ley.csv")
    assert info.value.to_dict()["message_es"] == "ley.csv: el archivo está vacío (0 bytes)"


def test_encrypted_ooxml_package_is_a_workbook_error():
    with pytest.raises(EncryptedWorkbookError) as info:
        sniff_format(ole(["EncryptionInfo", "EncryptedPackage"]), "clave.xlsx")
    assert isinstance(info.value, WorkbookError)
    assert "password" in info.value.message


def test_encrypted_ods_is_a_workbook_error():
    manifest = b'<manifest:file-entry><manifest:encryption-data manifest:checksum="x"/></manifest:file-entry>'
    data = zip_of({
        "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
        "META-INF/manifest.xml": manifest,
        "content.xml": b"\x8a\x11",
    })
    with pytest.raises(EncryptedWorkbookError):
        sniff_format(data)


def test_truncated_xlsx_is_a_corrupt_workbook():
    data = xlsx({"Hoja1": {"A1": "x"}})
    with pytest.raises(CorruptWorkbookError) as info:
        sniff_format(data[: len(data) // 2], "cortado.xlsx")
    assert isinstance(info.value, WorkbookError)


def test_word_ole_document_is_rejected():
    with pytest.raises(FileFormatError) as info:
        sniff_format(ole(["WordDocument"]), "ley.xls")
    assert info.value.details["detected"] == "ole"


def test_explicit_format_still_rejects_html():
    with pytest.raises(FileFormatError):
        read(HTML_PAGE, format="csv")
