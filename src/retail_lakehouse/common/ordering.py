"""Dependency order that keeps the order of definition wherever the dependencies allow.

Both the generator's tables and a pipeline's datasets run in this order, so what runs
first is what the user wrote first. ``graphlib`` finds what is ready and any cycle;
among the ready, the one defined first goes first.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from graphlib import CycleError, TopologicalSorter

from retail_lakehouse.common.errors import InputError


class DependencyCycleError(InputError, ValueError):
    """Names that depend on each other in a loop: ``cycle`` starts and ends with one."""

    def __init__(self, cycle: list[str]) -> None:
        super().__init__(" -> ".join(cycle))
        self.cycle = cycle


def definition_order(names: Sequence[str], depends_on: Mapping[str, Iterable[str]]) -> list[str]:
    """``names`` with each after what it depends on, otherwise in their own order.

    >>> definition_order(["c", "a", "b"], {"c": ["b"], "a": [], "b": []})
    ['a', 'b', 'c']
    >>> try:
    ...     definition_order(["x", "a", "b", "c"], {"a": ["c"], "b": ["a"], "c": ["b", "x"]})
    ... except DependencyCycleError as cycle:
    ...     print(cycle)
    a -> c -> b -> a
    """
    position = {name: index for index, name in enumerate(names)}
    sorter = TopologicalSorter({name: list(depends_on.get(name, ())) for name in names})
    try:
        sorter.prepare()
    except CycleError as exc:
        raise DependencyCycleError(_from_first_defined(exc.args[1], position)) from None
    ready: list[tuple[int, str]] = []
    order: list[str] = []
    while sorter.is_active():
        for name in sorter.get_ready():
            heapq.heappush(ready, (position.get(name, len(position)), name))
        _, name = heapq.heappop(ready)
        order.append(name)
        sorter.done(name)
    return order


def _from_first_defined(cycle: list[str], position: Mapping[str, int]) -> list[str]:
    """The cycle (graphlib gives it dependency first, closed) rotated to start at the name
    defined first, each followed by what it depends on."""
    loop = cycle[:-1][::-1]  # graphlib lists each name after what depends on it
    start = min(range(len(loop)), key=lambda i: position.get(loop[i], len(position)))
    rotated = loop[start:] + loop[:start]
    return [*rotated, rotated[0]]
