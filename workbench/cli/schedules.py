"""Automation commands: ``workbench scheduler`` (the scheduler process) and ``workbench schedules`` (list, pause,
resume, run-now, inbox), thin adapters over the engine."""

from __future__ import annotations

import json
import logging
import signal
import threading
from typing import Any

import click
from rich.table import Table as RichTable
from rich.text import Text

from workbench.cli.common import console, user_errors
from workbench.engine import api


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def _last(info: Any) -> str:
    last = info.last_result
    if last is None:
        return "—"
    run = f" (run {last.run_id})" if last.run_id else ""
    return f"{last.status}{run} {_when(last.updated_at)}"


@click.command("scheduler")
@click.option("--name", default="", help="A name for this scheduler in logs and in `schedules list`.")
@click.option("--supervised", is_flag=True, hidden=True, help="Started by `workbench serve` (it stamps the log).")
@user_errors
def scheduler(name: str, supervised: bool) -> None:
    """Run the scheduler: fires schedules and takes inbox files of every spec with `automation` (one leads at
    a time; start several for failover). Ctrl-C or SIGTERM stops it."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s" if supervised
                        else "%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        api.run_scheduler(stop=stop, name=name)
    except KeyboardInterrupt:
        stop.set()


@click.group("schedules")
def schedules() -> None:
    """Automated datasets: schedules and inboxes (see docs/automation.md)."""


@schedules.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@user_errors
def schedules_list(as_json: bool) -> None:
    """Each automated dataset: cron, time zone, next 5 fires, last result, paused."""
    found = api.list_schedules()
    if as_json:
        click.echo(json.dumps([s.model_dump(mode="json") for s in found], ensure_ascii=False, indent=2))
        return
    if not found:
        console.print(Text("No spec has an `automation` section."))
        return
    table = RichTable("dataset", "cron", "time zone", "next fires (UTC)", "last result", "paused", "inbox")
    for info in found:
        table.add_row(info.dataset, info.cron or "—", info.timezone or "—",
                      "\n".join(_when(f) for f in info.next_fires) or "—", _last(info),
                      "yes" if info.paused else "no", info.inbox or "—")
    console.print(table)


@schedules.command("pause")
@click.argument("slug")
@user_errors
def schedules_pause(slug: str) -> None:
    """Pause SLUG's automation (fires are recorded as skipped; the inbox is left alone)."""
    api.pause_schedule(slug)
    console.print(Text(f"{slug}: paused"))


@schedules.command("resume")
@click.argument("slug")
@user_errors
def schedules_resume(slug: str) -> None:
    """Resume SLUG's automation (fires missed while paused are not replayed)."""
    api.resume_schedule(slug)
    console.print(Text(f"{slug}: resumed"))


@schedules.command("run-now")
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="Print the trigger as JSON.")
@user_errors
def schedules_run_now(slug: str, as_json: bool) -> None:
    """Run SLUG's newest matching file now (the scheduler starts it at its next tick)."""
    trigger = api.run_now(slug)
    if as_json:
        click.echo(trigger.model_dump_json(indent=2))
    else:
        console.print(Text(f"{slug}: {trigger.key} recorded; the scheduler starts it at its next tick"))


@schedules.command("inbox")
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@user_errors
def schedules_inbox(slug: str, as_json: bool) -> None:
    """The files in SLUG's inbox and what became of each."""
    view = api.inbox_contents(slug)
    if as_json:
        click.echo(view.model_dump_json(indent=2))
        return
    console.print(Text(f"inbox: {view.folder}"))
    table = RichTable("file", "bytes", "modified", "status", "run", "message")
    for f in view.files:
        table.add_row(f.name, str(f.size), _when(f.modified), f.status, str(f.run_id or "—"), f.message)
    console.print(table)


def register(cli: click.Group) -> None:
    for command in (scheduler, schedules):
        cli.add_command(command)
