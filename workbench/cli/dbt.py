"""``workbench dbt export DIR``: dbt sources for the gold tables and exposures for their consumers."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.text import Text

from workbench.cli.common import console, user_errors
from workbench.engine import api


@click.group("dbt")
def dbt() -> None:
    """dbt integration: the published tables as a dbt source, the specs' exposures as dbt exposures."""


@dbt.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@user_errors
def dbt_export(directory: Path, as_json: bool) -> None:
    """Write DIRECTORY/sources.yml (source `workbench`: the gold tables, their columns and tests) and
    DIRECTORY/exposures.yml (the specs' `exposures:`), for a dbt project's models folder."""
    result = api.dbt_export(directory)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    console.print(Text(f"wrote {', '.join(result['files'])}: {len(result['tables'])} table(s) "
                       f"({', '.join(result['tables']) or '-'}), {len(result['exposures'])} exposure(s)"))


def register(cli: click.Group) -> None:
    cli.add_command(dbt)
