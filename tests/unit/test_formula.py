import contextlib
from collections.abc import Callable
from fractions import Fraction
from functools import partial

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.formula import FormulaError, parse_formula
from tests.reference_engine import tree_walk


class TestEvaluatingFormulas:
    @pytest.mark.parametrize(
        ("text", "units", "expected"),
        [
            ("min(15, ceil(units / 60))", 0, 0),
            ("min(15, ceil(units / 60))", 1, 1),
            ("min(15, ceil(units / 60))", 60, 1),
            ("min(15, ceil(units / 60))", 61, 2),
            ("min(15, ceil(units / 60))", 5000, 15),
        ],
    )
    def test_the_vienna_document_evaluation_visit_quota_is_one_per_60_units_or_portion_at_most_15(
        self, text: str, units: int, expected: int
    ) -> None:
        assert parse_formula(text).evaluate_int({"units": units}) == expected

    def test_percentages_are_exact_so_15_percent_of_40_rounds_up_to_6_not_7(self) -> None:
        assert parse_formula("ceil(oov * 15 / 100)").evaluate_int({"oov": 40}) == 6

    @pytest.mark.parametrize(("quota", "expected"), [(1, 1), (4, 1), (5, 1), (9, 1), (10, 2), (15, 3)])
    def test_if_takes_the_small_quota_branch_below_five(self, quota: int, expected: int) -> None:
        formula = parse_formula("if(quota < 5, 1, floor(quota / 5))")
        assert formula.evaluate_int({"quota": quota}) == expected

    def test_operator_precedence_and_unary_minus(self) -> None:
        assert parse_formula("2 + 3 * 4 - -1").evaluate({}) == 15
        assert parse_formula("(2 + 3) * 4").evaluate({}) == 20

    def test_comparisons_give_one_or_zero(self) -> None:
        assert parse_formula("3 >= 3").evaluate({}) == 1
        assert parse_formula("3 != 3").evaluate({}) == 0

    def test_names_lists_the_declarations_a_formula_needs(self) -> None:
        assert parse_formula("max(2, floor(oov * 2 / 100)) + units").names == {"oov", "units"}

    def test_a_fractional_limit_is_refused_with_advice_to_round(self) -> None:
        with pytest.raises(FormulaError, match="ceil"):
            parse_formula("units / 60").evaluate_int({"units": 61})


class TestRejectingBadFormulas:
    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("", "empty"),
            ("ciel(units)", "unknown function 'ciel'"),
            ("units +", "ends too early"),
            ("(units", "ends too early"),
            ("units)", "unexpected"),
            ("__import__('os')", "unexpected character"),
            ("units; 1", "unexpected character"),
            ("min(1)", "takes 2+"),
            ("1 / 0", None),
        ],
    )
    def test_bad_formulas_raise_a_formula_error(self, text: str, message: str | None) -> None:
        with pytest.raises(FormulaError) as caught:
            parse_formula(text).evaluate({})
        if message:
            assert message in str(caught.value)

    def test_a_missing_variable_is_named(self) -> None:
        with pytest.raises(FormulaError, match="'units'"):
            parse_formula("units * 2").evaluate({})

    def test_deep_nesting_is_refused_instead_of_overflowing_the_stack(self) -> None:
        with pytest.raises(FormulaError, match="nests too deeply"):
            parse_formula("(" * 60 + "1" + ")" * 60)


class TestFormulaProperties:
    @given(st.text(max_size=80))
    def test_any_text_either_parses_or_raises_a_formula_error(self, text: str) -> None:
        try:
            formula = parse_formula(text)
        except FormulaError:
            return
        with contextlib.suppress(FormulaError):
            formula.evaluate(dict.fromkeys(formula.names, 7))

    @given(st.integers(min_value=0, max_value=10**6))
    def test_ceil_of_a_share_is_never_below_the_exact_share(self, oov: int) -> None:
        value = parse_formula("ceil(oov * 15 / 100)").evaluate({"oov": oov})
        assert value >= Fraction(oov * 15, 100) > value - 1

    @given(
        st.lists(
            st.sampled_from(["units", "oov", "1", "3", "60", "0", "2.5", "+", "-", "*", "/", "(", ")", ","])
            | st.sampled_from(["<", ">=", "!="])
            | st.sampled_from(["ceil(", "floor(", "min(", "max(", "if("]),
            max_size=25,
        ).map(" ".join),
        st.integers(min_value=0, max_value=10**4),
        st.integers(min_value=0, max_value=10**4),
    )
    def test_the_compiled_formula_gives_what_walking_its_tree_gives(self, text: str, units: int, oov: int) -> None:
        try:
            formula = parse_formula(text)
        except FormulaError:
            return
        for variables in ({"units": units, "oov": oov}, {"units": units}):
            walked = outcome(partial(tree_walk, formula.tree, text=text), variables)
            assert outcome(formula.evaluate, variables) == walked
            # The program computes in ints where it can: a limit must still be the same
            # whole number, or be refused as not whole.
            whole = outcome(formula.evaluate_int, variables)
            if isinstance(walked, str) or walked.denominator == 1:
                assert whole == walked
            else:
                assert "not a whole number" in str(whole)


def outcome(compute: Callable[[dict[str, int]], Fraction | int], variables: dict[str, int]) -> Fraction | int | str:
    """A value, or the error's text: both paths must fail alike, with the same words."""
    try:
        return compute(variables)
    except FormulaError as exc:
        return str(exc)
