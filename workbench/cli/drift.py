"""``workbench drift SLUG FILE``: how FILE's layout differs from the dataset's spec and last successful runs
(docs/drift.md); ``--write`` puts the proposed spec beside the spec (``<slug>.yaml.proposed``) or at ``--out``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.text import Text

from workbench.cli.common import console, err_console, user_errors
from workbench.engine import api

#: Exit code when the file has breaking drift (2 is a user error, 3 a failed QA).
EXIT_BREAKING = 4
STYLES = {"breaking": "bold red", "compatible": "yellow", "info": "dim"}


def render_drift(report: Any) -> None:
    doc = report.to_dict()
    runs = doc["baseline"]["runs"]
    against = f"the spec and the last {runs} successful run(s)" if runs else "the spec only (no successful run yet)"
    status = {"breaking": ("breaking drift", "bold red"), "compatible": ("compatible drift", "yellow"),
              "unchanged": ("no drift", "green")}[doc["status"]]
    console.print(Text.assemble((status[0], status[1]), f" · {doc['filename']} compared with {against}"))
    for change in doc["changes"]:
        console.print(Text.assemble(("  " + change["severity"].ljust(10), STYLES[change["severity"]]),
                                    f" {change['kind']}: {change['message']}"))
    for note in doc["notes"]:
        console.print(Text(f"  note: {note['message']}", style="dim"))
    patch = doc["patch"]
    if patch is not None:
        verified = "re-checked on this file: no breaking drift" if patch["verified"] else \
            "re-checked on this file: still breaking, edit it by hand"
        console.print(Text(f"Proposed spec patch ({verified}):", style="bold"))
        for line in patch["diff"].splitlines():
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else None
            console.print(Text(line, style=style or ""), soft_wrap=True)
    elif report.breaking:
        console.print(Text("No spec patch can fix this: the spec needs a person's edit.", style="bold"))


@click.command("drift")
@click.argument("slug")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--sheet", default=None, help="Workbook sheet, name or 0-based index (default: the spec's).")
@click.option("--json", "as_json", is_flag=True, help="Print the drift report as JSON.")
@click.option("--write", is_flag=True, help="Write the proposed spec to SPECS/SLUG.yaml.proposed (or --out).")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Where --write puts the proposed spec.")
@user_errors
def drift(slug: str, file: Path, sheet: str | None, as_json: bool, write: bool, out: Path | None) -> None:
    """Compare FILE's layout with dataset SLUG's spec and its last successful runs. Exit 4 on breaking drift."""
    if out is not None and not write:
        raise click.UsageError("--out goes with --write")
    data = api.read_input(file)
    report = api.drift_report(slug, data, file.name, sheet=int(sheet) if sheet and sheet.isdigit() else sheet)
    written = api.write_proposed_spec(slug, report, out=out) if write and report.patch is not None else None
    if as_json:
        click.echo(json.dumps({**report.to_dict(), "written": str(written) if written else None}, ensure_ascii=False,
                              indent=2, default=str))
    else:
        render_drift(report)
        if written is not None:
            console.print(Text(f"Wrote the proposed spec to {written}: review it, then replace the spec with it."))
        elif write:
            err_console.print(Text("Nothing written: no spec patch is proposed."))
    if report.breaking:
        raise SystemExit(EXIT_BREAKING)


def register(cli: click.Group) -> None:
    cli.add_command(drift)


__all__ = ["EXIT_BREAKING", "drift", "register", "render_drift"]
