"""What an input format is, for the format registry (``registry.py``): its container, its content test, its
reader, the source options it honours and the limits checked before its parser sees a byte.

A ``Probe`` is what content tests look at: the bytes, with the zip directory, zip parts and OLE stream names
computed once, on first use, so that the tests of several formats in one container share the work (and a
zip's directory is checked against the input limits before any part of it is read).
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Callable, Protocol

import numpy as np

from workbench.engine.core.errors import CorruptWorkbookError, WorkbenchError
from workbench.engine.core.limits import InputLimits
from workbench.engine.core.readers.base import RawGrid, SourceInfo
from workbench.engine.core.spec.source import SourceOptions
from workbench.engine.core.zipcheck import ZipEntry, zip_entries

SNIFF_BYTES = 65_536  # text checks (HTML, PDF, NUL bytes) look at this many leading bytes
PART_SNIFF_BYTES = 1 << 20  # at most this much of a zip part (mimetype, manifest, content types) is read to sniff
#: OLE directory names the content tests ask about (compared ignoring case, as the compound file format does).
OLE_STREAMS = ("Workbook", "Book", "EncryptedPackage", "EncryptionInfo", "WordDocument")


class Reader(Protocol):
    """The bytes of a file of ``fmt`` as one ``RawGrid`` (one sheet for a workbook), under ``limits``."""

    def __call__(self, data: bytes, options: SourceOptions, source: SourceInfo, limits: InputLimits,
                 fmt: InputFormat) -> RawGrid: ...


class SheetLister(Protocol):
    """The sheet names of a file of ``fmt``, in order, hidden ones included."""

    def __call__(self, data: bytes, fmt: InputFormat, filename: str | None, limits: InputLimits) -> list[str]: ...


@dataclass(frozen=True)
class Container:
    """How a family of formats is packaged: zip, OLE compound file, plain text.

    ``magic``: the leading bytes that claim a file for this container (``()``: the container of whatever no
    other one claims, plain text). ``check`` runs once before the content tests (the zip directory within
    limits, an encrypted OLE package refused). ``unknown`` is the error when no registered format of this
    container recognises the content (a Word document in a zip, binary data that is not text)."""

    name: str
    magic: tuple[bytes, ...]
    check: Callable[[Probe], None]
    unknown: Callable[[Probe], WorkbenchError]


@dataclass(frozen=True)
class FormatLimits:
    """What a format's file may cost, checked before its parser allocates (``guard.py``, docs/security.md).
    Every reader also bounds rows, columns, cells and cell length of what it read (``limits.check_shape``,
    ``limits.check_cells``); these are the checks that must happen earlier.

    - ``max_bytes``: the ``InputLimits`` field that bounds the file's size (``.xls``: ``max_xls_bytes``).
    - ``zip``: the file is a zip: its directory is checked (``zipcheck.zip_entries``) and every part but the
      ``measured`` ones is inflated once, bounded, to prove it holds no more than it declares.
    - ``measured``: zip parts measured when read instead (a name ending in ``/`` is a folder).
    - ``check``: the format's own check before parsing, ``check(data, limits, filename)`` (``.xls``: its
      DIMENSIONS records; ``.ods``: its repeated cells).
    - ``sheet_part`` and ``sheet_extent``: the zip part that holds a sheet, and the (rows, columns) that part
      spans, measured before the parser allocates them densely (xlsx/xlsm: cell references; xlsb: records).
    """

    max_bytes: str | None = None
    zip: bool = False
    measured: tuple[str, ...] = ()
    check: Callable[[bytes, InputLimits, str | None], None] | None = None
    sheet_part: Callable[[bytes, str], str | None] | None = None
    sheet_extent: Callable[[bytes, ZipEntry, str | None, str], tuple[int, int]] | None = None

    def is_measured(self, part: str) -> bool:
        return any(part.startswith(m) if m.endswith("/") else part == m for m in self.measured)


@dataclass(frozen=True)
class InputFormat:
    """One input format: one entry of ``registry.INPUT_FORMATS``.

    ``name`` is the spec's ``source.format`` value and ``SourceInfo.format``. ``family``: a spec that names a
    format reads any format of its family (a spec for ``xlsx`` reads the ``xls`` of the same report).
    ``container`` and ``detect`` say how it is sniffed: the container claims the bytes by their magic, then
    the first format of that container whose ``detect(probe)`` is true is the file's format (a test may raise
    a typed error, for an encrypted workbook). ``read`` and ``sheets`` read it (``sheets`` is None for a
    format without sheets). ``options`` are the ``SourceOptions`` fields its reader honours besides the common
    ones (``format``, ``header``, ``skip_blank_rows``). ``extensions`` are its usual file-name extensions, for
    file pickers and docs only: the format always comes from the bytes."""

    name: str
    family: str  # text (csv), workbook (xlsx, xlsm, xlsb, xls, ods); a new family reads only its own formats
    label: str
    label_es: str
    container: Container
    detect: Callable[[Probe], bool]
    read: Reader
    sheets: SheetLister | None
    options: tuple[str, ...]
    extensions: tuple[str, ...]
    limits: FormatLimits = FormatLimits()


class Probe:
    """The bytes a content test looks at, with their zip or OLE views computed once, on first use."""

    def __init__(self, data: bytes, filename: str | None = None, limits: InputLimits | None = None) -> None:
        self.data, self.filename, self._limits = data, filename, limits
        self._parts: dict[str, bytes] = {}

    @property
    def head(self) -> bytes:
        """The leading bytes text checks look at."""
        return self.data[:SNIFF_BYTES]

    @cached_property
    def limits(self) -> InputLimits:
        return self._limits or InputLimits.from_settings()

    @cached_property
    def zip_directory(self) -> list[ZipEntry]:
        """The zip's entries, checked against the input limits on what they declare (nothing inflated)."""
        return zip_entries(self.data, self.limits, self.filename)

    @cached_property
    def _archive(self) -> zipfile.ZipFile:
        self.zip_directory  # refused here, before any part is read, when the directory is over the limits
        return self._zip_call(lambda: zipfile.ZipFile(io.BytesIO(self.data)))

    @cached_property
    def zip_names(self) -> frozenset[str]:
        return frozenset(self._zip_call(self._archive.namelist))

    def zip_part(self, name: str) -> bytes:
        """The head of one zip part (at most ``PART_SNIFF_BYTES``: enough to sniff, never a whole huge part);
        ``b""`` when the zip has no such part."""
        if name not in self.zip_names:
            return b""
        if name not in self._parts:
            self._parts[name] = self._zip_call(lambda: self._read_part(name))
        return self._parts[name]

    def _read_part(self, name: str) -> bytes:
        with self._archive.open(name) as stream:
            return stream.read(PART_SNIFF_BYTES)

    def _zip_call(self, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as exc:
            raise CorruptWorkbookError(format="zip", reason=f"unreadable zip archive: {exc}",
                                       file=self.filename) from exc

    @cached_property
    def ole_streams(self) -> frozenset[str]:
        """Which of ``OLE_STREAMS`` an OLE (compound file) directory names: 128-byte entries whose UTF-16 names
        sit at entry starts, their byte length (terminator included) at offset 64. Compared ignoring case, as
        the compound file format does (LibreOffice and calamine read an xls whose stream is named
        ``WORKBOOK``)."""
        data = self.data
        entries = np.frombuffer(data, np.uint8, count=len(data) // 128 * 128).reshape(-1, 128)
        lengths = entries[:, 64].astype(np.uint16) | (entries[:, 65].astype(np.uint16) << 8)
        names = set()
        for at in np.flatnonzero(np.isin(lengths, _OLE_NAME_BYTES)):
            raw = entries[at, : lengths[at] - 2].tobytes()
            name = _OLE_NAMES.get(raw.decode("utf-16-le", errors="replace").casefold())
            if name is not None and entries[at, lengths[at] - 2 : lengths[at]].tobytes() == b"\x00\x00":
                names.add(name)
        return frozenset(names)


_OLE_NAMES = {name.casefold(): name for name in OLE_STREAMS}
_OLE_NAME_BYTES = np.array(sorted({2 * len(name) + 2 for name in OLE_STREAMS}), np.uint16)


__all__ = ["Container", "FormatLimits", "InputFormat", "PART_SNIFF_BYTES", "Probe", "Reader", "SNIFF_BYTES",
           "SheetLister"]
