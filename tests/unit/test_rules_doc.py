"""docs/rules.md is generated from the agreement files, and every finding links its rule there."""

from __future__ import annotations

import datetime as dt
import re

from app.catalog.rules_doc import render
from app.domain.engine import evaluate
from app.domain.findings import Code
from tests.builders import ROOT, make_entry, shipped, t

DOC = ROOT / "docs" / "rules.md"


def anchors() -> set[str]:
    return set(re.findall(r'<a id="([^"]+)"></a>', DOC.read_text(encoding="utf-8")))


class TestTheRulesDocument:
    def test_it_is_what_the_agreement_files_say(self) -> None:
        # Regenerate with: csbm agreements doc --out docs/rules.md
        assert DOC.read_text(encoding="utf-8") == render(shipped().values())

    def test_every_rule_has_its_anchor_and_its_source(self) -> None:
        found, text = anchors(), DOC.read_text(encoding="utf-8")
        for agreement in shipped().values():
            assert {agreement.id, f"{agreement.id}-status"} <= found
            for rule in agreement.quota_rules:
                assert f"{agreement.id}-{rule.id}" in found
                assert rule.source.document in text
            for timing in agreement.timing_rules:
                assert f"{agreement.id}-{timing.activity}.{timing.kind}" in found

    def test_the_unconfirmed_values_are_listed(self) -> None:
        tail = DOC.read_text(encoding="utf-8").split("## Still unconfirmed", 1)[1]
        assert "`inspection.per_inspecting_state`" in tail  # vd2011: one per inspecting state, believed
        assert "whom `inspection.max_team_size` counts" in tail


class TestFindingsLinkTheirRule:
    def test_every_finding_names_an_anchor_of_the_rules_document(self) -> None:
        entries = [
            make_entry("L-1", requested_at=t(2025, 5, 1, 8), replied_at=t(2025, 5, 3, 9), start=t(2025, 5, 5)),
            make_entry(
                "L-2",
                agreement="cfe",
                activity="declared_site_inspection",
                receiving_state="BY",
                start=dt.date(2025, 6, 1),
                end=dt.date(2025, 6, 2),
            ),
            make_entry("L-3", activity="evaluation_visit", receiving_state="RS", start=dt.date(2025, 3, 1)),
        ]
        findings = []
        for agreement in ("vd2011", "cfe"):
            ev = evaluate(shipped()[agreement], entries, {}, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
            findings += ev.findings
        assert {Code.LATE_REPLY, Code.NOT_IN_FORCE, Code.MISSING_DECLARATION} <= {f.code for f in findings}
        known = anchors()
        for finding in findings:
            [link] = re.findall(r"docs/rules\.md#(\S+?)\.?$", finding.message)
            assert link in known, finding.message
