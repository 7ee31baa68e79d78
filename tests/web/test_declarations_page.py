"""The declarations page takes the same CSV as `csbm declarations import`."""

from __future__ import annotations

import html

import httpx2 as httpx

from tests.integration.cli_helpers import csbm
from tests.web.conftest import Web

GOOD = b"state,year,name,value,source\nBY,2027,units,160,AEMI 2026\nBY+RU,2027,passive_quota,42,\n"


def upload(web: Web, content: bytes, csrf: str | None, name: str = "aemi.csv") -> httpx.Response:
    data = {"csrf_token": csrf} if csrf is not None else {}
    return web.client.post("/declarations/import", data=data, files={"file": (name, content, "text/csv")})


def test_an_officer_imports_a_file_and_the_figures_are_listed(web: Web) -> None:
    csrf = web.login("officer")
    response = upload(web, GOOD, csrf)
    assert response.status_code == 200
    assert "aemi.csv: 2 new, 0 revised, 0 unchanged." in html.unescape(response.text)
    assert csbm(web.url, "declarations", "--year", "2027", "--json") == [
        {"state": "BY", "year": 2027, "name": "units", "value": 160, "source": "AEMI 2026"},
        {"state": "BY+RU", "year": 2027, "name": "passive_quota", "value": 42, "source": ""},
    ]
    again = upload(web, GOOD, csrf)
    assert "aemi.csv: 0 new, 0 revised, 2 unchanged." in html.unescape(again.text)


def test_a_bad_file_is_refused_whole_with_every_bad_row_shown(web: Web) -> None:
    csrf = web.login("officer")
    bad = GOOD + b"XX,2027,units,1,\nBY,2027,oov,-3,\n"
    response = upload(web, bad, csrf)
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert "aemi.csv:4: state: unknown state or group 'XX'" in text
    assert "aemi.csv:5: value: value -3 is negative" in text
    assert "aemi.csv: nothing was imported (2 error(s))" in text
    assert csbm(web.url, "declarations", "--year", "2027", "--json") == []


def test_the_upload_needs_the_csrf_token_and_an_officer(web: Web) -> None:
    csrf = web.login("officer")
    assert upload(web, GOOD, None).status_code == 403
    assert upload(web, GOOD, "forged").status_code == 403
    web.client.post("/logout", data={"csrf_token": csrf})
    viewer = web.login("viewer")
    assert upload(web, GOOD, viewer).status_code == 403
    assert csbm(web.url, "declarations", "--year", "2027", "--json") == []


def test_the_import_is_audited_with_who_imported_it(web: Web) -> None:
    csrf = web.login("officer")
    upload(web, GOOD, csrf)
    web.client.post("/logout", data={"csrf_token": csrf})
    web.login("admin")
    audit = web.client.get("/admin/audit").text
    assert "declarations.import" in audit
    assert "aemi.csv" in audit
