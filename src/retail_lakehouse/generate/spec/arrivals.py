"""The ``arrivals`` section of a dataset spec: what each appended day adds to a landing zone.

A day adds rows to some tables (``rows_per_day`` at scale 1, times a weekday weight) and,
for slowly changing entities, a change feed: an INSERT per new row, UPDATEs of existing
rows (one column each, by kind), DELETEs, and labelled feed defects. Rates of changes are
per existing entity and day; rates of feed defects are per record. Cross-checks against
the tables (names, columns, kinds) are in ``spec.dataset``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, model_validator

from retail_lakehouse.generate.spec.columns import Identifier, Probability, Strict


class ChangeBase(Strict):
    column: Identifier
    rate: Probability = Field(description="Share of the existing entities changed per day.")


class ChooseChange(ChangeBase):
    """The column takes a value drawn from ``weights`` (e.g. a new loyalty tier)."""

    kind: Literal["choose"]
    weights: dict[str, Annotated[float, Field(ge=0)]] = Field(min_length=1)

    @model_validator(mode="after")
    def _positive_total(self) -> ChooseChange:
        if sum(self.weights.values()) <= 0:
            raise ValueError("weights must not all be zero")
        return self


class RewordChange(ChangeBase):
    """A (grouped) vocabulary column takes another word: a move to another city of the
    same country."""

    kind: Literal["reword"]


class ScaleChange(ChangeBase):
    """A numeric column becomes its original value times a factor in [low, high)."""

    kind: Literal["scale"]
    low: Annotated[float, Field(gt=0)]
    high: Annotated[float, Field(gt=0)]
    round: Annotated[int, Field(ge=0, le=12)] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> ScaleChange:
        if self.high <= self.low:
            raise ValueError("high must be greater than low")
        return self


class SetChange(ChangeBase):
    """The column takes a fixed value (``is_active: false`` retires a product)."""

    kind: Literal["set"]
    value: str | bool | int | float


Change = Annotated[
    ChooseChange | RewordChange | ScaleChange | SetChange, Field(discriminator="kind")
]


class FeedDefectBase(Strict):
    name: Identifier
    rate: Probability


class OutOfOrderDefect(FeedDefectBase):
    """An UPDATE is followed, the same day, by a newer change of its key, and is delivered
    only in the next day's file: after the newer change."""

    kind: Literal["out_of_order"]


class DuplicateDefect(FeedDefectBase):
    """A record is delivered twice, exactly, in the same file."""

    kind: Literal["duplicate"]


FeedDefect = Annotated[OutOfOrderDefect | DuplicateDefect, Field(discriminator="kind")]


class FeedSpec(Strict):
    table: Identifier = Field(description="The entity table whose changes the feed carries.")
    name: Identifier | None = Field(default=None, description="Its folder; <table>_cdc.")
    columns: list[Identifier] = Field(min_length=1, description="Columns of each row image.")
    insert_time: Identifier | None = Field(
        default=None, description="Timestamp column that dates an INSERT (else drawn)."
    )
    changes: list[Change] = Field(default_factory=list)
    delete_rate: Probability = 0.0
    defects: list[FeedDefect] = Field(default_factory=list)

    @property
    def folder(self) -> str:
        return self.name or f"{self.table}_cdc"

    @model_validator(mode="after")
    def _consistent(self) -> FeedSpec:
        if len(set(self.columns)) != len(self.columns):
            raise ValueError("columns must not repeat")
        if len({c.column for c in self.changes}) != len(self.changes):
            raise ValueError("each column may have one change kind")
        for change in self.changes:
            if change.column not in self.columns:
                raise ValueError(f"change of '{change.column}': not one of the feed's columns")
        kinds = [d.kind for d in self.defects]
        if len(set(kinds)) != len(kinds):
            raise ValueError("each defect kind may appear once")
        if len({d.name for d in self.defects}) != len(self.defects):
            raise ValueError("defect names must be unique")
        if sum(d.rate for d in self.defects) > 0.5:
            raise ValueError("defect rates must add up to at most 0.5")
        return self


class ArrivalsSpec(Strict):
    start: date | None = Field(
        default=None, description="The first appended day (default: reference_time's date)."
    )
    rows_per_day: dict[Identifier, Annotated[float, Field(ge=0)]] = Field(
        min_length=1, description="New rows per day at scale 1, per table."
    )
    weekday_weights: list[Annotated[float, Field(gt=0)]] = Field(
        default_factory=lambda: [1.0] * 7, min_length=7, max_length=7
    )
    feeds: list[FeedSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> ArrivalsSpec:
        folders = [f.folder for f in self.feeds]
        if len(set(folders)) != len(folders):
            raise ValueError("two feeds write the same folder")
        if len({f.table for f in self.feeds}) != len(self.feeds):
            raise ValueError("at most one feed per table")
        return self
