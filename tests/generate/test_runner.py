"""Writing the landing zone: formats, the manifest, and atomic publication per table."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.json as pjson
import pyarrow.parquet as pq
import pytest

from retail_lakehouse.generate import manifest, runner
from retail_lakehouse.generate.manifest import ManifestError, defect_ids
from retail_lakehouse.generate.runner import GenerateOptions, LocalGenerator, generate_dataset
from retail_lakehouse.generate.spec import DatasetSpec

TINY = {"customers": 300, "products": 60, "orders": 500, "order_items": 1100}


def _options(root: Path, **changes: object) -> GenerateOptions:
    base: dict[str, object] = {"lakehouse": root, "rows": TINY, "block_rows": 256, "workers": 2}
    return GenerateOptions(**(base | changes))  # type: ignore[arg-type]


def _read(folder: Path, fmt: str) -> pa.Table:
    parts = sorted(folder.iterdir())
    if fmt == "parquet":
        return pa.concat_tables([pq.read_table(p) for p in parts])
    if fmt == "csv":
        return pa.concat_tables([pcsv.read_csv(p) for p in parts])
    return pa.concat_tables([pjson.read_json(p) for p in parts])


def _timestamp(text_or_parsed: object) -> datetime:
    """A timestamp as a text format holds it: ISO 8601 text, or parsed by the reader."""
    if isinstance(text_or_parsed, str):
        return datetime.fromisoformat(text_or_parsed)
    assert isinstance(text_or_parsed, datetime)
    return text_or_parsed


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_text_formats_hold_the_same_rows_as_parquet(
    retail_spec: DatasetSpec, tmp_path: Path, fmt: str
) -> None:
    generate_dataset(retail_spec, _options(tmp_path / "pq"))
    generate_dataset(retail_spec, _options(tmp_path / fmt, output_format=fmt))
    for table in ("customers", "orders"):
        expected = _read(tmp_path / "pq" / "landing" / table, "parquet").to_pylist()
        produced = _read(tmp_path / fmt / "landing" / table, fmt).to_pylist()
        assert len(produced) == len(expected)
        for got, want in zip(produced, expected, strict=True):
            assert got.keys() == want.keys()
            for key, value in want.items():
                if isinstance(value, bool | int | float | str) or value is None:
                    assert got[key] == value or (value is None and got[key] in (None, "")), key
                else:  # a timestamp, whole: to the microsecond, in UTC
                    assert isinstance(value, datetime) and value.utcoffset() == timedelta(0)
                    assert _timestamp(got[key]) == value, key


def test_manifest_agrees_with_the_files(retail_spec: DatasetSpec, tmp_path: Path) -> None:
    report = generate_dataset(retail_spec, _options(tmp_path))
    manifest = json.loads((tmp_path / "landing" / "_manifest.json").read_text())
    for entry in report.tables:
        folder = tmp_path / "landing" / entry.name
        files = sorted(p.name for p in folder.iterdir())
        assert manifest["tables"][entry.name]["files"] == files
        assert manifest["tables"][entry.name]["rows"] == entry.rows == TINY[entry.name]
        assert pq.read_table(folder).num_rows == entry.rows
        assert sum(p.stat().st_size for p in folder.iterdir()) == entry.bytes
        for defect in manifest["tables"][entry.name]["defects"].values():
            assert defect["count"] == len(defect["ids"])
    for entry in report.feeds:
        folder = tmp_path / "landing" / entry.name
        recorded = manifest["feeds"][entry.name]
        assert recorded["files"] == sorted(p.name for p in folder.iterdir())
        assert recorded["rows"] == entry.rows == pq.read_table(folder).num_rows
        assert recorded["operations"] == {"INSERT": entry.rows, "UPDATE": 0, "DELETE": 0}
        assert recorded["bytes"] == entry.bytes == sum(p.stat().st_size for p in folder.iterdir())
    assert [f.name for f in report.feeds] == ["customers_cdc", "products_cdc"]
    assert {p.name for p in (tmp_path / "landing").iterdir()} == {
        "_manifest.json", "_manifest_ids.parquet", "_spec.yaml", *TINY,
        "customers_cdc", "products_cdc",
    }  # fmt: skip


def test_defect_ids_round_trip_through_the_parquet_file(
    retail_spec: DatasetSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate_dataset(retail_spec, _options(tmp_path / "inline"))
    monkeypatch.setattr(manifest, "INLINE_IDS_LIMIT", 0)
    generate_dataset(retail_spec, _options(tmp_path / "apart"))
    inline, apart = (
        root / "landing" / "_manifest.json" for root in (tmp_path / "inline", tmp_path / "apart")
    )
    listed, counted = json.loads(inline.read_text()), json.loads(apart.read_text())
    assert counted["defect_ids"] == "_manifest_ids.parquet"
    for table, entry in listed["tables"].items():
        for name, defect in entry["defects"].items():
            assert "ids" not in counted["tables"][table]["defects"][name]
            assert counted["tables"][table]["defects"][name] == {
                k: v for k, v in defect.items() if k != "ids"
            }
            for path in (inline, apart):
                assert defect_ids(path, table, name).tolist() == defect["ids"]
    assert counted["generation"] == listed["generation"]


def test_defect_ids_of_a_landing_zone_without_the_parquet_file(
    retail_spec: DatasetSpec, tmp_path: Path
) -> None:
    generate_dataset(retail_spec, _options(tmp_path))
    path = tmp_path / "landing" / "_manifest.json"
    (tmp_path / "landing" / "_manifest_ids.parquet").unlink()
    listed = json.loads(path.read_text())["tables"]["orders"]["defects"]["duplicate_order"]["ids"]
    assert defect_ids(path, "orders", "duplicate_order").tolist() == listed
    with pytest.raises(ManifestError, match="no defect 'nope' of table 'orders'"):
        defect_ids(path, "orders", "nope")


def test_a_failed_run_leaves_the_previous_landing_zone(
    retail_spec: DatasetSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate_dataset(retail_spec, _options(tmp_path, seed=1))
    landing = tmp_path / "landing"
    before = {p.relative_to(landing): p.read_bytes() for p in landing.rglob("*") if p.is_file()}
    calls = {"n": 0}
    real_write = runner.write_part

    def failing_write(table: pa.Table, directory: Path, part: int, fmt: str) -> object:
        calls["n"] += 1
        if calls["n"] == 10:  # the last of 10 blocks: every other table is complete by then
            raise OSError("disk full")
        return real_write(table, directory, part, fmt)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "write_part", failing_write)
    with pytest.raises(OSError, match="disk full"):
        generate_dataset(retail_spec, _options(tmp_path, seed=2, workers=1, parallelism="threads"))
    after = {p.relative_to(landing): p.read_bytes() for p in landing.rglob("*") if p.is_file()}
    assert after == before
    assert not [p for p in landing.iterdir() if p.name.startswith(".")]


def test_a_second_run_replaces_tables_whole(retail_spec: DatasetSpec, tmp_path: Path) -> None:
    generate_dataset(retail_spec, _options(tmp_path, block_rows=100))
    generate_dataset(retail_spec, _options(tmp_path, block_rows=1000))
    folder = tmp_path / "landing" / "order_items"
    assert len(list(folder.iterdir())) == 2  # no stale parts from the first run
    assert pq.read_table(folder).num_rows == TINY["order_items"]


def test_block_rows_must_be_positive(retail_spec: DatasetSpec, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="block_rows"):
        generate_dataset(retail_spec, _options(tmp_path, block_rows=0))


def test_the_local_generator_is_generate_dataset(retail_spec: DatasetSpec, tmp_path: Path) -> None:
    report = LocalGenerator().generate(retail_spec, _options(tmp_path))
    assert [t.rows for t in report.tables] == [TINY[t.name] for t in report.tables]
    assert pq.read_table(tmp_path / "landing" / "orders").num_rows == TINY["orders"]


def test_a_corrupt_parquet_file_of_ids_is_one_line(
    retail_spec: DatasetSpec, tmp_path: Path
) -> None:
    generate_dataset(retail_spec, _options(tmp_path))
    (tmp_path / "landing" / "_manifest_ids.parquet").write_bytes(b"not parquet")
    with pytest.raises(ManifestError, match=r"_manifest_ids\.parquet: cannot read the defect ids"):
        defect_ids(tmp_path / "landing" / "_manifest.json", "orders", "duplicate_order")
