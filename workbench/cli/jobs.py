"""Background-work commands: worker, events, backfills and serve (thin adapters over the engine)."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import click
from rich.text import Text

from workbench import serving, web
from workbench.cli.common import console, err_console, user_errors
from workbench.engine import api
from workbench.supervisor import Console


def _backfill_line(b: Any) -> str:
    p = b.progress
    return (f"backfill {b.id} · {b.dataset_slug} · {b.status} · {b.total} files: {p.get('succeeded', 0)} succeeded, "
            f"{p.get('failed', 0)} failed, {p.get('skipped', 0)} skipped, {p.get('remaining', 0)} remaining"
            + (f", {p['cancelled']} cancelled" if p.get("cancelled") else ""))


@click.command("worker")
@click.option("--queues", "-q", multiple=True, type=click.Choice(api.QUEUES), help="Queues to serve (default: all).")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--name", default=None, help="Worker name (default: RQ's).")
@click.option("--fork", is_flag=True, help="Run each job in a forked work horse (isolation; slower).")
@click.option("--supervised", is_flag=True, hidden=True, help="Started by `workbench serve` (it stamps the log).")
@user_errors
def worker(queues: tuple[str, ...], burst: bool, name: str | None, fork: bool, supervised: bool) -> None:
    """Run an RQ worker for runs, backfills and previews (recovers abandoned runs first)."""
    api.work(list(queues) or None, burst=burst, name=name, fork=fork, stamped=not supervised)


@click.group("events")
def events() -> None:
    """The run event stream (Redis Streams)."""


@events.command("tail")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new events until Ctrl-C.")
@click.option("--last", default=20, show_default=True, type=click.IntRange(0, 100_000), help="Past events to show first.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@user_errors
def events_tail(follow: bool, last: int, as_json: bool) -> None:
    """Print the latest events (run.queued/started/step/succeeded/failed, backfill.*), and follow new ones."""
    try:
        for event in api.tail_events(last=last, follow=follow):
            if as_json:
                click.echo(json.dumps(event, ensure_ascii=False, default=str))
            else:
                fields = " ".join(f"{k}={v}" for k, v in event["data"].items() if v is not None)
                console.print(Text(f"{event['ts']} {event['type']:<18} {fields}"))
    except KeyboardInterrupt:
        pass


@click.command("backfill")
@click.argument("slug")
@click.option("--files", "pattern", required=True, help="A directory or a glob pattern (quote it).")
@click.option("--param", "-p", "params", multiple=True, metavar="K=V", help="Run parameter for every file.")
@click.option("--param-from-filename", default=None, metavar="REGEX",
              help="Named groups taken from each file name, e.g. '(?P<anio>\\d{4})'.")
@click.option("--force", is_flag=True, help="Also run files already run with the same spec and parameters.")
@click.option("--wait", is_flag=True, help="Wait and show progress until the backfill finishes.")
@click.option("--json", "as_json", is_flag=True, help="Print the backfill record as JSON.")
@user_errors
def backfill(slug: str, pattern: str, params: tuple[str, ...], param_from_filename: str | None, force: bool,
             wait: bool, as_json: bool) -> None:
    """Queue one run of SLUG per file; a worker (`workbench worker` or `workbench serve`) executes them."""
    files = api.expand_files(pattern)
    result = api.start_backfill(slug, files, params=api.parse_assignments(params),
                                param_from_filename=param_from_filename, force=force)
    while wait and result.status == "running":
        time.sleep(0.5)
        result = api.backfill_status(result.id)
        if not as_json:
            err_console.print(Text(_backfill_line(result)), end="\r")
    if as_json:
        click.echo(result.model_dump_json(indent=2))
    else:
        console.print(Text(_backfill_line(result)))
        if result.status == "running":
            console.print(Text("Follow it with `workbench events tail --follow` or `workbench backfills show "
                               f"{result.id}`; start a worker with `workbench worker` if none is running."))


@click.group("backfills")
def backfills() -> None:
    """Follow, cancel or resume backfills."""


@backfills.command("show")
@click.argument("backfill_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@user_errors
def backfills_show(backfill_id: int, as_json: bool) -> None:
    """Progress of a backfill (done / failed / remaining)."""
    result = api.backfill_status(backfill_id)
    click.echo(result.model_dump_json(indent=2)) if as_json else console.print(Text(_backfill_line(result)))


@backfills.command("cancel")
@click.argument("backfill_id", type=int)
@user_errors
def backfills_cancel(backfill_id: int) -> None:
    """Cancel the runs not started yet (running ones finish)."""
    console.print(Text(_backfill_line(api.cancel_backfill(backfill_id))))


@backfills.command("resume")
@click.argument("backfill_id", type=int)
@user_errors
def backfills_resume(backfill_id: int) -> None:
    """Queue again only the files whose runs failed (with the dataset's current spec)."""
    console.print(Text(_backfill_line(api.resume_backfill(backfill_id))))


def _first_admin(base: str, console: Console) -> None:
    """No account yet: create the admin from WORKBENCH_ADMIN_USERNAME/PASSWORD (logged by the engine), or print
    a one-time link (valid 24 h) with which the first visitor creates it. There is never a default password."""
    secret = api.bootstrap()
    if secret:
        console.say("serve", f"No account exists yet. Create the first admin (link valid 24 h, once): "
                             f"{base}/login?setup={secret}")


def _interrupt(*_: Any) -> None:
    raise KeyboardInterrupt


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address of the web app (loopback by default).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port of the web app.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 16), help="Worker processes.")
@click.option("--no-web", is_flag=True, help="Only Redis and the workers (no web app).")
@user_errors
def serve(host: str, port: int, workers: int, no_web: bool) -> None:
    """Start what a user needs on one machine: Redis (embedded unless WORKBENCH_REDIS_URL is set), workers and
    the web app (pages, REST API, /admin) on one port, and keep them running: a worker, the web server or the
    embedded Redis that dies is started again (with a growing pause), and an interrupted run ends failed within
    seconds and is retried once. Every log line is stamped with the time and its process. Ctrl-C (or SIGTERM)
    stops them all."""
    console = Console()
    serving.log_to(console)
    settings = api.get_settings()
    report = api.sync_specs()
    url = api.redis_url(settings)
    env = {**os.environ, "WORKBENCH_REDIS_URL": url, "WORKBENCH_DATA_DIR": str(Path(settings.data_dir).resolve()),
           "WORKBENCH_SPECS_DIR": str(Path(settings.specs_dir).resolve()), "PYTHONUNBUFFERED": "1"}
    web_env = None
    if not no_web:
        web.ensure_port_free(host, port)
        web_env = web.web_env(host, port, state_redis_url=api.state_db_url(settings), base=env,
                              public_url=settings.public_url)
        if web.needs_build(web_env):
            console.say("serve", "building the web app (the first time takes 1-2 minutes; later starts reuse it)...")
        built, seconds = web.build(host, port, env=web_env)
        if built:
            console.say("serve", f"web app built in {seconds:.1f} s")
    plan = serving.Plan(settings=settings, console=console, env=env, workers=workers, host=host, port=port,
                        web_env=web_env, redis=api.owned_embedded(settings))
    supervisor = plan.supervisor()
    signal.signal(signal.SIGTERM, _interrupt)  # while starting: stop at once, as Ctrl-C does
    try:
        public = plan.start()
        if not no_web:
            _first_admin(public, console)
        where = "" if no_web else f", web app at {public}/workbench"
        console.say("serve", f"ready: specs synced ({len(report.added) + len(report.updated) + len(report.unchanged)}"
                             f" datasets), Redis at {url.split('?')[0]}, {workers} worker(s){where}. "
                             "Ctrl-C stops everything.")
        supervisor.install_signals()
        supervisor.run()
    except KeyboardInterrupt:
        pass
    finally:
        plan.stop_all()
        console.say("serve", "stopped")


def register(cli: click.Group) -> None:
    for command in (worker, events, backfill, backfills, serve):
        cli.add_command(command)

