"""The spec patch a drift report proposes: the spec's YAML edited in place, shown as a unified diff.

The YAML is edited as text at the nodes the fixes name (found with ``yaml.compose``, which keeps positions), so
the comments, the order and the formatting of everything else stay as they were and the diff shows only the
change. Fixes (``op``):

- ``rename``: a first ``rename`` step in the first layer maps the file's new label back to the old one
  (``missing: ignore``, so files of both layouts read); with ``find``, the label is replaced in ``header.find``;
- ``unlist``: a removed column leaves the ``select``, ``type_cast`` and ``melt`` lists that named it;
- ``melt_add``: a new period column joins the ``melt`` and ``select`` lists after its neighbour;
- ``header_row`` and ``sheet``: the new fixed header row or sheet name;
- ``many``: several of the above.

Nothing is written here: ``SpecPatch.text`` is the patched YAML, ``diff`` the diff against the current one.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import yaml

from workbench.engine.core.readers.header import normalize_label

#: Flow lists are wrapped at this width when rewritten (the specs' own style).
WIDTH = 110


@dataclass
class SpecPatch:
    text: str
    diff: str
    fixes: list[dict[str, Any]]
    verified: bool = False  # the patched spec, checked on the same file, reports no breaking drift

    def to_dict(self) -> dict[str, Any]:
        return {"diff": self.diff, "yaml": self.text, "fixes": self.fixes, "verified": self.verified}


class _Edits:
    """Text replacements by offset, applied back to front (targets never overlap)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.edits: list[tuple[int, int, str]] = []

    def replace(self, node: yaml.Node, new: str) -> None:
        self.edits.append((node.start_mark.index, node.end_mark.index, new))

    def insert(self, at: int, new: str) -> None:
        self.edits.append((at, at, new))

    def apply(self) -> str:
        text = self.text
        for start, end, new in sorted(self.edits, key=lambda e: (e[0], e[1]), reverse=True):
            text = text[:start] + new + text[end:]
        return text


def _get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return v
    return None


def _scalar(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10**6).strip().removesuffix("\n...")


def _flow_list(items: list[str], column: int) -> str:
    """``[a, b, ...]`` wrapped at WIDTH with continuation lines under the first item (as the specs write them)."""
    parts = [_scalar(item) for item in items]
    lines, line = [], "["
    for i, part in enumerate(parts):
        piece = part + ("," if i < len(parts) - 1 else "]")
        if len(line) > 1 and column + len(line) + 1 + len(piece) > WIDTH:
            lines.append(line.rstrip())
            line = " " * (column + 1)
        line += piece + ("" if piece.endswith("]") else " ")
    if not parts:
        line = "[]"
    lines.append(line)
    return "\n".join(lines)


def _flow_map(mapping: dict[str, str]) -> str:
    return "{" + ", ".join(f"{_scalar(k)}: {_scalar(v)}" for k, v in mapping.items()) + "}"


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _steps(root: yaml.Node) -> list[yaml.MappingNode]:
    layers = _get(root, "layers")
    out = []
    if isinstance(layers, yaml.MappingNode):
        for _, seq in layers.value:
            if isinstance(seq, yaml.SequenceNode):
                out.extend(step for step in seq.value if isinstance(step, yaml.MappingNode))
    return out


def _type(step: yaml.MappingNode) -> str | None:
    node = _get(step, "type")
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _values(node: yaml.Node | None) -> list[str]:
    return [item.value for item in node.value if isinstance(item, yaml.ScalarNode)] \
        if isinstance(node, yaml.SequenceNode) else []


def _flatten(fixes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for fix in fixes:
        out.extend(_flatten(fix["fixes"]) if fix.get("op") == "many" else [fix])
    return out


def propose_patch(spec_text: str, fixes: list[dict[str, Any]], *, name: str = "spec.yaml") -> SpecPatch | None:
    """The spec with ``fixes`` applied (see the module docstring), or None when none applies to this YAML."""
    fixes = _flatten(fixes)
    root = yaml.compose(spec_text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    edits = _Edits(spec_text)
    renames = {f["from"]: f["to"] for f in fixes if f["op"] == "rename"}
    finds = [f["find"] for f in fixes if f["op"] == "rename" and f.get("find")]
    lists: dict[int, tuple[yaml.Node, list[str]]] = {}

    def edit_list(node: yaml.Node | None, change: Any) -> None:
        if isinstance(node, yaml.SequenceNode):
            current = lists.get(id(node), (node, _values(node)))[1]
            lists[id(node)] = (node, change(list(current)))

    header = _get(_get(root, "source"), "header")
    if finds:
        find = _get(header, "find")
        swap = {normalize_label(f["old"]): f["new"] for f in finds}
        edit_list(find, lambda items: [swap.get(normalize_label(i), i) for i in items])
    if renames:
        _add_renames(root, spec_text, edits, renames)
    for fix in fixes:
        if fix["op"] == "unlist":
            for step in _steps(root):
                kind = _type(step)
                if kind == "select":
                    edit_list(_get(step, "columns"), lambda items, n=fix["name"]: [i for i in items if i != n])
                elif kind == "melt":
                    edit_list(_get(step, "value_columns"), lambda items, n=fix["name"]: [i for i in items if i != n])
                elif kind == "type_cast":
                    _drop_key(_get(step, "columns"), fix["name"], spec_text, edits)
        elif fix["op"] == "melt_add":
            for step in _steps(root):
                if _type(step) in ("select", "melt"):
                    node = _get(step, "columns" if _type(step) == "select" else "value_columns")
                    edit_list(node, lambda items, f=fix: _after(items, f["after"], f["name"]))
        elif fix["op"] == "header_row":
            row = _get(header, "row")
            if isinstance(row, yaml.ScalarNode):
                edits.replace(row, str(fix["row"]))
        elif fix["op"] == "sheet":
            sheet = _get(_get(root, "source"), "sheet")
            if isinstance(sheet, yaml.ScalarNode):
                edits.replace(sheet, _scalar(fix["sheet"]))
    for node, items in lists.values():
        if items != _values(node):
            edits.replace(node, _flow_list(items, node.start_mark.column))
    if not edits.edits:
        return None
    text = edits.apply()
    diff = "".join(difflib.unified_diff(spec_text.splitlines(keepends=True), text.splitlines(keepends=True),
                                        fromfile=name, tofile=f"{name}.proposed"))
    return SpecPatch(text=text, diff=diff, fixes=fixes)


def _after(items: list[str], after: str, name: str) -> list[str]:
    if name in items or after not in items:
        return items
    at = items.index(after) + 1
    return items[:at] + [name] + items[at:]


def _drop_key(mapping: yaml.Node | None, key: str, text: str, edits: _Edits) -> None:
    """Remove ``key: value`` from a block mapping (its whole lines)."""
    if not isinstance(mapping, yaml.MappingNode) or mapping.flow_style:
        return
    for k, v in mapping.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            start = _line_start(text, k.start_mark.index)
            end = v.end_mark.index
            end = end if v.end_mark.column == 0 else text.find("\n", end) + 1 or len(text)
            edits.edits.append((start, end, ""))


def _add_renames(root: yaml.Node, text: str, edits: _Edits, renames: dict[str, str]) -> None:
    """Merge into the drift ``rename`` step at the top of the first layer, or insert one there."""
    layers = _get(root, "layers")
    if not isinstance(layers, yaml.MappingNode) or not layers.value:
        return
    seq = layers.value[0][1]
    if not isinstance(seq, yaml.SequenceNode) or seq.flow_style or not seq.value:
        return
    first = seq.value[0]
    mapping = _get(first, "mapping")
    missing = _get(first, "missing")
    if (_type(first) == "rename" and isinstance(missing, yaml.ScalarNode) and missing.value == "ignore"
            and isinstance(mapping, yaml.MappingNode) and {k.value for k, _ in first.value} <= {"type", "mapping", "missing"}):
        current = {k.value: v.value for k, v in mapping.value}
        edits.replace(mapping, _flow_map({**current, **renames}))
        return
    dash = first.start_mark.column - 2
    pad = " " * dash
    block = (f"{pad}- type: rename  # proposed by `workbench drift`: the file's new labels read as before\n"
             f"{pad}  mapping: {_flow_map(renames)}\n{pad}  missing: ignore\n")
    edits.insert(_line_start(text, first.start_mark.index), block)


__all__ = ["SpecPatch", "propose_patch"]
