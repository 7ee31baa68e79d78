"""The reconciliation pages and API: upload a partner's statement, resolve, propose, download the report."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from tests.builders import CSV_HEADER, csv_row
from tests.web.conftest import Web

# Lithuania's statement to Belarus in the CSV form (unsigned); Belarus's demo ledger has nothing in 2019.
STATEMENT = (
    "\n".join(
        [
            "# csbm-statement-1",
            "# issuer: LT",
            "# partner: BY",
            "# period: 2019",
            "# agreements: by-lt-2001 vd2011",
            CSV_HEADER,
            csv_row(
                "LT-2019-2",
                agreement="by-lt-2001",
                activity="evaluation_visit",
                inspecting_state="LT",
                receiving_state="BY",
                requested_at="2019-05-02",
                start="2019-05-16",
                end="2019-05-16",
                team_size="2",
            ),
        ]
    )
    + "\n"
)


def upload(web: Web, csrf: str, data: str = STATEMENT, name: str = "lt-by-2019.csv") -> object:
    return web.client.post(
        "/reconciliations",
        data={"csrf_token": csrf, "tolerance_days": "1"},
        files={"statement": (name, io.BytesIO(data.encode("utf-8")), "text/csv")},
    )


class TestReconciliationPages:
    def test_an_officer_uploads_a_statement_and_sees_the_result(self, web: Web) -> None:
        csrf = web.login("officer")
        response = upload(web, csrf)
        assert response.status_code == 303, response.text  # type: ignore[attr-defined]
        assert response.headers["location"] == "/reconciliations/1"  # type: ignore[attr-defined]
        page = web.client.get("/reconciliations/1").text
        assert "LT-2019-2" in page
        assert "only theirs" in page
        assert "Unsigned (CSV form)" in page
        api = web.client.get("/api/v1/reconciliations/1", headers=web.as_("viewer")).json()
        assert api["summary"]["only_theirs"] == 1
        assert api["partner"] == "LT"
        assert web.client.get("/api/v1/reconciliations", headers=web.as_("viewer")).json()[0]["number"] == 1

    def test_a_refused_statement_is_shown_with_its_message_and_nothing_is_recorded(self, web: Web) -> None:
        csrf = web.login("officer")
        for_poland = STATEMENT.replace("# partner: BY", "# partner: PL").replace("LT,BY,", "LT,PL,")
        response = upload(web, csrf, for_poland)
        assert response.status_code == 422  # type: ignore[attr-defined]
        assert "home state is BY" in response.text  # type: ignore[attr-defined]
        assert web.client.get("/api/v1/reconciliations", headers=web.as_("viewer")).json() == []

    def test_resolving_agreed_as_theirs_offers_the_prefilled_entry_form_and_records_nothing(self, web: Web) -> None:
        csrf = web.login("officer")
        upload(web, csrf)
        before = web.client.get("/api/v1/entries", headers=web.as_("viewer")).json()["total"]
        response = web.client.post(
            "/reconciliations/1/items/1",
            data={"csrf_token": csrf, "resolution": "agreed-as-theirs", "note": "LT's record stands"},
        )
        assert response.status_code == 303
        page = web.client.get("/reconciliations/1").text
        assert "agreed as theirs" in page
        assert "/reconciliations/1/items/1/proposal" in page
        form = web.client.get("/reconciliations/1/items/1/proposal").text
        assert 'value="LT-LT-2019-2"' in form
        assert 'value="2019-05-16"' in form
        assert web.client.get("/api/v1/entries", headers=web.as_("viewer")).json()["total"] == before

    def test_a_resolution_without_a_note_is_refused_at_the_item(self, web: Web) -> None:
        csrf = web.login("officer")
        upload(web, csrf)
        response = web.client.post("/reconciliations/1/items/1", data={"csrf_token": csrf, "resolution": "disputed"})
        assert response.status_code == 422
        assert "needs a note" in response.text

    def test_posts_need_the_csrf_token_and_the_officer_role(self, web: Web) -> None:
        web.login("officer")
        assert upload(web, "wrong").status_code == 403  # type: ignore[attr-defined]
        csrf = web.login("viewer")
        assert upload(web, csrf).status_code == 403  # type: ignore[attr-defined]
        assert web.client.get("/reconciliations").status_code == 200

    @pytest.mark.parametrize("lang", ["en", "ru"])
    def test_the_report_downloads_in_either_language(self, web: Web, lang: str, tmp_path: Path) -> None:
        csrf = web.login("officer")
        upload(web, csrf)
        html = web.client.get(f"/reconciliations/1/report.html?lang={lang}")
        assert html.status_code == 200
        assert ("Head of delegation" if lang == "en" else "Глава делегации") in html.text
        pdf = web.client.get(f"/reconciliations/1/report.pdf?lang={lang}")
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
        assert re.search(r'filename="reconciliation-1\.\w\w\.pdf"', pdf.headers["content-disposition"])

    def test_the_pages_read_in_russian(self, web: Web) -> None:
        csrf = web.login("officer")
        upload(web, csrf)
        web.client.get("/lang/ru?next=/")
        page = web.client.get("/reconciliations/1").text
        assert "Сверка 1" in page
        assert "только у партнёра" in page
