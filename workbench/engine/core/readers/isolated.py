"""calamine in a child process, for ``.xls``: its BIFF parser is not safe on hostile bytes.

Fuzzing ``.xls`` files with a few bytes changed made calamine panic (``xls.rs:606``) or ask for 9.6 GB
and 1.7 TB and abort: the whole process, a web or RQ worker included, died. ``ole.check_xls`` refuses the
known shape (a ``DIMENSIONS`` record out of range) cheaply; for everything else the sheet is parsed in a
child with a memory and CPU cap, and a crash there is ``workbook-corrupt`` here. The child imports only
fastexcel and pyarrow; it costs about 0.2 s per read, on a format DIPRES stopped publishing years ago.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from workbench.engine.core.errors import CorruptWorkbookError

#: The child's address-space cap and CPU budget (a real .xls is at most 65,536 x 256 cells).
CHILD_MEMORY_BYTES = 3 * 1024 * 1024 * 1024
CHILD_CPU_S = 60
CHILD_TIMEOUT_S = 90

_CHILD = r"""
import io, json, resource, sys
memory, cpu = int(sys.argv[1]), int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
import fastexcel
import pyarrow as pa

request = json.loads(sys.stdin.buffer.readline())
data = sys.stdin.buffer.read()
meta, batch = {}, None
try:
    reader = fastexcel.read_excel(data)
    names = list(reader.sheet_names)
    meta["names"] = names
    wanted = request.get("sheet")
    if request["mode"] == "sheet":
        sheet = (names[wanted] if isinstance(wanted, int) and 0 <= wanted < len(names)
                 else wanted if isinstance(wanted, str) and wanted in names else None)
        meta["sheet"] = sheet
        if sheet is not None:
            loaded = reader.load_sheet(sheet, header_row=None, dtypes="string", skip_rows=0, n_rows=request["n_rows"])
            batch = loaded.to_arrow()
            meta["positions"] = [c.absolute_index for c in loaded.available_columns()]
            if request.get("merged"):
                import python_calamine
                book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
                ranges = book.get_sheet_by_name(sheet).merged_cell_ranges
                meta["merged"] = None if ranges is None else [[list(a), list(b)] for a, b in ranges]
except Exception as exc:  # calamine's own errors: a damaged workbook, reported by the parent
    text = str(exc).strip()
    meta = {"error": text.splitlines()[0] if text else type(exc).__name__}
out = sys.stdout.buffer
out.write(json.dumps(meta).encode() + b"\n")
if batch is not None:
    with pa.ipc.new_stream(out, batch.schema) as writer:
        writer.write_batch(batch)
out.flush()
"""


@dataclass
class Loaded:
    names: list[str]
    sheet: str | None = None
    batch: pa.RecordBatch | None = None
    positions: list[int] = field(default_factory=list)
    merged: list[Any] | None = None


def load(data: bytes, filename: str | None, *, sheet: int | str | None = None, n_rows: int | None = None,
         merged: bool = False, mode: str = "sheet") -> Loaded:
    """Sheet names (``mode="names"``) or one sheet as Arrow text columns, parsed in a capped child."""
    request = json.dumps({"mode": mode, "sheet": sheet, "n_rows": n_rows, "merged": merged}).encode() + b"\n"
    try:
        done = subprocess.run([sys.executable, "-I", "-c", _CHILD, str(CHILD_MEMORY_BYTES), str(CHILD_CPU_S)],
                              input=request + data, capture_output=True, timeout=CHILD_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise CorruptWorkbookError(format="xls", reason=f"reading it took longer than {CHILD_TIMEOUT_S} s",
                                   file=filename) from None
    head, _, rest = done.stdout.partition(b"\n")
    if done.returncode != 0 or not head:
        how = f"signal {-done.returncode}" if done.returncode < 0 else f"exit status {done.returncode}"
        raise CorruptWorkbookError(format="xls", reason=f"the reader stopped on this file ({how})", file=filename)
    meta = json.loads(head)
    if "error" in meta:
        raise CorruptWorkbookError(format="xls", reason=meta["error"], file=filename)
    batch = None
    if rest:
        table = pa.ipc.open_stream(rest).read_all()
        batch = table.combine_chunks().to_batches()[0] if table.num_rows else pa.RecordBatch.from_pylist(
            [], schema=table.schema)
    return Loaded(meta["names"], meta.get("sheet"), batch, meta.get("positions", []), meta.get("merged"))
