"""The installation check page shows admins the checks of ``csbm doctor``, in both languages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from app.db.session import make_engine
from app.services import doctor
from tests.integration.cli_helpers import csbm
from tests.web.conftest import Web


def statuses(page: str) -> list[str]:
    return re.findall(r'<tr class="check-(ok|warning|failed)">', page)


def test_admins_see_every_check_with_the_same_status_as_the_command(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    web.login("admin")
    page = web.client.get("/admin/doctor")
    assert page.status_code == 200
    for label in doctor.LABELS.values():
        assert f'<th scope="row">{label}</th>' in page.text
    monkeypatch.setenv("CSBM_REPORTS_DIR", str(web.reports))
    report = csbm(web.url, "doctor", "--json", expect=0)
    assert statuses(page.text) == [c["status"] for c in report["checks"]]


def test_a_broken_chain_is_shown_in_russian(web: Web) -> None:
    engine = make_engine(web.url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE ledger_state SET entry_seq = entry_seq - 1"))
    engine.dispose()
    web.login("admin")
    web.client.get("/lang/ru?next=/")
    page = web.client.get("/admin/doctor").text
    assert "<h1>Проверка установки</h1>" in page
    assert "Как минимум одна проверка не пройдена" in page
    row = re.search(r'<tr class="check-failed"><th scope="row">Цепочки хешей</th>(.*?)</tr>', page, re.S)
    assert row, page
    assert "записанная история изменена в обход csbm" in row.group(1)
    assert "csbm audit verify" in row.group(1)


@pytest.mark.parametrize("role", ["viewer", "officer"])
def test_only_admins_may_see_it(web: Web, role: str) -> None:
    web.login(role)
    assert web.client.get("/admin/doctor").status_code == 403
