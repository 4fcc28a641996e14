"""What the rule editor offers: every step type and spec section as a form, generated from the models.

Each entry carries the model's JSON Schema, one field description per option (its kind decides the input the
editor draws: text, number, switch, choice, list, mapping, or YAML for nested options), the step's help (its
section of docs/steps.md) and an example (the first YAML example of that section). Adding a step to the registry
adds it here: nothing is listed by hand.
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from workbench.engine.core.spec.automation import Automation
from workbench.engine.core.spec.exposures import Exposure
from workbench.engine.core.spec.models import DatasetInfo, Parameter
from workbench.engine.core.spec.publication import Publication
from workbench.engine.core.spec.source import SourceOptions
from workbench.engine.core.steps.registry import STEPS

DOCS = Path(__file__).resolve().parents[4] / "docs"
#: Options every step has that the editor shows as controls of the card, not fields of the form.
CARD_OPTIONS = ("type", "disabled")

#: Spanish titles of the spec-level sections (the web speaks Spanish).
SECTION_TITLES = {
    "dataset": "Conjunto de datos", "source": "Lectura del archivo", "parameters": "Parámetros",
    "expectations": "Expectativas de calidad", "automation": "Automatización", "publication": "Publicación",
    "exposures": "Consumidores (exposures)",
}


def _inline(schema: dict[str, Any], defs: dict[str, Any], depth: int = 0) -> Any:
    """The schema with every ``$ref`` replaced by its definition (forms need no indirection)."""
    if depth > 12:
        return schema
    if isinstance(schema, dict):
        if "$ref" in schema and len(schema) == 1:
            name = schema["$ref"].rsplit("/", 1)[-1]
            return _inline(copy.deepcopy(defs.get(name, {})), defs, depth + 1)
        return {k: _inline(v, defs, depth + 1) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inline(v, defs, depth + 1) for v in schema]
    return schema


def _unwrap_optional(prop: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    options = prop.get("anyOf")
    if options and any(o.get("type") == "null" for o in options):
        rest = [o for o in options if o.get("type") != "null"]
        if len(rest) == 1:
            merged = {**rest[0], **{k: v for k, v in prop.items() if k != "anyOf"}}
            return merged, True
    return prop, False


def _kind(prop: dict[str, Any]) -> tuple[str, list[Any] | None]:
    if "enum" in prop:
        return "choice", list(prop["enum"])
    if "const" in prop:
        return "choice", [prop["const"]]
    kind = prop.get("type")
    if kind == "string":
        return "text", None
    if kind == "integer":
        return "int", None
    if kind == "number":
        return "number", None
    if kind == "boolean":
        return "bool", None
    if kind == "array" and prop.get("items", {}).get("type") == "string" and "enum" not in prop.get("items", {}):
        return "text_list", None
    if kind == "object":
        values, _ = _unwrap_optional(prop.get("additionalProperties") or {})
        if values.get("type") == "string" and "properties" not in prop:
            return "text_map", None
    return "yaml", None


def fields_of(model: type[BaseModel], skip: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """One form field per option of ``model``: name, title, description, required, kind, choices, default."""
    schema = model.model_json_schema()
    schema = _inline(schema, schema.get("$defs", {}))
    required = set(schema.get("required", []))
    out = []
    for name, raw in schema.get("properties", {}).items():
        if name in skip:
            continue
        prop, optional = _unwrap_optional(raw)
        kind, choices = _kind(prop)
        field = model.model_fields.get(name)
        default = None
        if field is not None and not field.is_required():
            value = field.get_default(call_default_factory=True)
            default = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
        out.append({"name": name, "title": raw.get("title") or name, "description": raw.get("description", ""),
                    "required": name in required, "kind": kind, "choices": choices, "default": _jsonable(default),
                    "nullable": optional})
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)


@lru_cache(maxsize=1)
def _steps_doc() -> dict[str, str]:
    """docs/steps.md split at its ``## <step>`` headings."""
    path = DOCS / "steps.md"
    if not path.is_file():  # an installed package without the docs: the models' own descriptions remain
        return {}
    sections: dict[str, str] = {}
    name, lines = None, []
    for line in path.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^## (\w+)\s*$", line)
        if heading:
            if name:
                sections[name] = "\n".join(lines).strip()
            name, lines = heading.group(1), []
        elif name:
            lines.append(line)
    if name:
        sections[name] = "\n".join(lines).strip()
    return sections


def _example(help_text: str, step_type: str) -> dict[str, Any]:
    match = re.search(r"```yaml\n(.*?)```", help_text, re.S)
    if match:
        try:
            data = yaml.safe_load(match.group(1))
        except yaml.YAMLError:
            data = None
        items = data if isinstance(data, list) else [data]
        for item in items:
            if isinstance(item, dict) and item.get("type") == step_type:
                return item
    return {"type": step_type}


@lru_cache(maxsize=1)
def _catalog() -> tuple[dict[str, Any], ...]:
    docs = _steps_doc()
    out = []
    for model in STEPS:
        step_type = model.model_fields["type"].default
        help_text = docs.get(step_type, "")
        schema = model.model_json_schema()
        out.append({"type": step_type, "summary": model.summary, "help": help_text,
                    "schema": _inline(schema, schema.get("$defs", {})),
                    "fields": fields_of(model, CARD_OPTIONS), "example": _example(help_text, step_type)})
    return tuple(out)


def step_catalog() -> list[dict[str, Any]]:
    """Every step type, in documentation order, as the editor's form (a deep copy: callers may change it)."""
    return copy.deepcopy(list(_catalog()))


def step_form(step_type: str) -> dict[str, Any] | None:
    return next((copy.deepcopy(s) for s in _catalog() if s["type"] == step_type), None)


def _section(name: str, model: type[BaseModel] | None, *, mapping_of: str = "", list_of: str = "") -> dict[str, Any]:
    schema = model.model_json_schema() if model else {}
    return {"section": name, "title": SECTION_TITLES[name], "description": (model.__doc__ or "").strip() if model else "",
            "fields": fields_of(model) if model and not (mapping_of or list_of) else [],
            "shape": "mapping" if mapping_of else "list" if list_of else "object",
            "schema": _inline(schema, schema.get("$defs", {}))}


@lru_cache(maxsize=1)
def _sections() -> tuple[dict[str, Any], ...]:
    expectations = {"section": "expectations", "title": SECTION_TITLES["expectations"],
                    "description": "Quality expectations per layer (bronze, silver, gold): each a mapping with `type` "
                                   "(a GX core expectation or a custom check), its options, and optional `severity`, "
                                   "`mostly`, `id`, `description` (docs/quality.md).",
                    "fields": [], "shape": "mapping", "schema": {}}
    return (
        _section("dataset", DatasetInfo),
        _section("source", SourceOptions),
        _section("parameters", Parameter, mapping_of="Parameter"),
        expectations,
        _section("automation", Automation),
        _section("publication", Publication),
        _section("exposures", Exposure, list_of="Exposure"),
    )


def spec_sections() -> list[dict[str, Any]]:
    """The spec-level parts the editor shows besides the layers, each with its form fields or shape."""
    return copy.deepcopy(list(_sections()))


__all__ = ["SECTION_TITLES", "fields_of", "spec_sections", "step_catalog", "step_form"]
