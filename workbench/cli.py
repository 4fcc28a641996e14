"""The ``workbench`` command: a thin adapter over the engine. User errors exit 2 with one clear message."""

from __future__ import annotations

import json
import sys
from functools import wraps
from pathlib import Path
from typing import Any, Callable

import click
from rich.console import Console
from rich.table import Table as RichTable

from workbench.engine import api

console = Console(highlight=False, width=None if sys.stdout.isatty() else 200)
err_console = Console(stderr=True, highlight=False)


def user_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """The CLI's one error boundary: WorkbenchError -> message on stderr (or JSON with --json), exit 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except api.WorkbenchError as exc:
            if kwargs.get("as_json"):
                click.echo(json.dumps({"error": exc.to_dict()}, ensure_ascii=False, indent=2))
            else:
                err_console.print(f"[bold red]Error[/] [dim]({exc.code})[/]: {exc.message}", markup=True, soft_wrap=True)
            sys.exit(2)

    return wrapper


def _sheet(value: str | None) -> int | str | None:
    return int(value) if value is not None and value.isdigit() else value


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--specs-dir", type=click.Path(path_type=Path), default=None, envvar="WORKBENCH_SPECS_DIR",
              help="Directory of dataset specs (default: ./specs).")
@click.pass_context
def cli(ctx: click.Context, specs_dir: Path | None) -> None:
    """Data Workbench: turn RAW spreadsheets into tidy, validated, traceable tables."""
    ctx.obj = {"specs_dir": specs_dir or api.get_settings().specs_dir}


# --- specs -----------------------------------------------------------------------------------------


@cli.group()
def specs() -> None:
    """Check, list and describe dataset specs."""


@specs.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.pass_obj
def specs_check(obj: dict[str, Any], paths: tuple[Path, ...]) -> None:
    """Validate specs (default: every spec in the specs directory). Exit 2 if any is invalid."""
    files = list(paths) or sorted(Path(obj["specs_dir"]).glob("*.y*ml"))
    if not files:
        err_console.print(f"No specs found in {obj['specs_dir']}")
        sys.exit(2)
    failed = 0
    for path in files:
        try:
            spec = api.load_spec(path)
        except api.WorkbenchError as exc:
            failed += 1
            err_console.print(f"[red]✗[/] {exc.message}", soft_wrap=True)
        else:
            console.print(f"[green]✓[/] {path}  ({spec.slug}, layers: {', '.join(spec.layer_names)})")
    if failed:
        err_console.print(f"{failed} of {len(files)} specs invalid")
        sys.exit(2)


@specs.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def specs_list(obj: dict[str, Any], as_json: bool) -> None:
    """List the specs in the specs directory (invalid ones are reported, not hidden)."""
    good, bad = api.load_all(obj["specs_dir"])
    if as_json:
        click.echo(json.dumps({
            "specs": [{"slug": s.slug, "title": s.dataset.title, "layers": s.layer_names,
                       "parameters": list(s.parameters), "hash": s.content_hash()} for s in good.values()],
            "errors": {path: exc.to_dict() for path, exc in bad.items()},
        }, ensure_ascii=False, indent=2))
        return
    table = RichTable("slug", "title", "layers", "parameters", "hash")
    for s in good.values():
        table.add_row(s.slug, s.dataset.title, ", ".join(s.layer_names), ", ".join(s.parameters), s.content_hash()[:12])
    console.print(table)
    for exc in bad.values():
        err_console.print(f"[red]✗[/] {exc.message}", soft_wrap=True)


@specs.command("schema")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write to a file instead of stdout.")
def specs_schema(out: Path | None) -> None:
    """Print the spec JSON Schema (for editor autocompletion via yaml-language-server)."""
    text = json.dumps(api.spec_json_schema(), ensure_ascii=False, indent=2) + "\n"
    if out:
        out.write_text(text, encoding="utf-8")
        console.print(f"Wrote {out}")
    else:
        click.echo(text, nl=False)


# --- preview / export ------------------------------------------------------------------------------


@cli.command()
@click.argument("args", nargs=-1, required=True, metavar="[SPEC_OR_SLUG] FILE")
@click.option("--param", "-p", "params", multiple=True, metavar="K=V", help="Run parameter (repeatable).")
@click.option("--sheet", default=None, help="Workbook sheet: name or 0-based index.")
@click.option("--rows", default=10, show_default=True, type=click.IntRange(1, 1000), help="Sample rows to show.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
@user_errors
def preview(obj: dict[str, Any], args: tuple[str, ...], params: tuple[str, ...], sheet: str | None,
            rows: int, as_json: bool) -> None:
    """Show what FILE becomes under a spec; with only FILE, show its sniffed RAW read."""
    if len(args) > 2:
        raise click.UsageError("give at most a spec and a file")
    spec = api.load_spec(api.find_spec(args[0], obj["specs_dir"])) if len(args) == 2 else None
    path = Path(args[-1])
    result = api.preview_path(path, spec, params=api.parse_assignments(params), sheet=_sheet(sheet), sample_rows=rows)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2, default=str))
        return
    from workbench.render import render_preview

    render_preview(console, result, rows=rows)


@cli.command()
@click.argument("spec_or_slug")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--layer", default="silver", show_default=True, help="Layer to export (bronze, silver, gold).")
@click.option("--to", "dest", required=True, type=click.Path(path_type=Path), help="Output .csv or .parquet file.")
@click.option("--param", "-p", "params", multiple=True, metavar="K=V", help="Run parameter (repeatable).")
@click.option("--sheet", default=None, help="Workbook sheet: name or 0-based index.")
@click.option("--provenance", is_flag=True, help="Also write the _raw_* provenance columns.")
@click.pass_obj
@user_errors
def export(obj: dict[str, Any], spec_or_slug: str, file: Path, layer: str, dest: Path, params: tuple[str, ...],
           sheet: str | None, provenance: bool) -> None:
    """Run FILE through a spec and write one layer's full table."""
    spec = api.load_spec(api.find_spec(spec_or_slug, obj["specs_dir"]))
    result = api.preview_path(file, spec, params=api.parse_assignments(params), sheet=_sheet(sheet), sample_rows=1)
    if layer not in result.tables:
        raise api.ExportError(f"the spec has no layer {layer!r}; it has {', '.join(result.tables)}",
                              message_es=f"la especificación no tiene la capa {layer!r}")
    api.export_table(result.tables[layer], dest, provenance=provenance)
    console.print(f"Wrote {len(result.tables[layer].df):,} rows of {layer} to {dest}")


def main() -> None:
    cli(prog_name="workbench")


if __name__ == "__main__":
    main()
