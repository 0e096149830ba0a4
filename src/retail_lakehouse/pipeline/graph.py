"""The dependency graph of a pipeline: which dataset reads which, in a runnable order.

Dependencies come from the table references of each query. A reference to a name that
no dataset defines, and any cycle, are errors found before anything runs. Datasets run in
the order they were defined wherever their inputs allow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlglot import exp

from retail_lakehouse.common.errors import DefinitionError
from retail_lakehouse.common.ordering import DependencyCycleError, definition_order
from retail_lakehouse.pipeline.model import Dataset, Layer
from retail_lakehouse.sql.queries import (
    FileSource,
    file_sources,
    parse_query,
    referenced_tables,
    streamed_tables,
    windows_over_streams,
)


@dataclass(frozen=True)
class PlannedDataset:
    dataset: Dataset
    tree: exp.Expr | None  # a SQL dataset's query; None for a Python dataset
    inputs: tuple[str, ...]  # datasets it reads, sorted
    streamed: tuple[str, ...]  # of those, the ones read as streams (STREAM(...), read_stream)
    file_sources: tuple[FileSource, ...] = ()  # the file folders it reads, in order


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

    def layers(self) -> dict[str, Layer]:
        """The layer of every dataset and of every quarantine table (its dataset's)."""
        layers: dict[str, Layer] = {}
        for planned in self.order:
            dataset = planned.dataset
            layers[dataset.name] = dataset.layer
            if dataset.quarantine is not None:
                layers[dataset.quarantine] = dataset.layer
        return layers


def build_graph(datasets: list[Dataset]) -> PipelineGraph:
    by_name = {d.name: d for d in datasets}
    planned: dict[str, PlannedDataset] = {}
    for dataset in datasets:
        tree, reads, streamed, files = _reads(dataset)
        unknown = sorted(reads - by_name.keys())
        if unknown:
            known = ", ".join(sorted(by_name))
            raise DefinitionError(
                dataset.location,
                f"'{dataset.name}' reads unknown table '{unknown[0]}'; datasets: {known}",
            )
        if dataset.name in reads:
            raise DefinitionError(dataset.location, f"'{dataset.name}' reads itself")
        rewritten = sorted(n for n in streamed if by_name[n].changes is not None)
        if rewritten:
            raise DefinitionError(
                dataset.location,
                f"'{dataset.name}' streams from '{rewritten[0]}', which AUTO CDC rewrites "
                "each update: read it without STREAM",
            )
        planned[dataset.name] = PlannedDataset(
            dataset, tree, tuple(sorted(reads)), tuple(sorted(streamed)), files
        )
    try:
        order = definition_order(list(planned), {n: p.inputs for n, p in planned.items()})
    except DependencyCycleError as exc:
        location = planned[exc.cycle[0]].dataset.location
        raise DefinitionError(location, f"datasets form a cycle: {exc}") from None
    return PipelineGraph(tuple(planned[name] for name in order))


def _reads(
    dataset: Dataset,
) -> tuple[exp.Expr | None, set[str], set[str], tuple[FileSource, ...]]:
    """The query's tree (SQL only) and what it reads: datasets, streams, file folders."""
    if dataset.python is not None:
        python = dataset.python
        return None, {*python.reads, *python.streams}, set(python.streams), python.files
    if dataset.changes is not None:  # every change of the source, each update
        return None, {dataset.changes.source}, set(), ()
    tree = parse_query(dataset.defined_query)
    _check_no_window_over_streams(dataset, tree)
    files = tuple(file_sources(tree, dataset.defined_query))
    return tree, referenced_tables(tree), streamed_tables(tree), files


def _check_no_window_over_streams(dataset: Dataset, tree: exp.Expr) -> None:
    """What Databricks rejects fails here too, not first after a deployment."""
    windows = windows_over_streams(tree)
    if windows:
        window = windows[0].sql(dialect="spark")
        raise DefinitionError(
            dataset.location,
            f"'{dataset.name}' computes {window} over a stream; Databricks runs no window "
            "function on a stream (NON_TIME_WINDOW_NOT_SUPPORTED_IN_STREAMING): read the "
            "input without STREAM, or de-duplicate a stream with AUTO CDC",
        )


def unread_after(order: Sequence[PlannedDataset]) -> dict[str, list[str]]:
    """Dataset -> the datasets no later dataset reads once it is computed (their last
    reader, or themselves when nothing reads them)."""
    last_reader = {planned.dataset.name: planned.dataset.name for planned in order}
    for planned in order:
        for name in planned.inputs:
            if name in last_reader:  # not a table from outside the pipeline
                last_reader[name] = planned.dataset.name
    unread: dict[str, list[str]] = {planned.dataset.name: [] for planned in order}
    for name, reader in last_reader.items():
        unread[reader].append(name)
    return unread
