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
    lists = _ListEdits()
    renames = {f["from"]: f["to"] for f in fixes if f["op"] == "rename"}
    header = _get(_get(root, "source"), "header")
    for fix in fixes:
        if fix["op"] == "rename" and fix.get("find"):
            lists.replace(_get(header, "find"), fix["find"]["old"], fix["find"]["new"])
        elif fix["op"] == "unlist":
            _unlist(root, fix, spec_text, edits, lists)
        elif fix["op"] == "melt_add":
            for step in _steps(root):
                if _type(step) in ("select", "melt"):
                    lists.add_after(_get(step, "columns" if _type(step) == "select" else "value_columns"),
                                    fix["after"], fix["name"])
        elif fix["op"] == "header_row" and isinstance(row := _get(header, "row"), yaml.ScalarNode):
            edits.replace(row, str(fix["row"]))
        elif fix["op"] == "sheet" and isinstance(sheet := _get(_get(root, "source"), "sheet"), yaml.ScalarNode):
            edits.replace(sheet, _scalar(fix["sheet"]))
    if renames:
        _add_renames(root, spec_text, edits, renames)
    lists.emit(edits)
    if not edits.edits:
        return None
    text = edits.apply()
    diff = "".join(difflib.unified_diff(spec_text.splitlines(keepends=True), text.splitlines(keepends=True),
                                        fromfile=name, tofile=f"{name}.proposed"))
    return SpecPatch(text=text, diff=diff, fixes=fixes)


class _ListEdits:
    """Edits of YAML lists: a flow list (``[a, b]``) is edited item by item, so its line breaks stay; a block list
    is written again as a flow list."""

    def __init__(self) -> None:
        self.ops: dict[int, tuple[yaml.SequenceNode, dict[str, Any]]] = {}

    def _op(self, node: yaml.Node | None) -> dict[str, Any] | None:
        if not isinstance(node, yaml.SequenceNode):
            return None
        return self.ops.setdefault(id(node), (node, {"remove": set(), "after": {}, "replace": {}}))[1]

    def remove(self, node: yaml.Node | None, item: str) -> None:
        if (op := self._op(node)) is not None and item in _values(node):
            op["remove"].add(item)

    def add_after(self, node: yaml.Node | None, after: str, item: str) -> None:
        if (op := self._op(node)) is not None and after in _values(node) and item not in _values(node):
            op["after"][after] = item

    def replace(self, node: yaml.Node | None, old: str, new: str) -> None:
        if (op := self._op(node)) is not None:
            op["replace"][normalize_label(old)] = new

    def emit(self, edits: _Edits) -> None:
        for node, op in self.ops.values():
            items = [i for i in node.value if isinstance(i, yaml.ScalarNode)]
            if not node.flow_style:
                values = []
                for item in items:
                    if item.value not in op["remove"]:
                        values.append(op["replace"].get(normalize_label(item.value), item.value))
                    if item.value in op["after"]:
                        values.append(op["after"][item.value])
                if values != [i.value for i in items]:
                    edits.replace(node, _flow_list(values, node.start_mark.column))
                continue
            for k, item in enumerate(items):
                if item.value in op["remove"]:
                    if k + 1 < len(items):
                        edits.edits.append((item.start_mark.index, items[k + 1].start_mark.index, ""))
                    elif k > 0:
                        edits.edits.append((items[k - 1].end_mark.index, item.end_mark.index, ""))
                elif (new := op["replace"].get(normalize_label(item.value))) is not None and new != item.value:
                    edits.replace(item, _scalar(new))
                if item.value in op["after"]:
                    edits.insert(item.end_mark.index, ", " + _scalar(op["after"][item.value]))


def _unlist(root: yaml.Node, fix: dict[str, Any], text: str, edits: _Edits, lists: _ListEdits) -> None:
    """A removed column out of the ``select``, ``melt`` and ``type_cast`` lists, and out of ``rename`` mappings."""
    for step in _steps(root):
        kind = _type(step)
        if kind == "select":
            lists.remove(_get(step, "columns"), fix["name"])
        elif kind == "melt":
            lists.remove(_get(step, "value_columns"), fix["name"])
        elif kind == "type_cast":
            _drop_key(_get(step, "columns"), fix["name"], text, edits)
        elif kind == "rename" and fix.get("label"):
            mapping = _get(step, "mapping")
            if isinstance(mapping, yaml.MappingNode) and mapping.flow_style:
                entries = mapping.value
                for k, (key, value) in enumerate(entries):
                    if key.value == fix["label"] and k + 1 < len(entries):
                        edits.edits.append((key.start_mark.index, entries[k + 1][0].start_mark.index, ""))
                    elif key.value == fix["label"] and k > 0:
                        edits.edits.append((entries[k - 1][1].end_mark.index, value.end_mark.index, ""))
            else:
                _drop_key(mapping, fix["label"], text, edits)


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
