"""The facade ``workbench.engine.api`` is curated: every name in ``__all__`` resolves, the lazy names (loaded on
first use, to keep SQLAlchemy, redis and rq off the preview path) are exactly those its ``TYPE_CHECKING`` block
imports, each from the module ``_LAZY`` names, and importing it loads none of the store's libraries."""

import ast
import subprocess
import sys
from pathlib import Path

from workbench.engine import api

ROOT = Path(__file__).resolve().parents[2]
FACADE = ROOT / "workbench" / "engine" / "api.py"


def type_checking_imports() -> dict[str, str]:
    """name -> module of every ``from module import name`` inside ``if TYPE_CHECKING:`` in api.py."""
    tree = ast.parse(FACADE.read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for item in node.body:
                assert isinstance(item, ast.ImportFrom), ast.unparse(item)
                for alias in item.names:
                    found[alias.asname or alias.name] = item.module or ""
    return found


def test_every_public_name_resolves():
    missing = [name for name in api.__all__ if not hasattr(api, name)]
    assert missing == []
    assert len(api.__all__) == len(set(api.__all__)), "a name is listed twice"


def test_the_lazy_map_and_the_type_checking_block_agree():
    assert type_checking_imports() == api._LAZY


def test_each_lazy_name_comes_from_its_module():
    for name, module in api._LAZY.items():
        value = getattr(api, name)
        assert getattr(sys.modules[module], name) is value, name


def test_an_unknown_name_is_an_attribute_error():
    try:
        api.no_such_use_case  # noqa: B018
    except AttributeError as exc:
        assert "no_such_use_case" in str(exc)
    else:
        raise AssertionError("api.no_such_use_case resolved")


def test_importing_the_facade_loads_no_store_redis_or_queue_library():
    code = ("import sys, workbench.engine.api; print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'redis', 'rq', "
            "'argon2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
