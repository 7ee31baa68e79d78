"""Building compliance reports from the same services the CLI's quota and findings use."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app import __version__
from app.db import repositories as repo
from app.db.chain_writer import chain_heads
from app.domain.agreement import Agreement, StatusChange
from app.domain.chain import CHAIN_FORMAT, hashed
from app.domain.findings import Finding
from app.domain.force import status_changes
from app.domain.ledger import LedgerEntry
from app.domain.report import (
    Report,
    ReportPeriod,
    canonical_hash,
    period_totals,
    previous_period,
    report_json,
)
from app.reporting.html import render_html, render_pdf
from app.reporting.i18n import Localizer
from app.reporting.output import WrittenReport, choose_folder, read_manifest, write_report_files
from app.reporting.tables import render_csv, render_xlsx
from app.reporting.view import build_view, finding_view
from app.services import catalog
from app.services.accounts import audit
from app.services.evaluation import AgreementEvaluation, evaluate_range, findings_of, quota_rows


def _entries_in(
    evaluations: list[AgreementEvaluation], period: ReportPeriod, home_state: str | None
) -> list[LedgerEntry]:
    found = [
        e
        for ev in evaluations
        for e in ev.entries
        if period.start <= e.start_day <= period.end
        and (home_state is None or home_state in (e.inspecting_state, e.receiving_state))
    ]
    return sorted(found, key=lambda e: (e.start_day, e.agreement, e.ref))


def _as_guest(
    evaluations: list[AgreementEvaluation], period: ReportPeriod, home_state: str | None
) -> list[LedgerEntry]:
    """The activities the home state took part in as a guest: they count against none of its quotas."""
    if home_state is None:
        return []
    found = [
        e
        for ev in evaluations
        for e in ev.entries
        if period.start <= e.start_day <= period.end and any(g.state == home_state for g in e.guests)
    ]
    return sorted(found, key=lambda e: (e.start_day, e.agreement, e.ref))


def _entry_line(entry: LedgerEntry) -> str:
    # The fields added after reports began (guests, cause) enter only where set, so
    # an upgrade alone never makes an unchanged report a new revision.
    return "\x1f".join(hashed(list(entry.as_record().values())))


def _changes(agreements: Mapping[str, Agreement], period: ReportPeriod, home_state: str | None) -> list[StatusChange]:
    changes = [
        change
        for agreement in agreements.values()
        if home_state is None or home_state in agreement.parties
        for change in status_changes(agreement, period.start, period.end)
    ]
    return sorted(changes, key=lambda c: (c.day, c.agreement, c.state))


def _input_hash(
    session: Session,
    agreements: Mapping[str, Agreement],
    evaluations: list[AgreementEvaluation],
    years: range,
    as_of: dt.datetime | None,
) -> str:
    """A hash of exactly what the report was computed from: agreement versions,
    the declarations of the years involved, and every entry the engine saw."""
    versions = {
        v.agreement_id: v.sha256 for v in catalog.agreement_versions(session, as_of) if v.agreement_id in agreements
    }
    declarations = repo.declarations(session, years=years, as_of=as_of)
    # Entries go in as one sorted line each (unit-separated fields), which is
    # as exact as canonical JSON and much cheaper for tens of thousands of rows.
    lines = sorted({_entry_line(e) for ev in evaluations for e in ev.entries})
    return canonical_hash(
        {
            "agreements": versions,
            "declarations": sorted([*k, v] for k, v in declarations.items()),
            "entries": hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest(),
        }
    )


def build_report(
    session: Session,
    period: ReportPeriod,
    *,
    generated_at: dt.datetime,
    home_state: str | None = None,
    as_of: dt.datetime | None = None,
) -> Report:
    """The report's content. Reads only the periods involved (the report period's
    quota periods, counted up to its last day, and the previous period)."""
    agreements = catalog.agreements_as_of(session, as_of)
    current = evaluate_range(
        session, agreements, start=period.start, end=period.end, as_of=as_of, count_until=period.end
    )
    before = previous_period(period)
    earlier = evaluate_range(
        session, agreements, start=before.start, end=before.end, as_of=as_of, count_until=before.end
    )
    entries = _entries_in(current, period, home_state)
    findings: list[Finding] = findings_of(current, home_state)
    return Report(
        period=period,
        generated_at=generated_at,
        input_sha256=_input_hash(
            session, agreements, current + earlier, range(before.start.year - 2, period.end.year + 2), as_of
        ),
        home_state=home_state,
        version=__version__,
        quotas=quota_rows(current, home_state),
        entries=entries,
        as_guest=_as_guest(current, period, home_state),
        findings=findings,
        status_changes=_changes(agreements, period, home_state),
        previous=before,
        totals=period_totals(entries, findings, agreements),
        previous_totals=period_totals(
            _entries_in(earlier, before, home_state), findings_of(earlier, home_state), agreements
        ),
        chain={name: head.as_json() for name, head in chain_heads(session, as_of).items()},
    )


FORMATS = ("html", "pdf", "xlsx", "csv", "json")
_FILES = {
    "html": ("report.html",),
    "pdf": ("report.pdf",),
    "xlsx": ("report.xlsx",),
    "json": ("report.json",),
    "csv": ("quotas.csv", "entries.csv", "findings.csv"),
}


def expected_files(formats: list[str], languages: list[str]) -> set[str]:
    return {f"{lang}/{name}" for lang in languages for fmt in formats for name in _FILES[fmt]}


def report_folder_name(period: ReportPeriod, home_state: str | None) -> str:
    return f"{period.slug}-{home_state}" if home_state else period.slug


def _render(report: Report, fmt: str, lang: str) -> dict[str, bytes]:
    view = build_view(report, lang)
    if fmt == "json":
        translated = [finding_view(f, Localizer(lang)).message for f in report.findings]
        text = json.dumps(report_json(report, translated), ensure_ascii=False, indent=2) + "\n"
        return {"report.json": text.encode("utf-8")}
    if fmt == "html":
        return {"report.html": render_html(view).encode("utf-8")}
    if fmt == "pdf":
        return {"report.pdf": render_pdf(view)}
    if fmt == "xlsx":
        return {"report.xlsx": render_xlsx(report, view)}
    return render_csv(report, view)


def generate_report(
    session: Session,
    period: ReportPeriod,
    *,
    formats: list[str],
    languages: list[str],
    out: Path,
    generated_at: dt.datetime,
    home_state: str | None = None,
    by: str = "system",
) -> WrittenReport:
    """Build the report and file it: nothing is rewritten when the inputs are unchanged."""
    report = build_report(session, period, generated_at=generated_at, home_state=home_state)
    folder = choose_folder(out, report_folder_name(period, home_state), report.input_sha256)
    existing = (read_manifest(folder) or {}).get("files", {})
    files: dict[str, bytes] = {}
    for lang in languages:
        for fmt in formats:
            names = [f"{lang}/{name}" for name in _FILES[fmt]]
            if all(n in existing and (folder / n).exists() for n in names):
                continue
            files |= {f"{lang}/{name}": data for name, data in _render(report, fmt, lang).items()}
    header = {
        "label": period.label,
        "period": period.as_json(),
        "home_state": home_state,
        "input_sha256": report.input_sha256,
        "generated_at": generated_at.isoformat(),
        "csbm_version": report.version,
        "chain_heads": report.chain,
        "chain_format": CHAIN_FORMAT,
    }
    written = write_report_files(folder, files, header)
    if written.written:
        audit(
            session,
            by=by,
            at=generated_at,
            action="report.generate",
            target=str(folder.name),
            after={"files": written.written, "input_sha256": report.input_sha256},
        )
    unchanged = sorted(set(existing) - set(written.written))
    return WrittenReport(written.folder, written.written, unchanged)


_FOLDER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._+-]{0,80}$")
_FILE = re.compile(r"^(en|ru)/(report\.(html|pdf|xlsx|json)|quotas\.csv|entries\.csv|findings\.csv)$")
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
}


def list_reports(out: Path) -> list[dict[str, Any]]:
    """Every filed report folder with its manifest, newest period first."""
    found = []
    if out.is_dir():
        for folder in sorted(out.iterdir(), reverse=True):
            manifest = read_manifest(folder) if folder.is_dir() else None
            if manifest is None:
                continue
            files = [{"path": name, **meta} for name, meta in sorted(manifest.get("files", {}).items())]
            found.append(
                {
                    "folder": folder.name,
                    "label": manifest.get("label"),
                    "home_state": manifest.get("home_state"),
                    "input_sha256": manifest.get("input_sha256"),
                    "generated_at": manifest.get("generated_at"),
                    "files": [{"path": f["path"], "sha256": f["sha256"], "bytes": f["bytes"]} for f in files],
                }
            )
    return found


def report_file(out: Path, folder: str, name: str) -> Path | None:
    """A filed report file; None for anything else. Names are checked against the
    forms csbm writes and the resolved path must stay inside the reports folder,
    so no request can reach a file outside it."""
    if not _FOLDER.match(folder) or not _FILE.match(name):
        return None
    root = out.resolve()
    path = (root / folder / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    manifest = read_manifest(root / folder)
    if manifest is None or name not in manifest.get("files", {}):
        return None
    return path
