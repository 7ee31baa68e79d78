"""The sample data for Belarus, from the files in demo/ (ILLUSTRATIVE: not a record of real activities).

The files are a ledger CSV and a declarations CSV in the import formats, and
they are loaded exactly as `csbm ledger import` and `csbm declarations
import` load a user's files: validated, all or nothing, audited. Loading
them twice changes nothing. demo/README.md says what they hold.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from app.db.migrate import shipped_path
from app.services import catalog, declarations, ledger
from app.services.entries import entry_context


def load_demo(session: Session, *, at: dt.datetime, by: str) -> dict[str, int]:
    """The shipped agreements, then the sample declarations and ledger."""
    catalog.load_agreements(session, None, at=at, by=by)
    folder = shipped_path("demo")
    figures = folder / "declarations.csv"
    recorded = declarations.import_declarations(session, str(figures), figures.read_bytes(), at=at, by=by)
    summary = ledger.import_ledger(session, folder / "ledger.csv", entry_context(session), at=at, by=by)
    return {
        "entries_created": summary.created,
        "entries_revised": summary.revised,
        "entries_unchanged": summary.unchanged,
        "declarations_recorded": recorded.created + recorded.revised,
    }
