"""Agreement files: validation with located errors, and the shipped values."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from app.catalog.loader import CatalogError, load_directory, parse_agreement
from app.domain.agreement import Confidence, LimitKind, RuleKind, TimingKind
from tests.builders import ROOT, shipped

MINIMAL = """\
id: test-agreement
title: {en: Test, ru: Тест}
legal_basis: a test
status:
  in_force_from: 2020-01-01
  source: {document: test, confidence: text}
parties:
  - states: [BY, NO]
quota_rules:
  - id: inspection.pair
    activity: inspection
    kind: pair
    limit: {constant: 1}
    source: {document: test, confidence: believed}
"""


def issues(text: str) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        parse_agreement(text, "agreements/test-agreement.yaml")
    return [str(i) for i in caught.value.issues]


class TestValidatingAgreementFiles:
    def test_a_minimal_file_loads_and_an_unquoted_no_is_norway_not_false(self) -> None:
        loaded = parse_agreement(MINIMAL, "agreements/test-agreement.yaml")
        assert set(loaded.agreement.parties) == {"BY", "NO"}
        assert len(loaded.sha256) == 64

    def test_an_unknown_field_is_named_with_its_path_and_line(self) -> None:
        [problem] = issues(MINIMAL.replace("    kind: pair", "    kind: pair\n    limt: 3"))
        assert problem.startswith("agreements/test-agreement.yaml:13: quota_rules[0].limt:")

    def test_a_bad_enum_value_is_located(self) -> None:
        [problem] = issues(MINIMAL.replace("kind: pair", "kind: pairs"))
        assert "agreements/test-agreement.yaml:12: quota_rules[0].kind:" in problem

    def test_a_bad_formula_is_located_and_explained(self) -> None:
        text = MINIMAL.replace("limit: {constant: 1}", 'limit: {formula: "units / 60"}')
        [problem] = issues(text)
        assert problem.startswith("agreements/test-agreement.yaml:13: quota_rules[0].limit.formula:")
        assert "not a whole number" in problem

    def test_an_agreement_date_is_a_day_of_the_year_with_its_field_named(self) -> None:
        dates = (
            'dates:\n  - id: annual_exchange\n    day: "{day}"\n    title: {{en: Exchange, ru: Обмен}}\n'
            "    source: {{document: test, confidence: text}}\n"
        )
        loaded = parse_agreement(MINIMAL + dates.format(day="12-15"), "agreements/test-agreement.yaml")
        [found] = loaded.agreement.dates
        assert (found.id, found.month, found.day, found.title_ru) == ("annual_exchange", 12, 15, "Обмен")
        [problem] = issues(MINIMAL + dates.format(day="02-30"))
        assert "dates[0].day:" in problem
        assert "02-30 is not a day of the year" in problem
        [twice] = issues(MINIMAL + dates.format(day="12-15") + dates.format(day="12-16").replace("dates:\n", ""))
        assert "dates[1].id: date id 'annual_exchange' is used twice" in twice

    def test_a_formula_that_can_go_negative_is_refused(self) -> None:
        assert "negative" in issues(MINIMAL.replace("limit: {constant: 1}", 'limit: {formula: "units - 100"}'))[0]

    def test_share_references_must_name_a_rule_and_must_not_loop(self) -> None:
        text = MINIMAL.replace("limit: {constant: 1}", 'limit: {share: {q: inspection.pair}, formula: "q"}')
        assert any("refers back to itself" in p for p in issues(text))
        text = MINIMAL.replace("limit: {constant: 1}", 'limit: {share: {q: nothing}, formula: "q"}')
        assert any("no rule 'nothing'" in p for p in issues(text))

    def test_pair_rules_need_exactly_two_parties(self) -> None:
        assert any("exactly two parties" in p for p in issues(MINIMAL.replace("[BY, NO]", "[BY, NO, LT]")))

    def test_a_state_listed_twice_is_refused(self) -> None:
        assert any("NO is listed twice" in p for p in issues(MINIMAL.replace("[BY, NO]", "[BY, NO, NO]")))

    def test_yaml_tags_that_construct_python_objects_are_refused(self) -> None:
        hostile = MINIMAL.replace("legal_basis: a test", "legal_basis: !!python/object/apply:os.system ['echo pwned']")
        [problem] = issues(hostile)
        assert "not valid YAML" in problem

    def test_broken_yaml_reports_the_line(self) -> None:
        [problem] = issues(MINIMAL.replace("legal_basis: a test", "legal_basis: [unclosed"))
        assert problem.startswith("agreements/test-agreement.yaml:")
        assert "not valid YAML" in problem

    def test_the_id_must_match_the_file_name(self) -> None:
        assert any("must match the file name" in p for p in issues(MINIMAL.replace("id: test-agreement", "id: other")))

    def test_one_bad_file_makes_the_whole_folder_fail(self, tmp_path: Path) -> None:
        (tmp_path / "test-agreement.yaml").write_text(MINIMAL)
        (tmp_path / "broken.yaml").write_text("id: broken\n")
        with pytest.raises(CatalogError) as caught:
            load_directory(tmp_path)
        assert all("broken.yaml" in str(i) for i in caught.value.issues)


class TestShippedAgreements:
    """The shipped files against the values their public sources give (docs/rules.md)."""

    def test_the_parties_are_complete(self) -> None:
        agreements = shipped()
        assert len(agreements["vd2011"].parties) == 57
        assert agreements["vd2011"].parties["MN"].joined_on == dt.date(2012, 11, 21)
        assert len(agreements["cfe"].parties) == 30
        assert {g.id: len(g.members) for g in agreements["cfe"].groups} == {"budapest-tashkent": 14, "brussels": 16}
        assert len(agreements["open-skies"].parties) == 34
        by_ru = next(g for g in agreements["open-skies"].groups if g.id == "BY+RU")
        assert by_ru.shares_quota
        assert by_ru.states() == {"BY", "RU"}

    def test_every_rule_and_date_cites_a_source_with_a_confidence(self) -> None:
        for agreement in shipped().values():
            assert agreement.status_source.document
            for rule in agreement.quota_rules:
                assert rule.source.document
                assert rule.source.confidence in Confidence
            for timing in agreement.timing_rules:
                assert timing.source.document
            for timeline in agreement.parties.values():
                assert all(s.source.document for s in timeline.suspensions)
            for day in agreement.dates:
                assert day.source.document
                assert day.source.confidence in Confidence

    @pytest.mark.parametrize(
        ("agreement", "rule", "kind", "constant", "confidence"),
        [
            ("vd2011", "inspection.passive", RuleKind.PASSIVE, 3, Confidence.SECONDARY),
            ("vd2011", "inspection.per_inspecting_state", RuleKind.PER_INSPECTING_STATE, 1, Confidence.BELIEVED),
            ("vd2011", "evaluation_visit.per_object", RuleKind.PER_OBJECT, 2, Confidence.TEXT),
            (
                "vd2011",
                "evaluation_visit.per_object_per_inspecting_state",
                RuleKind.PER_OBJECT_PER_INSPECTING_STATE,
                1,
                Confidence.TEXT,
            ),
            ("vd2011", "evaluation_visit.concurrency", RuleKind.CONCURRENCY, 1, Confidence.TEXT),
            ("by-lt-2001", "evaluation_visit.pair", RuleKind.PAIR, 1, Confidence.SECONDARY),
            # The Lithuanian defence ministry names one evaluation visit a year and no inspections.
            ("by-lt-2001", "inspection.pair", RuleKind.PAIR, 0, Confidence.SECONDARY),
            ("by-lv-2004", "evaluation_visit.pair", RuleKind.PAIR, 1, Confidence.BELIEVED),
            ("by-pl-2004", "inspection.pair", RuleKind.PAIR, 1, Confidence.SECONDARY),
            ("by-ua-2001", "inspection.pair", RuleKind.PAIR, 1, Confidence.SECONDARY),
            ("open-skies", "flight.concurrency", RuleKind.CONCURRENCY, 1, Confidence.TEXT),
        ],
    )
    def test_constant_rules_carry_the_reference_values(
        self, agreement: str, rule: str, kind: RuleKind, constant: int, confidence: Confidence
    ) -> None:
        found = shipped()[agreement].rule(rule)
        assert (found.kind, found.limit.kind, found.limit.value, found.source.confidence) == (
            kind,
            LimitKind.CONSTANT,
            constant,
            confidence,
        )

    @pytest.mark.parametrize(
        ("agreement", "activity", "kind", "value"),
        [
            ("vd2011", "inspection", TimingKind.REPLY_WITHIN_HOURS, 24),
            ("vd2011", "inspection", TimingKind.ENTRY_WITHIN_HOURS, 36),
            ("vd2011", "inspection", TimingKind.MAX_DURATION_HOURS, 48),
            ("vd2011", "inspection", TimingKind.MAX_TEAM_SIZE, 4),
            ("vd2011", "evaluation_visit", TimingKind.MIN_NOTICE_HOURS, 120),
            ("vd2011", "evaluation_visit", TimingKind.MAX_DURATION_HOURS, 12),
            ("vd2011", "evaluation_visit", TimingKind.MAX_TEAM_SIZE, 3),
            ("by-pl-2004", "evaluation_visit", TimingKind.MIN_NOTICE_HOURS, 120),
            ("cfe", "declared_site_inspection", TimingKind.MAX_TEAM_SIZE, 9),
            ("cfe", "challenge_inspection", TimingKind.MIN_NOTICE_HOURS, 36),
            ("cfe", "declared_site_inspection", TimingKind.MAX_DURATION_HOURS, 48),
            ("cfe", "challenge_inspection", TimingKind.MAX_DURATION_HOURS, 24),
            ("open-skies", "observation_flight", TimingKind.MIN_NOTICE_HOURS, 72),
            ("open-skies", "observation_flight", TimingKind.MAX_DURATION_HOURS, 96),
            ("open-skies", "observation_flight", TimingKind.REPLY_WITHIN_HOURS, 24),
            ("open-skies", "observation_flight", TimingKind.REPORT_WITHIN_HOURS, 168),
        ],
    )
    def test_timing_rules_carry_the_reference_values(
        self, agreement: str, activity: str, kind: TimingKind, value: int
    ) -> None:
        [rule] = [t for t in shipped()[agreement].timing_rules if t.activity == activity and t.kind is kind]
        assert rule.value == value

    def test_agreement_dates_match_the_reference(self) -> None:
        a = shipped()
        assert (a["by-ua-2001"].in_force_from, a["by-ua-2001"].terminated_on) == (
            dt.date(2002, 4, 26),
            dt.date(2023, 1, 3),
        )
        assert a["by-lt-2001"].in_force_from == dt.date(2001, 1, 1)
        assert a["by-lv-2004"].in_force_from == a["by-pl-2004"].in_force_from == dt.date(2005, 1, 1)
        assert a["cfe"].in_force_from == dt.date(1992, 11, 9)
        assert a["open-skies"].in_force_from == dt.date(2002, 1, 1)
        assert a["open-skies"].parties["US"].withdrew_on == dt.date(2020, 11, 22)
        assert a["open-skies"].parties["RU"].withdrew_on == dt.date(2021, 12, 18)
        assert a["cfe"].parties["RU"].withdrew_on == dt.date(2023, 11, 7)

    def test_open_skies_parties_that_acceded_later_are_parties_sixty_days_after_depositing(self) -> None:
        parties = shipped()["open-skies"].parties
        assert parties["FI"].joined_on == dt.date(2003, 2, 10)  # deposited 12 Dec 2002
        assert parties["LT"].joined_on == dt.date(2005, 7, 8)  # deposited 9 May 2005
        assert parties["BA"].joined_on == dt.date(2003, 10, 20)
        assert parties["BY"].joined_on == dt.date(2002, 1, 1)

    def test_the_open_skies_cap_over_one_party_halves_both_quotas(self) -> None:
        rule = shipped()["open-skies"].rule("flight.per_observed_party")
        assert rule.limit.formula is not None
        assert rule.limit.formula.evaluate_int({"active": 42, "passive": 6}) == 3
        assert rule.limit.formula.evaluate_int({"active": 5, "passive": 12}) == 3

    def test_every_source_is_a_public_document_never_a_file_of_notes(self) -> None:
        # A source names a treaty, a decision or a publication; a path or a Markdown file
        # would be notes that a user who has only the repository cannot read.
        for path in sorted((ROOT / "agreements").rglob("*.yaml")):
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"[\w-]+\.md\b|\.\./", text), path.name

    def test_the_shipped_folder_is_the_one_the_cli_loads(self) -> None:
        from app.services.catalog import shipped_agreements

        assert shipped_agreements().resolve() == (ROOT / "agreements").resolve()


class TestDatesInOrder:
    @pytest.mark.parametrize(
        ("model", "dates", "message"),
        [
            ("status", {"in_force_from": "2020-01-01", "terminated_on": "2020-01-01"}, "terminated_on must be after"),
            ("suspension", {"start": "2024-05-01", "end": "2024-04-30"}, "end must be after start"),
        ],
    )
    def test_an_end_not_after_its_start_is_refused(self, model: str, dates: dict[str, str], message: str) -> None:
        from pydantic import ValidationError

        from app.catalog.schema import StatusModel, SuspensionModel

        chosen = StatusModel if model == "status" else SuspensionModel
        source = {"document": "a treaty", "confidence": "text"}
        with pytest.raises(ValidationError, match=message):
            chosen.model_validate({**dates, "source": source})
        assert chosen.model_validate(
            {**{k: v for k, v in dates.items() if k in ("in_force_from", "start")}, "source": source}
        )
