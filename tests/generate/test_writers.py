from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
import math
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, get_args

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retail_lakehouse.generate import writers
from retail_lakehouse.generate.defaults import OutputFormat
from retail_lakehouse.generate.writers import (
    FILE_EXTENSIONS,
    WrittenFile,
    part_file_name,
    write_part,
)

UTC = dt.UTC
FORMATS: tuple[OutputFormat, ...] = get_args(OutputFormat)
TRICKY_STRINGS = [
    "Zürich",
    'say "hi"',
    "back\\slash \\n not a newline",
    "line\nbreak\ttab\r\x00nul\x1fus\x7fdel",
    "",
    None,
    "emoji 🛒 and \u2028 separator",
    "/slash",
]
TIMESTAMPS = [
    dt.datetime(2025, 3, 1, 12, 34, 56, 123456, tzinfo=UTC),
    dt.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    None,
    dt.datetime(2025, 3, 1, tzinfo=UTC),
    dt.datetime(2024, 2, 29, 0, 0, 0, 1, tzinfo=UTC),
    dt.datetime(1970, 1, 1, tzinfo=UTC),
    dt.datetime(2099, 1, 1, 0, 0, 0, 500000, tzinfo=UTC),
    dt.datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC),
]


def sample_table() -> pa.Table:
    """Eight rows covering nulls, tricky text, float edge cases and timestamps."""
    return pa.table(
        {
            "order_id": pa.array([1, 2, None, -4, 2**62, 0, 7, 8], pa.int64()),
            "city": pa.array(TRICKY_STRINGS, pa.string()),
            "price": pa.array([0.1, 19.99, 1e20, None, -0.0, 1e-7, 5e-324, 1.7976931348623157e308]),
            "is_return": pa.array([True, False, None, True, False, True, False, True]),
            "ordered_at": pa.array(TIMESTAMPS, pa.timestamp("us", tz="UTC")),
            "quantity": pa.array([1, 2, 3, 4, 5, 6, 7, None], pa.int32()),
        }
    )


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    def reject(token: str) -> None:
        raise AssertionError(f"non-standard JSON token {token}")

    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n") or text == ""
    return [json.loads(line, parse_constant=reject) for line in text.split("\n")[:-1]]


def iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


# --- names and layout -------------------------------------------------------------------


def test_file_extensions_cover_every_format() -> None:
    assert set(FILE_EXTENSIONS) == set(FORMATS) == {"parquet", "jsonl", "csv"}
    assert set(writers._WRITERS) == set(FORMATS)


def test_part_file_name_is_zero_padded_to_five_digits() -> None:
    assert part_file_name(0, "parquet") == "part-00000.parquet"
    assert part_file_name(42, "jsonl") == "part-00042.jsonl"
    assert part_file_name(123456, "csv") == "part-123456.csv"
    names = [part_file_name(part, "csv") for part in range(0, 20_000, 7)]
    assert names == sorted(names)


def test_part_file_name_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="part number"):
        part_file_name(-1, "csv")
    with pytest.raises(ValueError, match="unknown output format"):
        part_file_name(0, "xlsx")  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", FORMATS)
def test_write_part_reports_path_rows_and_bytes(tmp_path: Path, fmt: OutputFormat) -> None:
    written = write_part(sample_table(), tmp_path / "new" / "dir", 3, fmt)
    assert written == WrittenFile(
        path=tmp_path / "new" / "dir" / f"part-00003{FILE_EXTENSIONS[fmt]}",
        rows=8,
        bytes=written.path.stat().st_size,
    )
    assert written.bytes > 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_bytes_are_deterministic(tmp_path: Path, fmt: OutputFormat) -> None:
    first = write_part(sample_table(), tmp_path / "a", 0, fmt)
    second = write_part(sample_table(), tmp_path / "b", 0, fmt)
    assert first.path.read_bytes() == second.path.read_bytes()


def test_concurrent_writers_share_one_staging_dir(tmp_path: Path) -> None:
    staging = tmp_path / "orders"
    blocks = [sample_table().slice(part % 8, 1 + part % 5) for part in range(12)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        written = list(
            pool.map(lambda p: write_part(blocks[p], staging, p, FORMATS[p % 3]), range(12))
        )
    assert sorted(path.name for path in staging.iterdir()) == sorted(w.path.name for w in written)
    assert [w.rows for w in written] == [block.num_rows for block in blocks]


# --- parquet ----------------------------------------------------------------------------


def test_parquet_round_trips_with_snappy_dictionary_and_one_row_group(tmp_path: Path) -> None:
    table = sample_table()
    written = write_part(table, tmp_path, 0, "parquet")
    assert pq.read_table(written.path).equals(table)
    metadata = pq.ParquetFile(written.path).metadata
    assert metadata.num_row_groups == 1
    city = metadata.row_group(0).column(1)
    assert city.compression == "SNAPPY"
    assert "RLE_DICTIONARY" in city.encodings


def test_parquet_packs_integers_and_timestamps_as_deltas(tmp_path: Path) -> None:
    table = sample_table()
    metadata = pq.ParquetFile(write_part(table, tmp_path, 0, "parquet").path).metadata
    encodings = {
        metadata.row_group(0).column(i).path_in_schema: metadata.row_group(0).column(i).encodings
        for i in range(metadata.num_columns)
    }
    for field in table.schema:
        delta = "DELTA_BINARY_PACKED" in encodings[field.name]
        temporal = pa.types.is_integer(field.type) or pa.types.is_timestamp(field.type)
        assert delta == temporal, field


# --- jsonl ------------------------------------------------------------------------------


def test_jsonl_round_trips_values_in_column_order(tmp_path: Path) -> None:
    table = sample_table()
    rows = read_jsonl(write_part(table, tmp_path, 0, "jsonl").path)
    assert [list(row) for row in rows] == [table.column_names] * table.num_rows
    expected = table.to_pylist()
    for row in expected:
        row["ordered_at"] = iso(row["ordered_at"])
    assert rows == expected
    assert all(isinstance(row["price"], float | None) for row in rows)
    assert math.copysign(1.0, rows[4]["price"]) == -1.0


def test_jsonl_text_is_compact_with_iso_utc_timestamps(tmp_path: Path) -> None:
    table = sample_table().slice(0, 1)
    text = write_part(table, tmp_path, 0, "jsonl").path.read_text(encoding="utf-8")
    assert text == (
        '{"order_id":1,"city":"Zürich","price":0.1,"is_return":true,'
        '"ordered_at":"2025-03-01T12:34:56.123456Z","quantity":1}\n'
    )


def test_jsonl_writes_whole_floats_as_floats(tmp_path: Path) -> None:
    values = [1.0, -0.0, 20.0, 1e15, 1e20, 2.5, None]
    table = pa.table({"x": pa.array(values), "y": pa.array(values, pa.float32())})
    path = write_part(table, tmp_path, 0, "jsonl").path
    assert path.read_text().split("\n")[:3] == [
        '{"x":1.0,"y":1.0}',
        '{"x":-0.0,"y":-0.0}',
        '{"x":20.0,"y":20.0}',
    ]
    rows = read_jsonl(path)
    assert [row["x"] for row in rows] == values
    assert all(isinstance(row["x"], float) for row in rows[:-1])


def test_jsonl_writes_null_for_nan_and_infinities(tmp_path: Path) -> None:
    values = [math.nan, math.inf, -math.inf, 1.5, None]
    table = pa.table({"x": pa.array(values, pa.float64()), "y": pa.array(values, pa.float32())})
    rows = read_jsonl(write_part(table, tmp_path, 0, "jsonl").path)
    assert [row["x"] for row in rows] == [None, None, None, 1.5, None]
    assert [row["y"] for row in rows] == [None, None, None, 1.5, None]


def test_jsonl_handles_other_arrow_types(tmp_path: Path) -> None:
    table = pa.table(
        {
            "dict": pa.array(["a", None, 'b"c']).dictionary_encode(),
            "large": pa.array(["x", "ü", None], pa.large_string()),
            "day": pa.array([dt.date(2025, 3, 1), None, dt.date(1999, 12, 31)]),
            "amount": pa.array([decimal.Decimal("19.99"), None, decimal.Decimal("-0.01")]),
            "zurich": pa.array([0, None, 86_400 * 10**9], pa.timestamp("ns", tz="Europe/Zurich")),
            "naive": pa.array([0, 1, None], pa.timestamp("ms")),
            "big_year": pa.array([253_402_300_800, None, 0], pa.timestamp("s", tz="UTC")),
            "nothing": pa.nulls(3),
            "small": pa.array([1, None, 255], pa.uint8()),
            "view": pa.array(["v", "\\", None], pa.string_view()),
            "half": pa.array([1.5, None, -2.0], pa.float16()),
        }
    )
    rows = read_jsonl(write_part(table, tmp_path, 0, "jsonl").path)
    assert rows == [
        {
            "dict": "a",
            "large": "x",
            "day": "2025-03-01",
            "amount": 19.99,
            "zurich": "1970-01-01T00:00:00.000000000Z",
            "naive": "1970-01-01T00:00:00.000",
            "big_year": "10000-01-01T00:00:00Z",
            "nothing": None,
            "small": 1,
            "view": "v",
            "half": 1.5,
        },
        {
            "dict": None,
            "large": "ü",
            "day": None,
            "amount": None,
            "zurich": None,
            "naive": "1970-01-01T00:00:00.001",
            "big_year": None,
            "nothing": None,
            "small": None,
            "view": "\\",
            "half": None,
        },
        {
            "dict": 'b"c',
            "large": None,
            "day": "1999-12-31",
            "amount": -0.01,
            "zurich": "1970-01-02T00:00:00.000000000Z",
            "naive": None,
            "big_year": "1970-01-01T00:00:00Z",
            "nothing": None,
            "small": 255,
            "view": None,
            "half": -2.0,
        },
    ]


def test_jsonl_handles_batches_slices_and_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writers, "JSONL_BATCH_ROWS", 3)
    base = sample_table()
    table = pa.concat_tables([base.slice(2, 5), base, base.slice(7)])
    assert table.column("city").num_chunks == 3
    rows = read_jsonl(write_part(table, tmp_path, 0, "jsonl").path)
    assert [row["city"] for row in rows] == table.column("city").to_pylist()
    assert [row["order_id"] for row in rows] == table.column("order_id").to_pylist()


def test_jsonl_edge_shapes(tmp_path: Path) -> None:
    empty = write_part(sample_table().slice(0, 0), tmp_path, 0, "jsonl")
    assert empty.path.read_bytes() == b""
    no_columns = write_part(pa.table({"x": [1, 2]}).select([]), tmp_path, 1, "jsonl")
    assert no_columns.path.read_bytes() == b"{}\n{}\n"
    odd_name = write_part(pa.table({'a "key"\n': [1]}), tmp_path, 2, "jsonl")
    assert read_jsonl(odd_name.path) == [{'a "key"\n': 1}]


def test_jsonl_rejects_unsupported_types(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="JSON Lines"):
        write_part(pa.table({"tags": [["a"], ["b"]]}), tmp_path, 0, "jsonl")


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(st.none() | st.text(st.characters(codec="utf-8")), min_size=1, max_size=20),
    numbers=st.lists(st.none() | st.floats(allow_nan=False, allow_infinity=False), min_size=1),
)
def test_jsonl_round_trips_any_text_and_finite_float(
    texts: list[str | None], numbers: list[float | None]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for part, (name, values) in enumerate([("s", texts), ("f", numbers)]):
            path = write_part(pa.table({name: values}), Path(folder), part, "jsonl").path
            assert [row[name] for row in read_jsonl(path)] == values


# --- csv --------------------------------------------------------------------------------


def read_csv(path: Path) -> pa.Table:
    options = pa_csv.ConvertOptions(strings_can_be_null=True, quoted_strings_can_be_null=False)
    return pa_csv.read_csv(path, convert_options=options)


def test_csv_round_trips_with_header_and_tz_aware_timestamps(tmp_path: Path) -> None:
    table = sample_table()
    back = read_csv(write_part(table, tmp_path, 0, "csv").path)
    assert back.column_names == table.column_names
    ordered_at = back.schema.field("ordered_at").type
    assert pa.types.is_timestamp(ordered_at)
    assert ordered_at.tz == "UTC"
    assert back.column("ordered_at").to_pylist() == TIMESTAMPS
    for name in ["order_id", "city", "price", "is_return", "quantity"]:
        assert back.column(name).to_pylist() == table.column(name).to_pylist(), name


def test_csv_timestamp_text_and_nulls(tmp_path: Path) -> None:
    table = sample_table()
    path = write_part(table, tmp_path, 0, "csv").path
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[0] == '"order_id","city","price","is_return","ordered_at","quantity"'
    assert lines[1] == '1,"Zürich",0.1,true,"2025-03-01T12:34:56.123456Z",1'
    third_row = next(row for row in read_csv_rows(path) if row[0] == "")
    assert third_row == ["", "back\\slash \\n not a newline", "1e+20", "", "", "3"]
    jsonl_rows = read_jsonl(write_part(table, tmp_path, 0, "jsonl").path)
    assert lines[1].split(",")[4].strip('"') == jsonl_rows[0]["ordered_at"]


def read_csv_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))[1:]


def test_timestamps_outside_four_digit_years(tmp_path: Path) -> None:
    extremes = [dt.datetime(1, 1, 1, tzinfo=UTC), dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)]
    at = pa.array([*extremes, None], pa.timestamp("us", tz="UTC"))
    table = pa.table({"at": at, "n": [1, 2, 3]})
    expected = ["0001-01-01T00:00:00.000000Z", "9999-12-31T23:59:59.000000Z", None]
    rows = read_jsonl(write_part(table, tmp_path, 0, "jsonl").path)
    assert [row["at"] for row in rows] == expected
    options = pa_csv.ConvertOptions(column_types={"at": pa.timestamp("us", tz="UTC")})
    back = pa_csv.read_csv(write_part(table, tmp_path, 0, "csv").path, convert_options=options)
    assert back.column("at").to_pylist() == [*extremes, None]
    beyond = pa.table({"at": pa.array([253_402_300_800, -62_135_596_801], pa.timestamp("s"))})
    text = write_part(beyond, tmp_path, 1, "csv").path.read_text()
    assert text.split("\n")[1:3] == ['"10000-01-01T00:00:00"', '"0000-12-31T23:59:59"']


@settings(max_examples=30, deadline=None)
@given(numbers=st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1))
def test_csv_round_trips_any_finite_float(numbers: list[float]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write_part(pa.table({"f": pa.array(numbers, pa.float64())}), Path(folder), 0, "csv")
        options = pa_csv.ConvertOptions(column_types={"f": pa.float64()})
        back = pa_csv.read_csv(path.path, convert_options=options)
        assert back.column("f").to_pylist() == numbers
