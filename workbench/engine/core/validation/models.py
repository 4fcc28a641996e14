"""The spec side of quality gates: one expectation is one flat YAML mapping, checked at load without GX.

```yaml
expectations:
  bronze:
    - type: expect_column_values_to_be_in_set
      column: moneda
      value_set: [CLP, USD]
      severity: warning
```

``type`` is a GX core expectation (checked against the static catalog, see catalog.py) or one of our custom
checks (their kwargs are pydantic models, see checks.py). Every other key besides ``severity``, ``mostly``,
``id`` and ``description`` is a kwarg of that type; an unknown type, an unknown or missing kwarg or a kwarg of
the wrong JSON type fails at load, located at its line by the spec loader.
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from workbench.engine.core.validation.catalog import core_catalog
from workbench.engine.core.validation.checks import CUSTOM_KWARGS

Severity = Literal["error", "warning"]
Layer = Literal["bronze", "silver", "gold"]
#: Keys of an expectation mapping that are ours, not kwargs of the expectation type.
OWN_KEYS = ("type", "severity", "mostly", "id", "description")


def known_types() -> list[str]:
    """Every expectation type a spec may name: GX core ones, then ours."""
    return [*core_catalog(), *CUSTOM_KWARGS]


def _types_schema(schema: dict[str, Any]) -> None:
    schema["properties"]["type"]["enum"] = known_types()


class ExpectationSpec(BaseModel):
    """One quality check on one layer's table; kwargs of the expectation type sit beside these fields."""

    model_config = ConfigDict(extra="allow", frozen=True, json_schema_extra=_types_schema)

    type: str = Field(description="A GX core expectation (snake_case) or a custom check "
                      "(expect_hierarchy_consistency, expect_control_total).")
    severity: Severity = Field(default="error", description="`error`: a failure fails the QA; "
                               "`warning`: a failure is shown but QA ends as `warning`.")
    mostly: float | None = Field(default=None, ge=0, le=1,
                                 description="Fraction of rows (or parents) that must pass (0..1).")
    id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.\-]{1,80}$",
                           description="Stable identifier; defaults to `<layer>.<n>` (1-based).")
    description: str = Field(default="", description="Shown in the UI (Spanish).")

    @property
    def kwargs(self) -> dict[str, Any]:
        """The expectation type's own arguments (everything that is not one of our fields)."""
        return dict(self.model_extra or {})

    @property
    def is_custom(self) -> bool:
        return self.type in CUSTOM_KWARGS

    @model_validator(mode="after")
    def _kwargs(self) -> ExpectationSpec:
        kwargs = self.kwargs
        if self.type in CUSTOM_KWARGS:
            _check_custom(self.type, kwargs, self.mostly)
            return self
        catalog = core_catalog()
        if self.type not in catalog:
            close = difflib.get_close_matches(self.type, known_types(), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else "; see docs/quality.md"
            raise _error("type", "unknown_expectation", f"unknown expectation type {self.type!r}{hint}", self.type)
        fields = {f["name"]: f for f in catalog[self.type]}
        errors: list[InitErrorDetails] = []
        for name, value in kwargs.items():
            field = fields.get(name)
            if field is None:
                close = difflib.get_close_matches(name, list(fields), n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else f"; it takes: {', '.join(fields) or 'nothing'}"
                errors.append(_detail(name, "unknown_kwarg", f"{self.type} has no argument {name!r}{hint}", value))
            elif not _fits(value, field["types"]):
                errors.append(_detail(name, "kwarg_type",
                                      f"{name} must be {' or '.join(field['types'])}, not {_json_type(value)}", value))
            elif "enum" in field and value not in field["enum"]:
                errors.append(_detail(name, "kwarg_enum", f"{name} must be one of {field['enum']}", value))
        for name, field in fields.items():
            if field["required"] and name not in kwargs:
                errors.append(_detail(name, "missing", f"{self.type} needs `{name}`", None, loc=()))
        if self.mostly is not None and "mostly" not in fields:
            errors.append(_detail("mostly", "no_mostly", f"{self.type} does not take `mostly`", self.mostly))
        if errors:
            raise ValidationError.from_exception_data("ExpectationSpec", errors)
        return self


def _check_custom(type_: str, kwargs: dict[str, Any], mostly: float | None) -> None:
    model = CUSTOM_KWARGS[type_]
    model.model_validate(kwargs)  # a ValidationError keeps its kwarg locations under this expectation
    if mostly is not None and not model.supports_mostly:
        raise _error("mostly", "no_mostly", f"{type_} does not take `mostly`", mostly)


def _detail(name: str, kind: str, message: str, value: Any, loc: tuple[str, ...] | None = None) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError(kind, message), loc=(name,) if loc is None else loc, input=value)


def _error(name: str, kind: str, message: str, value: Any) -> ValidationError:
    return ValidationError.from_exception_data("ExpectationSpec", [_detail(name, kind, message, value)])


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (dt.date, dt.datetime)):
        return "date"
    return "array" if isinstance(value, list) else "object" if isinstance(value, dict) else type(value).__name__


def _fits(value: Any, types: list[str]) -> bool:
    """Does a YAML value fit one of the coarse catalog types? (null is always allowed: GX defaults apply.)"""
    kind = _json_type(value)
    if kind == "null" or "any" in types or kind in types:
        return True
    if kind == "integer" and "number" in types:
        return True
    if kind == "number" and "integer" in types:
        return float(value).is_integer()
    return kind == "string" and "date" in types and _iso_date(value)


def _iso_date(text: str) -> bool:
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _assign_ids(layers: dict[str, list[ExpectationSpec]]) -> dict[str, list[ExpectationSpec]]:
    """Default ids ``<layer>.<n>``; ids must be unique across the spec (results and failures are keyed by them)."""
    seen: set[str] = set()
    out: dict[str, list[ExpectationSpec]] = {}
    for layer, items in layers.items():
        out[layer] = []
        for n, item in enumerate(items, start=1):
            if item.id is None:
                item = item.model_copy(update={"id": f"{layer}.{n}"})
            if item.id in seen:
                raise ValueError(f"expectation id {item.id!r} is used twice")
            seen.add(item.id)  # type: ignore[arg-type]
            out[layer].append(item)
    return out


#: The ``expectations`` field of a spec: per layer, a list of expectations (ids assigned, unique).
ExpectationsByLayer = Annotated[dict[Layer, list[ExpectationSpec]], AfterValidator(_assign_ids)]

__all__ = ["ExpectationSpec", "ExpectationsByLayer", "OWN_KEYS", "Severity", "known_types"]
