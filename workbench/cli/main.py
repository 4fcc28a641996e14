"""The ``workbench`` command: a thin adapter over the engine. User errors exit 2 with one clear message."""

from __future__ import annotations

import atexit
import json
import os
import sys
import threading
import webbrowser
from pathlib import Path
from typing import Any

import click
from rich.table import Table as RichTable
from rich.text import Text

from workbench.cli.common import console, err_console, user_errors
from workbench.cli.render import failures_table, qa_line, render_preview, render_qa
from workbench.engine import api


def _sheet(value: str | None) -> int | str | None:
    return int(value) if value is not None and value.isdigit() else value


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--specs-dir", type=click.Path(path_type=Path), default=None, envvar="WORKBENCH_SPECS_DIR",
              help="Directory of dataset specs (default: ./specs).")
@click.pass_context
def cli(ctx: click.Context, specs_dir: Path | None) -> None:
    """Data Workbench: turn RAW spreadsheets into tidy, validated, traceable tables."""
    api.set_process_default(api.SYSTEM)  # the operator on the server's shell acts as the local system
    try:
        ctx.obj = {"specs_dir": specs_dir or api.get_settings().specs_dir}
    except api.WorkbenchError as exc:
        err_console.print(Text(f"Error ({exc.code}): {exc.message}", style="red"))
        sys.exit(2)


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
        err_console.print(Text(f"No specs found in {obj['specs_dir']}"))
        sys.exit(2)
    failed = 0
    for path in files:
        try:
            spec = api.load_spec(path)
        except api.WorkbenchError as exc:
            failed += 1
            err_console.print(Text.assemble(("✗ ", "red"), exc.message), soft_wrap=True)
        else:
            console.print(Text.assemble(("✓ ", "green"), f"{path}  ({spec.slug}, layers: {', '.join(spec.layer_names)})"))
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
        table.add_row(Text(s.slug), Text(s.dataset.title), ", ".join(s.layer_names), Text(", ".join(s.parameters)),
                      s.content_hash()[:12])
    console.print(table)
    for exc in bad.values():
        err_console.print(Text.assemble(("✗ ", "red"), exc.message), soft_wrap=True)


@specs.command("schema")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write to a file instead of stdout.")
def specs_schema(out: Path | None) -> None:
    """Print the spec JSON Schema (for editor autocompletion via yaml-language-server)."""
    text = json.dumps(api.spec_json_schema(), ensure_ascii=False, indent=2) + "\n"
    if out:
        out.write_text(text, encoding="utf-8")
        console.print(Text(f"Wrote {out}"))
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
    render_preview(console, result, rows=rows)


@cli.command()
@click.argument("args", nargs=-1, required=True, metavar="RUN_ID | SPEC_OR_SLUG FILE")
@click.option("--layer", default="silver", show_default=True, help="Layer to export (bronze, silver, gold).")
@click.option("--to", "dest", required=True, type=click.Path(path_type=Path), help="Output .csv or .parquet file.")
@click.option("--param", "-p", "params", multiple=True, metavar="K=V", help="Run parameter (repeatable).")
@click.option("--sheet", default=None, help="Workbook sheet: name or 0-based index.")
@click.option("--provenance", is_flag=True, help="Also write the _raw_* provenance columns.")
@click.pass_obj
@user_errors
def export(obj: dict[str, Any], args: tuple[str, ...], layer: str, dest: Path, params: tuple[str, ...],
           sheet: str | None, provenance: bool) -> None:
    """Write one layer's full table: of a stored run (RUN_ID), or of FILE run through a spec."""
    if len(args) == 1:
        if not args[0].isdigit():
            raise click.UsageError("give a run id, or a spec and a file")
        table = api.run_table(int(args[0]), layer, publish=True)
    elif len(args) == 2:
        spec = api.load_spec(api.find_spec(args[0], obj["specs_dir"]))
        result = api.preview_path(Path(args[1]), spec, params=api.parse_assignments(params), sheet=_sheet(sheet),
                                  sample_rows=1)
        if layer not in result.tables:
            raise api.ExportError(f"the spec has no layer {layer!r}; it has {', '.join(result.tables)}",
                                  message_es=f"la especificación no tiene la capa {layer!r}")
        api.ensure_publishable_preview(result.qa, args[1])
        table = result.tables[layer]
    else:
        raise click.UsageError("give a run id, or a spec and a file")
    api.export_table(table, dest, provenance=provenance)
    console.print(Text(f"Wrote {len(table.df):,} rows of {layer} to {dest}"))


# --- runs ----------------------------------------------------------------------------------------


def _run_line(run: Any) -> Text:
    counts = ", ".join(f"{k} {v:,}" for k, v in (run.row_counts or {}).items())
    return Text.assemble(f"run {run.id} · {run.dataset_slug} v{run.spec_version} · {run.status} · ",
                         qa_line(run.qa_status, run.status), (f" · {counts}" if counts else ""),
                         (" · reused (same file, spec and parameters)" if run.reused else ""))


@cli.command("run")
@click.argument("slug")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--param", "-p", "params", multiple=True, metavar="K=V", help="Run parameter (repeatable).")
@click.option("--force", is_flag=True, help="Run even if the same file, spec and parameters already ran.")
@click.option("--background", is_flag=True, help="Queue the run for a worker instead of running it here.")
@click.option("--sheet", default=None, help="Workbook sheet, name or 0-based index (default: the one with the header).")
@click.option("--json", "as_json", is_flag=True, help="Print the run record as JSON.")
@user_errors
def run_cmd(slug: str, file: Path, params: tuple[str, ...], force: bool, background: bool, sheet: str | None,
            as_json: bool) -> None:
    """Store FILE, record and execute a run of dataset SLUG; prints the run id. Exit 2 if the run failed."""
    data = api.read_input(file)
    submit = api.submit_run if background else api.run_file
    run = submit(slug, data, filename=file.name, params=api.parse_assignments(params), force=force,
                 sheet=int(sheet) if sheet is not None and sheet.isdigit() else sheet)
    if as_json:
        click.echo(run.model_dump_json(indent=2))
    else:
        console.print(_run_line(run))
        if run.error:
            err_console.print(Text(f"Error ({run.error['code']}): {run.error['message']}", style="red"))
        if run.qa_status == "failed":
            render_qa(err_console, run.qa, rows=3)
    if run.status not in ("succeeded", "queued"):
        sys.exit(2)
    if run.qa_status == "failed":
        sys.exit(3)


@cli.group("runs")
def runs_group() -> None:
    """Browse recorded runs."""


@runs_group.command("list")
@click.option("--dataset", default=None, help="Only runs of this dataset slug.")
@click.option("--status", type=click.Choice(api.RUN_STATUSES), default=None)
@click.option("--qa-status", type=click.Choice(api.QA_STATUSES), default=None)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@user_errors
def runs_list(dataset: str | None, status: str | None, qa_status: str | None, limit: int, as_json: bool) -> None:
    """Recorded runs, newest first."""
    found: list[Any] = []
    while len(found) < limit:  # pages of at most api.MAX_PAGE runs, up to --limit
        page = api.list_runs(dataset=dataset, status=status, qa_status=qa_status, limit=limit - len(found),
                             offset=len(found))
        found += page.items
        if not page.items or len(found) >= page.total:
            break
    if as_json:
        click.echo(json.dumps([r.model_dump(mode="json") for r in found], ensure_ascii=False, indent=2))
        return
    table = RichTable("id", "dataset", "spec v", "status", "QA", "file", "rows", "by", "created (UTC)")
    for r in found:
        rows = " / ".join(f"{v:,}" for v in (r.row_counts or {}).values())
        table.add_row(str(r.id), r.dataset_slug, str(r.spec_version), r.status, r.qa_status,
                      Text(r.inputs[0]["name"] if r.inputs else ""), rows, Text(r.triggered_by),
                      r.created_at.strftime("%Y-%m-%d %H:%M:%S"))
    console.print(table)


@runs_group.command("show")
@click.argument("run_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the whole record (timeline included) as JSON.")
@user_errors
def runs_show(run_id: int, as_json: bool) -> None:
    """One run: inputs, parameters, status, QA, counts, control totals, error."""
    run = api.get_run(run_id)
    if as_json:
        click.echo(run.model_dump_json(indent=2))
        return
    console.print(_run_line(run))
    for item in run.inputs:
        console.print(Text(f"input: {item['name']} ({item['bytes']:,} bytes, sha256 {item['sha256']})"))
    console.print(Text(f"parameters: {run.params} · by {run.triggered_by} · created {run.created_at.isoformat()}"
                       f" · finished {run.finished_at.isoformat() if run.finished_at else '-'}"))
    if run.control_totals:
        console.print(Text(f"control totals: {run.control_totals}"))
    if stages := _stages(run.timings_ms):
        console.print(Text(f"stages: {stages}"))
    for step in run.timeline or []:
        console.print(Text(f"  {step['layer']}[{step['index']}] {step['label']}: {step['rows_in']:,} → "
                           f"{step['rows_out']:,} rows, {step['duration_ms']:.1f} ms"))
    if run.qa:
        render_qa(console, run.qa, rows=5)
    if run.error:
        err_console.print(Text(f"error ({run.error['code']}): {run.error['message']}", style="red"))




def _stages(timings: dict[str, Any] | None) -> str:
    """``read 12.0 ms · steps 30.4 ms · ...``; empty for a run recorded before its stages were measured."""
    timings = timings or {}
    if "outputs" not in timings:
        return ""
    return " · ".join(f"{key} {timings[key]:.1f} ms" for key in api.RUN_STAGES if key in timings)


@runs_group.command("failures")
@click.argument("run_id", type=int)
@click.option("--check", "expectation_id", default=None, help="Only the rows failing this check (its id).")
@click.option("--offset", default=0, show_default=True, type=click.IntRange(0))
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--json", "as_json", is_flag=True, help="Print the page as JSON.")
@user_errors
def runs_failures(run_id: int, expectation_id: str | None, offset: int, limit: int, as_json: bool) -> None:
    """Every row that failed a quality check, with the RAW cells it came from (paged)."""
    page = api.run_failures(run_id, expectation_id=expectation_id, offset=offset, limit=limit)
    if as_json:
        click.echo(json.dumps(page, ensure_ascii=False, indent=2, default=str))
        return
    console.print(failures_table(page))


@cli.group("docs")
def docs_group() -> None:
    """Data Docs: the offline QA report page of each run."""


@docs_group.command("build")
@click.argument("run_id", type=int)
@user_errors
def docs_build(run_id: int) -> None:
    """(Re)build RUN_ID's Data Docs page and print its path."""
    console.print(Text(str(api.build_run_docs(run_id))))


@docs_group.command("open")
@click.argument("run_id", type=int)
@click.option("--no-browser", is_flag=True, help="Only print the page's path.")
@user_errors
def docs_open(run_id: int, no_browser: bool) -> None:
    """Open RUN_ID's Data Docs page in a browser (building it if needed)."""
    page = api.run_docs_path(run_id)
    console.print(Text(str(page)))
    if not no_browser:
        webbrowser.open(page.resolve().as_uri())


@specs.command("sync")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@user_errors
def specs_sync(as_json: bool) -> None:
    """Upsert every spec into the store (new versions for changed specs; removed specs become inactive)."""
    report = api.sync_specs()
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for label in ("added", "updated", "unchanged", "deactivated"):
            names = getattr(report, label)
            if names:
                console.print(Text(f"{label}: {', '.join(names)}"))
        for error in report.errors.values():
            err_console.print(Text(f"✗ {error['message']}", style="red"))
    if report.errors:
        sys.exit(2)


@cli.command("lineage")
@click.argument("slug", required=False)
@click.option("--format", "fmt", type=click.Choice(["json", "jsonld"]), default="json", show_default=True)
@user_errors
def lineage_cmd(slug: str | None, fmt: str) -> None:
    """The lineage graph (RAW file -> bronze -> silver -> gold) of SLUG, or of everything: JSON or JSON-LD (PROV)."""
    click.echo(json.dumps(api.lineage_graph(slug, fmt=fmt), ensure_ascii=False, indent=2, default=str))


from workbench.cli.db import db  # noqa: E402  (command groups that live in their own modules)
from workbench.cli.drift import register as register_drift_commands  # noqa: E402
from workbench.cli.jobs import register as register_job_commands  # noqa: E402
from workbench.cli.openlineage import register as register_openlineage_commands  # noqa: E402
from workbench.cli.dbt import register as register_dbt_commands  # noqa: E402
from workbench.cli.users import register as register_user_commands  # noqa: E402
from workbench.cli.publish import register as register_publish_commands  # noqa: E402
from workbench.cli.schedules import register as register_schedule_commands  # noqa: E402

cli.add_command(db)
register_drift_commands(cli)
register_job_commands(cli)
register_openlineage_commands(cli)
register_dbt_commands(cli)
register_user_commands(cli)
register_publish_commands(cli)
register_schedule_commands(cli)


def main() -> None:
    """The ``workbench`` command. When it is done, the process ends without the interpreter's teardown of every
    module and object (pandas, pyarrow, SQLAlchemy ...): measured 0.5-2.6 s of a 1-2 s `workbench run` on this
    2-core machine, against 0.03-0.1 s for what must still happen at exit (``atexit``: the embedded Redis this
    process started is stopped, logs flushed)."""
    try:
        cli(prog_name="workbench")
        code: Any = 0
    except SystemExit as exc:
        code = exc.code
    end_process(code)


def end_process(code: Any) -> None:
    """Exit with ``code`` as ``sys.exit`` would (None: 0; text: printed, 1), skipping the interpreter's teardown
    once the exit handlers ran and the output is flushed. A thread the command left running (none of ours do)
    gets the normal, joining exit instead."""
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.exit(code)
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        print(code, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()  # what the interpreter would run at exit (registered cleanups, logging.shutdown)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (| head): nothing more can be said
            pass
    os._exit(status)


if __name__ == "__main__":
    main()
