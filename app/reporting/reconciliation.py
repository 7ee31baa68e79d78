"""The reconciliation report: both statements side by side, for both heads of delegation to sign.

Built from a recorded reconciliation's JSON (the shape ``csbm reconciliation
show --json`` prints), in one language, and rendered as one self-contained
HTML file or as PDF through WeasyPrint, like the compliance reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.domain.messages import N_
from app.reporting.html import TEMPLATES
from app.reporting.i18n import Localizer
from app.reporting.labels import ACTIVITY_LABELS, KIND_LABELS


def _keyed(separator: str, *labels: str) -> dict[str, str]:
    """Labels by key, where a key is its label's words joined with ``separator`` (as the JSON spells them)."""
    return {label.replace(" ", separator): label for label in labels}


KINDS = _keyed("_", N_("agreed"), N_("differs"), N_("only ours"), N_("only theirs"))
RESOLUTIONS = _keyed("-", N_("agreed as ours"), N_("agreed as theirs"), N_("disputed"))
LABELS = {
    "title": N_("Reconciliation of ledgers"),
    "home_state": N_("Home state"),
    "partner": N_("Partner"),
    "period": N_("Period"),
    "agreements": N_("Agreements"),
    "recorded": N_("Recorded"),
    "tolerance": N_("Start dates matched within"),
    "days": N_("day(s)"),
    "theirs": N_("Partner's statement"),
    "ours": N_("Our statement"),
    "sha256": N_("Statement hash (sha256)"),
    "chain": N_("Ledger chain head"),
    "signed": N_("Signed with the partner's key"),
    "unsigned": N_("Unsigned (CSV form)"),
    "summary": N_("Summary"),
    "entries": N_("Entries"),
    "kind": N_("Kind"),
    "agreement": N_("Agreement"),
    "activity": N_("Activity"),
    "direction": N_("Inspecting → receiving"),
    "start_ours": N_("Start (ours)"),
    "start_theirs": N_("Start (theirs)"),
    "ref_ours": N_("Reference (ours)"),
    "ref_theirs": N_("Reference (theirs)"),
    "fields": N_("Differs in"),
    "resolution": N_("Resolution"),
    "open": N_("open"),
    "quotas": N_("Quota rows side by side"),
    "rule": N_("Rule"),
    "receiving": N_("Receiving state"),
    "inspecting": N_("Inspecting state"),
    "used_pending": N_("used / pending"),
    "disagree": N_("The counts disagree"),
    "no_quotas": N_("No quota rows between the two."),
    "signatures": N_("Signatures"),
    "for_state": N_("For {state}"),
    "head": N_("Head of delegation"),
    "name": N_("Name"),
    "signature": N_("Signature"),
    "date": N_("Date"),
    "page": N_("Page"),
}


@dataclass(slots=True)
class ReconciliationReport:
    lang: str
    data: Mapping[str, Any]
    home: str
    partner: str
    period: str
    recorded: str
    summary: list[tuple[str, int]]
    items: list[dict[str, Any]]
    quotas: list[dict[str, Any]]
    labels: dict[str, str] = field(default_factory=dict)


def build_report_view(data: Mapping[str, Any], lang: str) -> ReconciliationReport:
    loc = Localizer(lang)
    period = data["period"]
    recorded = f"{data['recorded_at'][:19].replace('T', ' ')} UTC, {data['recorded_by']}"
    return ReconciliationReport(
        lang=lang,
        data=data,
        home=loc.state(data["home_state"]),
        partner=loc.state(data["partner"]),
        period=f"{period['label']} ({period['start']}..{period['end']})",
        recorded=recorded,
        summary=[(loc._(KINDS[k]), n) for k, n in data["summary"].items()],
        items=[_item(i, loc) for i in data["items"]],
        quotas=[_quota(q, loc) for q in data["quotas"]],
        labels={k: loc._(v) for k, v in LABELS.items()},
    )


def _item(item: Mapping[str, Any], loc: Localizer) -> dict[str, Any]:
    record = item["ours"] or item["theirs"]
    found = item["resolution"]
    kind = KINDS[item["kind"]]
    return {
        "number": item["item"],
        "kind": loc._(kind),
        "agreed": item["kind"] == "agreed",
        "agreement": record["agreement"],
        "activity": loc._(ACTIVITY_LABELS.get(record["activity"], record["activity"])),
        "direction": f"{record['inspecting_state']} → {record['receiving_state']}",
        "start_ours": item["ours"]["start"] if item["ours"] else "—",
        "start_theirs": item["theirs"]["start"] if item["theirs"] else "—",
        "ref_ours": item["ours"]["ref"] if item["ours"] else "—",
        "ref_theirs": item["theirs"]["ref"] if item["theirs"] else "—",
        "fields": ", ".join(item["fields"]),
        "resolution": f"{loc._(RESOLUTIONS[found['resolution']])}: {found['note']}" if found else "",
    }


def _quota(pair: Mapping[str, Any], loc: Localizer) -> dict[str, Any]:
    def counts(side: Mapping[str, Any] | None) -> str:
        return "0 / 0" if side is None else f"{side['used']} / {side['pending']}"

    side = pair["ours"] or pair["theirs"]
    activity = loc._(ACTIVITY_LABELS.get(side["activity"], side["activity"]))
    label = f"{activity}: {loc._(KIND_LABELS.get(side['kind'], side['kind']))}"
    return {
        "agreement": pair["agreement"],
        "rule": label,
        "receiving": loc.state(pair["receiving_state"]),
        "inspecting": loc.state(pair["inspecting_state"]),
        "period": f"{pair['period_start']}..{pair['period_end']}",
        "ours": counts(pair["ours"]),
        "theirs": counts(pair["theirs"]),
        "agrees": pair["agrees"],
    }


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))


def render_reconciliation_html(view: ReconciliationReport, *, pdf: bool = False) -> str:
    template = _environment().get_template("reconciliation.html.j2")
    return template.render(v=view, labels=view.labels, pdf=pdf)


def render_reconciliation_pdf(view: ReconciliationReport) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which only PDF needs

    pdf: bytes = HTML(string=render_reconciliation_html(view, pdf=True), base_url=str(TEMPLATES)).write_pdf()
    return pdf
