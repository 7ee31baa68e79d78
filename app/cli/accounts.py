"""``csbm users`` and ``csbm tokens``: who may use the web app and the API."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from app.cli.common import Json, Url, User, commands, fail, group, now, session, who
from app.cli.lazy import EXIT_USAGE
from app.cli.output import console, emit_rows
from app.services import accounts

app = commands()
users = group(app, "users", "Web users and roles (viewer, officer, admin).")
tokens = group(app, "tokens", "API tokens (stored hashed, with an expiry).")

Username = Annotated[str, typer.Argument()]
Role = Annotated[str, typer.Option("--role", help="viewer, officer or admin")]
PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin")]
ExistOk = Annotated[bool, typer.Option("--exist-ok", help="If the user exists, give it a new password instead")]
Enable = Annotated[bool, typer.Option("--enable", help="Enable the user again")]
TokenName = Annotated[str, typer.Option("--name", help="What the token is for")]
Days = Annotated[int, typer.Option("--days", help="Days until it expires")]
TokenStdin = Annotated[bool, typer.Option("--token-stdin", help="Read the token from stdin")]


def _role(value: str) -> accounts.Role:
    try:
        return accounts.Role(value)
    except ValueError:
        fail(f"--role: {value!r} is not one of viewer, officer, admin", EXIT_USAGE)


def _password(password_stdin: bool) -> tuple[str, bool]:
    """The password from standard input, or a generated one (then printed once)."""
    if password_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    return accounts.generate_password(), True


@users.command("add")
def add(
    username: Username,
    role: Role = "viewer",
    password_stdin: PasswordStdin = False,
    exist_ok: ExistOk = False,
    url: Url = None,
    user: User = None,
) -> None:
    """Add a user. Without --password-stdin a password is generated and printed once."""
    chosen_role = _role(role)
    password, generated = _password(password_stdin)
    by = who(url, user)
    with session(url, write=True) as s:
        if exist_ok and accounts.exists(s, username):
            accounts.set_password(s, username=username, password=password, at=now(), by=by)
        else:
            accounts.add_user(s, username=username, password=password, role=chosen_role, at=now(), by=by)
    shown = f"; password: {password}" if generated else ""
    console.print(f"user {username} ({chosen_role}){shown}", highlight=False)


@users.command("list")
def listed(url: Url = None, as_json: Json = False) -> None:
    """List the users with their roles."""
    with session(url) as s:
        found = accounts.list_users(s)
    emit_rows(as_json, found, lambda u: f"{u['username']}: {u['role']}{' (disabled)' if u['disabled'] else ''}")


@users.command("disable")
def disable(username: Username, enable: Enable = False, url: Url = None, user: User = None) -> None:
    """Disable a user (their sessions and tokens stop working at once)."""
    with session(url, write=True) as s:
        accounts.set_disabled(s, username=username, disabled=not enable, at=now(), by=who(url, user))
    console.print(f"user {username}: {'enabled' if enable else 'disabled'}")


@users.command("set-password")
def set_password(username: Username, password_stdin: PasswordStdin = False, url: Url = None, user: User = None) -> None:
    """Set a user's password (generated and printed once without --password-stdin)."""
    password, generated = _password(password_stdin)
    with session(url, write=True) as s:
        accounts.set_password(s, username=username, password=password, at=now(), by=who(url, user))
    console.print(f"user {username}: password set" + (f" to {password}" if generated else ""), highlight=False)


@tokens.command("create")
def create(username: Username, name: TokenName = "api", days: Days = 90, url: Url = None, user: User = None) -> None:
    """Create an API token for a user; it is shown once and stored only as a hash."""
    with session(url, write=True) as s:
        token = accounts.create_token(s, username=username, name=name, days=days, at=now(), by=who(url, user))
    sys.stdout.write(token + "\n")


@tokens.command("revoke")
def revoke(token_stdin: TokenStdin = True, url: Url = None, user: User = None) -> None:
    """Revoke an API token, read from standard input (so it never appears in a process list)."""
    token = sys.stdin.readline().strip()
    with session(url, write=True) as s:
        revoked = accounts.revoke_token(s, token=token, at=now(), by=who(url, user))
    if not revoked:
        fail("no such active token")
    console.print("token revoked")
