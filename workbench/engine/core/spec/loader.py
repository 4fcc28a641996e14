"""Load specs from YAML safely and report every problem with its file, line and field path.

YAML is parsed once with ``yaml.compose`` (safe: plain data only, no tags that build objects), which keeps
line numbers; the node tree is turned into plain data, and pydantic's error locations are mapped back to
the node that caused them: ``specs/x.yaml:14 layers.silver[2].mapping: Field required``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from workbench.engine.core.errors import SpecError, SpecNotFoundError
from workbench.engine.core.spec.models import SLUG_RE, Spec

SCHEMA_COMMENT = "# yaml-language-server: $schema=../docs/spec.schema.json"
MAX_SPEC_BYTES = 1_000_000
#: libyaml's parser when PyYAML was built with it (10x faster); it keeps the line marks we report.
_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: The only YAML types a spec may use: plain data. Anything else (e.g. ``!!python/...``) is refused.
PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}
#: Deepest nesting of mappings and lists a spec may use (real specs use 6): deeper input is refused before it
#: can exhaust Python's recursion limit (500 nested lists did).
MAX_DEPTH = 64
#: Most steps in one spec, all layers together (DIPRES specs use about 20; each step costs a pass over the
#: table, and 10,000 steps took a 3-row preview 21 s).
MAX_STEPS = 500


def _to_data(node: yaml.Node, problems: list[tuple[int, str, str]], path: str = "", loader: Any = None,
             seen: set[int] | None = None, depth: int = 0) -> Any:
    """Plain data from the node tree (scalars built by the safe constructor), noting duplicate keys.
    Aliases are refused: a spec has no use for them, and nested ones expand exponentially (a 500-byte
    "billion laughs" file would take minutes of CPU)."""
    loader = loader or yaml.SafeLoader("")
    seen = set() if seen is None else seen
    if depth > MAX_DEPTH:
        problems.append((node.start_mark.line + 1, path, f"nested more than {MAX_DEPTH} levels deep"))
        return None
    if isinstance(node, yaml.CollectionNode):
        if id(node) in seen:
            problems.append((node.start_mark.line + 1, path, "YAML anchors and aliases (&name, *name) are not allowed"))
            return None
        seen.add(id(node))
    if node.tag not in PLAIN_TAGS:
        problems.append((node.start_mark.line + 1, path, f"unsupported value: tag {node.tag!r} is not allowed"))
        return None
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _to_data(key_node, problems, path, loader, seen, depth + 1)
            if isinstance(key, (dict, list)):
                problems.append((key_node.start_mark.line + 1, path, "a mapping key must be a plain value"))
                continue
            child = f"{path}.{key}" if path else str(key)
            if key in out:
                problems.append((key_node.start_mark.line + 1, child, "duplicate key"))
            out[key] = _to_data(value_node, problems, child, loader, seen, depth + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_to_data(item, problems, f"{path}[{i}]", loader, seen, depth + 1) for i, item in enumerate(node.value)]
    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError as exc:  # e.g. a !!python tag: refused by the safe constructor
        problems.append((node.start_mark.line + 1, path, f"unsupported value: {getattr(exc, 'problem', exc)}"))
        return None
    except (ValueError, OverflowError) as exc:  # 2001-13-45, an int of 10,000 digits: plain data, not valid
        problems.append((node.start_mark.line + 1, path, f"invalid value: {exc}"))
        return None


def _line_of(root: yaml.Node, loc: tuple[Any, ...], keys: dict[int, dict[str, Any]] | None = None) -> tuple[int, str]:
    """Walk ``loc`` (a pydantic error location) down the YAML node tree: (line, dotted path). ``keys`` caches
    each mapping's keys: 10,000 errors in one mapping were 10,000 linear scans (7 s for a 100 KB spec)."""
    keys = {} if keys is None else keys
    node, line, parts = root, root.start_mark.line + 1, []
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            if id(node) not in keys:
                keys[id(node)] = {}
                for k, v in node.value:
                    keys[id(node)].setdefault(str(k.value), (k, v))
            match = keys[id(node)].get(str(key))
            if match is None:
                continue  # a pydantic-internal location element (discriminator tag, validator name)
            key_node, node = match
            line = key_node.start_mark.line + 1
            parts.append(f".{key}" if parts else str(key))
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
            parts.append(f"[{key}]")
    return line, "".join(parts)


def _friendly(err: dict[str, Any]) -> str:
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        return "unknown key (check the spelling; see docs/spec.md)"
    if err["type"] == "union_tag_invalid":
        return f"unknown step type {err['input'].get('type')!r}; known types: {err['ctx']['expected_tags']}"
    if err["type"] == "union_tag_not_found":
        return "a step needs a `type` (e.g. `type: strip`)"
    return msg.removeprefix("Value error, ")


def parse_spec(text: str, filename: str = "<spec>") -> Spec:
    """Parse and validate a spec's YAML text. Raises SpecError listing every problem with its line.
    Parsed specs are cached by content (workers execute the same spec version many times); callers must
    not mutate the returned model."""
    return _parse_spec(text, filename)


@lru_cache(maxsize=128)
def _parse_spec(text: str, filename: str) -> Spec:
    if len(text.encode("utf-8")) > MAX_SPEC_BYTES:
        raise SpecError(f"{filename}: the spec is larger than {MAX_SPEC_BYTES} bytes", spec=filename)
    try:
        root = yaml.compose(text, Loader=_COMPOSER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        problem = getattr(exc, "problem", None) or str(exc)
        msg = f"{filename}:{line} YAML syntax error: {problem}"
        raise SpecError(msg, message_es=f"{filename}:{line} error de sintaxis YAML: {problem}", spec=filename,
                        problems=[{"line": line, "path": "", "message": problem}]) from exc
    if root is None or not isinstance(root, yaml.MappingNode):
        raise SpecError(f"{filename}:1 the spec must be a YAML mapping (dataset, source, layers, ...)", spec=filename)
    problems: list[tuple[int, str, str]] = []
    data = _to_data(root, problems)
    if not problems:
        try:
            spec = Spec.model_validate(data)
        except ValidationError as exc:
            keys: dict[int, dict[str, Any]] = {}
            for err in exc.errors():
                line, path = _line_of(root, err["loc"], keys)
                problems.append((line, path, _friendly(err)))
        else:
            stem = Path(filename).stem
            steps = sum(len(layer) for layer in spec.layers.values())
            if steps > MAX_STEPS:
                line, path = _line_of(root, ("layers",))
                problems.append((line, path, f"{steps} steps; a spec may have at most {MAX_STEPS}"))
            elif filename != "<spec>" and spec.dataset.slug != stem:
                line, path = _line_of(root, ("dataset", "slug"))
                problems.append((line, path, f"slug {spec.dataset.slug!r} must equal the file name {stem!r}"))
            else:
                return spec
    problems.sort(key=lambda p: p[0])
    lines = [f"{filename}:{line} {path}: {message}" if path else f"{filename}:{line} {message}"
             for line, path, message in problems]
    raise SpecError(
        "\n".join(lines),
        message_es="Especificación inválida:\n" + "\n".join(lines),
        spec=filename,
        problems=[{"line": line, "path": path, "message": message} for line, path, message in problems],
    )


def load_spec(path: str | Path) -> Spec:
    """Load one spec file (UTF-8)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise SpecNotFoundError(name=str(path), where=str(path.parent)) from exc
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path}: the spec must be UTF-8 text ({exc.reason})", spec=str(path)) from exc
    return parse_spec(text, _display_name(path))


def _display_name(path: Path, *, short: bool = False) -> str:
    """The path relative to the working directory; outside it, with ``short``, only its last part (messages
    reach API clients: a server path is not theirs to know)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return path.name if short else str(path)


def find_spec(name_or_path: str, specs_dir: str | Path = "specs", *, slug_only: bool = False) -> Path:
    """A spec given as a path (``specs/x.yaml``) or a dataset slug (``x`` -> ``specs/x.yaml``). Input from
    the network passes ``slug_only``: a client names a dataset, never a file on the server."""
    candidate = Path(name_or_path)
    if not slug_only and candidate.suffix in (".yaml", ".yml") and candidate.exists():
        return candidate
    if not re.fullmatch(SLUG_RE, name_or_path):  # a slug never walks out of the specs directory
        shown = re.sub(r"[^A-Za-z0-9_.-]", "", name_or_path)[:64]  # not echoed as given: it came from a client
        raise SpecNotFoundError(name=shown, where=_display_name(Path(specs_dir), short=True))
    for suffix in (".yaml", ".yml"):
        path = Path(specs_dir) / f"{name_or_path}{suffix}"
        if path.exists():
            return path
    raise SpecNotFoundError(name=name_or_path, where=_display_name(Path(specs_dir), short=True))


def load_all(specs_dir: str | Path = "specs") -> tuple[dict[str, Spec], dict[str, SpecError]]:
    """Every spec in a directory: (valid specs by slug, errors by file). One bad spec never hides the others."""
    good: dict[str, Spec] = {}
    bad: dict[str, SpecError] = {}
    for path in sorted(Path(specs_dir).glob("*.y*ml")):
        try:
            spec = load_spec(path)
        except SpecError as exc:
            bad[str(path)] = exc
        else:
            good[spec.slug] = spec
    return good, bad
