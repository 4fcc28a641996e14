"""How the rule editor writes YAML: ruamel.yaml's round-trip writer set to the shipped specs' style (two-space
mappings, ``- `` items indented under their key, flow style for short plain lists and mappings, long flow lists
wrapped under their bracket), merging new values into loaded nodes so that their comments and style survive.

Used by ``yaml_doc`` (edits of a spec's text) and ``spec_proposal`` (a new spec's first text).
"""

from __future__ import annotations

import io
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

#: Lists of at most this many plain values are written in flow style (``[a, b, c]``), as the shipped specs do.
FLOW_LIST_MAX = 40
#: Mappings of at most this many plain values (and short) are written in flow style too.
FLOW_MAP_MAX = 3


def yaml_writer() -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096  # long flow lists are wrapped by `wrap_flow`, aligned under their bracket as people write them
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def is_filler(line: str) -> bool:
    """Blank or comment-only: belongs to whatever follows it."""
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def as_nodes(value: Any) -> Any:
    """New data as ruamel nodes: short lists of plain values in flow style, everything else block style."""
    if isinstance(value, dict):
        out = CommentedMap()
        for key, item in value.items():
            out[key] = as_nodes(item)
        if 0 < len(value) <= FLOW_MAP_MAX and all(not isinstance(v, (dict, list)) for v in value.values()) and \
                sum(len(str(k)) + len(str(v)) + 4 for k, v in value.items()) <= 60:
            out.fa.set_flow_style()  # {type: text, pad: 2}, {column: subtitulo, empty: true}
        return out
    if isinstance(value, list):
        seq = CommentedSeq(as_nodes(item) for item in value)
        if len(value) <= FLOW_LIST_MAX and all(not isinstance(v, (dict, list)) for v in value):
            seq.fa.set_flow_style()
        return seq
    return value


def merge_into(node: Any, value: Any) -> Any:
    """``value`` written over ``node`` keeping what ruamel attached to it (comments, key order, flow style)."""
    if isinstance(node, CommentedMap) and isinstance(value, dict):
        for key in [k for k in node if k not in value]:
            del node[key]
        for key, item in value.items():
            node[key] = merge_into(node[key], item) if key in node else as_nodes(item)
        return node
    if isinstance(node, CommentedSeq) and isinstance(value, list):
        if len(node) == len(value):
            for i, item in enumerate(value):
                node[i] = merge_into(node[i], item)
            return node
        fresh = as_nodes(value)
        if node.fa.flow_style() and isinstance(fresh, CommentedSeq):
            fresh.fa.set_flow_style()
        return fresh
    if node == value and type(node) is not bool and type(value) is not bool:
        return node  # keeps a quoted scalar's quotes
    return as_nodes(value)


#: Rendered lines longer than this are wrapped after a comma of their flow list.
WIDTH = 112
_FLOW_LINE = re.compile(r"^(\s*(?:- )?[^\s#][^#]*?:\s)([\[{])(.*)([\]}])\n?$")


def wrap_flow(line: str) -> list[str]:
    """A long ``key: [a, b, ...]`` line as several, continuation lines aligned under the item after the bracket.
    Breaks only after a comma outside quotes, so every value reads back the same."""
    match = _FLOW_LINE.match(line)
    if len(line.rstrip("\n")) <= WIDTH or not match:
        return [line]
    head, opening, body, closing = match.groups()
    items, quote, start = [], "", 0
    for i, char in enumerate(body):
        if quote:
            if char == quote and not (quote == '"' and body[i - 1] == "\\"):
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "[]{}":
            return [line]  # nested flow collections stay on one line
        elif char == "," and body[i + 1:i + 2] == " ":
            items.append(body[start:i + 1])
            start = i + 2
    items.append(body[start:])
    pad = " " * (len(head) + 1)
    out, current = [], head + opening
    for item in items:
        if len(current) + len(item) + 1 > WIDTH and current.strip() not in (head.strip() + opening, ""):
            out.append(current.rstrip() + "\n")
            current = pad
        current += item + " "
    out.append(current.rstrip() + closing + "\n")
    return out


def same_data(node: Any, value: Any) -> bool:
    """The loaded node holds the same data as ``value`` (ruamel's scalar and collection types compared as plain)."""
    return _asas_nodes(node) == _asas_nodes(value)


def _asas_nodes(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _asas_nodes(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_asas_nodes(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return str(value)


def dump_lines(data: Any, indent: int) -> list[str]:
    buf = io.StringIO()
    yaml_writer().dump(data, buf)
    lines = [wrapped for line in buf.getvalue().splitlines(keepends=True) for wrapped in wrap_flow(line)]
    while lines and is_filler(lines[-1]):  # a comment after the last value belongs to what follows it
        lines.pop()
    base = min((indent_of(x) for x in lines if x.strip()), default=0)
    return [(" " * indent + x[base:]) if x.strip() else "\n" for x in lines]


__all__ = ["FLOW_LIST_MAX", "FLOW_MAP_MAX", "WIDTH", "as_nodes", "as_plain", "dump_lines", "indent_of", "is_filler",
           "merge_into", "same_data", "wrap_flow", "yaml_writer"]
