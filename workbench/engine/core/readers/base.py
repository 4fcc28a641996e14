"""What every RAW reader returns: a grid of text cells with their RAW addresses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass
class SourceInfo:
    """Facts about the RAW file, shown in previews and stored with runs."""

    sha256: str
    bytes: int
    format: str  # csv | xlsx | xlsm | xlsb | xls | ods
    filename: str | None = None
    encoding: str | None = None  # csv only
    delimiter: str | None = None  # csv only
    sheet: str | None = None  # workbook only: the sheet read
    sheets: list[str] = field(default_factory=list)  # workbook only: every sheet, in order

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class RawGrid:
    """Every cell of one sheet (or CSV) as text, before any header handling.

    - ``df``: columns are 0..n-1 (positions in the grid), values are ``str`` or missing (NA) for empty cells.
      Text is kept exactly as in the file (no stripping, leading zeros intact).
    - ``rows``: for each grid row, its 1-based RAW row number (CSV: physical line where the record starts).
    - ``letters``: for each grid column, its RAW column address (``A``, ``B``, ... ``AA``).
    - ``issues``: structural problems found while reading, as dicts ``{"row", "kind", "message",
      "message_es"}`` (ragged rows, skipped whitespace-only lines); they become warnings, never crashes.
    """

    df: pd.DataFrame
    rows: list[int]
    letters: list[str]
    source: SourceInfo
    issues: list[dict[str, Any]] = field(default_factory=list)
    memo: dict[str, Any] = field(default_factory=dict, repr=False)  # derived facts (header position)
