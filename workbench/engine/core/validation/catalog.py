"""The static catalog of Great Expectations core expectation types and their kwargs.

Specs are validated at load time, and loading must not import great_expectations (about 3 s): the CLI and the
web app start without it. So the kinds and kwargs GX offers are captured once from the installed GX into
``catalog.json`` (``python -c 'from workbench.engine.core.validation.catalog import write_catalog; write_catalog()'``
rewrites it), and a unit test checks the
file still equals what the installed GX exposes, so a GX upgrade cannot drift silently.
"""

from __future__ import annotations

import collections.abc
import datetime as dt
import json
import types
import typing
from functools import cache
from pathlib import Path
from typing import Any

CATALOG_PATH = Path(__file__).with_name("catalog.json")
#: Fields every GX expectation has that a spec never sets directly (set by the runner or meaningless here).
GX_BASE_FIELDS = frozenset({"id", "meta", "notes", "result_format", "description", "catch_exceptions",
                            "rendered_content", "severity", "windows", "batch_id"})
#: Coarse JSON types a kwarg may take ("date" accepts a YAML date or an ISO text).
JSON_TYPES = ("string", "number", "integer", "boolean", "array", "object", "date", "any")


@cache
def core_catalog() -> dict[str, list[dict[str, Any]]]:
    """{expectation type: [{"name", "required", "types", "enum"?, "cast"?, "default"?}...]} as shipped in
    catalog.json (``cast``: the number type GX turns a value into; ``default``: GX's default value)."""
    return _document()["expectations"]


@cache
def _document() -> dict[str, Any]:
    return json.loads(CATALOG_PATH.read_text(encoding="utf-8"))


def gx_version() -> str:
    """The GX version the catalog was captured from (the installed one: test_catalog.py checks it)."""
    return str(_document()["great_expectations"])


def _coarse(annotation: Any) -> list[str]:
    """The JSON types an annotation accepts. GX's ``dict`` alternative (suite parameters, ``{"$PARAMETER": ..}``)
    is dropped when another type is allowed: specs give literal values."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _coarse(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        found: list[str] = []
        for arg in typing.get_args(annotation):
            if arg is type(None):
                continue
            found += [t for t in _coarse(arg) if t not in found]
        if len(found) > 1 and "object" in found:
            found.remove("object")
        return found or ["any"]
    if origin is typing.Literal:
        return ["string"]
    if annotation in (list, tuple, set, frozenset) or (
            isinstance(origin, type) and issubclass(origin, (collections.abc.Sequence, collections.abc.Set))):
        return ["array"]
    if annotation is typing.Any:
        return ["any"]
    if not isinstance(annotation, type):
        return ["any"]
    if issubclass(annotation, bool):
        return ["boolean"]
    if issubclass(annotation, str):
        return ["string"]
    if issubclass(annotation, int):
        return ["integer"]
    if issubclass(annotation, float):
        return ["number"]
    if issubclass(annotation, (dt.date, dt.datetime)):
        return ["date"]
    return ["object"]


def build_catalog() -> dict[str, list[dict[str, Any]]]:
    """The catalog from the installed great_expectations (imports it: tests and the regeneration command only)."""
    # lazy: great_expectations takes ~3 s to import; only the catalog's regeneration and its tests need it
    import great_expectations.expectations  # noqa: F401  (registers the core expectations)
    from great_expectations.expectations.registry import _registered_expectations  # lazy: as above

    out: dict[str, list[dict[str, Any]]] = {}
    for name, cls in sorted(_registered_expectations.items()):
        if not cls.__module__.startswith("great_expectations.expectations.core."):
            continue  # ours (or any other plugin) are not core
        kwargs = []
        for field_name, field in cls.__fields__.items():
            if field_name in GX_BASE_FIELDS:
                continue
            entry: dict[str, Any] = {"name": field_name, "required": bool(field.required),
                                     "types": _coarse(field.outer_type_)}
            literal = _literal_values(field.outer_type_)
            if literal:
                entry["enum"] = literal
            cast = _cast(field.outer_type_)
            if cast:
                entry["cast"] = cast
            if not field.required and _is_json(field.default):
                entry["default"] = field.default
            kwargs.append(entry)
        out[name] = kwargs
    return out


def _cast(annotation: Any) -> str | None:
    """``float`` or ``int`` when GX's field converts a number to that type (pydantic v1 tries a union's
    members in order, so ``Union[float, ...]`` makes ``1`` into ``1.0``): the stored kwargs show it so."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _cast(typing.get_args(annotation)[0])
    first = typing.get_args(annotation)[0] if origin in (typing.Union, types.UnionType) else annotation
    if isinstance(first, type) and not issubclass(first, bool):
        if issubclass(first, float):
            return "float"
        if issubclass(first, int):
            return "int"
    return None


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _literal_values(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return list(typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        values: list[Any] = []
        for arg in typing.get_args(annotation):
            values += _literal_values(arg)
        return values
    return []


def write_catalog(path: Path = CATALOG_PATH) -> None:
    """Regenerate catalog.json from the installed GX."""
    import great_expectations  # lazy: as in build_catalog

    doc = {"great_expectations": great_expectations.__version__, "expectations": build_catalog()}
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

