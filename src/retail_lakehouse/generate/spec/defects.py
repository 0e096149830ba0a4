"""Defect kinds a table spec can inject on purpose, so a pipeline has something to catch.

Each defect has a unique ``name`` (the key in the ground-truth manifest) and a ``rate``: the
probability that a row carries it. A row carries at most one defect.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from retail_lakehouse.generate.spec.columns import Identifier, Probability, Strict


class DefectBase(Strict):
    name: Identifier
    rate: Probability


class DuplicateRow(DefectBase):
    """The row repeats the previous (clean) row whole, primary key included."""

    kind: Literal["duplicate_row"]


class NullValue(DefectBase):
    kind: Literal["null_value"]
    column: Identifier


class ReplaceText(DefectBase):
    """Replace ``old`` by ``new`` in a string column (``new`` may be empty)."""

    kind: Literal["replace_text"]
    column: Identifier
    old: str = Field(min_length=1)
    new: str = ""


class NonPositive(DefectBase):
    """A numeric column becomes zero or the negative of its value."""

    kind: Literal["non_positive"]
    column: Identifier


class OrphanReference(DefectBase):
    """A foreign key points at a key that no row of the parent table has."""

    kind: Literal["orphan_reference"]
    column: Identifier


class ViolateFilter(DefectBase):
    """A filtered foreign key points at an existing clean parent that fails its ``where``."""

    kind: Literal["violate_filter"]
    column: Identifier


class BeforeReference(DefectBase):
    """A timestamp column is set 1 minute to 48 hours before another timestamp column."""

    kind: Literal["before_reference"]
    column: Identifier
    reference: Identifier


Defect = Annotated[
    DuplicateRow
    | NullValue
    | ReplaceText
    | NonPositive
    | OrphanReference
    | ViolateFilter
    | BeforeReference,
    Field(discriminator="kind"),
]
