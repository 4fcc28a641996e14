"""Shorthands for the reader tests."""

from __future__ import annotations

from typing import Any

import pandas as pd

from workbench.engine.core.readers import RawGrid, build_table, read_raw
from workbench.engine.core.spec.source import SourceOptions
from workbench.engine.core.table import Table


def read(data: bytes, **options: Any) -> RawGrid:
    return read_raw(data, SourceOptions(**options), filename="upload.bin")


def cells(grid: RawGrid) -> list[list[str | None]]:
    """The grid as lists of text, missing cells as None."""
    frame = grid.df.astype(object)
    return frame.where(pd.notna(frame), None).values.tolist()


def table(data: bytes, **options: Any) -> tuple[Table, list[str], list[str]]:
    opts = SourceOptions(**options)
    return build_table(read_raw(data, opts, filename="upload.bin"), opts)
