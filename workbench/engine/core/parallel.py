"""Column-parallel work. Arrow compute kernels release the GIL, so converting a table's columns in two
threads uses both cores of a small machine; below a size threshold threads cost more than they save."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Tables with fewer rows than this are converted column by column in the calling thread.
PARALLEL_MIN_ROWS = 20_000
_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="wb-columns")
    return _pool


def map_columns(func: Callable[[T], R], items: Iterable[T], *, rows: int) -> list[R]:
    """``[func(item) for item in items]``, in threads when the table is large enough to gain from it."""
    items = list(items)
    if len(items) < 2 or rows < PARALLEL_MIN_ROWS or (os.cpu_count() or 1) < 2:
        return [func(item) for item in items]
    return list(_executor().map(func, items))
