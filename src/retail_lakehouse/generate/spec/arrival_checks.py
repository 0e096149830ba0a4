"""Cross-checks of a spec's ``arrivals`` section against its tables: every name resolves,
every change kind suits the column it changes, and a feed's base INSERTs precede its days'
changes."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import TYPE_CHECKING

from retail_lakehouse.generate.spec.arrivals import (
    ArrivalsSpec,
    Change,
    ChooseChange,
    FeedSpec,
    RewordChange,
    ScaleChange,
)
from retail_lakehouse.generate.spec.columns import (
    BinnedCategoricalColumn,
    CategoricalColumn,
    Column,
    ExpressionColumn,
    GroupedVocabularyColumn,
    MapColumn,
    NumberColumn,
    TimestampColumn,
    VocabularyColumn,
)

if TYPE_CHECKING:
    from retail_lakehouse.generate.spec.dataset import TableSpec


def check_arrivals(
    arrivals: ArrivalsSpec, tables: dict[str, TableSpec], reference_time: datetime
) -> None:
    """Raise ValueError naming the first part of ``arrivals`` that does not fit ``tables``
    (and the base data, dated up to ``reference_time``)."""
    for name in arrivals.rows_per_day:
        if name not in tables:
            raise ValueError(f"arrivals: rows_per_day names unknown table '{name}'")
        cover = tables[name].cover_key()
        if cover is not None and cover.references not in arrivals.rows_per_day:
            raise ValueError(
                f"arrivals: table '{name}' covers '{cover.references}', which gets no rows_per_day"
            )
    first_day = datetime.combine(arrivals.start or _utc(reference_time).date(), time(), UTC)
    for feed in arrivals.feeds:
        _check_feed(feed, tables)
        _check_base_before_days(feed, tables[feed.table], _utc(reference_time), first_day)


def _check_base_before_days(
    feed: FeedSpec, table: TableSpec, reference_time: datetime, first_day: datetime
) -> None:
    """The base's INSERTs (dated by insert_time, else at reference_time) come before the
    first appended day: sequence numbers, base first, then follow time."""
    column = table.column_map().get(feed.insert_time or "")
    if isinstance(column, TimestampColumn) and _utc(column.end) > first_day:
        raise ValueError(
            f"arrivals: feed '{feed.folder}': insert_time '{column.name}' ends after the "
            f"first appended day begins ({first_day.date()})"
        )
    if column is None and reference_time > first_day:
        raise ValueError(
            f"arrivals: feed '{feed.folder}' dates the base data's INSERTs at reference_time, "
            f"after the first appended day begins ({first_day.date()}); name an insert_time"
        )


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _check_feed(feed: FeedSpec, tables: dict[str, TableSpec]) -> None:
    label = f"arrivals: feed '{feed.folder}'"
    table = tables.get(feed.table)
    if table is None:
        raise ValueError(f"{label} names unknown table '{feed.table}'")
    if feed.folder in tables:
        raise ValueError(f"{label}: its folder is the folder of table '{feed.folder}'")
    columns = table.column_map()
    for name in feed.columns:
        column = columns.get(name)
        if column is None or column.hidden or name == table.primary_key:
            raise ValueError(f"{label}: '{name}' is not a written column of '{table.name}'")
    if feed.insert_time is not None and not isinstance(
        columns.get(feed.insert_time), TimestampColumn
    ):
        raise ValueError(f"{label}: insert_time '{feed.insert_time}' is not a timestamp column")
    changed = {change.column for change in feed.changes}
    for change in feed.changes:
        _check_change(label, change, columns[change.column], changed)


def _check_change(label: str, change: Change, column: Column, changed: set[str]) -> None:
    where = f"{label} change '{change.kind}' of '{change.column}'"
    if isinstance(change, RewordChange):
        if not isinstance(column, VocabularyColumn | GroupedVocabularyColumn):
            raise ValueError(f"{where}: the column is not a vocabulary column")
        if isinstance(column, GroupedVocabularyColumn) and column.group in changed:
            raise ValueError(f"{where}: its group '{column.group}' must not change too")
    elif isinstance(change, ScaleChange) and not _numeric(column):
        raise ValueError(f"{where}: the column is not numeric")
    elif isinstance(change, ChooseChange) and not _textual(column):
        raise ValueError(f"{where}: the column is not a string column")


def _numeric(column: Column) -> bool:
    if isinstance(column, NumberColumn):
        return True
    return isinstance(column, ExpressionColumn) and column.dtype in ("int", "float")


def _textual(column: Column) -> bool:
    if isinstance(column, CategoricalColumn | BinnedCategoricalColumn | MapColumn):
        return column.dtype == "string"
    return isinstance(column, VocabularyColumn | GroupedVocabularyColumn)
