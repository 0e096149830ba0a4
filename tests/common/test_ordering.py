"""definition_order: dependencies first, the order of definition otherwise, cycles named."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retail_lakehouse.common import ordering
from retail_lakehouse.common.ordering import DependencyCycleError, definition_order


@st.composite
def acyclic(draw: st.DrawFn) -> tuple[list[str], dict[str, list[str]]]:
    """Names, each depending on some names before it in a hidden order, then shuffled."""
    count = draw(st.integers(0, 12))
    hidden = [f"n{i}" for i in range(count)]
    depends = {
        name: draw(st.lists(st.sampled_from(hidden[:i]), unique=True)) if i else []
        for i, name in enumerate(hidden)
    }
    return draw(st.permutations(hidden)), depends


@given(acyclic())
def test_each_name_comes_after_what_it_depends_on(
    graph: tuple[list[str], dict[str, list[str]]],
) -> None:
    names, depends = graph
    order = definition_order(names, depends)
    assert sorted(order) == sorted(names)
    position = {name: i for i, name in enumerate(order)}
    assert all(position[d] < position[n] for n in names for d in depends[n])


@given(acyclic())
def test_an_order_that_allows_it_is_kept(graph: tuple[list[str], dict[str, list[str]]]) -> None:
    names, depends = graph
    order = definition_order(names, depends)
    assert definition_order(order, depends) == order


def test_the_first_defined_of_the_ready_goes_first() -> None:
    depends = {"report": ["sales"], "sales": [], "users": [], "audit": ["users"]}
    assert definition_order(["report", "audit", "sales", "users"], depends) == [
        "sales", "report", "users", "audit",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("names", "depends", "cycle"),
    [
        (["a"], {"a": ["a"]}, ["a", "a"]),
        (["a", "b"], {"a": ["b"], "b": ["a"]}, ["a", "b", "a"]),
        (["x", "c", "b", "a"], {"a": ["c"], "b": ["a"], "c": ["b"]}, ["c", "b", "a", "c"]),
    ],
)
def test_a_cycle_starts_at_its_first_defined_name(
    names: list[str], depends: dict[str, list[str]], cycle: list[str]
) -> None:
    with pytest.raises(DependencyCycleError) as raised:
        definition_order(names, depends)
    assert raised.value.cycle == cycle
    assert str(raised.value) == " -> ".join(cycle)


def test_the_docstring_examples_hold() -> None:
    assert doctest.testmod(ordering).failed == 0
