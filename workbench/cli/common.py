"""What every CLI module shares: consoles and the one error boundary (user errors exit 2, no traceback)."""

from __future__ import annotations

import json
import sys
from functools import wraps
from typing import Any, Callable

import click
from rich.console import Console

from workbench.engine.api import WorkbenchError

console = Console(highlight=False, width=None if sys.stdout.isatty() else 200)
err_console = Console(stderr=True, highlight=False)


def user_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """The CLI's error boundary: WorkbenchError -> one message on stderr (or JSON with --json), exit 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except WorkbenchError as exc:
            if kwargs.get("as_json"):
                click.echo(json.dumps({"error": exc.to_dict()}, ensure_ascii=False, indent=2))
            else:
                err_console.print(f"[bold red]Error[/] [dim]({exc.code})[/]: ", end="", markup=True)
                err_console.print(exc.message, markup=False, soft_wrap=True)
            sys.exit(2)

    return wrapper
