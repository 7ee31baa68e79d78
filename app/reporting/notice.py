"""The text of a quota-filled notice, in English and Russian, from its templates.

The notice is a draft for the officer to send through the OSCE network; the
wording sits in one template per language (templates/quota_filled.*.txt.j2).
"""

from __future__ import annotations

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app.domain.agreement import Agreement
from app.domain.notices import FilledQuota
from app.reporting.html import TEMPLATES
from app.reporting.i18n import LANGUAGES, Localizer
from app.reporting.labels import ACTIVITY_LABELS


def _environment() -> Environment:
    # Plain text for a diplomatic note: nothing to escape, and a missing value is an error.
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=False, undefined=StrictUndefined)


def notice_text(agreement: Agreement, filled: FilledQuota, filled_by: str, lang: str) -> str:
    loc = Localizer(lang)
    rule = agreement.rule(filled.rule)
    source = filled.source
    citation = ", ".join(p for p in (source.document, source.paragraph, f"confidence: {source.confidence}") if p)
    return (
        _environment()
        .get_template(f"quota_filled.{lang}.txt.j2")
        .render(
            home=loc.state(filled.party),
            agreement=agreement.title_ru if lang == "ru" else agreement.title_en,
            citation=citation,
            activity=loc._(ACTIVITY_LABELS[str(rule.activity)]),
            period_start=loc.date(filled.period_start),
            period_end=loc.date(filled.period_end),
            limit=loc.number(filled.limit),
            filled_by=filled_by,
        )
    )


def notice_texts(agreement: Agreement, filled: FilledQuota, filled_by: str) -> dict[str, str]:
    """The notice in every language csbm speaks."""
    return {lang: notice_text(agreement, filled, filled_by, lang) for lang in LANGUAGES}
