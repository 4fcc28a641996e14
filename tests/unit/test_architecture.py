"""House rules checked mechanically: the engine is a plain library."""

import ast
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
    code = "import sys, workbench.cli; print(sorted(m for m in ('reflex', 'great_expectations') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
