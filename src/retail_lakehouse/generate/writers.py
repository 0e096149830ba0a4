"""Writing generated blocks of rows into part files of the landing zone.

This module owns the on-disk layout of one landed table: numbered part files
(``part-00000.parquet``, ...) in one of three formats, and the parts of appended days
(``part-batch-00001-00000.parquet``), which sort after them. Workers write the parts of a
table concurrently into its folder of the staged landing zone (``generate.landing``
publishes the whole zone at once).

Every writer is a pure function of the table's contents, so writing the same table
twice yields byte-identical files in all three formats.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from retail_lakehouse.common.parquet import is_delta_encoded
from retail_lakehouse.generate.defaults import OutputFormat

FILE_EXTENSIONS: dict[OutputFormat, str] = {"parquet": ".parquet", "jsonl": ".jsonl", "csv": ".csv"}

# Snappy ties LZ4 for the fastest compressed write, is read by every Parquet engine
# (LZ4_RAW needs Spark >= 3.4), and writes faster than zstd, whose files are smaller.
# Encoding, not compression, dominates the write time (measured in benchmarks/README.md).
PARQUET_COMPRESSION = "snappy"

# JSON-Lines are built per record batch of at most this many rows, which keeps the
# joined text of one batch far below the 2 GiB limit of a 32-bit-offset string array.
JSONL_BATCH_ROWS = 65_536

_TEXT_TYPES = (pa.types.is_string, pa.types.is_large_string, pa.types.is_string_view)
# Types whose Arrow string cast is already valid JSON: 42, true, 19.99 (decimal), null.
_LITERAL_TYPES = (pa.types.is_integer, pa.types.is_boolean, pa.types.is_decimal, pa.types.is_null)
_SHORT_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_CONTROL_ESCAPES = {
    chr(code): _SHORT_ESCAPES.get(chr(code), f"\\u{code:04x}") for code in range(0x20)
}

# Epoch seconds of 0001-01-01 and 10000-01-01: inside this range Arrow renders a timestamp
# as "YYYY-MM-DD HH:MM:SS[.f]", so the date/time separator is always byte 10.
_FOUR_DIGIT_YEARS_SECONDS = (-62_135_596_800, 253_402_300_800)
_UNITS_PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}


@dataclass(frozen=True)
class WrittenFile:
    """One part file on disk: where it is, how many rows and bytes it holds."""

    path: Path
    rows: int
    bytes: int


def part_file_name(part: int, fmt: OutputFormat) -> str:
    """The file name of part number ``part``, e.g. ``part-00000.parquet``."""
    if part < 0:
        raise ValueError(f"part number must be >= 0, got {part}")
    if fmt not in get_args(OutputFormat):
        raise ValueError(f"unknown output format {fmt!r}; expected one of {get_args(OutputFormat)}")
    return f"part-{part:05d}{FILE_EXTENSIONS[fmt]}"


def batch_file_name(batch: int, part: int, fmt: OutputFormat) -> str:
    """The file name of part ``part`` of appended batch ``batch``, e.g.
    ``part-batch-00001-00000.parquet``: after every part of the generation (``part-0...``)
    and every earlier batch, in name order."""
    if batch < 1:
        raise ValueError(f"batch number must be >= 1, got {batch}")
    return part_file_name(part, fmt).replace("part-", f"part-batch-{batch:05d}-", 1)


def write_file(table: pa.Table, path: Path, fmt: OutputFormat) -> WrittenFile:
    """Write ``table`` to ``path`` in format ``fmt``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _WRITERS[fmt](table, path)
    return WrittenFile(path=path, rows=table.num_rows, bytes=path.stat().st_size)


def write_part(table: pa.Table, directory: Path, part: int, fmt: OutputFormat) -> WrittenFile:
    """Write ``table`` as part number ``part`` in format ``fmt`` into ``directory``.

    Safe to call concurrently for different parts of the same directory.
    """
    path = directory / part_file_name(part, fmt)
    directory.mkdir(parents=True, exist_ok=True)
    _WRITERS[fmt](table, path)
    return WrittenFile(path=path, rows=table.num_rows, bytes=path.stat().st_size)


# --- parquet ---------------------------------------------------------------------------


def _text_columns(table: pa.Table) -> list[str]:
    """Columns worth dictionary-encoding: text. Trying it on high-cardinality numbers and
    timestamps costs write time and finds few repeats (measured in benchmarks/README.md)."""
    return [
        field.name
        for field in table.schema
        if pa.types.is_string(field.type)
        or pa.types.is_large_string(field.type)
        or pa.types.is_dictionary(field.type)
    ]


def _delta_encoded_columns(table: pa.Table) -> dict[str, str]:
    return {
        field.name: "DELTA_BINARY_PACKED" for field in table.schema if is_delta_encoded(field.type)
    }


def _write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(
        table,
        path,
        compression=PARQUET_COMPRESSION,
        use_dictionary=_text_columns(table),
        column_encoding=_delta_encoded_columns(table),
        row_group_size=max(table.num_rows, 1),
    )


# --- csv -------------------------------------------------------------------------------


def _write_csv(table: pa.Table, path: Path) -> None:
    columns = [
        _iso_timestamps(column) if pa.types.is_timestamp(column.type) else column
        for column in table.columns
    ]
    pa_csv.write_csv(pa.table(columns, names=table.column_names), str(path))


def _iso_timestamps(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """ISO-8601 text such as ``2025-03-01T12:34:56.123456Z`` (tz-aware values shown in UTC)."""
    text, suffix = _iso_timestamp_parts(values)
    return pc.binary_join_element_wise(text, suffix, "") if suffix else text


def _iso_timestamp_parts(values: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, str]:
    """The ISO text of timestamps without its zone suffix, and that suffix ("Z" or "").

    Tz-aware values are stored as UTC instants, so relabelling them as naive keeps the UTC
    wall-clock time and avoids Arrow's much slower time-zone-aware formatting.
    """
    unit, suffix = values.type.unit, "" if values.type.tz is None else "Z"
    naive = values.cast(pa.timestamp(unit))
    text = naive.cast(pa.string())
    if _has_four_digit_years(naive, unit):
        return pc.binary_replace_slice(text, 10, 11, "T"), suffix
    return pc.replace_substring(text, " ", "T", max_replacements=1), suffix


def _has_four_digit_years(naive: pa.Array | pa.ChunkedArray, unit: str) -> bool:
    low, high = pc.min_max(naive.cast(pa.int64())).values()
    if low.as_py() is None:
        return True
    per_second = _UNITS_PER_SECOND[unit]
    first, stop = _FOUR_DIGIT_YEARS_SECONDS
    return bool(first * per_second <= low.as_py() and high.as_py() < stop * per_second)


# --- jsonl -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _JsonText:
    """JSON text of a column's values as ``prefix + text + suffix``; null ``text`` is null."""

    text: pa.Array
    prefix: str = ""
    suffix: str = ""


def _write_jsonl(table: pa.Table, path: Path) -> None:
    with path.open("wb") as out:
        if table.num_columns == 0:
            out.write(b"{}\n" * table.num_rows)
            return
        for batch in table.to_batches(max_chunksize=JSONL_BATCH_ROWS):
            out.write(_string_bytes(_json_lines(batch)).data)


def _json_lines(batch: pa.RecordBatch) -> pa.Array:
    """One ``{...}\\n`` string per row, keys in column order.

    Literal text between values (keys, quotes, commas) is merged into single scalar pieces,
    since the cost of ``binary_join_element_wise`` grows with the number of pieces.
    """
    pieces: list[str | pa.Array] = []
    literal = "{"
    for index, (name, column) in enumerate(zip(batch.schema.names, batch.columns, strict=True)):
        literal += ("," if index else "") + json.dumps(name, ensure_ascii=False) + ":"
        value = _json_text(column)
        if value.text.null_count == 0:
            pieces += [literal + value.prefix, value.text]
            literal = value.suffix
        else:
            pieces += [literal, _json_text_or_null(value)]
            literal = ""
    pieces.append(literal + "}\n")
    return pc.binary_join_element_wise(*pieces, "")


def _json_text_or_null(value: _JsonText) -> pa.Array:
    text = value.text
    if value.prefix or value.suffix:
        text = pc.binary_join_element_wise(value.prefix, text, value.suffix, "")
    return pc.fill_null(text, "null")


def _json_text(values: pa.Array) -> _JsonText:
    """Encode one column; all returned text is of type ``string``."""
    data_type = values.type
    if pa.types.is_dictionary(data_type):
        return _json_text(values.dictionary_decode())
    if any(is_type(data_type) for is_type in _TEXT_TYPES):
        return _JsonText(_json_escaped(values.cast(pa.string())), '"', '"')
    if pa.types.is_timestamp(data_type):
        text, zone = _iso_timestamp_parts(values)
        return _JsonText(text, '"', zone + '"')
    if pa.types.is_date(data_type):
        return _JsonText(values.cast(pa.string()), '"', '"')
    if pa.types.is_float16(data_type):
        return _JsonText(_json_finite_numbers(values.cast(pa.float32())))
    if pa.types.is_floating(data_type):
        return _JsonText(_json_finite_numbers(values))
    if any(is_type(data_type) for is_type in _LITERAL_TYPES):
        return _JsonText(values.cast(pa.string()))
    raise TypeError(f"cannot write a column of type {data_type} as JSON Lines")


def _json_finite_numbers(values: pa.Array) -> pa.Array:
    """Shortest round-trip text (``0.1``, ``1e+20``, ``-0.0``); NaN and infinities become null.

    Arrow renders whole floats as ``1`` and ``-0``; those get a ``.0`` so JSON readers keep
    them floating point (and -0.0 keeps its sign).
    """
    text = values.cast(pa.string())
    finite = pc.is_finite(values)
    if pc.all(finite).as_py() is False:
        text = pc.if_else(finite, text, None)
    whole = pc.equal(pc.floor(values), values)
    if pc.any(whole).as_py():
        whole = pc.and_(whole, pc.invert(pc.match_substring(text, "e")))
        text = pc.binary_join_element_wise(text, pc.if_else(whole, ".0", ""), "")
    return text


def _json_escaped(strings: pa.Array) -> pa.Array:
    """Escape backslashes, quotes and U+0000..U+001F, skipping passes that change nothing.

    UTF-8 never uses bytes below 0x80 inside multi-byte characters, so scanning raw bytes
    finds exactly the characters that need escaping.
    """
    raw = _string_bytes(strings)
    if (raw == ord("\\")).any():
        strings = pc.replace_substring(strings, "\\", "\\\\")
    if (raw == ord('"')).any():
        strings = pc.replace_substring(strings, '"', '\\"')
    if (raw < 0x20).any():
        for char in np.unique(raw[raw < 0x20]).tobytes().decode("ascii"):
            strings = pc.replace_substring(strings, char, _CONTROL_ESCAPES[char])
    return strings


def _string_bytes(strings: pa.Array) -> npt.NDArray[np.uint8]:
    """The concatenated UTF-8 bytes of a string array's slots, without copying."""
    _, offsets_buffer, data_buffer = strings.buffers()
    if data_buffer is None or len(strings) == 0:
        return np.empty(0, dtype=np.uint8)
    offsets = np.frombuffer(
        offsets_buffer, dtype=np.int32, count=len(strings) + 1, offset=strings.offset * 4
    )
    return np.frombuffer(data_buffer, dtype=np.uint8)[int(offsets[0]) : int(offsets[-1])]


_WRITERS: dict[OutputFormat, Callable[[pa.Table, Path], None]] = {
    "parquet": _write_parquet,
    "jsonl": _write_jsonl,
    "csv": _write_csv,
}
