"""The reconciliation report, from the same pipeline as the compliance reports (app/reporting)."""

from __future__ import annotations

from app.reporting.reconciliation import build_report_view, render_reconciliation_html, render_reconciliation_pdf
from app.services.reconciliation_view import ReconciliationView

FORMATS = ("html", "pdf")
MEDIA_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


def render_report(view: ReconciliationView, fmt: str, lang: str) -> bytes:
    report = build_report_view(view.as_json(), lang)
    if fmt == "pdf":
        return render_reconciliation_pdf(report)
    return render_reconciliation_html(report).encode("utf-8")
