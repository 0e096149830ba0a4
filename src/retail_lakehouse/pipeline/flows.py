"""Flows into streaming tables declared without a query: each table's flows become its
definition. An AUTO CDC flow is the table's whole definition (one per table); append
flows (``CREATE FLOW ... AS INSERT INTO t BY NAME query``) add their queries to the
table's own, if any, as one union by column name, so the table's sources, streams and
ingestion progress are those of every flow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from retail_lakehouse.common.errors import DefinitionError
from retail_lakehouse.pipeline.model import Dataset
from retail_lakehouse.sql.changes import AppendFlowStatement, ChangeFlowStatement, FlowStatement


def with_flows(datasets: Sequence[Dataset], flows: Sequence[FlowStatement]) -> list[Dataset]:
    """The datasets with their flows in them; a table declared without a query needs one."""
    by_name = {d.name.lower(): d for d in datasets}
    changes: dict[str, ChangeFlowStatement] = {}
    appends: dict[str, list[AppendFlowStatement]] = {}
    for flow in flows:
        target = _target(flow, by_name)
        if isinstance(flow, AppendFlowStatement):
            appends.setdefault(target.name, []).append(flow)
        elif (first := changes.setdefault(target.name, flow)) is not flow:
            raise DefinitionError(
                flow.location,
                f"'{flow.target}' already has the flow '{first.name}' ({first.location}); "
                "one AUTO CDC flow per table",
            )
    return [_filled(d, changes.get(d.name), appends.get(d.name, [])) for d in datasets]


def _target(flow: FlowStatement, by_name: dict[str, Dataset]) -> Dataset:
    target = by_name.get(flow.target.lower())
    declared_only = target is not None and not target.query and target.python is None
    appendable = isinstance(flow, AppendFlowStatement) and target is not None and target.query
    if target is None or target.kind != "streaming_table" or not (declared_only or appendable):
        raise DefinitionError(
            flow.location,
            f"flow '{flow.name}' goes into '{flow.target}', which is not a streaming table "
            "this flow may fill (declared without a query for an AUTO CDC flow)",
        )
    return target


def _filled(
    dataset: Dataset, change: ChangeFlowStatement | None, appends: list[AppendFlowStatement]
) -> Dataset:
    if change is not None and appends:
        raise DefinitionError(
            appends[0].location,
            f"'{dataset.name}' has the AUTO CDC flow '{change.name}': no other flow may "
            "write to it",
        )
    if change is not None:
        return replace(dataset, changes=change)
    queries = [dataset.query] if dataset.query else []
    queries += [flow.query for flow in appends]
    if not queries and dataset.python is None:
        raise DefinitionError(
            dataset.location, f"streaming table '{dataset.name}' has no flow into it"
        )
    if len(queries) < 2:
        return replace(dataset, query=queries[0]) if queries else dataset
    return replace(dataset, query=" UNION ALL BY NAME ".join(f"({q})" for q in queries))
