"""The expression language of derived columns: arithmetic, nulls, safety."""

from __future__ import annotations

import numpy as np
import pytest

from retail_lakehouse.generate.expressions import ExpressionError, evaluate, referenced_columns
from retail_lakehouse.generate.values import Value, round_decimal

COLUMNS = {
    "price": Value(np.array([10.0, 20.0, 49.35]), None, "float"),
    "discount": Value(np.array([0.0, 0.5, 0.3]), None, "float"),
    "status": Value(np.array(["new", "shipped", "new"], dtype=object), None, "string"),
    "maybe": Value(np.array([1.0, 2.0, 3.0]), np.array([False, True, False]), "float"),
}


def run(text: str) -> Value:
    return evaluate(text, COLUMNS, 3, reference_time=1_000_000)


def test_arithmetic_and_rounding() -> None:
    assert run("round(price * (1 - discount), 2)").data.tolist() == [10.0, 10.0, 34.55]


def test_conditionals_and_membership() -> None:
    result = run("price if status in ('shipped', 'delivered') else 0")
    assert result.data.tolist() == [0, 20.0, 0]
    assert run("status not in ('new',)").data.tolist() == [False, True, False]


def test_nulls_propagate_and_can_be_produced() -> None:
    assert run("maybe + 1").nulls.tolist() == [False, True, False]  # type: ignore[union-attr]
    produced = run("price if discount > 0 else null")
    assert produced.nulls.tolist() == [True, False, False]  # type: ignore[union-attr]
    assert run("is_null(maybe)").data.tolist() == [False, True, False]


def test_durations_and_reference_time() -> None:
    assert run("hours(1.5)").data.tolist() == [5_400_000_000] * 3
    assert run("reference_time + days(1)").data[0] == 1_000_000 + 86_400_000_000


def test_referenced_columns_excludes_functions_and_constants() -> None:
    assert referenced_columns("round(a + b, 2) if c else null + reference_time") == {"a", "b", "c"}


@pytest.mark.parametrize(
    "text",
    ["__import__('os')", "price.real", "[x for x in price]", "lambda: 1", "price[0]", "f(price)"],
)
def test_unsafe_or_unknown_syntax_is_rejected(text: str) -> None:
    with pytest.raises(ExpressionError):
        referenced_columns(text)


def test_syntax_error_names_the_column_offset() -> None:
    with pytest.raises(ExpressionError, match="invalid expression syntax at column"):
        referenced_columns("price +")


def test_round_decimal_is_half_away_from_zero() -> None:
    values = np.array([0.125, -0.125, 34.545, 2.675, 1.005])
    assert round_decimal(values, 2).tolist() == [0.13, -0.13, 34.55, 2.68, 1.01]
