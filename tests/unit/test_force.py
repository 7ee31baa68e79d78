import datetime as dt

from app.domain.force import in_force_between, in_force_throughout, party_in_force, status_changes
from tests.builders import shipped

D = dt.date


class TestCfeForce:
    def test_russia_suspended_from_12_december_2007(self) -> None:
        cfe = shipped()["cfe"]
        assert in_force_between(cfe, "RU", "DE", D(2007, 12, 11))
        assert not in_force_between(cfe, "RU", "DE", D(2007, 12, 12))

    def test_russia_is_no_party_after_its_withdrawal_on_7_november_2023(self) -> None:
        cfe = shipped()["cfe"]
        assert not party_in_force(cfe, "RU", D(2023, 11, 7))

    def test_belarus_suspension_of_october_2023_is_directed_at_poland_and_the_czech_republic_only(self) -> None:
        cfe = shipped()["cfe"]
        day = D(2024, 1, 15)
        assert not in_force_between(cfe, "BY", "PL", day)
        assert not in_force_between(cfe, "CZ", "BY", day)
        assert in_force_between(cfe, "BY", "HU", day)
        assert in_force_between(cfe, "KZ", "BY", day)

    def test_belarus_full_suspension_from_24_may_2024_covers_everyone(self) -> None:
        cfe = shipped()["cfe"]
        assert not in_force_between(cfe, "BY", "HU", D(2024, 5, 24))
        assert in_force_between(cfe, "BY", "HU", D(2024, 5, 23))

    def test_the_united_states_suspended_from_7_december_2023(self) -> None:
        cfe = shipped()["cfe"]
        assert in_force_between(cfe, "US", "DE", D(2023, 12, 6))
        assert not in_force_between(cfe, "US", "DE", D(2023, 12, 7))

    def test_the_czech_republic_and_slovakia_are_parties_from_1993(self) -> None:
        cfe = shipped()["cfe"]
        assert not party_in_force(cfe, "CZ", D(1992, 12, 31))
        assert party_in_force(cfe, "SK", D(1993, 1, 1))


class TestOtherAgreementsForce:
    def test_open_skies_stopped_binding_the_united_states_and_russia_on_their_withdrawals(self) -> None:
        os_ = shipped()["open-skies"]
        assert in_force_between(os_, "US", "BY", D(2020, 11, 21))
        assert not in_force_between(os_, "US", "BY", D(2020, 11, 22))
        assert not party_in_force(os_, "RU", D(2021, 12, 18))

    def test_the_belarus_ukraine_agreement_ended_on_3_january_2023(self) -> None:
        ua = shipped()["by-ua-2001"]
        assert in_force_between(ua, "BY", "UA", D(2023, 1, 2))
        assert not in_force_between(ua, "BY", "UA", D(2023, 1, 3))
        assert not in_force_between(ua, "BY", "UA", D(2002, 4, 25))

    def test_an_activity_spanning_a_suspension_is_not_in_force_throughout(self) -> None:
        cfe = shipped()["cfe"]
        assert not in_force_throughout(cfe, "BY", "HU", D(2024, 5, 22), D(2024, 5, 25))
        assert in_force_throughout(cfe, "BY", "HU", D(2024, 5, 20), D(2024, 5, 23))

    def test_status_changes_lists_suspensions_and_withdrawals_in_a_range(self) -> None:
        changes = status_changes(shipped()["cfe"], D(2023, 1, 1), D(2024, 12, 31))
        described = [(c.day, c.state, c.change, c.toward) for c in changes]
        assert (D(2023, 11, 7), "RU", "withdrawal", ()) in described
        assert (D(2024, 5, 24), "BY", "suspension", ()) in described
        assert (D(2023, 10, 1), "BY", "suspension", ("CZ", "PL")) in described
        assert (D(2024, 5, 24), "BY", "suspension_ended", ("CZ", "PL")) in described
        assert all(D(2023, 1, 1) <= c.day <= D(2024, 12, 31) for c in changes)
