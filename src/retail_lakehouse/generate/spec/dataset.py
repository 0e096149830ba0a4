"""The dataset spec: tables with row counts, columns and defects, and its cross-checks.

Field-level checks live on the column and defect models; this module checks what spans
them: names resolve, foreign keys point at tables, lookups at columns, and nothing is
cyclic. Row counts here are those of scale 1.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import Field, model_validator

from retail_lakehouse.common.ordering import DependencyCycleError, definition_order
from retail_lakehouse.generate.expressions import ExpressionError
from retail_lakehouse.generate.spec.arrival_checks import check_arrivals
from retail_lakehouse.generate.spec.arrivals import ArrivalsSpec
from retail_lakehouse.generate.spec.columns import (
    BinnedCategoricalColumn,
    Column,
    CoverSkew,
    ExpressionColumn,
    ForeignKeyColumn,
    Identifier,
    LookupColumn,
    SequenceColumn,
    Strict,
    TimestampColumn,
)
from retail_lakehouse.generate.spec.defects import (
    BeforeReference,
    Defect,
    DuplicateRow,
    OrphanReference,
    ViolateFilter,
)
from retail_lakehouse.generate.spec.references import column_inputs, evaluation_order


class TableSpec(Strict):
    name: Identifier
    rows: Annotated[int, Field(ge=1)] = Field(description="Row count at scale 1.")
    primary_key: Identifier
    columns: list[Column] = Field(min_length=1)
    defects: list[Defect] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> TableSpec:
        names = [c.name for c in self.columns]
        _require_unique(names, "column")
        _require_unique([d.name for d in self.defects], "defect")
        by_name = self.column_map()
        key = by_name.get(self.primary_key)
        if not isinstance(key, SequenceColumn):
            raise ValueError(f"primary_key '{self.primary_key}' must name a sequence column")
        for column in self.columns:
            _check_inputs(column, by_name)
        evaluation_order(by_name)
        for defect in self.defects:
            _check_defect(defect, by_name)
        if sum(d.rate for d in self.defects) > 0.5:
            raise ValueError("defect rates must add up to at most 0.5")
        if (
            sum(isinstance(c, ForeignKeyColumn) and c.skew.type == "cover" for c in self.columns)
            > 1
        ):
            raise ValueError("at most one foreign key per table may use skew 'cover'")
        return self

    def column_map(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}

    def cover_key(self) -> ForeignKeyColumn | None:
        for column in self.columns:
            if isinstance(column, ForeignKeyColumn) and isinstance(column.skew, CoverSkew):
                return column
        return None


def _require_unique(names: list[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"{what} name '{name}' is used twice")
        seen.add(name)


_TEXT_KINDS = ("vocabulary", "grouped_vocabulary", "template")


def _check_inputs(column: Column, by_name: dict[str, Column]) -> None:
    try:
        inputs = column_inputs(column)
    except ExpressionError as exc:
        raise ValueError(f"column '{column.name}': {exc}") from None
    for name in sorted(inputs):
        if name not in by_name:
            raise ValueError(f"column '{column.name}' reads unknown column '{name}'")
    if isinstance(column, LookupColumn) and not isinstance(by_name[column.via], ForeignKeyColumn):
        raise ValueError(f"column '{column.name}': via '{column.via}' is not a foreign_key column")
    if isinstance(column, BinnedCategoricalColumn):
        source = by_name[column.by]
        is_text = source.kind in _TEXT_KINDS or getattr(source, "dtype", None) == "string"
        if is_text:
            raise ValueError(f"column '{column.name}': by '{column.by}' must be a numeric column")
    if isinstance(column, TimestampColumn) and column.not_before:
        _require_timestamp(by_name, column.not_before, f"column '{column.name}' not_before")


def _is_timestamp(column: Column) -> bool:
    if isinstance(column, ExpressionColumn):
        return column.dtype == "timestamp"
    return isinstance(column, TimestampColumn | LookupColumn)


def _require_timestamp(by_name: dict[str, Column], name: str, where: str) -> None:
    if not _is_timestamp(by_name[name]):
        raise ValueError(f"{where}: '{name}' is not a timestamp column")


def _check_defect(defect: Defect, by_name: dict[str, Column]) -> None:
    if isinstance(defect, DuplicateRow):
        return
    label = f"defect '{defect.name}'"
    if defect.column not in by_name:
        raise ValueError(f"{label} names unknown column '{defect.column}'")
    target = by_name[defect.column]
    if isinstance(defect, OrphanReference | ViolateFilter) and not isinstance(
        target, ForeignKeyColumn
    ):
        raise ValueError(f"{label}: '{defect.column}' is not a foreign_key column")
    if isinstance(defect, ViolateFilter) and (
        not isinstance(target, ForeignKeyColumn) or target.where is None
    ):
        raise ValueError(f"{label}: '{defect.column}' has no 'where' filter to violate")
    if isinstance(defect, BeforeReference):
        if defect.reference not in by_name:
            raise ValueError(f"{label} names unknown reference column '{defect.reference}'")
        _require_timestamp(by_name, defect.column, label)
        _require_timestamp(by_name, defect.reference, label)


class DatasetSpec(Strict):
    name: Identifier
    description: str = ""
    reference_time: datetime = Field(
        description="The dataset's 'now': ages and statuses are relative to it."
    )
    tables: list[TableSpec] = Field(min_length=1)
    arrivals: ArrivalsSpec | None = Field(
        default=None, description="What each day appended to a landing zone adds."
    )

    @model_validator(mode="after")
    def _consistent(self) -> DatasetSpec:
        _require_unique([t.name for t in self.tables], "table")
        tables = self.table_map()
        for table in self.tables:
            for column in table.columns:
                _check_cross_table(table, column, tables)
        self.table_order()
        if self.arrivals is not None:
            check_arrivals(self.arrivals, tables, self.reference_time)
        return self

    def table_map(self) -> dict[str, TableSpec]:
        return {t.name: t for t in self.tables}

    def table(self, name: str) -> TableSpec:
        return self.table_map()[name]

    def reference_micros(self) -> int:
        return to_micros(self.reference_time)

    def table_order(self) -> list[str]:
        """Tables with every parent before its children, otherwise in the spec's order;
        raises ValueError on a cycle."""
        parents = {t.name: _parents_of(t) for t in self.tables}
        try:
            return definition_order([t.name for t in self.tables], parents)
        except DependencyCycleError as exc:
            raise ValueError(f"foreign keys form a cycle: {exc}") from None


def _parents_of(table: TableSpec) -> set[str]:
    return {c.references for c in table.columns if isinstance(c, ForeignKeyColumn)}


def _check_cross_table(table: TableSpec, column: Column, tables: dict[str, TableSpec]) -> None:
    label = f"table '{table.name}' column '{column.name}'"
    if isinstance(column, ForeignKeyColumn):
        parent = tables.get(column.references)
        if parent is None:
            raise ValueError(f"{label} references unknown table '{column.references}'")
        if parent.name == table.name:
            raise ValueError(f"{label} references its own table")
        if column.where and column.where.column not in parent.column_map():
            raise ValueError(f"{label}: where names unknown column '{column.where.column}'")
    if isinstance(column, LookupColumn):
        via = table.column_map()[column.via]
        assert isinstance(via, ForeignKeyColumn)
        parent = tables.get(via.references)
        if parent is not None and column.column not in parent.column_map():
            raise ValueError(
                f"{label}: table '{parent.name}' has no column '{column.column}' to look up"
            )


def to_micros(moment: datetime) -> int:
    """Microseconds since the Unix epoch; naive datetimes are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
