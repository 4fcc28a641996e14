"""A first spec for a file never seen: what the editor proposes, and the spec text made from the analyst's choices.

The proposal reads the file as the readers sniff it (format, encoding, delimiter, sheet), guesses the header
row (the widest all-text row near the top) and proposes finding it by its first labels (so one more title row
next month does not break the spec). Each column gets a kind from its values (``code``: digit codes such as
``05`` or ``001``; ``number``: amounts; ``text``; ``empty``) and a suggested role (key, measure, attribute, drop),
plus the number separators the amounts use.

``draft_text`` turns the analyst's choices (slug, title, key columns, measures, types) into a commented spec:
snake_case names, trimmed text, rows without any key dropped (section titles, totals), codes kept as text
(padded to their width when the file lost leading zeros), amounts as exact decimals, a tidy silver layer that
melts the measures into ``medida``/``monto``, and a row-count expectation. The text is validated like any spec.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pandas as pd

from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.preview import guess_header_row, raw_summary
from workbench.engine.core.readers import build_table
from workbench.engine.core.readers.sheets import read_report_sheet
from workbench.engine.core.spec.loader import SCHEMA_COMMENT, parse_spec
from workbench.engine.core.spec.source import HeaderOptions, SourceOptions
from workbench.engine.core.spec.yaml_render import as_nodes, dump_lines
from workbench.engine.core.steps.rename import snake_case

LOOKED_AT = 2000
FIND_LABELS = 3
_CODE = re.compile(r"^\d{1,8}$")
_PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")
_ES_NUMBER = re.compile(r"^-?\d{1,3}(\.\d{3})*(,\d+)?$|^-?\d+(,\d+)?$")
CAST_TYPES = ("text", "int", "float", "decimal", "date", "bool")


class ProposalError(WorkbenchError):
    code = "proposal-invalid"
    kind = "invalid"
    title = "The new spec cannot be made"
    template = "{message}"
    template_es = "{message_es}"


def _values(series: pd.Series) -> pd.Series:
    text = series.dropna().astype("str").str.strip()
    return text[text.ne("")].head(LOOKED_AT)


def _kind(values: pd.Series) -> str:
    if values.empty:
        return "empty"
    if values.str.match(_CODE).all() and values.str.len().max() <= 6:
        return "code"
    if values.str.match(_PLAIN_NUMBER).mean() >= 0.95 or values.str.match(_ES_NUMBER).mean() >= 0.95:
        return "number"
    return "text"


def _separators(columns: list[pd.Series], workbook: bool) -> tuple[str, str]:
    """(decimal, thousands) the amounts use: a workbook's numbers arrive as plain ``1234.5``; a CSV from DIPRES
    writes ``1.234,5`` (es-CL) or plain integers."""
    text = pd.concat(columns) if columns else pd.Series([], dtype="str")
    if workbook or (text.str.contains(r"\.\d+$").any() and not text.str.contains(",").any()
                    and not text.str.contains(r"\.\d{3}\.").any()):
        return ".", ""
    return ",", "."


def _scale(values: pd.Series, decimal: str) -> int:
    parts = values.str.split(re.escape(decimal), regex=True).str[1].dropna()
    return int(min(max(parts.str.len().max() if len(parts) else 0, 0), 6))


def propose(data: bytes, *, filename: str, sheet: int | str | None = None, sample_rows: int = 20) -> dict[str, Any]:
    """What the editor proposes for a new file: source options, header, columns with kinds and roles."""
    options = SourceOptions() if sheet in (None, "") else SourceOptions(sheet=sheet)
    grid = read_report_sheet(data, options, filename=filename, sheet_chosen=sheet not in (None, ""))
    source = grid.source.to_dict()
    header_row = guess_header_row(grid)
    header = HeaderOptions(row=header_row) if header_row else HeaderOptions(none=True)
    table, labels, _ = build_table(grid, options.model_copy(update={"header": header}))
    raw = raw_summary(grid, sample_rows)
    workbook = source["format"] != "csv"
    find = [label for label in labels if label and label.strip()][:FIND_LABELS]
    proposed: dict[str, Any] = {"format": source["format"]}
    if not workbook:
        proposed.update({"encoding": source.get("encoding") or "auto", "delimiter": source.get("delimiter") or "auto"})
    else:
        proposed["sheet"] = source.get("sheet") if source.get("sheet") is not None else 0
    proposed["header"] = {"find": find} if header_row and len(find) >= 2 else (
        {"row": header_row} if header_row else {"none": True})
    columns, numbers = [], []
    seen: set[str] = set()
    for name in table.data_columns:
        values = _values(table.df[name])
        kind = _kind(values)
        snake = snake_case(str(name)) or "columna"
        while snake in seen:
            snake += "_2"
        seen.add(snake)
        if kind == "number":
            numbers.append(values)
        suggest = {"code": "key", "number": "measure", "text": "attribute", "empty": "drop"}[kind]
        width = int(values.str.len().max()) if kind == "code" and len(values) else 0
        columns.append({"name": str(name), "snake": snake, "raw_column": table.origins.get(name), "kind": kind,
                        "suggest": suggest, "examples": list(dict.fromkeys(values.head(50)))[:5],
                        "width": width, "padded": bool(kind == "code" and values.str.len().nunique() == 1)})
    decimal, thousands = _separators(numbers, workbook)
    for column in columns:
        if column["kind"] == "number":
            column["scale"] = _scale(_values(table.df[column["name"]]), decimal)
    return {"filename": filename, "sha256": source.get("sha256"), "format": source["format"],
            "sheets": source.get("sheets") or [], "source": proposed, "header_row": header_row, "labels": labels,
            "columns": columns, "raw": raw, "decimal": decimal, "thousands": thousands, "data_rows": len(table.df)}


def draft_text(proposal: dict[str, Any], *, slug: str, title: str, keys: list[str], measures: list[str],
               types: dict[str, str] | None = None, source: dict[str, Any] | None = None,
               drop: list[str] | None = None, names: dict[str, str] | None = None) -> str:
    """The first spec text from the analyst's choices (columns named by their file labels; ``names`` gives
    some of them another name than their snake_case label); validated."""
    by_name = {c["name"]: c for c in proposal["columns"]}
    unknown = [c for c in (*keys, *measures, *(types or {}), *(drop or []), *(names or {})) if c not in by_name]
    if unknown:
        raise ProposalError(f"columns not in the file: {', '.join(unknown)}",
                            message_es=f"columnas que no están en el archivo: {', '.join(unknown)}")
    if both := sorted(set(keys) & set(measures)):
        raise ProposalError(f"a column cannot be both a key and a measure: {', '.join(both)}",
                            message_es=f"una columna no puede ser clave y medida a la vez: {', '.join(both)}")
    if not keys:
        raise ProposalError("choose at least one key column", message_es="elija al menos una columna clave")
    bad_types = {c: t for c, t in (types or {}).items() if t not in CAST_TYPES}
    if bad_types:
        raise ProposalError(f"unknown types: {bad_types}", message_es=f"tipos desconocidos: {bad_types}")
    snake = {name: c["snake"] for name, c in by_name.items()}
    for name, new in (names or {}).items():
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", new or ""):
            raise ProposalError(f"column name {new!r} must be lowercase snake_case",
                                message_es=f"el nombre de columna {new!r} debe ir en minúsculas_con_guiones_bajos")
        snake[name] = new
    if len(set(snake.values())) != len(snake):
        raise ProposalError("two columns would get the same name", message_es="dos columnas quedarían con el mismo nombre")
    dropped = set(drop or []) | {c["name"] for c in proposal["columns"] if c["kind"] == "empty"} - set(keys) - set(measures)
    kept = [c["name"] for c in proposal["columns"] if c["name"] not in dropped]
    renames = {name: snake[name] for name in kept if snake_case(name) != snake[name]}
    casts: dict[str, Any] = {}
    for name in kept:
        column, wanted = by_name[name], (types or {}).get(name)
        if name in measures:
            wanted = wanted or "decimal"
        if name in keys and not wanted:
            wanted = "text"
        if not wanted:
            continue
        cast: dict[str, Any] = {"type": wanted}
        if wanted == "text" and column["kind"] == "code" and not column["padded"] and column["width"] > 1:
            cast["pad"] = column["width"]  # the workbook lost the leading zeros (05 read as 5)
        if wanted == "decimal":
            cast["scale"] = max(int(column.get("scale") or 0), 0)
        casts[snake[name]] = cast if len(cast) > 1 else wanted
    bronze: list[dict[str, Any]] = []
    rename: dict[str, Any] = {"type": "rename"}
    if renames:
        rename["mapping"] = renames
    rename["snake_case"] = True
    bronze.append(rename)
    bronze.append({"type": "strip"})
    if dropped:
        bronze.append({"type": "drop", "columns": [snake[c["name"]] for c in proposal["columns"] if c["name"] in dropped]})
    key_names = [snake[k] for k in keys]
    where = {"column": key_names[0], "empty": True} if len(key_names) == 1 else {
        "all": [{"column": k, "empty": True} for k in key_names]}
    bronze.append({"type": "drop_rows", "where": where})
    if casts:
        bronze.append({"type": "type_cast", "decimal": proposal["decimal"], "thousands": proposal["thousands"],
                       "columns": casts})
    order = [snake[n] for n in keys] + [snake[n] for n in kept if n not in keys and n not in measures] + \
        [snake[n] for n in measures]
    bronze.append({"type": "select", "columns": order})
    layers: dict[str, Any] = {"bronze": bronze}
    if measures:
        layers["silver"] = [{"type": "melt", "value_columns": [snake[m] for m in measures], "variable": "medida",
                             "value": "monto"}]
    chosen = source if source is not None else proposal["source"]
    if not isinstance(chosen, dict) or not isinstance(chosen.get("header") or {}, dict):
        raise ProposalError("the source options must be a mapping whose `header` is a mapping",
                            message_es="las opciones de lectura deben ser un mapa cuyo `header` sea un mapa")
    header = dict(chosen.get("header") or {})
    doc = {
        "dataset": {"slug": slug, "title": title, "description": f"Creado en el editor de reglas desde {proposal['filename']}.",
                    "owner": ""},
        "source": dict(chosen) | {"header": header},
        "layers": layers,
        "expectations": {"bronze": [{"type": "expect_table_row_count_to_be_between", "id": "filas", "min_value": 1,
                                     "description": "El archivo trae al menos una fila de datos."}]},
    }
    lines = [SCHEMA_COMMENT + "\n",
             f"# Made in the rule editor from {proposal['filename']} on {date.today().isoformat()}.\n"]
    for key, value in doc.items():
        lines.extend(dump_lines({key: as_nodes(value)}, 0))
    text = "".join(lines)
    parse_spec(text, f"specs/{slug}.yaml")
    return text


__all__ = ["CAST_TYPES", "ProposalError", "draft_text", "propose"]
