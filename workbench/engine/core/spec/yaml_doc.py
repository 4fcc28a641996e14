"""Edit a spec's YAML text the way a careful person would: only the lines of what changed move.

The rule editor changes specs step by step. Each edit (add, update, move, delete or switch off a step; replace a
spec-level section) is applied to the YAML *text*: the lines of the step or section it touches are re-rendered
with ruamel.yaml (round-trip mode, so comments and key order inside an updated step survive) and spliced in;
every other line, comment, blank line and hand-wrapped flow list stays byte for byte. Loading and saving a spec
with no edit gives the same text, and an edit's diff is the edit (``tests/unit/test_yaml_doc.py``).

Text is parsed with ruamel only after ``parse_spec`` accepted it (the safe loader refuses tags, aliases, deep
nesting and oversize files first), and every result is validated again: an edit either gives a valid spec or
raises and changes nothing.
"""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import TypeAdapter
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.spec.loader import parse_spec
from workbench.engine.core.spec.models import LAYERS, Spec
from workbench.engine.core.spec.yaml_render import (as_nodes, dump_lines, indent_of, is_filler, merge_into, same_data,
                                                    yaml_writer)
from workbench.engine.core.steps.registry import AnyStep

#: Top-level sections in the order a new one is placed.
SECTION_ORDER = ("dataset", "source", "parameters", "layers", "exposures", "expectations", "publication", "automation")
#: Sections an edit may replace as a whole (``layers`` changes step by step).
SECTIONS = tuple(s for s in SECTION_ORDER if s != "layers")


class EditError(WorkbenchError):
    code = "edit-invalid"
    kind = "invalid"
    title = "The edit cannot be applied"
    template = "{message}"
    template_es = "{message_es}"


class SpecDocument:
    """A spec's YAML text with the positions of its sections and steps."""

    def __init__(self, text: str, filename: str = "<spec>") -> None:
        self.spec: Spec = parse_spec(text, filename)  # refuses unsafe or invalid text before ruamel reads it
        self.text, self.filename = text, filename
        self.lines = text.splitlines(keepends=True)
        if self.lines and not self.lines[-1].endswith("\n"):
            self.lines[-1] += "\n"
        self.doc: CommentedMap = yaml_writer().load(text)

    # --- spans -----------------------------------------------------------------------------------------------

    def _trim(self, start: int, end: int) -> int:
        while end > start + 1 and is_filler(self.lines[end - 1]):
            end -= 1
        return end

    def section_span(self, key: str) -> tuple[int, int]:
        """Lines [start, end) of a top-level key and its value (trailing comments belong to what follows)."""
        start = self.doc.lc.key(key)[0]
        keys = list(self.doc)
        after = keys.index(key) + 1
        end = self.doc.lc.key(keys[after])[0] if after < len(keys) else len(self.lines)
        while end > start + 1 and is_filler(self.lines[end - 1]):
            end -= 1
        # the next key's own leading comments are filler before it; anything else here is this section's
        return start, end

    def _layer_seq(self, layer: str) -> CommentedSeq:
        layers = self.doc.get("layers")
        if not isinstance(layers, CommentedMap) or layer not in layers:
            raise EditError(f"the spec has no {layer} layer", message_es=f"la especificación no tiene la capa {layer}")
        seq = layers[layer]
        if not isinstance(seq, CommentedSeq):
            seq = CommentedSeq()
        return seq

    def _seq_end(self, seq: CommentedSeq, layer: str) -> int:
        """The line after a layer's last step: the first code line back at the list's level or above."""
        if not len(seq) or seq.fa.flow_style():
            return self.doc["layers"].lc.key(layer)[0] + 1
        first = seq.lc.item(0)[0]
        dash = self.lines[first].index("-")
        line = seq.lc.item(len(seq) - 1)[0] + 1
        while line < len(self.lines):
            text = self.lines[line]
            if not is_filler(text) and (indent_of(text) < dash or (indent_of(text) == dash and not text.lstrip().startswith("-"))):
                break
            line += 1
        return self._trim(seq.lc.item(len(seq) - 1)[0], line)

    def step_span(self, layer: str, index: int) -> tuple[int, int, int]:
        """(first leading-comment line, step start, end) of a step: its ``- type`` line through its last line."""
        seq = self._layer_seq(layer)
        if not 0 <= index < len(seq):
            raise EditError(f"{layer} has {len(seq)} steps; there is no step {index + 1}",
                            message_es=f"la capa {layer} tiene {len(seq)} pasos; no existe el paso {index + 1}")
        if seq.fa.flow_style():
            raise EditError(f"layers.{layer} is written as a flow list; edit it as YAML",
                            message_es=f"layers.{layer} está escrita como lista en línea; edítela como YAML")
        start = seq.lc.item(index)[0]
        end = seq.lc.item(index + 1)[0] if index + 1 < len(seq) else self._seq_end(seq, layer)
        end = self._trim(start, end)
        lead = start
        while lead > 0 and self.lines[lead - 1].strip().startswith("#"):
            lead -= 1
        return lead, start, end

    def stepindent_of(self, layer: str) -> int:
        seq = self._layer_seq(layer)
        if len(seq) and not seq.fa.flow_style():
            return self.lines[seq.lc.item(0)[0]].index("-")
        return self.doc["layers"].lc.key(layer)[1] + 2

    # --- edits (each returns the new text) -------------------------------------------------------------------

    def _splice(self, start: int, end: int, new: list[str]) -> str:
        return "".join(self.lines[:start] + new + self.lines[end:])

    def _render_step(self, node: Any, layer: str) -> list[str]:
        return dump_lines([node], self.stepindent_of(layer))

    def add_step(self, layer: str, step: dict[str, Any], index: int | None = None) -> str:
        layers = self.doc.get("layers")
        if layer not in (layers or {}):
            return self._add_layer(layer, step)
        seq = self._layer_seq(layer)
        index = len(seq) if index is None else index
        if not 0 <= index <= len(seq):
            raise EditError(f"{layer} has {len(seq)} steps; a step cannot go at position {index + 1}",
                            message_es=f"la capa {layer} tiene {len(seq)} pasos; no se puede insertar en la posición {index + 1}")
        rendered = self._render_step(as_nodes(step), layer)
        if not len(seq) or seq.fa.flow_style():
            key_line = self.doc["layers"].lc.key(layer)[0]
            head = f"{' ' * self.doc['layers'].lc.key(layer)[1]}{layer}:\n"
            end = self._layer_block_end(layer)
            return self._splice(key_line, end, [head, *self._merge_flow(seq, rendered, layer, index)])
        at = seq.lc.item(index)[0] if index < len(seq) else self._seq_end(seq, layer)
        if index < len(seq):
            at = self.step_span(layer, index)[0]  # before the next step's leading comments
        return self._splice(at, at, rendered)

    def _merge_flow(self, seq: CommentedSeq, rendered: list[str], layer: str, index: int) -> list[str]:
        steps = [dict(s) for s in seq]
        steps.insert(index, None)  # type: ignore[arg-type]
        out: list[str] = []
        for item in steps:
            out.extend(rendered if item is None else self._render_step(as_nodes(item), layer))
        return out

    def _layer_block_end(self, layer: str) -> int:
        layers = self.doc["layers"]
        keys = list(layers)
        after = keys.index(layer) + 1
        if after < len(keys):
            end = layers.lc.key(keys[after])[0]
        else:
            end = self.section_span("layers")[1]
        return self._trim(layers.lc.key(layer)[0], end)

    def _add_layer(self, layer: str, step: dict[str, Any]) -> str:
        layers = self.doc.get("layers")
        if not isinstance(layers, CommentedMap):
            raise EditError("the spec has no layers", message_es="la especificación no tiene capas")
        before = [name for name in LAYERS[: LAYERS.index(layer)] if name in layers]
        if not before:
            raise EditError(f"add bronze before {layer}", message_es=f"agregue la capa bronze antes de {layer}")
        at = self._layer_block_end(before[-1])
        key_indent = layers.lc.key(before[-1])[1]
        rendered = dump_lines([as_nodes(step)], key_indent + 2)
        return self._splice(at, at, [f"{' ' * key_indent}{layer}:\n", *rendered])

    def update_step(self, layer: str, index: int, step: dict[str, Any]) -> str:
        _, start, end = self.step_span(layer, index)
        node = self._layer_seq(layer)[index]
        dash = self.stepindent_of(layer)
        kept = self._keep_keys(node, step, start, end, dash + 2)
        if kept is not None:
            first = kept[0]
            if first[dash:dash + 2] != "- ":
                kept[0] = first[:dash] + "- " + first[dash + 2:]
            return self._splice(start, end, kept)
        return self._splice(start, end, self._render_step(merge_into(node, step), layer))

    def _keep_keys(self, node: Any, value: dict[str, Any], start: int, end: int, indent: int) -> list[str] | None:
        """A block mapping's new lines where every key whose value did not change keeps its own lines (comments
        and hand-wrapped lists included) and only changed or new keys are rendered. None when the mapping is not
        laid out one key per line (flow style), where the caller renders it whole."""
        if not isinstance(node, CommentedMap) or node.fa.flow_style() or not len(node):
            return None
        keys = list(node)
        lines_of = [node.lc.key(k)[0] for k in keys]
        if lines_of[0] != start or any(b <= a for a, b in zip(lines_of, lines_of[1:])):
            return None
        spans = {k: (lines_of[i], lines_of[i + 1] if i + 1 < len(keys) else end) for i, k in enumerate(keys)}
        order = [k for k in keys if k in value] + [k for k in value if k not in node]
        if not order or order[0] != keys[0]:
            return None  # the first key (the line with the dash) changes place: render the whole mapping
        out: list[str] = []
        for key in order:
            if key in node and same_data(node[key], value[key]):
                a, b = spans[key]
                out.extend(self.lines[a:b])
                continue
            holder = CommentedMap()
            holder[key] = merge_into(node[key], value[key]) if key in node else as_nodes(value[key])
            rendered = dump_lines(holder, indent)
            if key in node:  # blank or comment lines that end the old value belong to what follows it
                a, b = spans[key]
                tail = self.lines[self._trim(a, b):b]
                rendered.extend(tail)
            out.extend(rendered)
        return out

    def delete_step(self, layer: str, index: int) -> str:
        seq = self._layer_seq(layer)
        lead, _, end = self.step_span(layer, index)
        if len(seq) == 1:  # the layer's last step: an optional layer goes, bronze stays as an empty list
            key_line = self.doc["layers"].lc.key(layer)[0]
            if layer != "bronze":
                return self._splice(key_line, self._layer_block_end(layer), [])
            indent = self.doc["layers"].lc.key(layer)[1]
            return self._splice(key_line, end, [f"{' ' * indent}bronze: []\n"])
        return self._splice(lead, end, [])

    def move_step(self, layer: str, index: int, to: int) -> str:
        seq = self._layer_seq(layer)
        self.step_span(layer, index)  # the step exists (or a located error)
        if not 0 <= to < len(seq):
            raise EditError(f"{layer} has {len(seq)} steps; there is no position {to + 1}",
                            message_es=f"la capa {layer} tiene {len(seq)} pasos; no existe la posición {to + 1}")
        if to == index:
            return self.text
        spans = [self.step_span(layer, i) for i in range(len(seq))]
        blocks = [self.lines[lead:end] for lead, _, end in spans]
        gaps = [self.lines[spans[i][2]:spans[i + 1][0]] for i in range(len(spans) - 1)]  # blank lines between
        moved = blocks.pop(index)
        blocks.insert(to, moved)
        out: list[str] = []
        for i, block in enumerate(blocks):
            out.extend(block)
            if i < len(gaps):
                out.extend(gaps[i])
        return self._splice(spans[0][0], spans[-1][2], out)

    def set_disabled(self, layer: str, index: int, disabled: bool) -> str:
        self.step_span(layer, index)  # the step exists (or a located error)
        data = dict(self._layer_seq(layer)[index])
        if disabled:
            data["disabled"] = True
        else:
            data.pop("disabled", None)
        return self.update_step(layer, index, data)

    def set_section(self, section: str, value: Any) -> str:
        if section not in SECTIONS:
            raise EditError(f"unknown section {section!r}; one of {', '.join(SECTIONS)}",
                            message_es=f"sección desconocida {section!r}; una de {', '.join(SECTIONS)}")
        empty = value is None or value == {} or value == []
        if section in self.doc:
            start, end = self.section_span(section)
            if empty:
                lead = start
                while lead > 0 and self.lines[lead - 1].strip().startswith("#"):
                    lead -= 1
                return self._splice(lead, end, [])
            node = self.doc[section]
            if isinstance(value, dict) and isinstance(node, CommentedMap) and not node.fa.flow_style() and len(node):
                child = node.lc.key(next(iter(node)))[0]
                if child == start + 1 and (kept := self._keep_keys(node, value, child, end, node.lc.key(next(iter(node)))[1])):
                    return self._splice(child, end, kept)
            holder = CommentedMap()
            holder[section] = merge_into(node, value)
            return self._splice(start, end, dump_lines(holder, 0))
        if empty:
            return self.text
        later = [s for s in SECTION_ORDER[SECTION_ORDER.index(section) + 1:] if s in self.doc]
        holder = CommentedMap()
        holder[section] = as_nodes(value)
        rendered = dump_lines(holder, 0)
        if later:
            at = self.section_span(later[0])[0]
            while at > 0 and self.lines[at - 1].strip().startswith("#"):
                at -= 1
            return self._splice(at, at, rendered)
        return self._splice(len(self.lines), len(self.lines), rendered)


def apply_edit(text: str, op: dict[str, Any], *, filename: str = "<spec>") -> str:
    """The spec text after one edit (see the module docstring); raises EditError or SpecError and changes nothing.
    The result is validated: it is always a valid spec."""
    kind = op.get("op")
    if kind == "replace_yaml":
        new = str(op.get("text") or "")
    else:
        doc = SpecDocument(text, filename)
        layer, index = str(op.get("layer") or ""), op.get("index")
        if kind in ("add_step", "update_step", "move_step", "delete_step", "toggle_step") and layer not in LAYERS:
            raise EditError(f"unknown layer {layer!r}; one of {', '.join(LAYERS)}",
                            message_es=f"capa desconocida {layer!r}; una de {', '.join(LAYERS)}")
        if kind in ("update_step", "move_step", "delete_step", "toggle_step") and not isinstance(index, int):
            raise EditError("the edit needs the step's `index` (0-based)", message_es="falta el `index` del paso (desde 0)")
        step = op.get("step")
        if kind in ("add_step", "update_step") and not (isinstance(step, dict) and step.get("type")):
            raise EditError("the edit needs a `step` with its `type`", message_es="falta el paso (`step`) con su `type`")
        if kind == "add_step":
            new = doc.add_step(layer, step, index if isinstance(index, int) else None)  # type: ignore[arg-type]
        elif kind == "update_step":
            new = doc.update_step(layer, index, step)  # type: ignore[arg-type]
        elif kind == "move_step":
            to = op.get("to")
            if not isinstance(to, int):
                raise EditError("move_step needs `to` (the new 0-based position)",
                                message_es="move_step necesita `to` (la nueva posición, desde 0)")
            new = doc.move_step(layer, index, to)  # type: ignore[arg-type]
        elif kind == "delete_step":
            new = doc.delete_step(layer, index)  # type: ignore[arg-type]
        elif kind == "toggle_step":
            new = doc.set_disabled(layer, index, bool(op.get("disabled", True)))  # type: ignore[arg-type]
        elif kind == "set_section":
            new = doc.set_section(str(op.get("section") or ""), op.get("value"))
        else:
            raise EditError(f"unknown edit {kind!r}", message_es=f"edición desconocida {kind!r}")
    result = parse_spec(new, filename)  # raises SpecError (with lines) when the edit would make the spec invalid
    if kind in ("add_step", "update_step"):
        _check_written(result, op)
    return new


def _check_written(result: Spec, op: dict[str, Any]) -> None:
    """The step reads back as the edit gave it (the rendering never changes a value)."""
    steps = result.layers[op["layer"]]  # type: ignore[index]
    index = op.get("index")
    at = len(steps) - 1 if op["op"] == "add_step" and not isinstance(index, int) else index
    wanted = TypeAdapter(AnyStep).validate_python(op["step"])
    if steps[at] != wanted:  # pragma: no cover - a rendering bug, never a user's mistake
        raise EditError(f"the step did not read back as written: {steps[at]!r} != {wanted!r}",
                        message_es="el paso no se pudo escribir tal como se editó")


def step_dicts(text: str) -> dict[str, list[dict[str, Any]]]:
    """Each layer's steps as the YAML writes them (plain data, keys in their order, options left at their default
    included when written): what a form shows and sends back, so an unchanged step writes back unchanged."""
    parse_spec(text)  # safe and valid before it is read again
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    layers = data.get("layers") or {}
    return {layer: [dict(step) for step in (layers.get(layer) or [])] for layer in LAYERS if layer in layers}


__all__ = ["EditError", "SECTIONS", "SECTION_ORDER", "SpecDocument", "apply_edit", "step_dicts"]
