"""The new value an UPDATE of a change feed gives its column, by change kind, vectorized.

Each value is a pure function of (seed, feed, change, day, entity row) and of the row's
original (clean) values: a reprice scales the original price, a move picks a city of the
row's country. Values have the Arrow type of the column as the table writes it.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from retail_lakehouse.generate import distributions as dist
from retail_lakehouse.generate.hashing import I64, Stream
from retail_lakehouse.generate.segments import EntityRows
from retail_lakehouse.generate.spec.arrivals import (
    Change,
    ChooseChange,
    RewordChange,
    ScaleChange,
    SetChange,
)
from retail_lakehouse.generate.spec.columns import GroupedVocabularyColumn, VocabularyColumn
from retail_lakehouse.generate.values import plain_arrow, round_decimal
from retail_lakehouse.generate.vocabulary import load_grouped_words, load_words


def change_values(
    change: Change, entity: EntityRows, rows: I64, batch: int, stream: Stream
) -> pa.Array:
    """The value ``change`` gives its column at entity ``rows`` (ascending, distinct) on
    day ``batch``."""
    original = plain_arrow(entity.values(rows, change.column, batch))
    match change:
        case ChooseChange():
            choices = list(change.weights)
            weights = np.array([change.weights[c] for c in choices], dtype=np.float64)
            picks = dist.weighted_choice(stream, rows, weights)
            return pa.array(choices, pa.string()).take(pa.array(picks)).cast(original.type)
        case RewordChange():
            return _reword(entity, rows, batch, change.column, stream).cast(original.type)
        case ScaleChange():
            factor = change.low + (change.high - change.low) * stream.uniform(rows)
            scaled = original.to_numpy(zero_copy_only=False).astype(np.float64) * factor
            if change.round is not None:
                scaled = round_decimal(scaled, change.round)
            if pa.types.is_integer(original.type):
                return pa.array(np.rint(scaled).astype(np.int64)).cast(original.type)
            return pa.array(scaled, pa.float64()).cast(original.type)
        case SetChange():
            return pa.array([change.value] * rows.size).cast(original.type)


def _reword(entity: EntityRows, rows: I64, batch: int, name: str, stream: Stream) -> pa.Array:
    spec = entity.plans(0).table(entity.table).column_map()[name]
    if isinstance(spec, VocabularyColumn):
        words = load_words(spec.vocabulary)
        return words.take(pa.array(_index(stream, rows, len(words))))
    assert isinstance(spec, GroupedVocabularyColumn)
    vocabulary = load_grouped_words(spec.vocabulary)
    group = entity.values(rows, spec.group, batch)
    keys = vocabulary.key_index(group.text())
    offsets = _index(stream, rows, vocabulary.counts[keys])
    return vocabulary.words.take(pa.array(vocabulary.starts[keys] + offsets))


def _index(stream: Stream, rows: I64, sizes: I64 | int) -> I64:
    picks = (stream.uniform(rows) * sizes).astype(np.int64)
    bounded: I64 = np.minimum(picks, np.asarray(sizes) - 1)
    return bounded
