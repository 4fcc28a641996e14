"""House rules checked mechanically: the engine is a plain library."""

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_IN_ENGINE = ("reflex", "fastapi", "starlette", "rxconfig", "workbench.state", "workbench.pages",
                       "workbench.components", "workbench.api", "workbench.cli")


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_engine_imports_no_ui_or_web_framework():
    bad = [(str(p.relative_to(ROOT)), name) for p in (ROOT / "workbench" / "engine").rglob("*.py")
           for name in imports(p) if name.split(".")[0] in FORBIDDEN_IN_ENGINE or name.startswith(FORBIDDEN_IN_ENGINE)]
    assert bad == []


def test_package_init_is_empty():
    assert (ROOT / "workbench" / "__init__.py").read_text().strip() == ""


def test_cli_starts_without_reflex_or_great_expectations():
    code = "import sys, workbench.cli.main; print(sorted(m for m in ('reflex', 'great_expectations') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_every_module_is_in_the_architecture_doc():
    """docs/architecture.md names every module of workbench/: by its path (``engine/app/qa.py``), or by its package
    (``engine/core/steps/``) for a package it describes as a whole. The floors (``engine/core/``, ``engine/app/``,
    ``engine/infra/``) and ``engine/`` itself count for no module: each of their modules is named."""
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    package = ROOT / "workbench"
    floors = {"", "engine/", "engine/core/", "engine/app/", "engine/infra/"}

    def named(path: str) -> bool:
        return re.search(r"(?<![\w/.])" + re.escape(path) + r"(?![\w])", doc) is not None

    missing = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package).as_posix()
        if path.name == "__init__.py" and not path.read_text(encoding="utf-8").strip():
            continue
        parent = path.parent.relative_to(package).as_posix() + "/" if path.parent != package else ""
        if named(rel) or (parent not in floors and named(parent)):
            continue
        missing.append(rel)
    assert missing == []
