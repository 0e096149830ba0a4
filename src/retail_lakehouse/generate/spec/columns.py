"""Column kinds of a dataset spec: pydantic models, one per kind, in a discriminated union.

A column says what its values are, never how blocks are scheduled: every kind is evaluated
as a pure function of (seed, table, column, row id) by ``generate.columns``.
"""

from __future__ import annotations

import re
import string
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from retail_lakehouse.generate.vocabulary import GroupedVocabularyName, VocabularyName

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=128)]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NumberType = Literal["int", "float"]
ValueType = Literal["string", "int", "float", "bool"]
Case = Literal["as_is", "lower", "upper"]
_ZERO_PAD = re.compile(r"(0\d+d)?")
Holiday = Literal["black_friday", "cyber_monday", "christmas_season", "new_year"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_values_parse(values: list[str], dtype: ValueType) -> None:
    """Raise ValueError unless every value reads as ``dtype`` (string always does)."""
    for value in values:
        if dtype in ("int", "float"):
            try:
                float(value)
            except ValueError:
                raise ValueError(f"value '{value}' is not a number (dtype {dtype})") from None
        elif dtype == "bool" and value.strip().lower() not in ("true", "false", "1", "0"):
            raise ValueError(f"value '{value}' is not a boolean (true/false)")


class ColumnBase(Strict):
    name: Identifier
    null_rate: Probability = 0.0
    hidden: bool = Field(default=False, description="Computed for other columns, not written.")


class SequenceColumn(ColumnBase):
    kind: Literal["sequence"]
    start: int = 1
    step: Annotated[int, Field(ge=1)] = 1


class UniformDist(Strict):
    type: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> UniformDist:
        if self.high <= self.low:
            raise ValueError("high must be greater than low")
        return self


class NormalDist(Strict):
    type: Literal["normal"]
    mean: float
    std: Annotated[float, Field(gt=0)]


class LognormalDist(Strict):
    type: Literal["lognormal"]
    mu: float = Field(description="Mean of the underlying normal.")
    sigma: Annotated[float, Field(gt=0)]


class GammaDist(Strict):
    type: Literal["gamma"]
    shape: Annotated[float, Field(gt=0)]
    scale: Annotated[float, Field(gt=0)] = 1.0


class BetaDist(Strict):
    type: Literal["beta"]
    alpha: Annotated[float, Field(gt=0)]
    beta: Annotated[float, Field(gt=0)]


class ExponentialDist(Strict):
    type: Literal["exponential"]
    scale: Annotated[float, Field(gt=0)] = Field(description="Mean of the distribution.")


class ParetoDist(Strict):
    type: Literal["pareto"]
    alpha: Annotated[float, Field(gt=0)]
    scale: Annotated[float, Field(gt=0)] = 1.0


class ZipfDist(Strict):
    type: Literal["zipf"]
    n: Annotated[int, Field(ge=1)] = Field(description="Values are 1..n, 1 the most frequent.")
    exponent: Annotated[float, Field(gt=0)] = 1.0


Distribution = Annotated[
    UniformDist
    | NormalDist
    | LognormalDist
    | GammaDist
    | BetaDist
    | ExponentialDist
    | ParetoDist
    | ZipfDist,
    Field(discriminator="type"),
]


class NumberColumn(ColumnBase):
    kind: Literal["number"]
    distribution: Distribution
    min: float | None = None
    max: float | None = None
    round: Annotated[int, Field(ge=0, le=12)] | None = None
    dtype: NumberType = "float"

    @model_validator(mode="after")
    def _bounds(self) -> NumberColumn:
        if self.min is not None and self.max is not None and self.max < self.min:
            raise ValueError("max must not be less than min")
        return self


class CategoricalColumn(ColumnBase):
    kind: Literal["categorical"]
    weights: dict[str, Annotated[float, Field(ge=0)]] = Field(min_length=1)
    dtype: ValueType = "string"

    @model_validator(mode="after")
    def _positive_total(self) -> CategoricalColumn:
        if sum(self.weights.values()) <= 0:
            raise ValueError("weights must not all be zero")
        check_values_parse(list(self.weights), self.dtype)
        return self


class Bin(Strict):
    below: float | None = Field(default=None, description="Upper bound (exclusive); last: none.")
    weights: dict[str, Annotated[float, Field(ge=0)]] = Field(min_length=1)


class BinnedCategoricalColumn(ColumnBase):
    kind: Literal["binned_categorical"]
    by: Identifier
    bins: list[Bin] = Field(min_length=1)
    dtype: ValueType = "string"

    @model_validator(mode="after")
    def _bins_ordered(self) -> BinnedCategoricalColumn:
        bounds = [b.below for b in self.bins]
        if bounds[-1] is not None or any(b is None for b in bounds[:-1]):
            raise ValueError("every bin but the last needs 'below'; the last must not have it")
        finite = [b for b in bounds if b is not None]
        if finite != sorted(set(finite)):
            raise ValueError("bin bounds must be strictly increasing")
        for spec_bin in self.bins:
            if sum(spec_bin.weights.values()) <= 0:
                raise ValueError("weights of a bin must not all be zero")
            check_values_parse(list(spec_bin.weights), self.dtype)
        return self


class BooleanColumn(ColumnBase):
    kind: Literal["boolean"]
    probability: Probability


class VocabularyColumn(ColumnBase):
    kind: Literal["vocabulary"]
    vocabulary: VocabularyName


class GroupedVocabularyColumn(ColumnBase):
    kind: Literal["grouped_vocabulary"]
    vocabulary: GroupedVocabularyName
    group: Identifier = Field(description="Column whose value selects the word group.")


class TemplateColumn(ColumnBase):
    kind: Literal["template"]
    template: str = Field(min_length=1, description="Text with {column} or {column:06d} fields.")
    case: Case = "as_is"

    @model_validator(mode="after")
    def _fields(self) -> TemplateColumn:
        try:
            fields = list(string.Formatter().parse(self.template))
        except ValueError as exc:
            raise ValueError(f"invalid template: {exc}") from None
        for _, name, spec, conversion in fields:
            plain = not conversion and _ZERO_PAD.fullmatch(spec or "")
            if name is not None and (not name or not plain):
                hint = "use {column} or {column:0Nd}"
                raise ValueError(f"template field '{{{name}}}' is not supported: {hint}")
        return self


class MapColumn(ColumnBase):
    kind: Literal["map"]
    source: Identifier
    mapping: dict[str, str | float] = Field(min_length=1)
    dtype: ValueType = "string"

    @model_validator(mode="after")
    def _targets_parse(self) -> MapColumn:
        check_values_parse([str(v) for v in self.mapping.values()], self.dtype)
        return self


class HolidayWeight(Strict):
    holiday: Holiday
    weight: Annotated[float, Field(gt=0)]


class TimestampColumn(ColumnBase):
    kind: Literal["timestamp"]
    start: datetime
    end: datetime
    weekday_weights: list[Annotated[float, Field(gt=0)]] = Field(
        default_factory=lambda: [1.0] * 7, min_length=7, max_length=7
    )
    month_weights: list[Annotated[float, Field(gt=0)]] = Field(
        default_factory=lambda: [1.0] * 12, min_length=12, max_length=12
    )
    hour_weights: list[Annotated[float, Field(gt=0)]] = Field(
        default_factory=lambda: [1.0] * 24, min_length=24, max_length=24
    )
    holidays: list[HolidayWeight] = Field(default_factory=list)
    growth_per_year: Annotated[float, Field(gt=-1.0)] = Field(
        default=0.0,
        description="Continuous growth: any 365 days hold 1 + growth_per_year times the "
        "rows of the 365 before them.",
    )
    not_before: Identifier | None = Field(
        default=None,
        description="Timestamp column this one must follow. A parent's column looked up "
        "through a foreign key is followed by picking the parent, so this column keeps "
        "its window's distribution.",
    )

    @model_validator(mode="after")
    def _window(self) -> TimestampColumn:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class ExpressionColumn(ColumnBase):
    kind: Literal["expression"]
    expression: str = Field(min_length=1)
    dtype: Literal["int", "float", "bool", "timestamp"] = "float"


class UniformSkew(Strict):
    type: Literal["uniform"]


class ZipfSkew(Strict):
    type: Literal["zipf"]
    exponent: Annotated[float, Field(gt=0)] = 1.0


class CoverSkew(Strict):
    """Every eligible parent gets at least one child; children of a parent are adjacent."""

    type: Literal["cover"]


Skew = Annotated[UniformSkew | ZipfSkew | CoverSkew, Field(discriminator="type")]


class ParentFilter(Strict):
    column: Identifier
    equals: str | bool | int | float


class ForeignKeyColumn(ColumnBase):
    kind: Literal["foreign_key"]
    references: Identifier
    skew: Skew = Field(default_factory=lambda: UniformSkew(type="uniform"))
    where: ParentFilter | None = None


class LookupColumn(ColumnBase):
    kind: Literal["lookup"]
    via: Identifier = Field(description="A foreign_key column of this table.")
    column: Identifier = Field(description="The column of the referenced table to copy.")


Column = Annotated[
    SequenceColumn
    | NumberColumn
    | CategoricalColumn
    | BinnedCategoricalColumn
    | BooleanColumn
    | VocabularyColumn
    | GroupedVocabularyColumn
    | TemplateColumn
    | MapColumn
    | TimestampColumn
    | ExpressionColumn
    | ForeignKeyColumn
    | LookupColumn,
    Field(discriminator="kind"),
]
