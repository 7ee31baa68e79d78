"""``csbm keys``: the centre's signing key and the partners' public keys (admin only).

Each command acts as the account named by ``--user`` (or CSBM_USER), which must be
an enabled admin account; every key operation is written to the audit log.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import Json, User, commands, group
from app.cli.common import Url as DatabaseUrl
from app.cli.common import fail as _fail
from app.cli.common import now as _now
from app.cli.common import settings as _settings
from app.cli.output import console, print_json
from app.cli.reconcile import EXIT_USAGE, PASSPHRASE_ENV, KeyFile, _home, _key_path, _read, _run, _write

app = commands()
keys_app = group(app, "keys", "The centre's signing key and the partners' public keys (admin only).")


def _new_passphrase(unencrypted: bool) -> str | None:
    if unencrypted:
        return None
    given = os.environ.get(PASSPHRASE_ENV)
    if given:
        return given
    if not sys.stdin.isatty():
        _fail(f"set {PASSPHRASE_ENV} for the new key's passphrase, or give --unencrypted", EXIT_USAGE)
    return str(typer.prompt("Passphrase for the new key", hide_input=True, confirmation_prompt=True))


@keys_app.command("create")
def keys_create(
    key: KeyFile = None,
    state: Annotated[str | None, typer.Option("--state", help="The centre's state; default CSBM_HOME_STATE")] = None,
    unencrypted: Annotated[
        bool, typer.Option("--unencrypted", help="No passphrase: the file (mode 0600) is the only protection")
    ] = False,
    database_url: DatabaseUrl = None,
    user: User = None,
    json_out: Json = False,
) -> None:
    """Make the centre's Ed25519 key pair: the private key in a file, the public key registered."""
    from app.services import keys

    path, home = _key_path(key, database_url), _home(state, database_url)
    passphrase = _new_passphrase(unencrypted)
    by = _settings(database_url, user).resolved_user()
    info = _run(
        database_url, lambda s: keys.create_key(s, path=path, passphrase=passphrase, state=home, at=_now(), by=by)
    )
    if json_out:
        print_json({**info.as_json(), "file": str(path), "encrypted": passphrase is not None})
        return
    protection = (
        "encrypted with the passphrase" if passphrase else "NOT encrypted: readable only by its owner (mode 0600)"
    )
    console.print(f"{home} signing key written to {path}, {protection}.", highlight=False)
    console.print(f"Fingerprint: {info.grouped}", highlight=False)


@keys_app.command("export-public")
def keys_export_public(
    out: Annotated[Path | None, typer.Option("--out", help="Where to write the PEM (default: standard output)")] = None,
    state: Annotated[str | None, typer.Option("--state", help="Default CSBM_HOME_STATE")] = None,
    database_url: DatabaseUrl = None,
    user: User = None,
) -> None:
    """Write the centre's public key (PEM) for the partner to import."""
    from app.services import keys

    home, by = _home(state, database_url), _settings(database_url, user).resolved_user()
    pem, info = _run(database_url, lambda s: keys.export_public(s, state=home, at=_now(), by=by))
    if out is None:
        sys.stdout.write(pem.decode("ascii"))
    else:
        _write(out, pem)
    sys.stderr.write(f"{home} public key, fingerprint {info.grouped}\n")


@keys_app.command("import")
def keys_import(
    state: Annotated[str, typer.Argument(help="The partner's state, e.g. LT")],
    file: Annotated[Path, typer.Argument(help="The partner's public key (PEM)")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask; the fingerprint was confirmed already")] = False,
    database_url: DatabaseUrl = None,
    user: User = None,
    json_out: Json = False,
) -> None:
    """Register a partner's public key, showing its fingerprint to confirm by another channel."""
    from app.services import keys

    data, by, code = _read(file), _settings(database_url, user).resolved_user(), state.upper()
    if not yes:
        shown = _run(database_url, lambda s: keys.preview_key(s, data=data, name=str(file), by=by), write=False)
        console.print(f"{code} key fingerprint: {shown}", highlight=False)
        if not typer.confirm(f"Is this the fingerprint {code} confirmed to you by another channel?"):
            _fail("nothing was registered")
    info = _run(database_url, lambda s: keys.import_key(s, state=code, data=data, name=str(file), at=_now(), by=by))
    if json_out:
        print_json(info.as_json())
    else:
        console.print(f"{code} key registered; fingerprint {info.grouped}", highlight=False)


@keys_app.command("list")
def keys_list(database_url: DatabaseUrl = None, user: User = None, json_out: Json = False) -> None:
    """The registered keys with their fingerprints."""
    from app.services import keys

    by = _settings(database_url, user).resolved_user()
    found = _run(database_url, lambda s: keys.list_keys(s, by=by), write=False)
    if json_out:
        print_json([k.as_json() for k in found])
        return
    for k in found:
        whose = "this centre" if k.own else "partner"
        console.print(f"{k.state} ({whose}) {k.grouped}  added {k.added_at:%Y-%m-%d} by {k.added_by}", highlight=False)
    if not found:
        console.print("No keys are registered.")
