"""Column values in flight: an array (numpy, or pyarrow for text), its nulls and its type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

Array = npt.NDArray[Any]
Mask = npt.NDArray[np.bool_]
LogicalType = Literal["int", "float", "bool", "string", "timestamp"]

ARROW_TYPES: dict[LogicalType, pa.DataType] = {
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "string": pa.string(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}


@dataclass(frozen=True)
class Value:
    """Values of one column for a set of rows.

    ``data`` is a numpy array for numbers, booleans and timestamps (int64 microseconds
    since the epoch) and a pyarrow array for text; ``nulls`` marks null rows (None: none).
    """

    data: Any
    nulls: Mask | None = None
    type: LogicalType = "float"

    def numpy(self) -> Array:
        """The data as numpy (text becomes an object array)."""
        if isinstance(self.data, pa.DictionaryArray):
            words = np.asarray(self.data.dictionary.to_numpy(zero_copy_only=False))
            codes = np.asarray(self.data.indices.fill_null(0).to_numpy(), dtype=np.int64)
            decoded: Array = words[codes]
            return decoded
        if isinstance(self.data, pa.Array):
            return np.asarray(self.data.to_numpy(zero_copy_only=False))
        return np.asarray(self.data)

    def text(self) -> pa.Array:
        """Text data as a plain string array (dictionaries decoded)."""
        if isinstance(self.data, pa.DictionaryArray):
            return self.data.dictionary_decode()
        return self.data

    def with_nulls(self, nulls: Mask | None) -> Value:
        if nulls is None or not nulls.any():
            return self
        merged = nulls if self.nulls is None else (self.nulls | nulls)
        return Value(self.data, merged, self.type)

    def take(self, index: npt.NDArray[np.int64]) -> Value:
        nulls = None if self.nulls is None else self.nulls[index]
        if isinstance(self.data, pa.Array):
            return Value(self.data.take(pa.array(index)), nulls, self.type)
        return Value(self.data[index], nulls, self.type)

    def to_arrow(self) -> pa.Array:
        arrow_type = ARROW_TYPES[self.type]
        if isinstance(self.data, pa.DictionaryArray):
            return categorical(self.data.indices, self.data.dictionary, self.nulls)
        if isinstance(self.data, pa.Array):
            data = self.data if self.data.type == arrow_type else self.data.cast(arrow_type)
            if self.nulls is None:
                return data
            return pc.if_else(pa.array(self.nulls), pa.scalar(None, arrow_type), data)
        mask = self.nulls if self.nulls is not None and self.nulls.any() else None
        if self.type == "timestamp":
            ints = pa.array(self.data.astype(np.int64), mask=mask)
            return ints.cast(arrow_type)
        return pa.array(self.data, type=arrow_type, mask=mask)


_ROUNDING_SLACK = 1e-6


def round_decimal(data: Array, places: int) -> Array:
    """Round half away from zero as decimal arithmetic would (SQL ROUND on DECIMAL).

    Binary floats miss ties by an ulp (49.35 * 0.7 is 34.544999...), so a tiny slack, far
    below the rounding step, is added before flooring.
    """
    scale = 10.0**places
    scaled = np.abs(data) * scale
    rounded: Array = np.sign(data) * np.floor(scaled + 0.5 + _ROUNDING_SLACK) / scale
    return rounded


def numeric_value(data: Array, type_: LogicalType) -> Value:
    """Cast computed numbers to the declared type (ints are rounded, not truncated)."""
    if type_ in ("int", "timestamp"):
        return Value(np.rint(data).astype(np.int64), None, type_)
    if type_ == "bool":
        return Value(data.astype(bool), None, type_)
    return Value(data.astype(np.float64), None, type_)


def categorical(codes: Any, words: pa.Array, nulls: Mask | None = None) -> pa.DictionaryArray:
    """Dictionary-encoded text: small ``words`` indexed by ``codes`` (cheap to draw and write)."""
    if isinstance(codes, pa.Array):
        codes = codes.fill_null(0).to_numpy()
    mask = nulls if nulls is not None and nulls.any() else None
    indices = pa.array(np.asarray(codes, dtype=np.int32), mask=mask)
    return pa.DictionaryArray.from_arrays(indices, words)


def decode_dictionaries(table: pa.Table) -> pa.Table:
    """The same table with dictionary-encoded columns as plain strings."""
    columns = [
        c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns
    ]
    return pa.table(columns, names=table.column_names)


def plain_arrow(value: Value) -> pa.Array:
    """A Value as Arrow, dictionaries decoded: the type a feed column has."""
    array = value.to_arrow()
    if pa.types.is_dictionary(array.type):
        return array.cast(array.type.value_type)
    return array
