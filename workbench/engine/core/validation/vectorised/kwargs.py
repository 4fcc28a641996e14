"""A spec entry's arguments as GX holds them: numbers cast as GX's fields cast them, defaults filled in for
evaluation, defaults left out of the stored configuration (GX keeps ``dict(exclude_defaults=True)``).

Anything GX would treat in a way this module does not reproduce sends the check to GX (``Unsupported``):
suite parameters (mappings), row conditions, strings or dates given for number fields, ``library_metadata``,
an explicit null for a field whose default is not null.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from workbench.engine.core.validation.vectorised.batch import Unsupported
from workbench.engine.core.validation.catalog import core_catalog
from workbench.engine.core.validation.models import ExpectationSpec

#: Domain options the vectorised path leaves to GX (GX applies them with pandas ``query``/its own parser).
GX_ONLY_KWARGS = frozenset({"row_condition", "condition_parser", "library_metadata"})


@dataclass(frozen=True)
class GxKwargs:
    """``stored``: the configuration's kwargs as GX writes them; ``values``: every kwarg with GX's defaults."""

    stored: dict[str, Any]
    values: dict[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)


def gx_kwargs(item: ExpectationSpec) -> GxKwargs:
    fields = {f["name"]: f for f in core_catalog()[item.type]}
    given = dict(item.kwargs)
    if item.mostly is not None:
        given["mostly"] = item.mostly
    stored: dict[str, Any] = {}
    values = {name: field.get("default") for name, field in fields.items() if not field["required"]}
    for name, value in given.items():
        field = fields[name]
        if name in GX_ONLY_KWARGS and value is not None:
            raise Unsupported(f"{name} is applied by GX")
        if isinstance(value, dict):
            raise Unsupported("suite parameters are resolved by GX")
        if value is None and field.get("default", None) is not None:
            raise Unsupported(f"{name}: null where GX has a default")
        value = _cast(name, value, field.get("cast"))
        values[name] = value
        if field["required"] or value != field.get("default"):
            stored[name] = value
    return GxKwargs(stored, values)


def _cast(name: str, value: Any, cast: str | None) -> Any:
    if cast is None or value is None:
        return value
    if isinstance(value, bool) or isinstance(value, (str, dt.date)):
        raise Unsupported(f"{name}: {type(value).__name__} for a number field is converted by GX")
    if cast == "float":
        return float(value)
    if isinstance(value, float):
        if not value.is_integer():
            raise Unsupported(f"{name}: GX truncates a fraction for an integer field")
        return int(value)
    return value


__all__ = ["GX_ONLY_KWARGS", "GxKwargs", "gx_kwargs"]
