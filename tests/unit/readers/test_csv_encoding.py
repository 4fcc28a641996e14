"""CSV text encodings: detected from BOM and bytes, or given; decode failures name the line and byte."""

from __future__ import annotations

import pytest

from tests.unit.readers.util import cells, read
from workbench.engine.core.errors import EncodingError, SpecError
from workbench.engine.core.readers import detect_encoding

TEXT = "Capítulo;Denominación\n01;Educación Pública\n"


def test_plain_ascii_is_utf8():
    assert detect_encoding(b"a;b\n1;2\n") == "utf-8"


def test_valid_utf8_is_utf8():
    grid = read(TEXT.encode("utf-8"))
    assert grid.source.encoding == "utf-8"
    assert cells(grid)[1] == ["01", "Educación Pública"]


def test_utf8_bom_is_utf8_sig_and_not_part_of_the_first_cell():
    grid = read(b"\xef\xbb\xbf" + TEXT.encode("utf-8"))
    assert grid.source.encoding == "utf-8-sig"
    assert cells(grid)[0][0] == "Capítulo"


def test_latin1_without_c1_bytes_is_reported_as_latin1():
    grid = read(TEXT.encode("latin-1"))
    assert grid.source.encoding == "latin-1"
    assert cells(grid)[0] == ["Capítulo", "Denominación"]


def test_cp1252_smart_quotes_are_detected():
    data = "id;nombre\n1;“Programa” – Año\n".encode("cp1252")
    grid = read(data)
    assert grid.source.encoding == "cp1252"
    assert cells(grid)[1] == ["1", "“Programa” – Año"]


def test_byte_undefined_in_cp1252_falls_back_to_latin1():
    assert detect_encoding(b"a;b\n\x81\xe9;x\n") == "latin-1"


def test_utf16_with_bom():
    grid = read("a;b\nñ;ü\n".encode("utf-16"))
    assert grid.source.encoding == "utf-16"
    assert cells(grid) == [["a", "b"], ["ñ", "ü"]]


def test_explicit_encoding_overrides_detection():
    greek = "id;name\n1;Λευκωσία\n".encode("iso-8859-7")
    assert cells(read(greek))[1][1] != "Λευκωσία"  # auto-detection can only guess latin-1 here
    grid = read(greek, encoding="iso-8859-7")
    assert grid.source.encoding == "iso-8859-7"
    assert cells(grid)[1] == ["1", "Λευκωσία"]


def test_explicit_utf8_on_latin1_bytes_names_line_and_byte():
    data = b"Partida;Monto\n01;5\n02;Educaci\xf3n\n"
    with pytest.raises(EncodingError) as info:
        read(data, encoding="utf-8")
    error = info.value
    assert error.details["row"] == 3
    assert error.details["byte"] == "0xF3"
    assert error.message == "upload.bin row 3: cannot decode the file as utf-8: byte 0xF3 (offset 29)"
    assert error.message_es.startswith("upload.bin fila 3: no se puede decodificar el archivo como utf-8")


def test_unknown_encoding_is_a_spec_error():
    with pytest.raises(SpecError) as info:
        read(b"a;b\n", encoding="klingon")
    assert "klingon" in info.value.message
