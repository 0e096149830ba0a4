"""The dependency graph of a pipeline: which dataset reads which, in a runnable order.

Dependencies come from the table references of each query. A reference to a name that
no dataset defines, and any cycle, are errors found before anything runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from retail_lakehouse.pipeline.model import Dataset, DefinitionError
from retail_lakehouse.sql.queries import parse_query, referenced_tables, streamed_tables


@dataclass(frozen=True)
class PlannedDataset:
    dataset: Dataset
    tree: exp.Expr
    inputs: tuple[str, ...]  # datasets it reads, sorted
    streamed: tuple[str, ...]  # of those, the ones read with STREAM(...)


@dataclass(frozen=True)
class PipelineGraph:
    order: tuple[PlannedDataset, ...]  # every dataset after its inputs

    def get(self, name: str) -> PlannedDataset:
        for planned in self.order:
            if planned.dataset.name == name:
                return planned
        raise KeyError(name)

    def names(self) -> list[str]:
        return [p.dataset.name for p in self.order]

    def edges(self) -> list[tuple[str, str]]:
        """(input, dataset) pairs."""
        return [(i, p.dataset.name) for p in self.order for i in p.inputs]


def build_graph(datasets: list[Dataset]) -> PipelineGraph:
    by_name = {d.name: d for d in datasets}
    planned: dict[str, PlannedDataset] = {}
    for dataset in datasets:
        tree = parse_query(dataset)
        reads = referenced_tables(tree)
        unknown = sorted(reads - by_name.keys())
        if unknown:
            known = ", ".join(sorted(by_name))
            raise DefinitionError(
                dataset.location,
                f"'{dataset.name}' reads unknown table '{unknown[0]}'; datasets: {known}",
            )
        if dataset.name in reads:
            raise DefinitionError(dataset.location, f"'{dataset.name}' reads itself")
        streamed = tuple(sorted(streamed_tables(tree)))
        planned[dataset.name] = PlannedDataset(dataset, tree, tuple(sorted(reads)), streamed)
    return PipelineGraph(tuple(planned[name] for name in _topological(planned)))


def _topological(planned: dict[str, PlannedDataset]) -> list[str]:
    order: list[str] = []
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in done:
            return
        if name in path:
            cycle = " -> ".join([*path[path.index(name) :], name])
            raise DefinitionError(planned[name].dataset.location, f"datasets form a cycle: {cycle}")
        for dependency in planned[name].inputs:
            visit(dependency, [*path, name])
        done.add(name)
        order.append(name)

    for name in planned:
        visit(name, [])
    return order
