"""``workbench openlineage``: where the run events go (docs/lineage.md) and the events still waiting to be sent."""

from __future__ import annotations

import json

import click
from rich.text import Text

from workbench.cli.common import console, user_errors
from workbench.engine import api


@click.group("openlineage")
def openlineage() -> None:
    """OpenLineage events of runs, backfills and publications: transport and spool."""


@openlineage.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@user_errors
def openlineage_status(as_json: bool) -> None:
    """The transport (file, console, http, client, none), its target and the events waiting in the spool."""
    state = api.openlineage_status()
    if as_json:
        click.echo(json.dumps(state, ensure_ascii=False, indent=2))
        return
    target = state.get("file") or state.get("url") or "-"
    console.print(Text(f"transport {state['transport']} · {target} · namespace {state['namespace']} · "
                       f"{state['pending']} event(s) waiting"))


@openlineage.command("flush")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@user_errors
def openlineage_flush(as_json: bool) -> None:
    """Send the spooled events now, in order; exit 1 when some could not be sent (they stay spooled)."""
    result = api.openlineage_flush()
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        line = f"sent {result['sent']}, waiting {result['left']}"
        console.print(Text(line + (f" ({result['error']})" if result.get("error") else "")))
    if result["left"]:
        raise SystemExit(1)


def register(cli: click.Group) -> None:
    cli.add_command(openlineage)
