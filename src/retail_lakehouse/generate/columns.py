"""One vectorized builder per column kind: (context, column spec) -> values for the rows.

Every builder draws from a stream named after its table and column, so a column's values
do not change when other tables or columns are added, removed or reordered. A foreign key
whose parent must precede a timestamp of the row also reads that timestamp's own draw
(``generate.timely_parents``).
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from retail_lakehouse.generate import distributions as dist
from retail_lakehouse.generate.calendar import build_calendar, sample_timestamps
from retail_lakehouse.generate.expressions import evaluate, referenced_columns
from retail_lakehouse.generate.foreign_keys import cover_assignment, skewed_ranks
from retail_lakehouse.generate.hashing import F64, I64, Stream
from retail_lakehouse.generate.parents import distinct_rows
from retail_lakehouse.generate.spec.columns import (
    BinnedCategoricalColumn,
    BooleanColumn,
    CategoricalColumn,
    Column,
    CoverSkew,
    ExpressionColumn,
    ForeignKeyColumn,
    GroupedVocabularyColumn,
    LookupColumn,
    MapColumn,
    NumberColumn,
    SequenceColumn,
    TemplateColumn,
    TimestampColumn,
    ValueType,
    VocabularyColumn,
)
from retail_lakehouse.generate.spec.defects import OrphanReference, ViolateFilter
from retail_lakehouse.generate.timely_parents import timely_parents
from retail_lakehouse.generate.values import Value, categorical, numeric_value, round_decimal
from retail_lakehouse.generate.vocabulary import load_grouped_words, load_words

if TYPE_CHECKING:
    from retail_lakehouse.generate.context import TableContext


def build_column(ctx: TableContext, column: Column) -> Value:
    builder: Callable[[TableContext, Any], Value] = _BUILDERS[type(column)]
    return builder(ctx, column)


def _sequence(ctx: TableContext, column: SequenceColumn) -> Value:
    return Value(column.start + ctx.rows * column.step, None, "int")


def _draw(stream: Stream, rows: I64, column: NumberColumn) -> F64:
    d = column.distribution
    match d.type:
        case "uniform":
            return dist.uniform(stream, rows, d.low, d.high)
        case "normal":
            return dist.normal(stream, rows, d.mean, d.std)
        case "lognormal":
            return dist.lognormal(stream, rows, d.mu, d.sigma)
        case "gamma":
            return dist.gamma(stream, rows, d.shape, d.scale)
        case "beta":
            return dist.beta(stream, rows, d.alpha, d.beta)
        case "exponential":
            return dist.exponential(stream, rows, d.scale)
        case "pareto":
            return dist.pareto(stream, rows, d.alpha, d.scale)
        case "zipf":
            return (dist.zipf_rank(stream, rows, d.n, d.exponent) + 1).astype(np.float64)


def _number(ctx: TableContext, column: NumberColumn) -> Value:
    values = _draw(ctx.stream(column.name), ctx.rows, column)
    if column.min is not None or column.max is not None:
        values = np.clip(values, column.min, column.max)
    if column.round is not None:
        values = round_decimal(values, column.round)
    return numeric_value(values, column.dtype)


def _typed_choices(keys: list[str], dtype: ValueType) -> Any:
    match dtype:
        case "string":
            return pa.array(keys, pa.string())
        case "int":
            return np.array([int(float(k)) for k in keys], dtype=np.int64)
        case "float":
            return np.array([float(k) for k in keys], dtype=np.float64)
        case "bool":
            return np.array([k.strip().lower() in ("true", "1", "yes") for k in keys])


def _pick(choices: Any, index: I64, dtype: ValueType) -> Value:
    if isinstance(choices, pa.Array):
        return Value(categorical(index, choices), None, "string")
    return Value(choices[index], None, dtype)


def _categorical(ctx: TableContext, column: CategoricalColumn) -> Value:
    keys = list(column.weights)
    weights = np.array([column.weights[k] for k in keys], dtype=np.float64)
    index = dist.weighted_choice(ctx.stream(column.name), ctx.rows, weights)
    return _pick(_typed_choices(keys, column.dtype), index, column.dtype)


def _binned_categorical(ctx: TableContext, column: BinnedCategoricalColumn) -> Value:
    keys = sorted({k for b in column.bins for k in b.weights})
    source = ctx.get(column.by)
    bounds = np.array([b.below for b in column.bins[:-1]], dtype=np.float64)
    bins = np.searchsorted(bounds, source.numpy().astype(np.float64), side="right")
    uniforms = ctx.stream(column.name).uniform(ctx.rows)
    index = np.zeros(ctx.rows.size, dtype=np.int64)
    for number, spec_bin in enumerate(column.bins):
        weights = np.array([spec_bin.weights.get(k, 0.0) for k in keys])
        cumulative = np.cumsum(weights / weights.sum())
        in_bin = bins == number
        picks = np.searchsorted(cumulative, uniforms[in_bin], side="right")
        index[in_bin] = np.minimum(picks, len(keys) - 1)
    return _pick(_typed_choices(keys, column.dtype), index, column.dtype).with_nulls(source.nulls)


def _boolean(ctx: TableContext, column: BooleanColumn) -> Value:
    return Value(ctx.stream(column.name).uniform(ctx.rows) < column.probability, None, "bool")


def _uniform_index(stream: Stream, rows: I64, sizes: I64 | int) -> I64:
    index = (stream.uniform(rows) * sizes).astype(np.int64)
    bounded: I64 = np.minimum(index, np.asarray(sizes) - 1)
    return bounded


def _vocabulary(ctx: TableContext, column: VocabularyColumn) -> Value:
    words = load_words(column.vocabulary)
    index = _uniform_index(ctx.stream(column.name), ctx.rows, len(words))
    return Value(words.take(pa.array(index)), None, "string")


def _grouped_vocabulary(ctx: TableContext, column: GroupedVocabularyColumn) -> Value:
    vocab = load_grouped_words(column.vocabulary)
    group = ctx.get(column.group)
    keys = vocab.key_index(group.text())
    offsets = _uniform_index(ctx.stream(column.name), ctx.rows, vocab.counts[keys])
    words = vocab.words.take(pa.array(vocab.starts[keys] + offsets))
    return Value(words, group.nulls, "string")


def _as_text(value: Value, spec: str) -> pa.Array:
    if value.type == "string":
        text = value.text()
    elif value.type in ("int", "bool"):
        text = pc.cast(pa.array(value.data), pa.string())
    else:
        text = value.to_arrow().cast(pa.string())
    if spec:  # "0Nd", the only format the spec admits: zero-padded to N characters
        text = pc.utf8_lpad(text, width=int(spec[1:-1]), padding="0")
    if value.nulls is not None and value.type != "string":
        text = pc.if_else(pa.array(value.nulls), pa.scalar(None, pa.string()), text)
    return text


def _template(ctx: TableContext, column: TemplateColumn) -> Value:
    parts: list[Any] = []
    for literal, name, spec, _ in string.Formatter().parse(column.template):
        if literal:
            parts.append(pa.scalar(literal))
        if name is not None:
            parts.append(_as_text(ctx.get(name), spec or ""))
    text = pc.binary_join_element_wise(*parts, "")
    if column.case == "lower":
        text = pc.utf8_lower(text)
    elif column.case == "upper":
        text = pc.utf8_upper(text)
    return Value(text, None, "string")


def _map(ctx: TableContext, column: MapColumn) -> Value:
    source = ctx.get(column.source)
    keys = list(column.mapping)
    text = source.text() if isinstance(source.data, pa.Array) else _as_text(source, "")
    position = pc.index_in(text, value_set=pa.array(keys))
    index = np.asarray(pc.fill_null(position, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    targets = [str(column.mapping[k]) for k in keys]
    value = _pick(_typed_choices(targets, column.dtype), np.maximum(index, 0), column.dtype)
    return value.with_nulls(index < 0)


def _timestamp(ctx: TableContext, column: TimestampColumn) -> Value:
    """The free draw (``timely_parents.free_moments``), moved after ``not_before`` where it
    does not follow it."""
    calendar = build_calendar(column)
    uniforms = ctx.stream(column.name).uniform(ctx.rows)
    bound = ctx.get(column.not_before) if column.not_before else None
    moments = sample_timestamps(
        calendar,
        uniforms,
        None if bound is None else bound.numpy().astype(np.int64),
        None if bound is None else bound.nulls,
    )
    return Value(moments, None, "timestamp")


def _expression(ctx: TableContext, column: ExpressionColumn) -> Value:
    inputs = {name: ctx.get(name) for name in referenced_columns(column.expression)}
    result = evaluate(column.expression, inputs, ctx.rows.size, ctx.plan.spec.reference_micros())
    typed = numeric_value(np.asarray(result.data), column.dtype)
    return Value(typed.data, result.nulls, typed.type)


def _foreign_key(ctx: TableContext, column: ForeignKeyColumn) -> Value:
    parent = ctx.parent_view(column)
    stream = ctx.stream(column.name)
    eligible = parent.eligible(column.where, True)
    if isinstance(column.skew, CoverSkew) and ctx.cover_ranks is not None:
        ranks = ctx.cover_ranks
    elif isinstance(column.skew, CoverSkew):
        n_children = ctx.plan.rows[ctx.table.name]
        ranks = cover_assignment(stream, ctx.rows, n_children, eligible.size).parent_ranks
    else:
        ranks = skewed_ranks(stream, ctx.rows, eligible.size, column.skew)
    parent_rows = eligible.take(ranks)
    if not isinstance(column.skew, CoverSkew):  # a cover key's parent is fixed by its row
        parent_rows = timely_parents(ctx, column, parent, eligible, parent_rows)
    violate = ctx.rows_with_defect(column.name, ViolateFilter)
    if violate is not None:
        failing = parent.eligible(column.where, False)
        picks = _uniform_index(stream.child("violate"), ctx.rows[violate], failing.size)
        parent_rows = parent_rows.copy()
        parent_rows[violate] = failing.take(picks)
    ctx.parent_rows[column.name] = parent_rows
    keys = parent.keys(parent_rows)
    orphan = ctx.rows_with_defect(column.name, OrphanReference)
    if orphan is not None:
        keys = np.where(orphan, parent.orphan_keys(ctx.rows, stream.child("orphan")), keys)
    return Value(keys, None, "int")


def _lookup(ctx: TableContext, column: LookupColumn) -> Value:
    via = ctx.columns[column.via]
    assert isinstance(via, ForeignKeyColumn)
    ctx.get(column.via)
    parent = ctx.parent_view(via)
    unique, inverse = distinct_rows(ctx.parent_rows[column.via], parent.size)
    return parent.values(unique, column.column).take(inverse)


_BUILDERS: dict[type, Callable[[TableContext, Any], Value]] = {
    SequenceColumn: _sequence,
    NumberColumn: _number,
    CategoricalColumn: _categorical,
    BinnedCategoricalColumn: _binned_categorical,
    BooleanColumn: _boolean,
    VocabularyColumn: _vocabulary,
    GroupedVocabularyColumn: _grouped_vocabulary,
    TemplateColumn: _template,
    MapColumn: _map,
    TimestampColumn: _timestamp,
    ExpressionColumn: _expression,
    ForeignKeyColumn: _foreign_key,
    LookupColumn: _lookup,
}
