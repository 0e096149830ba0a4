"""AUTO CDC: the target the engine computes from a change feed equals the plain-Python
reference (``cdc_reference``) for random feeds with out-of-order, duplicate, delete and
truncate records, SCD type 1 and 2; a pipeline fed over several updates equals one full
refresh; both engines give the reference's tables."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retail_lakehouse.backends import EngineName
from retail_lakehouse.backends.duckdb.engine import DuckDBEngine
from retail_lakehouse.common.errors import DefinitionError, SourceLocation
from retail_lakehouse.pipeline.changes import changes_query
from retail_lakehouse.pipeline.engine import Sources
from retail_lakehouse.pipeline.lineage import column_lineage
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.sql.changes import ChangeFlowStatement, ColumnSelection, ScdType
from retail_lakehouse.sql.queries import DefinedQuery, parse_query
from retail_lakehouse.storage.delta import DeltaStore
from tests.pipeline import cdc_reference
from tests.pipeline.conftest import (
    ENGINE_FACTORIES,
    ENGINE_PARAMS,
    run_update,
    spy_on_comparisons,
)

HERE = SourceLocation(Path("flows.sql"), 1)
SOURCE_COLUMNS = ["k", "a", "b", "op", "seq"]
KEPT = ["k", "a", "b"]
SCHEMA = pa.schema(
    [("k", pa.int64()), ("a", pa.int64()), ("b", pa.int64()), ("op", pa.string()),
     ("seq", pa.int64())]
)  # fmt: skip


@pytest.fixture(scope="module")
def engine() -> Iterator[DuckDBEngine]:
    engine = DuckDBEngine(threads=2)
    yield engine
    engine.close()


def flow(
    scd_type: ScdType, ignore_nulls: bool = False, tracked: tuple[str, ...] | None = None
) -> ChangeFlowStatement:
    return ChangeFlowStatement(
        "apply", "target", "changes", ("k",), "seq", HERE, ignore_nulls,
        "op = 'DELETE'", "op = 'TRUNCATE'" if scd_type == 1 else None,
        ColumnSelection(("op", "seq"), excluding=True), scd_type,
        ColumnSelection(tracked) if tracked is not None else None,
    )  # fmt: skip


def computed(
    engine: DuckDBEngine, events: list[dict[str, Any]], cdc: ChangeFlowStatement
) -> Counter[tuple[Any, ...]]:
    engine.connection.register("changes", pa.Table.from_pylist(events, SCHEMA))
    engine.counts.clear()
    sql = changes_query(cdc, SOURCE_COLUMNS)
    engine.run_query("out", parse_query(DefinedQuery("target", sql, HERE)), Sources((), {}))
    return Counter(tuple(row.values()) for row in engine.export("out").to_pylist())


def as_rows(rows: list[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
    return Counter(tuple(row.values()) for row in rows)


values = st.one_of(st.none(), st.integers(0, 2))


@st.composite
def feeds(draw: st.DrawFn, kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    """Changes of 4 keys with distinct sequences, in random delivery order, some delivered
    twice (a duplicate record)."""
    count = draw(st.integers(0, 25))
    sequences = draw(st.permutations(range(count)))
    events = [
        {"k": draw(st.integers(0, 3)), "a": draw(values), "b": draw(values),
         "op": draw(st.sampled_from(kinds)), "seq": seq}
        for seq in sequences
    ]  # fmt: skip
    duplicates = draw(st.lists(st.sampled_from(events), max_size=4)) if events else []
    return draw(st.permutations(events + [dict(e) for e in duplicates]))


UPSERTS_AND_DELETES = ("INSERT", "UPDATE", "UPDATE", "DELETE")


@settings(max_examples=60, deadline=None)
@given(events=feeds((*UPSERTS_AND_DELETES, "TRUNCATE")), ignore_nulls=st.booleans())
def test_scd1_is_each_keys_latest_change(
    engine: DuckDBEngine, events: list[dict[str, Any]], ignore_nulls: bool
) -> None:
    expected = cdc_reference.scd1(events, KEPT, ignore_nulls)
    assert computed(engine, events, flow(1, ignore_nulls)) == as_rows(expected)


@settings(max_examples=60, deadline=None)
@given(
    events=feeds(UPSERTS_AND_DELETES),
    ignore_nulls=st.booleans(),
    tracked=st.sampled_from([None, ("a",), ("a", "b")]),
)
def test_scd2_keeps_every_version_of_the_tracked_columns(
    engine: DuckDBEngine,
    events: list[dict[str, Any]],
    ignore_nulls: bool,
    tracked: tuple[str, ...] | None,
) -> None:
    expected = cdc_reference.scd2(events, KEPT, tracked or ("a", "b"), ignore_nulls)
    assert computed(engine, events, flow(2, ignore_nulls, tracked)) == as_rows(expected)


def test_a_late_change_older_than_a_delete_does_not_bring_the_key_back(
    engine: DuckDBEngine,
) -> None:
    events: list[dict[str, Any]] = [
        {"k": 1, "a": 1, "b": 1, "op": "INSERT", "seq": 1},
        {"k": 1, "a": None, "b": None, "op": "DELETE", "seq": 5},
        {"k": 1, "a": 2, "b": 2, "op": "UPDATE", "seq": 3},  # delivered late
        {"k": 2, "a": 7, "b": 7, "op": "INSERT", "seq": 2},
    ]
    assert computed(engine, events, flow(1)) == Counter({(2, 7, 7): 1})
    assert computed(engine, events, flow(2)) == Counter(
        {(1, 1, 1, 1, 3): 1, (1, 2, 2, 3, 5): 1, (2, 7, 7, 2, None): 1}
    )


def test_at_one_sequence_an_upsert_comes_before_a_delete_or_a_truncate(
    engine: DuckDBEngine,
) -> None:
    events: list[dict[str, Any]] = [
        {"k": 1, "a": 1, "b": 1, "op": "DELETE", "seq": 4},
        {"k": 1, "a": 1, "b": 1, "op": "UPDATE", "seq": 4},
        {"k": 2, "a": 2, "b": 2, "op": "INSERT", "seq": 4},
        {"k": 3, "a": 3, "b": 3, "op": "INSERT", "seq": 5},
    ]
    assert computed(engine, events, flow(2)) == Counter(
        {(1, 1, 1, 4, 4): 1, (2, 2, 2, 4, None): 1, (3, 3, 3, 5, None): 1}
    )
    assert computed(engine, events, flow(1)) == Counter({(2, 2, 2): 1, (3, 3, 3): 1})
    truncated = [*events, {"k": 9, "a": None, "b": None, "op": "TRUNCATE", "seq": 4}]
    assert computed(engine, truncated, flow(1)) == Counter({(3, 3, 3): 1})


def test_keys_and_columns_must_be_the_sources(engine: DuckDBEngine) -> None:
    unknown_key = flow(1)
    object.__setattr__(unknown_key, "keys", ("id",))
    with pytest.raises(DefinitionError, match="KEYS of the flow into 'target' names 'id'"):
        changes_query(unknown_key, SOURCE_COLUMNS)
    no_key = flow(1)
    object.__setattr__(no_key, "columns", ColumnSelection(("a", "b")))
    with pytest.raises(DefinitionError, match="COLUMNS leaves out the key 'k'"):
        changes_query(no_key, SOURCE_COLUMNS)


PIPELINE = """
CREATE OR REFRESH STREAMING TABLE changes
AS SELECT * FROM STREAM read_files('${landing}/changes', format => 'parquet');

CREATE OR REFRESH STREAMING TABLE customers_now;
CREATE OR REFRESH STREAMING TABLE customers_history;

CREATE FLOW now AS AUTO CDC INTO customers_now FROM STREAM(changes) KEYS (k)
  IGNORE NULL UPDATES
  APPLY AS DELETE WHEN op = 'DELETE'
  SEQUENCE BY seq
  COLUMNS * EXCEPT (op, seq)
  STORED AS SCD TYPE 1;

APPLY CHANGES INTO LIVE.customers_history FROM STREAM(LIVE.changes) KEYS (k)
  APPLY AS DELETE WHEN op = 'DELETE'
  SEQUENCE BY seq
  COLUMNS k, a, b
  STORED AS SCD TYPE 2
  TRACK HISTORY ON * EXCEPT (b);

CREATE OR REFRESH MATERIALIZED VIEW current_count AS
SELECT count(*) AS keys FROM customers_history WHERE __END_AT IS NULL;

CREATE OR REFRESH MATERIALIZED VIEW current_versions AS
SELECT k, a, __START_AT AS since FROM customers_history WHERE __END_AT IS NULL;
"""


def cdc_lakehouse(root: Path, days: list[list[dict[str, Any]]]) -> Path:
    (root / "pipeline").mkdir(parents=True)
    (root / "pipeline" / "flows.sql").write_text(PIPELINE)
    landing = root / "landing" / "changes"
    landing.mkdir(parents=True)
    settings = root / "pipeline.yaml"
    settings.write_text(
        f"name: cdc\nsql: pipeline\nconfiguration: {{landing: '{root / 'landing'}'}}\n"
    )
    for day, events in enumerate(days):
        pq.write_table(pa.Table.from_pylist(events, SCHEMA), landing / f"day-{day:03d}.parquet")
    return settings


def table_rows(root: Path, name: str) -> Counter[tuple[Any, ...]]:
    return Counter(tuple(r.values()) for r in DeltaStore(root / "tables").read(name).to_pylist())


@settings(max_examples=30, deadline=None)
@given(events=feeds(UPSERTS_AND_DELETES), cuts=st.lists(st.integers(0, 30), min_size=1, max_size=3))
def test_changes_arriving_over_updates_equal_one_full_refresh(
    tmp_path_factory: pytest.TempPathFactory, events: list[dict[str, Any]], cuts: list[int]
) -> None:
    bounds = [0, *sorted(min(c, len(events)) for c in cuts), len(events)]
    days = [events[a:b] for a, b in itertools.pairwise(bounds)]
    daily = tmp_path_factory.mktemp("daily")
    settings_path = cdc_lakehouse(daily, [])
    for day, part in enumerate(days):
        pq.write_table(
            pa.Table.from_pylist(part, SCHEMA),
            daily / "landing" / "changes" / f"day-{day:03d}.parquet",
        )
        run_update(load_pipeline(settings_path, daily))
    once = tmp_path_factory.mktemp("once")
    run_update(load_pipeline(cdc_lakehouse(once, days), once), full_refresh=True)
    for name in ("customers_now", "customers_history", "current_count", "current_versions"):
        assert table_rows(daily, name) == table_rows(once, name)
    expected = cdc_reference.scd2(events, KEPT, ("a",))
    assert table_rows(once, "customers_history") == as_rows(expected)
    assert table_rows(once, "customers_now") == as_rows(cdc_reference.scd1(events, KEPT, True))


FEED: list[dict[str, Any]] = [
    {"k": 1, "a": 1, "b": 1, "op": "INSERT", "seq": 1},
    {"k": 1, "a": 1, "b": 2, "op": "UPDATE", "seq": 2},  # untracked b: in place
    {"k": 1, "a": None, "b": 3, "op": "UPDATE", "seq": 4},
    {"k": 1, "a": 2, "b": 3, "op": "UPDATE", "seq": 3},  # out of order
    {"k": 2, "a": 5, "b": 5, "op": "INSERT", "seq": 2},
    {"k": 2, "a": 5, "b": 5, "op": "INSERT", "seq": 2},  # a duplicate record
    {"k": 2, "a": None, "b": None, "op": "DELETE", "seq": 6},
    {"k": 3, "a": 7, "b": None, "op": "INSERT", "seq": 5},
]


NULL_KEY: list[dict[str, Any]] = [  # a NULL key is a key like any other
    {"k": None, "a": 9, "b": 9, "op": "INSERT", "seq": 7},
    {"k": None, "a": 8, "b": 9, "op": "UPDATE", "seq": 8},
]


def add_day(root: Path, day: int, events: list[dict[str, Any]]) -> None:
    path = root / "landing" / "changes" / f"day-{day:03d}.parquet"
    pq.write_table(pa.Table.from_pylist(events, SCHEMA), path)


@pytest.mark.parametrize("engine_name", ENGINE_PARAMS)
def test_each_engine_applies_the_changes_as_the_reference_does(
    tmp_path: Path, engine_name: EngineName
) -> None:
    """Over two updates: the second recomputes the keys its changes touch (1, 2 and NULL)
    and keeps the stored rows of key 3."""
    settings_path = cdc_lakehouse(tmp_path, [FEED[:4] + NULL_KEY[:1]])
    engine = ENGINE_FACTORIES[engine_name]()
    try:
        run_update(load_pipeline(settings_path, tmp_path), engine=engine)
        add_day(tmp_path, 1, FEED[4:] + NULL_KEY[1:])
        result = run_update(load_pipeline(settings_path, tmp_path), engine=engine)
    finally:
        engine.close()
    feed = FEED + NULL_KEY
    assert table_rows(tmp_path, "customers_history") == as_rows(
        cdc_reference.scd2(feed, KEPT, ("a",))
    )
    assert table_rows(tmp_path, "customers_now") == as_rows(cdc_reference.scd1(feed, KEPT, True))
    assert table_rows(tmp_path, "current_count") == Counter({(3,): 1})
    read = {d.name: d.input_rows for d in result.datasets}
    assert read["customers_history"] == read["customers_now"] == len(FEED[4:] + NULL_KEY[1:])


@pytest.mark.parametrize("engine_name", ENGINE_PARAMS)
def test_an_update_without_new_changes_leaves_the_target_as_it_is(
    tmp_path: Path, engine_name: EngineName
) -> None:
    """No commit, no change record read, the target reported up to date with nothing
    written, and what reads it downstream still sees its stored rows."""
    settings_path = cdc_lakehouse(tmp_path, [FEED])
    engine = ENGINE_FACTORIES[engine_name]()
    try:
        run_update(load_pipeline(settings_path, tmp_path), engine=engine)
        store = DeltaStore(tmp_path / "tables")
        before = {name: store.version(name) for name in ("customers_history", "customers_now")}
        result = run_update(load_pipeline(settings_path, tmp_path), engine=engine)
    finally:
        engine.close()
    assert {name: store.version(name) for name in before} == before
    rows = {d.name: (d.input_rows, d.written_rows) for d in result.datasets}
    expected = cdc_reference.scd2(FEED, KEPT, ("a",))
    assert rows["customers_history"] == (0, 0)
    assert next(d for d in result.datasets if d.name == "customers_history").up_to_date
    assert table_rows(tmp_path, "customers_history") == as_rows(expected)
    assert table_rows(tmp_path, "current_count") == Counter({(2,): 1})  # keys 1, 3: 2 deleted


def test_a_view_over_a_target_updated_by_key_compares_the_touched_keys_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The view refreshed by key finds the target's changed rows among the rows of the keys
    the day's changes touch (the others are the stored ones), and equals a full refresh."""
    compared = spy_on_comparisons(monkeypatch, "customers_history")
    days = [FEED[:5], FEED[5:] + NULL_KEY]
    daily = tmp_path / "daily"
    settings_path = cdc_lakehouse(daily, days[:1])
    run_update(load_pipeline(settings_path, daily))
    add_day(daily, 1, days[1])
    run_update(load_pipeline(settings_path, daily))
    assert compared == [(("k",), ("k",))]
    once = tmp_path / "once"
    run_update(load_pipeline(cdc_lakehouse(once, days), once), full_refresh=True)
    for name in ("customers_history", "current_versions"):
        assert table_rows(daily, name) == table_rows(once, name)
    assert (None, 8, 8) in table_rows(daily, "current_versions")  # a NULL key is touched too


def test_a_changed_flow_computes_its_target_again_from_every_change(tmp_path: Path) -> None:
    """Stored rows written by another definition are not kept: tracking b too splits key
    1's version at its in-place update."""
    settings_path = cdc_lakehouse(tmp_path, [FEED[:4]])
    run_update(load_pipeline(settings_path, tmp_path))
    sql = tmp_path / "pipeline" / "flows.sql"
    sql.write_text(
        sql.read_text().replace("TRACK HISTORY ON * EXCEPT (b)", "TRACK HISTORY ON (a, b)")
    )
    add_day(tmp_path, 1, FEED[4:])
    result = run_update(load_pipeline(settings_path, tmp_path))
    assert table_rows(tmp_path, "customers_history") == as_rows(
        cdc_reference.scd2(FEED, KEPT, ("a", "b"))
    )
    assert "rebuilt from all their input: customers_history (their AUTO CDC flow changed)" in (
        result.notes
    )


def test_a_cdc_targets_columns_trace_to_its_source(tmp_path: Path) -> None:
    pipeline = load_pipeline(cdc_lakehouse(tmp_path, [FEED]), tmp_path)
    schemas = {"changes": dict.fromkeys(SOURCE_COLUMNS, "bigint")}
    assert column_lineage(pipeline.graph, "customers_history", "a", schemas) == ["changes.a"]
    assert column_lineage(pipeline.graph, "customers_history", "__END_AT", schemas) == [
        "changes.seq"
    ]
    assert column_lineage(pipeline.graph, "customers_history", "a", {}) == []  # no schema


def test_streaming_from_a_cdc_target_is_an_error(tmp_path: Path) -> None:
    settings_path = cdc_lakehouse(tmp_path, [FEED])
    sql = tmp_path / "pipeline" / "flows.sql"
    sql.write_text(
        sql.read_text().replace(
            "FROM customers_history WHERE", "FROM STREAM(customers_history) WHERE"
        )
    )
    with pytest.raises(DefinitionError, match="streams from 'customers_history', which AUTO CDC"):
        load_pipeline(settings_path, tmp_path)
