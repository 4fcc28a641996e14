"""The changes a drift report names, and whether each breaks the spec (drift.py puts them together).

A change breaks the spec when the spec would no longer read the file right: a header label it looks for is gone,
a column it uses gets another name after its ``rename`` steps (or is gone), a column it casts to a number now
holds text, its named sheet or fixed header row moved, the footer row it captures changed. Everything else (a
moved column the spec reads by name, an added column, a new month in a header) is informational.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from workbench.engine.core.drift_match import SIMILAR, Pair, has_period, match_columns, similarity
from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.layout import ColumnShape, Layout
from workbench.engine.core.params import resolve_params
from workbench.engine.core.pipeline import run_pipeline
from workbench.engine.core.readers.header import normalize_label
from workbench.engine.core.spec.models import Spec
from workbench.engine.core.steps.rename import snake_case
from workbench.engine.core.table import Table

#: Data rows the trial run takes (the head, plus the footer rows): enough to meet every column-level step.
TRIAL_ROWS = 200
KIND_ES = {"code": "código", "number": "número", "text": "texto", "date": "fecha", "empty": "vacía"}
NUMERIC_CASTS = {"int", "float", "decimal", "date", "bool"}
#: Changes that are not drift at all: a new month in a header the spec reads the same (every month's file has one).
INFO_KINDS = ("period_changed",)


@dataclass
class Change:
    """One difference, in English and Spanish, with what locates it and (when a spec edit fixes it) the fix."""

    kind: str
    breaking: bool
    message: str
    message_es: str
    details: dict[str, Any] = field(default_factory=dict)
    fix: dict[str, Any] | None = None

    @property
    def severity(self) -> str:
        """``breaking``, ``compatible`` (drift the spec still reads right) or ``info`` (not drift)."""
        return "breaking" if self.breaking else "info" if self.kind in INFO_KINDS else "compatible"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "breaking": self.breaking, "severity": self.severity,
                "message": self.message, "message_es": self.message_es, "details": self.details,
                "fixable": self.fix is not None}


# --- what the spec reads ----------------------------------------------------------------------------------------


def spec_names(spec: Spec, labels: list[str]) -> dict[str, str]:
    """label -> the column name it gets after the spec's leading ``rename`` steps (mapping, patterns, snake_case)."""
    names = {label: label.strip() for label in labels}
    for step in next(iter(spec.layers.values()), []):
        if getattr(step, "type", None) != "rename":
            break
        for label, current in names.items():
            if current in step.mapping:
                names[label] = step.mapping[current]
                continue
            for pattern, new in step.patterns.items():
                if m := re.search(pattern, current):
                    names[label] = m.expand(new)
                    break
            else:
                names[label] = snake_case(current) if step.snake_case else current
    return names


def _walk(value: Any, out: set[str]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            out.add(str(k))
            _walk(v, out)
    elif isinstance(value, list):
        for v in value:
            _walk(v, out)
    elif isinstance(value, str):
        out.add(value)


def spec_words(spec: Spec) -> set[str]:
    """Every name and value the spec's steps and expectations mention (a column is used when its name is here)."""
    out: set[str] = set()
    dumped = spec.model_dump(mode="json")
    for layer in dumped["layers"].values():
        for step in layer:
            _walk({k: v for k, v in step.items() if k not in ("type", "mapping", "patterns")}
                  if step.get("type") == "rename" else step, out)
    _walk(dumped.get("expectations") or {}, out)
    return out


def casts(spec: Spec) -> dict[str, str]:
    """column -> the type the spec's ``type_cast`` steps give it."""
    out: dict[str, str] = {}
    for steps in spec.layers.values():
        for step in steps:
            if getattr(step, "type", None) == "type_cast":
                for name, cast in step.columns.items():
                    out[name] = cast if isinstance(cast, str) else cast.type
    return out


def _find_labels(spec: Spec) -> set[str]:
    return {normalize_label(label) for label in spec.source.header.find or []}


# --- comparing two layouts ---------------------------------------------------------------------------------------


def compare_layouts(spec: Spec, old: Layout, new: Layout, *, found_by_spec: bool) -> list[Change]:
    matching = match_columns(old.columns, new.columns)
    old_names = spec_names(spec, old.labels)
    new_names = spec_names(spec, new.labels)
    used, cast_to, find = spec_words(spec), casts(spec), _find_labels(spec)
    changes = _sheet_and_header(spec, old, new)
    changes += _moves(spec, matching.moved, matching.pairs)
    for pair in matching.pairs:
        if pair.how != "same":
            changes.append(_renamed(pair, old_names, new_names, used, find, found_by_spec))
        kind = _kind_change(pair, new_names.get(pair.new.label, ""), cast_to)
        if kind is not None:
            changes.append(kind)
    period_names = [new_names.get(p.new.label) for p in matching.pairs if has_period(p.new.label)]
    for column in matching.added:
        changes.append(_added(column, new_names.get(column.label, column.label), period_names, spec))
    for column in matching.removed:
        changes.append(_removed(column, old_names.get(column.label, column.label), used, find, spec))
    if [normalize_label(f) for f in old.footer] != [normalize_label(f) for f in new.footer]:
        changes.append(_footer(old.footer, new.footer, used))
    if not found_by_spec and not any(c.breaking for c in changes):
        changes.append(_header_missing(spec, new, []))
    return changes


def _sheet_and_header(spec: Spec, old: Layout, new: Layout) -> list[Change]:
    changes = []
    if old.sheet and new.sheet and old.sheet != new.sheet and old.sheet not in new.sheets:
        named = spec.source.sheet == old.sheet
        changes.append(Change(
            "sheet_renamed", named, f"sheet '{old.sheet}' is now '{new.sheet}'",
            f"la hoja '{old.sheet}' ahora se llama '{new.sheet}'", {"old": old.sheet, "new": new.sheet},
            {"op": "sheet", "sheet": new.sheet} if named else None))
    if old.header_row is not None and new.header_row is not None and old.header_row != new.header_row:
        fixed = spec.source.header.row is not None and spec.source.header.row != new.header_row
        changes.append(Change(
            "header_shifted", fixed,
            f"header row moved: row {old.header_row} -> {new.header_row} ({old.title_rows} -> {new.title_rows} title rows)",
            f"la fila de encabezado se movió: fila {old.header_row} -> {new.header_row} "
            f"({old.title_rows} -> {new.title_rows} filas de título)",
            {"old": old.header_row, "new": new.header_row, "title_rows": [old.title_rows, new.title_rows]},
            {"op": "header_row", "row": new.header_row} if fixed else None))
    return changes


def sheet_missing(spec: Spec, read: str | None) -> Change:
    """The sheet the spec names is not in the workbook (no earlier layout to compare with): the first one was read."""
    return Change("sheet_renamed", True, f"the workbook has no sheet '{spec.source.sheet}'; sheet '{read}' was read",
                  f"el libro no tiene la hoja '{spec.source.sheet}'; se leyó la hoja '{read}'",
                  {"old": spec.source.sheet, "new": read}, {"op": "sheet", "sheet": read} if read else None)


def _moves(spec: Spec, moved: list[Pair], pairs: list[Pair]) -> list[Change]:
    """Moved columns; two that traded places are one ``swapped`` change (same-typed numbers: check the figures)."""
    by_position = {p.old.position: p for p in pairs}
    positional = spec.source.header.none
    changes, done = [], set()
    for pair in moved:
        other = by_position.get(pair.new.position)
        if other is not None and other is not pair and other.new.position == pair.old.position:
            if id(other) in done:
                continue
            done.add(id(pair))
            a, b = sorted((pair, other), key=lambda p: p.new.position)
            changes.append(Change(
                "swapped", positional,
                f"columns '{a.new.label}' and '{b.new.label}' traded places ({b.old.letter} <-> {a.old.letter})",
                f"las columnas '{a.new.label}' y '{b.new.label}' intercambiaron su posición "
                f"({b.old.letter} <-> {a.old.letter})",
                {"columns": [a.new.label, b.new.label], "old": [a.old.letter, b.old.letter],
                 "new": [a.new.letter, b.new.letter], "same_kind": a.new.kind == b.new.kind}))
            continue
        changes.append(Change(
            "moved", positional, f"column '{pair.new.label}' moved: {pair.old.letter} -> {pair.new.letter}",
            f"la columna '{pair.new.label}' se movió: {pair.old.letter} -> {pair.new.letter}",
            {"column": pair.new.label, "old": pair.old.letter, "new": pair.new.letter,
             "old_position": pair.old.position + 1, "new_position": pair.new.position + 1}))
    return changes


def _renamed(pair: Pair, old_names: dict[str, str], new_names: dict[str, str], used: set[str], find: set[str],
             found_by_spec: bool) -> Change:
    old_name, new_name = old_names.get(pair.old.label, ""), new_names.get(pair.new.label, "")
    in_find = normalize_label(pair.old.label) in find
    breaking = (old_name != new_name and old_name in used) or (in_find and not found_by_spec)
    details = {"old": pair.old.label, "new": pair.new.label, "column": pair.new.letter, "similarity": pair.score,
               "reads_as": new_name, "was_read_as": old_name}
    fix = None
    if breaking:
        fix = {"op": "rename", "from": pair.new.label.strip(), "to": pair.old.label.strip()}
        if in_find:
            fix["find"] = {"old": pair.old.label.strip(), "new": pair.new.label.strip()}
        details["suggested_mapping"] = {pair.new.label.strip(): pair.old.label.strip()}
    if pair.how == "period" and not breaking:
        return Change("period_changed", False,
                      f"column {pair.new.letter}: the period in its header changed: '{pair.old.label}' -> '{pair.new.label}'",
                      f"columna {pair.new.letter}: cambió el período de su encabezado: '{pair.old.label}' -> "
                      f"'{pair.new.label}'", details)
    similar = f"similarity {pair.score:.0%}".replace("%", " %")
    return Change("renamed", breaking,
                  f"column {pair.new.letter} renamed: '{pair.old.label}' -> '{pair.new.label}' ({similar})",
                  f"la columna {pair.new.letter} cambió de nombre: '{pair.old.label}' -> '{pair.new.label}' "
                  f"(similitud {pair.score:.0%})".replace("%)", " %)"), details, fix)


def _kind_change(pair: Pair, name: str, cast_to: dict[str, str]) -> Change | None:
    old, new = pair.old.kind, pair.new.kind
    family = {"code": "number"}
    if "empty" in (old, new) or family.get(old, old) == family.get(new, new):
        return None
    breaking = cast_to.get(name) in NUMERIC_CASTS and new in ("text", "date") or \
        (cast_to.get(name) == "date" and new != "date")
    sample = ", ".join(repr(v) for v in pair.new.sample)
    return Change("kind_changed", breaking,
                  f"column '{pair.new.label}' ({pair.new.letter}) held {old} values, now {new} (e.g. {sample})",
                  f"la columna '{pair.new.label}' ({pair.new.letter}) tenía valores de tipo {KIND_ES[old]}, ahora "
                  f"{KIND_ES[new]} (p. ej. {sample})",
                  {"column": pair.new.label, "old": old, "new": new, "sample": pair.new.sample,
                   "cast": cast_to.get(name)})


def _added(column: ColumnShape, name: str, period_names: list[str | None], spec: Spec) -> Change:
    melt_takes = [n for n in period_names if n and any(n in getattr(s, "value_columns", []) for s in _steps(spec))]
    if has_period(column.label) and melt_takes:
        return Change("new_period_column", False,
                      f"new period column '{column.label}' ({column.letter}): melt takes it once it is listed",
                      f"nueva columna de período '{column.label}' ({column.letter}): melt la tomará al agregarla "
                      "a la lista", {"column": column.label, "letter": column.letter, "after": melt_takes[-1]},
                      {"op": "melt_add", "name": name, "after": melt_takes[-1]})
    return Change("added", False, f"new column '{column.label}' at {column.letter}",
                  f"columna nueva '{column.label}' en {column.letter}",
                  {"column": column.label, "letter": column.letter, "position": column.position + 1,
                   "kind": column.kind})


def _removed(column: ColumnShape, name: str, used: set[str], find: set[str], spec: Spec) -> Change:
    in_find = normalize_label(column.label) in find
    breaking = name in used or in_find
    others = _uses_beyond_lists(spec, name)
    fix = {"op": "unlist", "name": name, "label": column.label.strip()} if breaking and not in_find and not others else None
    details = {"column": column.label, "letter": column.letter, "name": name, "used_by": others}
    return Change("removed", breaking, f"column '{column.label}' (was {column.letter}) is gone",
                  f"la columna '{column.label}' (antes {column.letter}) ya no está", details, fix)


def _steps(spec: Spec) -> list[Any]:
    return [step for steps in spec.layers.values() for step in steps]


def _uses_beyond_lists(spec: Spec, name: str) -> list[str]:
    """Where the spec uses ``name`` other than in a ``select``, ``type_cast`` or ``melt`` list (which a patch edits)."""
    out = []
    dumped = spec.model_dump(mode="json")
    for layer, steps in dumped["layers"].items():
        for i, step in enumerate(steps):
            rest = {k: v for k, v in step.items()
                    if not (step["type"] == "select" and k == "columns" or step["type"] == "type_cast" and k == "columns"
                            or step["type"] == "melt" and k == "value_columns"
                            or step["type"] == "rename" and k in ("mapping", "patterns"))}
            words: set[str] = set()
            _walk(rest, words)
            if name in words:
                out.append(f"{layer}[{i}] {step['type']}")
    for layer, items in (dumped.get("expectations") or {}).items():
        for item in items:
            words = set()
            _walk(item, words)
            if name in words:
                out.append(f"expectations.{layer} {item.get('id') or item.get('type')}")
    return out


def _footer(old: list[str], new: list[str], used: set[str]) -> Change:
    lost = [text for text in old if text not in new]
    breaking = any(word in used for text in lost for word in text.split(" | "))
    shown_old, shown_new = " / ".join(old) or "—", " / ".join(new) or "—"
    return Change("footer_changed", breaking, f"footer changed: {shown_old} -> {shown_new}",
                  f"cambió el pie de la tabla: {shown_old} -> {shown_new}", {"old": old, "new": new})


def _header_missing(spec: Spec, layout: Layout, suggestions: list[dict[str, Any]]) -> Change:
    present = {normalize_label(label) for label in layout.labels}
    missing = [f for f in spec.source.header.find or [] if normalize_label(f) not in present] or \
        list(spec.source.header.find or [])
    shown = ", ".join(repr(f) for f in missing)
    hint = "; ".join(f"'{s['new']}' may be '{s['old']}'" for s in suggestions)
    hint_es = "; ".join(f"'{s['new']}' podría ser '{s['old']}'" for s in suggestions)
    return Change("header_not_found", True,
                  f"the header has no {shown} (a label the spec looks for)" + (f": {hint}" if hint else ""),
                  f"el encabezado no tiene {shown} (etiqueta que busca la especificación)"
                  + (f": {hint_es}" if hint_es else ""),
                  {"labels": spec.source.header.find, "missing": missing, "suggestions": suggestions})


# --- without a fingerprint ---------------------------------------------------------------------------------------


def spec_only_changes(spec: Spec, layout: Layout, *, found_by_spec: bool) -> list[Change]:
    """With no earlier run to compare with, only the spec's own header labels can be checked: each missing one
    is matched with the most similar label of the guessed header row."""
    if found_by_spec:
        return []
    present = {normalize_label(label): label for label in layout.labels if label}
    used, names = spec_words(spec), spec_names(spec, list(present.values()))
    free = [label for label in present.values() if names[label] not in used]  # labels the spec does not read yet
    missing = [label for label in spec.source.header.find or [] if normalize_label(label) not in present]
    changes, suggestions = [], []
    for label in missing:
        best = max(free, key=lambda other: similarity(label, other), default=None)
        if best is not None and (similarity(label, best) >= SIMILAR or len(missing) == len(free) == 1):
            suggestions.append({"old": label, "new": best, "similarity": similarity(label, best)})
    fixes = [{"op": "rename", "from": s["new"], "to": s["old"], "find": {"old": s["old"], "new": s["new"]}}
             for s in suggestions]
    change = _header_missing(spec, layout, suggestions)
    if fixes and len(fixes) == len([f for f in spec.source.header.find or [] if normalize_label(f) not in present]):
        change.fix = {"op": "many", "fixes": fixes}
    changes.append(change)
    return changes


def trial_error(spec: Spec, table: Table, labels: list[str], titles: list[tuple[int, str]],
                filename: str | None) -> Change | None:
    """Run the spec's steps on the file's first rows and its footer: a column the spec needs and no longer finds
    (``column-not-found``, a ``rename`` that matches nothing) is breaking drift. Value problems are not layout
    drift: the preview's QA shows them."""
    df = table.df if len(table.df) <= TRIAL_ROWS + 5 else pd.concat([table.df.head(TRIAL_ROWS), table.df.tail(5)])
    sample = table.with_df(df.reset_index(drop=True))
    try:
        params = resolve_params(spec, {}, filename)
    except WorkbenchError:
        return None
    try:
        run_pipeline(spec, sample, params=params, raw_header=labels, preamble=titles, source_file=filename,
                     sample_rows=0)
    except WorkbenchError as exc:
        structural = exc.code == "column-not-found" or exc.code == "step-failed" and \
            str(exc.details.get("step", "")).endswith(" rename")
        if structural:
            return Change("spec_error", True, f"the spec no longer reads this file: {exc.message}",
                          f"la especificación ya no lee este archivo: {exc.message_es}", {"error": exc.to_dict()})
    return None


__all__ = ["Change", "casts", "compare_layouts", "sheet_missing", "spec_names", "spec_only_changes", "spec_words", "trial_error"]
