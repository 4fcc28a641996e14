"""HTML-escape every string in a validation result before GX renders it.

GX 1.24.1 does not escape data consistently: column names reach the table of contents and section headers
raw, and unexpected values and expectation descriptions reach table cells raw, so a cell holding
``<script>`` would run in the page. Escaping the *input* once (every string and dict key, recursively) closes
all of those paths; ``render.py`` then switches off GX's own escape of template parameters, which would
otherwise escape those strings a second time (``&amp;lt;``).
"""

from __future__ import annotations

import html
from typing import Any


def escape_strings(value: Any) -> Any:
    """A copy of ``value`` (JSON-like) with every string and dict key HTML-escaped; other scalars unchanged.

    Structural strings GX relies on (expectation types, result formats, ISO dates) contain none of
    ``& < > " '`` and so come back unchanged. NumPy scalars, which ``to_json_dict()`` leaves in place
    (e.g. a column mean), become Python numbers: GX's number formatting fails on numpy 2's
    ``repr`` (``np.float64(880.5)``).
    """
    if type(value).__module__ == "numpy":
        return escape_strings(value.tolist())
    if isinstance(value, str):
        return html.escape(value, quote=True)
    if isinstance(value, dict):
        return {escape_strings(k) if isinstance(k, str) else k: escape_strings(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [escape_strings(v) for v in value]
    return value
