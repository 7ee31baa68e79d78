"""The ``csbm`` command line: one module per command group, each imported when it runs.

Exit codes: 0 success; 1 bad input, nothing written; 2 usage error;
3 refused by a quota check, nothing written.

This module imports nothing but the table: ``csbm --help`` is written from
it without Typer (app/cli/help.py); the Typer application (app/cli/root.py)
is imported when a command runs, and a command's module (with SQLAlchemy,
pydantic, WeasyPrint, ...) only when that command runs. Each entry's help line is its
command's docstring's first line; tests/unit/test_cli_startup.py keeps them equal.
"""

from __future__ import annotations

import sys

from app.cli.help import Lazy, quick_help

TYPE_CHECKING = False  # typing itself is a tenth of what --help costs; mypy reads this as true
if TYPE_CHECKING:
    from app.cli.root import app as app

COMMANDS = {
    "db": Lazy("app.cli.db", "The database."),
    "agreements": Lazy("app.cli.agreements", "Agreements: load, list, validate."),
    "ledger": Lazy("app.cli.ledger", "The ledger of inspections, visits and flights."),
    "declare": Lazy("app.cli.declarations", "Record a declaration that a quota is computed from."),
    "declarations": Lazy(
        "app.cli.declarations", "Declarations: list them (the default), import or export the annual exchange's CSV."
    ),
    "quota": Lazy("app.cli.status", "How much of each quota is used, pending and left, in both directions."),
    "findings": Lazy("app.cli.status", "List findings about entries that start in a date range."),
    "check": Lazy(
        "app.cli.status",
        "What a proposed entry would do to the quotas and which findings it would raise; records nothing.",
    ),
    "due": Lazy("app.cli.due", "List open and missed deadlines, soonest first (missed ones stand first)."),
    "report": Lazy("app.cli.reports", "Write a compliance report; a report once filed is never overwritten."),
    "scheduler": Lazy("app.cli.scheduler", "The report scheduler (its own process)."),
    "serve": Lazy(
        "app.cli.serve", "Serve the web app and the API (the scheduler runs separately: csbm scheduler run)."
    ),
    "users": Lazy("app.cli.accounts", "Web users and roles (viewer, officer, admin)."),
    "tokens": Lazy("app.cli.accounts", "API tokens (stored hashed, with an expiry)."),
    "audit": Lazy("app.cli.audit", "Tamper evidence: verify the revision hash chains."),
    "backup": Lazy("app.cli.audit", "Write one consistent, portable archive of every table (safe while the app runs)."),
    "restore": Lazy(
        "app.cli.audit",
        "Load an archive into an empty database of either kind; its chains must verify, or nothing is loaded.",
    ),
    "demo": Lazy("app.cli.demo", "Load the shipped agreements and the illustrative Belarus sample data (idempotent)."),
    "doctor": Lazy(
        "app.cli.doctor",
        "Check this installation: database, migrations, agreements, chains, fonts, folders, backups, mail.",
    ),
    "calendar": Lazy("app.cli.calendar", "The calendar: activities and deadlines as ICS, and private feed tokens."),
    "keys": Lazy("app.cli.keys", "The centre's signing key and the partners' public keys (admin only)."),
    "statement": Lazy("app.cli.reconcile", "Statements of what we recorded with a partner."),
    "reconcile": Lazy("app.cli.reconcile", "Reconcile a partner's statement with our ledger and record the result."),
    "reconciliation": Lazy("app.cli.reconcile", "Reconciliations with partners' statements."),
    "alerts": Lazy("app.cli.alerts", "Alerts: raise our deadlines' alerts and deliver queued alerts (mail, webhook)."),
    "notices": Lazy(
        "app.cli.notices",
        "Quota-filled notices: list the drafts and their status (the default), or record one as sent.",
    ),
}


def main() -> None:
    code = quick_help(sys.argv[1:], COMMANDS)
    if code is None and sys.argv[1:2] == ["quota"]:
        from app.cli.quick_quota import quick_quota

        code = quick_quota(sys.argv[2:])
    if code is not None:
        sys.exit(code)
    if sys.argv[1:3] == ["ledger", "import"]:
        from app.services.ledger_reading import begin_early

        _without_cycle_collection()
        begin_early(sys.argv[3:])
    from app.cli.root import run

    run()


def _without_cycle_collection() -> None:
    """No cyclic garbage collection in an import's process. It allocates several objects
    per row, none of them in a cycle (reference counting frees them), and the collector
    scanning them, and every module's objects with them, cost a tenth of the import; the
    interpreter's teardown then collected again and again (a fifth of a second), over
    objects that are all freed anyway: frozen at exit, it skips them."""
    import atexit
    import gc

    gc.disable()
    atexit.register(gc.freeze)


def __getattr__(name: str) -> object:
    """``app.cli.app``, the Typer application, built on first use."""
    if name == "app":
        from app.cli.root import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
