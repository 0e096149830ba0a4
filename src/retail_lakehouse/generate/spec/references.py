"""What each column reads: the same-table columns it depends on, for ordering and checks,
and which timestamps a foreign key's pick must precede."""

from __future__ import annotations

import string

from retail_lakehouse.common.ordering import DependencyCycleError, definition_order
from retail_lakehouse.generate.expressions import referenced_columns
from retail_lakehouse.generate.spec.columns import (
    BinnedCategoricalColumn,
    Column,
    ExpressionColumn,
    GroupedVocabularyColumn,
    LookupColumn,
    MapColumn,
    TemplateColumn,
    TimestampColumn,
)


def template_fields(template: str) -> list[tuple[str, str]]:
    """(column, format spec) of each ``{field}`` of a template, in order."""
    fields = []
    for _, name, spec, _ in string.Formatter().parse(template):
        if name is not None:
            fields.append((name, spec or ""))
    return fields


def column_inputs(column: Column) -> set[str]:
    """Same-table columns whose values this column needs."""
    match column:
        case BinnedCategoricalColumn():
            return {column.by}
        case GroupedVocabularyColumn():
            return {column.group}
        case TemplateColumn():
            return {name for name, _ in template_fields(column.template)}
        case MapColumn():
            return {column.source}
        case TimestampColumn():
            return {column.not_before} if column.not_before else set()
        case ExpressionColumn():
            return referenced_columns(column.expression)
        case LookupColumn():
            return {column.via}
        case _:
            return set()


def evaluation_order(columns: dict[str, Column]) -> list[str]:
    """Columns sorted so each comes after its inputs; raises ValueError on a cycle."""
    inputs = {name: column_inputs(column) & columns.keys() for name, column in columns.items()}
    try:
        return definition_order(list(columns), inputs)
    except DependencyCycleError as exc:
        raise ValueError(f"columns depend on each other in a cycle: {exc}") from None


def timestamps_bounded_through(
    columns: dict[str, Column], key: str
) -> list[tuple[TimestampColumn, LookupColumn]]:
    """Timestamp columns whose ``not_before`` is a parent's column looked up through the
    foreign key ``key``, each with that lookup.

    The key reads no column for them (so no cycle): it reads their free draws, which read
    nothing (``generate.timely_parents``).
    """
    found: list[tuple[TimestampColumn, LookupColumn]] = []
    for column in columns.values():
        if isinstance(column, TimestampColumn) and column.not_before:
            bound = columns.get(column.not_before)
            if isinstance(bound, LookupColumn) and bound.via == key:
                found.append((column, bound))
    return found
