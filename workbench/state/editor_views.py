"""The rule editor's engine answers (drafts, the step catalog, step previews) -> view-ready vars, and a step form's
text fields -> the step dict the engine receives.

Pure functions: the editor's states call them after each engine call, so their vars hold nothing but small
lists of text. A form is generated from the catalog's field metadata (kind text, int, number, bool, choice,
text_list, text_map or yaml); what the analyst typed is turned back into JSON values here, and a value that can't
be read is a ``FormError`` naming the field, before anything reaches the engine."""

from __future__ import annotations

from typing import Any

import yaml

from workbench.engine.api import DASH, fmt_int, fmt_number, fmt_percent

#: Longest cell text shown in the before/after grids, and rows shown of each.
CELL_CHARS = 60
GRID_ROWS = 20
LAYERS = ("bronze", "silver", "gold")
#: The four roles a proposed column can take in a new spec, in Spanish.
ROLES = {"key": "Clave", "measure": "Medida (despivotar)", "attribute": "Atributo", "drop": "Descartar"}
#: type_cast's types, with Spanish labels.
TYPES = {"text": "Texto", "int": "Entero", "float": "Real", "decimal": "Decimal exacto", "date": "Fecha",
         "bool": "Lógico"}


class FormError(ValueError):
    """A form field whose text can't be read as its kind (shown next to the form; nothing is sent)."""


def get(obj: Any, name: str, default: Any = None) -> Any:
    """A field of an engine answer, whether a pydantic model or its JSON form."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


# --- forms ---------------------------------------------------------------------------------------------------

def field_text(kind: str, value: Any) -> str:
    """A JSON value as the text its form field shows."""
    if value is None:
        return ""
    if kind == "text_list" and isinstance(value, list):
        return "\n".join(str(v) for v in value)
    if kind == "text_map" and isinstance(value, dict):
        return "\n".join(f"{k} = {v}" for k, v in value.items())
    if kind == "yaml" or isinstance(value, (dict, list)):
        return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, default_flow_style=False).strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def form_fields(fields: list[dict[str, Any]], values: dict[str, Any]) -> list[dict[str, Any]]:
    """The catalog's fields with the current values (a step's or a section's) as form text."""
    out = []
    for f in fields:
        kind = str(f.get("kind") or "text")
        has = f["name"] in values
        value = values.get(f["name"]) if has else None
        out.append({"name": str(f["name"]), "title": str(f.get("title") or f["name"]),
                    "description": str(f.get("description") or ""), "kind": kind,
                    "choices": [str(c) for c in f.get("choices") or []], "required": bool(f.get("required")),
                    "value": field_text(kind, value), "checked": bool(value if has else f.get("default")),
                    "default": "" if f.get("default") is None else field_text(kind, f.get("default")),
                    "set": has, "empty": has and value == ""})
    return out


def _number(text: str, kind: str, title: str) -> int | float:
    raw = text.strip().replace(" ", "")
    if kind == "number" and "," in raw:  # es-CL: 1.234,5
        raw = raw.replace(".", "").replace(",", ".")
    try:
        return int(raw) if kind == "int" else float(raw)
    except ValueError:
        what = "un número entero" if kind == "int" else "un número"
        raise FormError(f"«{title}» debe ser {what} (se leyó «{text.strip()}»).") from None


def _text_map(text: str, title: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition(" = ") if " = " in line else line.partition("=")
        if not sep:
            raise FormError(f"«{title}», línea {n}: escriba «clave = valor» (se leyó «{line.strip()}»).")
        out[key.strip()] = value.strip()
    return out


def form_value(field: dict[str, Any]) -> tuple[bool, Any]:
    """(present, JSON value) of one filled field; an empty optional field is left out of the dict."""
    kind, text, title = field["kind"], str(field.get("value") or ""), field["title"]
    if kind == "bool":
        checked = bool(field.get("checked"))
        return (field.get("set") or field["required"] or checked != (field.get("default") == "true")), checked
    if not text.strip():
        if kind == "text" and text == "" and field.get("empty"):  # an explicit "" (thousands: "") is kept
            return True, ""
        if field["required"]:
            raise FormError(f"«{title}» es obligatorio.")
        return False, None
    if kind in ("int", "number"):
        return True, _number(text, kind, title)
    if kind == "text_list":
        return True, [line.strip() for line in text.splitlines() if line.strip()]
    if kind == "text_map":
        return True, _text_map(text, title)
    if kind == "yaml":
        try:
            return True, yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f", línea {mark.line + 1}" if mark else ""
            raise FormError(f"«{title}»: YAML no válido{where}.") from None
    return True, text.strip() if kind == "choice" else text


def values_from_form(fields: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in fields:
        present, value = form_value(field)
        if present:
            out[field["name"]] = value
    return out


# --- the draft -----------------------------------------------------------------------------------------------

def layer_views(draft: Any) -> list[dict[str, Any]]:
    """Every layer (bronze, silver, gold; empty ones too, so a step can be added) with its step cards."""
    by_name = {get(layer, "name"): get(layer, "steps") or [] for layer in get(draft, "layers") or []}
    names = list(LAYERS) + [n for n in by_name if n not in LAYERS]
    out = []
    for name in names:
        steps = by_name.get(name, [])
        out.append({"name": name, "count": len(steps), "steps": [
            {"layer": name, "index": int(get(s, "index", i)), "n": int(get(s, "index", i)) + 1,
             "type": str(get(s, "type")), "label": str(get(s, "label") or ""), "disabled": bool(get(s, "disabled")),
             "key": f"{name}:{get(s, 'index', i)}", "last": i == len(steps) - 1}
            for i, s in enumerate(steps)]})
    return out


def step_dicts(draft: Any) -> dict[str, list[dict[str, Any]]]:
    return {str(get(layer, "name")): [dict(get(s, "step") or {}) for s in get(layer, "steps") or []]
            for layer in get(draft, "layers") or []}


def error_view(exc: Any) -> dict[str, Any]:
    """An engine error as the editor shows it: the Spanish message and each problem (line, where, what)."""
    details = get(exc, "details") or {}
    problems = details.get("problems") if isinstance(details, dict) else None
    problems = problems or get(exc, "problems") or []
    return {"message": str(get(exc, "message_es") or exc), "code": str(get(exc, "code") or ""),
            "problems": [{"line": "" if p.get("line") is None else f"línea {p['line']}",
                          "path": str(p.get("path") or ""), "message": str(p.get("message_es") or p.get("message"))}
                         for p in problems[:20] if isinstance(p, dict)]}


# --- the step preview ----------------------------------------------------------------------------------------

def cell(value: Any) -> str:
    if value is None:
        return DASH
    if isinstance(value, bool):
        return "sí" if value else "no"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return fmt_number(value)
    text = str(value).rstrip()
    return text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"


def grid(table: Any, marked: list[str] | None = None) -> dict[str, Any]:
    """A small table (columns, up to GRID_ROWS rows) as text; ``marked`` columns flagged (added or changed)."""
    columns = [str(c) for c in (get(table, "columns") or [])]
    rows = (get(table, "rows") or [])[:GRID_ROWS]
    marked = marked or []
    return {"columns": [{"name": c, "mark": "1" if c in marked else ""} for c in columns],
            "rows": [[cell(r.get(c)) if isinstance(r, dict) else cell(r[i]) for i, c in enumerate(columns)]
                     for r in rows]}


def _example(e: Any) -> str:
    """A failing value, with the RAW row it came from when known: «1.234,5» (fila 12)."""
    if not isinstance(e, dict):
        return f"«{e}»"
    return f"«{e.get('value')}»" + (f" (fila {e['row']})" if e.get("row") is not None else "")


def _help_view(step_type: str, help_: dict[str, Any]) -> dict[str, Any]:
    values = [{"value": str(v.get("value")), "count": fmt_int(v.get("count")),
               "mapped_to": "" if v.get("mapped_to") is None else str(v.get("mapped_to")),
               "mapped": v.get("mapped_to") is not None} for v in (help_.get("values") or [])[:200]]
    unmapped = [{"value": str(u.get("value") if isinstance(u, dict) else u),
                 "count": fmt_int(u.get("count")) if isinstance(u, dict) else
                 next((v["count"] for v in values if v["value"] == str(u)), "")}
                for u in (help_.get("unmapped") or [])[:200]]
    coverage = help_.get("coverage")
    casts = [{"column": str(c.get("column")), "type": str(c.get("type")), "failures": fmt_int(c.get("failures")),
              "failing": int(c.get("failures") or 0) > 0, "missing": bool(c.get("missing")),
              "examples": ", ".join(_example(e) for e in (c.get("examples") or [])[:5])}
             for c in help_.get("columns") or [] if isinstance(c, dict)]
    return {"kind": step_type, "error": str(help_.get("error") or ""), "values": values, "unmapped": unmapped,
            "missing": [str(c) for c in help_.get("missing") or []],
            "coverage": "" if coverage is None else fmt_percent(float(coverage) / 100),
            "casts": casts, "taken": [str(c) for c in help_.get("taken") or []],
            "new": [str(c) for c in help_.get("new") or []], "kept": [str(c) for c in help_.get("kept") or []]}


def status_strip(steps: list[Any], selected: str) -> list[dict[str, Any]]:
    out = []
    for s in steps:
        key = f"{get(s, 'layer')}:{get(s, 'index')}"
        error = get(s, "error")
        rows = get(s, "rows_out")
        out.append({"key": key, "layer": str(get(s, "layer")), "index": int(get(s, "index")),
                    "n": int(get(s, "index")) + 1, "type": str(get(s, "type")),
                    "rows": DASH if rows is None else fmt_int(rows), "error": str(error or ""),
                    "disabled": bool(get(s, "disabled")), "selected": key == selected})
    return out


def preview_view(sp: Any) -> dict[str, Any]:
    """A StepPreview as the preview panel shows it."""
    added = [str(c) for c in get(sp, "columns_added") or []]
    changed = {str(k): int(v) for k, v in (get(sp, "cells_changed") or {}).items() if v}
    error = get(sp, "error")
    return {
        "title": f"{get(sp, 'layer')} · paso {int(get(sp, 'index')) + 1} · {get(sp, 'type')}",
        "label": str(get(sp, "label") or ""), "type": str(get(sp, "type")),
        "rows": f"{fmt_int(get(sp, 'rows_in'))} → {fmt_int(get(sp, 'rows_out'))}",
        "columns": f"{fmt_int(len(get(sp, 'columns_in') or []))} → "
                   f"{DASH if get(sp, 'rows_out') is None else fmt_int(len(get(sp, 'columns_out') or []))}",
        "added": added, "removed": [str(c) for c in get(sp, "columns_removed") or []],
        "changed": [{"column": k, "cells": fmt_int(v)} for k, v in changed.items()],
        "changed_total": fmt_int(sum(changed.values())),
        "before": grid(get(sp, "before")), "after": grid(get(sp, "after"), added + list(changed)),
        "help": _help_view(str(get(sp, "type")), get(sp, "help") or {}),
        "error": error_view(error) if error else {},
        "timing": f"{fmt_number(get(sp, 'elapsed_ms') or 0, 0)} ms · muestra de {fmt_int(get(sp, 'sample_rows'))} "
                  f"filas · {fmt_int(get(sp, 'cached_prefix') or 0)} pasos reutilizados",
    }
