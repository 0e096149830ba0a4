"""Checks that incoming Arrow data fits an existing Delta table's schema before delta-rs writes it.

delta-rs casts incoming columns to the table's types *unsafely*: a string column appended to
an ``int64`` column is parsed (``"7"`` becomes ``7``), a float appended to a ``decimal(12,2)``
column is rounded, an ``int64`` appended to a timestamp column becomes microseconds since the
epoch, and a real mismatch fails with a Rust cast error that does not name the column. This
module accepts only lossless widenings and reports the first offending column by name.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa

_SIZE_FREE_TYPES: dict[str, Callable[[], pa.DataType]] = {
    "large_string": pa.string,
    "string_view": pa.string,
    "large_binary": pa.binary,
    "binary_view": pa.binary,
    "date64": pa.date32,
}


def storage_type(data_type: pa.DataType) -> pa.DataType:
    """The type a Delta table stores for an Arrow type (Delta has no dictionary, no large types,
    one timestamp unit and one time zone)."""
    if pa.types.is_dictionary(data_type):
        return storage_type(data_type.value_type)
    if str(data_type) in _SIZE_FREE_TYPES:
        return _SIZE_FREE_TYPES[str(data_type)]()
    if pa.types.is_timestamp(data_type):
        return pa.timestamp("us", tz="UTC" if data_type.tz is not None else None)
    if pa.types.is_list(data_type) or pa.types.is_large_list(data_type):
        return pa.list_(storage_type(data_type.value_type))
    if pa.types.is_map(data_type):
        return pa.map_(storage_type(data_type.key_type), storage_type(data_type.item_type))
    if pa.types.is_struct(data_type):
        return pa.struct(
            [pa.field(field.name, storage_type(field.type)) for field in data_type.fields]
        )
    return data_type


def _widens_integer(incoming: pa.DataType, stored: pa.DataType) -> bool:
    if not pa.types.is_signed_integer(stored):
        return False
    if pa.types.is_signed_integer(incoming):
        return bool(incoming.bit_width <= stored.bit_width)
    return bool(pa.types.is_unsigned_integer(incoming) and incoming.bit_width < stored.bit_width)


def _widens_float(incoming: pa.DataType, stored: pa.DataType) -> bool:
    return bool(
        pa.types.is_floating(incoming)
        and pa.types.is_floating(stored)
        and incoming.bit_width <= stored.bit_width
    )


def _widens_decimal(incoming: pa.DataType, stored: pa.DataType) -> bool:
    return bool(
        pa.types.is_decimal(incoming)
        and pa.types.is_decimal(stored)
        and incoming.scale == stored.scale
        and incoming.precision <= stored.precision
    )


def fits(incoming: pa.DataType, stored: pa.DataType) -> bool:
    """Whether values of ``incoming`` type can be stored in a column of ``stored`` type losslessly.

    An all-null (``null`` typed) column fits anything. Nested types must match exactly after
    :func:`storage_type` normalisation.
    """
    normalized = storage_type(incoming)
    stored = storage_type(stored)
    return (
        normalized.equals(stored)
        or pa.types.is_null(normalized)
        or _widens_integer(normalized, stored)
        or _widens_float(normalized, stored)
        or _widens_decimal(normalized, stored)
    )


def _names(names: list[str]) -> str:
    return ", ".join(repr(name) for name in names)


def schema_problem(incoming: pa.Schema, stored: pa.Schema, remedy: str) -> str | None:
    """Describe, in one line, why ``incoming`` data cannot be written into a ``stored`` table.

    Returns ``None`` when every table column is present with a fitting type and there are no
    extra columns; ``remedy`` is appended to column-set differences (e.g. which ``schema_mode``
    would allow them).
    """
    missing = [name for name in stored.names if name not in incoming.names]
    extra = [name for name in incoming.names if name not in stored.names]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"the data lacks column(s) {_names(missing)}")
        if extra:
            parts.append(f"the table has no column(s) {_names(extra)}")
        return f"schema mismatch: {'; '.join(parts)} ({remedy})"
    for field in incoming:
        stored_type = stored.field(field.name).type
        if not fits(field.type, stored_type):
            return (
                f"schema mismatch: column {field.name!r} has type {field.type} "
                f"but the table stores {stored_type}"
            )
    return None
