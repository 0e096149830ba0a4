"""Row numbers by a stable sort of their keys in numpy: the fast path of ``duckdb_row_numbers``.

For keys numpy orders exactly as SQL does (integers, booleans, dates, times, timestamps
and durations, with NULLs placed first or last as asked), one stable sort of the
partition keys then the order keys lines each partition's rows up in order, tied rows in
the order they came; numbering runs of equal partition keys then gives what DuckDB's
``row_number() OVER (PARTITION BY .. ORDER BY .., position)`` gives. Strings, decimals,
floating point and dictionaries (an ENUM sorts by its members, not its text) are left to
DuckDB.

numpy's merge sort is close to linear on keys that arrive nearly in order, as generated
landing files (written in key order) and most incremental ingestion do: on one core it
beats DuckDB's window on two. On shuffled keys that edge is gone, so
:meth:`SortKeys.nearly_sorted` says which to use (measured in ``benchmarks/README.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# at least this share of neighbouring rows in order on the leading key: between the share
# where numpy's sort matches DuckDB's window and where it takes half as long (see
# benchmarks/README.md)
NEARLY_SORTED = 0.9
_AS_INTEGERS: dict[int, pa.DataType] = {32: pa.int32(), 64: pa.int64()}  # by bit width


@dataclass(frozen=True)
class SortKey:
    """One ORDER BY key of a window: its column, direction and place of NULLs."""

    name: str
    descending: bool = False
    nulls_first: bool = False


@dataclass(frozen=True)
class SortKeys:
    """A window's keys as numpy arrays, most significant first: per key a NULL flag (when
    it has NULLs) and its values, arranged so that ascending order is the SQL order."""

    partition: tuple[np.ndarray, ...]
    order: tuple[np.ndarray, ...]
    rows: int

    def nearly_sorted(self) -> bool:
        """Whether the rows arrive nearly in the order of the leading key."""
        arrays = self.partition + self.order
        if not arrays or self.rows < 2:
            return True
        leading = arrays[1] if len(arrays) > 1 and _is_flag(arrays[0]) else arrays[0]
        in_order = np.count_nonzero(leading[1:] >= leading[:-1])
        return bool(in_order >= NEARLY_SORTED * (self.rows - 1))

    def row_numbers(self) -> np.ndarray:
        """Each row's number (from 1) within its partition, in the rows' own order."""
        arrays = self.partition + self.order
        # np.lexsort sorts by its last key first, and is stable
        index = np.lexsort(arrays[::-1]) if arrays else np.arange(self.rows)
        starts = np.zeros(self.rows, dtype=bool)
        starts[:1] = True
        for values in self.partition:
            ordered = values[index]
            starts[1:] |= ordered[1:] != ordered[:-1]
        positions = np.arange(self.rows, dtype=np.int64)
        first = np.maximum.accumulate(np.where(starts, positions, 0))
        numbers = np.empty(self.rows, dtype=np.int64)
        numbers[index] = positions - first + 1
        return numbers


def sort_keys(
    keys: pa.Table, partition: Sequence[str], order: Sequence[SortKey]
) -> SortKeys | None:
    """The window's keys for numpy, or None when one has a type numpy does not order as
    SQL does."""
    columns = [keys[name] for name in partition] + [keys[key.name] for key in order]
    if not all(_orders_as_sql(column.type) for column in columns):
        return None
    by_partition = [a for name in partition for a in _key_arrays(keys[name], SortKey(name))]
    by_order = [a for key in order for a in _key_arrays(keys[key.name], key)]
    return SortKeys(tuple(by_partition), tuple(by_order), keys.num_rows)


def _orders_as_sql(data_type: pa.DataType) -> bool:
    if pa.types.is_integer(data_type) or pa.types.is_boolean(data_type):
        return True
    temporal = pa.types.is_temporal(data_type) and not pa.types.is_interval(data_type)
    return temporal and data_type.bit_width in _AS_INTEGERS


def _key_arrays(column: pa.ChunkedArray, key: SortKey) -> list[np.ndarray]:
    """[NULL flag,] values: NULLs get 0 (their flag sorts them), descending keys are
    bit-inverted (``~x`` reverses the order of every integer, with no overflow)."""
    values = _as_integers(column)
    arrays = []
    if column.null_count:
        nulls = pc.is_null(column) if not key.nulls_first else pc.is_valid(column)
        arrays.append(np.asarray(nulls.to_numpy(), dtype=np.bool_))
        values = pc.fill_null(values, 0)
    numbers = np.asarray(values.to_numpy())
    arrays.append(np.invert(numbers) if key.descending else numbers)
    return arrays


def _as_integers(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_boolean(column.type):
        return column.cast(pa.uint8())
    if pa.types.is_temporal(column.type):
        return column.cast(_AS_INTEGERS[column.type.bit_width])
    return column


def _is_flag(array: np.ndarray) -> bool:
    return array.dtype == np.bool_
