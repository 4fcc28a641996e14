"""``workbench publish`` and ``workbench releases``: propose a run's rows as a release of its dataset's gold
table, review its diff, approve (four eyes), reject, roll back, and grant BI tools read access.

On the server's shell the operator acts as the local ``system`` account; ``--as USERNAME`` acts as a named
account instead (recorded as that user, with its role), so the four-eyes rule holds here too: the proposer can
never approve their own release."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from typing import Any

import click
from rich.table import Table as RichTable
from rich.text import Text

from workbench.cli.common import console, user_errors
from workbench.engine import api

AS_OPTION = click.option("--as", "as_user", default=None, metavar="USERNAME",
                         help="Act as this account (recorded as it; four eyes: never approve your own release).")
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@contextlib.contextmanager
def acting(as_user: str | None) -> Iterator[None]:
    if not as_user:
        yield
        return
    with api.acting_as(api.principal_of_user(as_user)):
        yield


def _dump(value: Any) -> None:
    data = value.model_dump(mode="json") if hasattr(value, "model_dump") else value
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _counts(release: Any) -> str:
    c = release.diff_summary.get("counts", {})
    return (f"+{c.get('added', 0):,} -{c.get('removed', 0):,} ~{c.get('changed', 0):,} "
            f"={c.get('unchanged', 0):,}")


def _line(release: Any) -> Text:
    return Text(f"release {release.id} of {release.dataset_slug} (run {release.run_id}): {release.status}, "
                f"{release.row_counts.get('rows', 0):,} rows ({_counts(release)}), content {release.content_hash[:12]}")


class PublishGroup(click.Group):
    """``workbench publish RUN_ID`` proposes; ``workbench publish grant ROLE`` is a subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["propose", *args]
        return super().parse_args(ctx, args)


@click.group(cls=PublishGroup)
def publish() -> None:
    """Propose a run's rows for publication (`workbench publish RUN_ID`), or grant BI read access."""


@publish.command("propose")
@click.argument("run_id", type=int)
@click.option("--acknowledge-warnings", is_flag=True, help="Propose a run whose QA passed with warnings (recorded).")
@AS_OPTION
@JSON_OPTION
@user_errors
def publish_propose(run_id: int, acknowledge_warnings: bool, as_user: str | None, as_json: bool) -> None:
    """Propose RUN_ID (QA passed) as a release of its dataset's gold table; another publisher approves it."""
    with acting(as_user):
        release = api.propose_release(run_id, acknowledge_warnings=acknowledge_warnings)
    if as_json:
        _dump(release)
        return
    console.print(_line(release))
    console.print(Text(f"review: workbench releases diff {release.id}; approve (another publisher): "
                       f"workbench releases approve {release.id} --as USERNAME"))


@publish.command("grant")
@click.argument("role")
@click.option("--password-stdin", is_flag=True, help="Read the role's password from the first line of stdin.")
@click.option("--no-password", is_flag=True, help="Leave the role's password as it is (or none: peer/trust auth).")
@user_errors
def publish_grant(role: str, password_stdin: bool, no_password: bool) -> None:
    """Create or update ROLE, a PostgreSQL login that may only SELECT the gold schema's tables."""
    if no_password:
        password = None
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password for the role", hide_input=True, confirmation_prompt=True)
    for statement in api.grant_gold_reader(role, password):
        console.print(Text(statement))
    console.print(Text(f"{role} may read the published tables (SELECT only)"))


@click.group()
def releases() -> None:
    """Releases of gold tables: list, show, diff, approve, reject, roll back."""


@releases.command("list")
@click.option("--dataset", default=None, help="Only releases of this dataset slug.")
@click.option("--status", type=click.Choice(api.RELEASE_STATUSES), default=None)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 200))
@JSON_OPTION
@user_errors
def releases_list(dataset: str | None, status: str | None, limit: int, as_json: bool) -> None:
    """Releases, newest first."""
    page = api.list_releases(dataset=dataset, status=status, limit=limit)
    if as_json:
        _dump([r.model_dump(mode="json") for r in page.items])
        return
    table = RichTable("id", "dataset", "run", "status", "QA", "rows", "diff (+ - ~ =)", "proposer", "approver",
                      "proposed (UTC)")
    for r in page.items:
        table.add_row(str(r.id), r.dataset_slug, str(r.run_id), r.status, r.qa_status + (" (ack)" if r.qa_acknowledged
                      else ""), f"{r.row_counts.get('rows', 0):,}", _counts(r), Text(r.proposer),
                      Text(r.approver or "-"), r.proposed_at.strftime("%Y-%m-%d %H:%M"))
    console.print(table)


@releases.command("show")
@click.argument("release_id", type=int)
@JSON_OPTION
@user_errors
def releases_show(release_id: int, as_json: bool) -> None:
    """One release: its facts, snapshots and every decision (the audit log)."""
    detail = api.get_release(release_id)
    if as_json:
        _dump(detail)
        return
    r = detail.release
    console.print(_line(r))
    console.print(Text(f"table {detail.table}; partitions {', '.join(r.partition_keys)}; replaces "
                       f"{r.base_release_ids or 'nothing'}; spec v{r.spec_version}; QA {r.qa_status}"
                       + (" (warnings acknowledged)" if r.qa_acknowledged else "")))
    for item in r.inputs:
        console.print(Text(f"input: {item.get('name')} sha256 {item.get('sha256')}"))
    for fmt in ("parquet", "csv"):
        meta = r.snapshot.get(fmt, {})
        console.print(Text(f"snapshot {fmt}: {meta.get('rows', 0):,} rows, sha256 {meta.get('sha256')}"))
    for e in detail.events:
        console.print(Text(f"  {e.at.strftime('%Y-%m-%d %H:%M:%S')} {e.action} by {e.actor}"
                           + (f": {e.reason}" if e.reason else "")))


@releases.command("diff")
@click.argument("release_id", type=int)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(0, 1_000_000),
              help="Rows and changed cells listed per kind.")
@JSON_OPTION
@user_errors
def releases_diff(release_id: int, limit: int, as_json: bool) -> None:
    """What the release changes against the published partitions, by business key."""
    diff = api.release_diff(release_id, limit=limit)
    if as_json:
        _dump(diff)
        return
    c = diff["counts"]
    console.print(Text(f"release {release_id}: {c['before']:,} rows published -> {c['after']:,}: added "
                       f"{c['added']:,}, removed {c['removed']:,}, changed {c['changed']:,} "
                       f"({c['changed_cells']:,} cells), unchanged {c['unchanged']:,}"))
    key = diff["key"]
    for kind in ("added", "removed"):
        for row in diff[kind]:
            console.print(Text(f"  {'+' if kind == 'added' else '-'} " + " ".join(str(row.get(k) or "·") for k in key)))
    if diff["changes"]:
        table = RichTable(*key, "column", "old", "new", "delta")
        for ch in diff["changes"]:
            table.add_row(*(Text(str(ch["key"].get(k) or "·")) for k in key), ch["column"],
                          api.fmt_value(ch["old"]), api.fmt_value(ch["new"]), api.fmt_value(ch["delta"]))
        console.print(table)
    if diff["totals"]:
        table = RichTable(*diff["totals"][0]["by"], "before", "after", "delta", title="totals")
        for t in diff["totals"]:
            table.add_row(*(Text(str(v)) for v in t["by"].values()), api.fmt_value(t["before"]),
                          api.fmt_value(t["after"]), api.fmt_value(t["delta"]))
        console.print(table)
    for name, total in (diff.get("control_totals") or {}).items():
        console.print(Text(f"control total {name}: {api.fmt_value(total.get('value'))}"))
    console.print(Text(f"content {diff['content_hash']}"))


@releases.command("approve")
@click.argument("release_id", type=int)
@click.option("--hash", "content_hash", default=None, help="The content hash you reviewed (default: the current one).")
@click.option("--no-publish", is_flag=True, help="Approve only; publish later (`workbench releases publish`).")
@AS_OPTION
@JSON_OPTION
@user_errors
def releases_approve(release_id: int, content_hash: str | None, no_publish: bool, as_user: str | None,
                     as_json: bool) -> None:
    """Approve (and publish) a release another user proposed (publisher or admin)."""
    with acting(as_user):
        release = api.approve_release(release_id, content_hash, publish=not no_publish)
    _dump(release) if as_json else console.print(_line(release))


@releases.command("publish")
@click.argument("release_id", type=int)
@AS_OPTION
@JSON_OPTION
@user_errors
def releases_publish(release_id: int, as_user: str | None, as_json: bool) -> None:
    """Publish an approved release (its content checked against the approval)."""
    with acting(as_user):
        release = api.publish_release(release_id)
    _dump(release) if as_json else console.print(_line(release))


@releases.command("reject")
@click.argument("release_id", type=int)
@click.option("--reason", required=True, help="Why (recorded; required).")
@AS_OPTION
@JSON_OPTION
@user_errors
def releases_reject(release_id: int, reason: str, as_user: str | None, as_json: bool) -> None:
    """Reject a proposed or approved release, with a reason."""
    with acting(as_user):
        release = api.reject_release(release_id, reason)
    _dump(release) if as_json else console.print(_line(release))


@releases.command("rollback")
@click.argument("release_id", type=int)
@click.option("--reason", default="", help="Why (recorded).")
@AS_OPTION
@JSON_OPTION
@user_errors
def releases_rollback(release_id: int, reason: str, as_user: str | None, as_json: bool) -> None:
    """Put back the rows a published release replaced (it must still be the current one of its partitions)."""
    with acting(as_user):
        release = api.rollback_release(release_id, reason)
    if as_json:
        _dump(release)
        return
    console.print(_line(release))
    console.print(Text(f"rolled back in {release.timings_ms.get('rollback', 0):,.0f} ms"))


def register(cli: click.Group) -> None:
    cli.add_command(publish)
    cli.add_command(releases)
