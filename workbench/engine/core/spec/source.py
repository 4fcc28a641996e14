"""Source options of a spec: how the RAW file is read (format, encoding, delimiter, sheet, header)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: ``auto`` (sniffed) and every format of the readers' registry (``readers/registry.py``); a test pins the two together.
Format = Literal["auto", "csv", "xlsx", "xlsm", "xlsb", "xls", "ods"]


class HeaderOptions(BaseModel):
    """Where the header is. Either ``row`` (1-based RAW row number) or ``find`` (labels that must all
    appear, each as a whole cell, in the header row; matched ignoring case, accents and extra spaces).
    ``rows`` > 1 joins a multi-row header (cells of the header rows joined with a space, top to bottom).
    ``none: true`` means the file has no header: columns are named by their letter (``A``, ``B``, ...)."""

    model_config = ConfigDict(extra="forbid")

    row: int | None = Field(default=None, ge=1, description="1-based RAW row number of the (first) header row.")
    find: list[str] | None = Field(
        default=None, min_length=1, description="Labels that identify the header row, e.g. ['Subt.', 'Ítem']."
    )
    rows: int = Field(default=1, ge=1, le=10, description="How many rows the header spans (joined top to bottom).")
    search_rows: int = Field(default=50, ge=1, le=10_000, description="How many rows `find` searches from the top.")
    none: bool = Field(default=False, description="The file has no header row.")

    @model_validator(mode="after")
    def _one_way(self) -> "HeaderOptions":
        if self.row is not None and self.find is not None:
            raise ValueError("give the header as `row` or as `find`, not both")
        return self


class SourceOptions(BaseModel):
    """How to read the RAW file. Every value has a safe default; ``auto`` means sniffed from content."""

    model_config = ConfigDict(extra="forbid")

    format: Format = Field(default="auto", description="File format; `auto` sniffs the content, never the name.")
    encoding: str = Field(default="auto", description="CSV text encoding (`auto`, `utf-8`, `utf-8-sig`, `latin-1`, `cp1252`, ...).")
    delimiter: str = Field(default="auto", description="CSV delimiter: `auto` (sniffs ; , tab |) or the character.")
    quotechar: str = Field(default='"', min_length=1, max_length=1, description="CSV quote character.")
    sheet: int | str = Field(default=0, description="Workbook sheet: 0-based index or name.")
    header: HeaderOptions = Field(default_factory=lambda: HeaderOptions(row=1))
    fill_merged: bool = Field(default=False, description="Fill every cell of a merged range with its value.")
    skip_blank_rows: bool = Field(default=True, description="Drop rows whose cells are all empty or whitespace.")

    @model_validator(mode="after")
    def _delimiter(self) -> "SourceOptions":
        if self.delimiter != "auto" and len(self.delimiter.replace("\\t", "\t")) != 1:
            raise ValueError("delimiter must be `auto` or a single character")
        return self
