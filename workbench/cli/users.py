"""``workbench users`` and ``workbench tokens``: accounts, roles and API tokens (run by the operator on the
server; the CLI acts as the local ``system`` principal). Passwords are read from a hidden prompt or stdin,
never from the command line (it would land in the shell history and the process list)."""

from __future__ import annotations

import sys

import click
from rich.table import Table as RichTable
from rich.text import Text

from workbench.cli.common import console, user_errors
from workbench.engine import api


def _password(stdin: bool) -> str:
    if stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.group()
def users() -> None:
    """Accounts that sign in to the web app and the API, with their roles."""


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(api.ROLES), default="viewer", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@user_errors
def users_add(username: str, role: str, password_stdin: bool) -> None:
    """Create USERNAME with a password (asked for, at least 10 characters)."""
    user = api.add_user(username, _password(password_stdin), role)
    console.print(Text(f"created {user.username} ({user.role})"))


@users.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@user_errors
def users_passwd(username: str, password_stdin: bool) -> None:
    """Set USERNAME's password; their open browser sessions end."""
    api.set_password(username, _password(password_stdin))
    console.print(Text(f"password of {username} changed; its sessions were ended"))


@users.command("disable")
@click.argument("username")
@user_errors
def users_disable(username: str) -> None:
    """Disable USERNAME: sign-in, sessions and tokens stop working at once (the last admin can't be)."""
    api.set_disabled(username, True)
    console.print(Text(f"{username} disabled"))


@users.command("enable")
@click.argument("username")
@user_errors
def users_enable(username: str) -> None:
    """Enable a disabled USERNAME again."""
    api.set_disabled(username, False)
    console.print(Text(f"{username} enabled"))


@users.command("role")
@click.argument("username")
@click.argument("role", type=click.Choice(api.ROLES))
@user_errors
def users_role(username: str, role: str) -> None:
    """Change USERNAME's role (viewer reads; analyst uploads, previews, runs; admin manages)."""
    api.set_role(username, role)
    console.print(Text(f"{username} is now {role}"))


@users.command("list")
@user_errors
def users_list() -> None:
    """Every account with its role and state."""
    table = RichTable("username", "role", "state", "created (UTC)", "last sign-in (UTC)")
    for u in api.list_users():
        table.add_row(Text(u.username), u.role, "disabled" if u.disabled else "active",
                      u.created_at.strftime("%Y-%m-%d %H:%M"),
                      u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "-")
    console.print(table)


@click.group()
def tokens() -> None:
    """API tokens for scripts and other systems (sent as `Authorization: Bearer <token>`)."""


@tokens.command("create")
@click.argument("username")
@click.option("--name", required=True, help="What the token is for (shown in listings).")
@click.option("--days", type=click.IntRange(1, 3650), default=None, help="Lifetime (default WORKBENCH_TOKEN_TTL_DAYS).")
@user_errors
def tokens_create(username: str, name: str, days: int | None) -> None:
    """Create a token acting as USERNAME (with its role); it is printed once and stored only as a hash."""
    secret = api.create_token(username, name, days=days)
    click.echo(secret)
    click.echo("store it now: it cannot be shown again", err=True)


@tokens.command("list")
@click.option("--user", "username", default=None, help="Only this user's tokens.")
@user_errors
def tokens_list(username: str | None) -> None:
    """Tokens (id, prefix, user, name, expiry, state); never the secrets."""
    table = RichTable("id", "prefix", "user", "name", "expires (UTC)", "last used (UTC)", "state")
    for t in api.list_tokens(username):
        state = "revoked" if t.revoked_at else "active"
        table.add_row(str(t.id), t.prefix + "…", Text(t.username), Text(t.name),
                      t.expires_at.strftime("%Y-%m-%d") if t.expires_at else "-",
                      t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "-", state)
    console.print(table)


@tokens.command("revoke")
@click.argument("token_id_or_prefix")
@user_errors
def tokens_revoke(token_id_or_prefix: str) -> None:
    """Revoke a token by its id or by its prefix (at least 8 characters, as listed)."""
    n = api.revoke_token(token_id_or_prefix)
    if not n:
        raise click.ClickException(f"no token matches {token_id_or_prefix!r}")
    console.print(Text(f"revoked {n} token(s)"))


def register(cli: click.Group) -> None:
    cli.add_command(users)
    cli.add_command(tokens)
