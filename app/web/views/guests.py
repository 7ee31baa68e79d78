"""Our participation as a guest: other states' activities our inspectors joined, counted nowhere."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.reporting.i18n import Localizer
from app.reporting.view import entry_view
from app.services import ledger_query
from app.services.errors import InvalidInput
from app.web.deps import Db, PageViewer, now, settings_of
from app.web.views.context import field_errors, language, render

router = APIRouter(include_in_schema=False)


@router.get("/as-guest")
def as_guest_page(request: Request, db: Db, user: PageViewer, state: str = "", year: str = "") -> Response:
    chosen = (state or settings_of(request).home_state or "").upper()
    loc = Localizer(language(request))
    try:
        found = ledger_query.as_guest(db, chosen, int(year) if year.isdigit() else None, now().date())
    except InvalidInput as exc:
        return render(
            request, "as_guest.html.j2", user, 422, state=chosen, year=year, entries=[], errors=field_errors(exc)
        )
    return render(
        request,
        "as_guest.html.j2",
        user,
        state=found.state,
        state_name=loc.state(found.state),
        year=str(found.year),
        entries=[entry_view(e, loc) for e in found.entries],
        errors={},
    )
