"""The day-by-day benchmark at scale 0.02 over one appended day: what it records and how it
judges (a target of 0 passes, an unreachable one fails, a crash or unequal tables fail)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from benchmarks.day_by_day import main, measure_days, parse_settings
from benchmarks.day_by_day_report import Day, Measured, Update, exit_code, judge
from rich.console import Console

UNREACHABLE = 1e9


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> Measured:
    workdir = tmp_path_factory.mktemp("day-by-day")
    settings = parse_settings(["--scale", "0.02", "--days", "1", "--workdir", str(workdir)])
    return measure_days(settings, Console(quiet=True))


def only_day(measured: Measured) -> Day:
    assert len(measured.days) == 1
    return measured.days[0]


def with_day(measured: Measured, day: Day) -> Measured:
    return dataclasses.replace(measured, days=(day,))


def test_every_step_ran_and_the_two_updates_computed_the_same_tables(
    measured: Measured,
) -> None:
    day = only_day(measured)
    assert measured.generation.failure is None
    assert measured.generation.added_rows > 0
    assert measured.first is not None and measured.first.failure is None
    assert day.append.failure is None
    assert 0 < day.append.added_rows < measured.generation.added_rows
    assert day.incremental is not None and day.full_refresh is not None
    for update in (day.incremental, day.full_refresh):
        assert update.failure is None
        assert update.seconds is not None and update.seconds > 0
        assert update.process.wall_seconds >= update.seconds
    assert "silver_orders" in day.incremental.table_rows
    assert "event_log" not in day.incremental.table_rows
    assert day.tables_equal() is True
    assert day.failure() is None
    assert day.ratio() is not None


def test_a_target_of_zero_passes(measured: Measured) -> None:
    outcome = judge(measured, 0.0)

    assert outcome.verdict == "pass"
    assert outcome.failures == ()
    assert outcome.median_ratio == only_day(measured).ratio()
    assert exit_code(outcome) == 0


def test_an_unreachable_target_fails_with_a_non_zero_exit_code(measured: Measured) -> None:
    outcome = judge(measured, UNREACHABLE)

    assert outcome.verdict == "fail"
    assert outcome.failures == ()  # missed on speed alone
    assert exit_code(outcome) != 0


def test_unequal_tables_fail_whatever_the_speed(measured: Measured) -> None:
    day = only_day(measured)
    assert day.full_refresh is not None
    rows = {**day.full_refresh.table_rows, "silver_orders": -1}
    unequal = dataclasses.replace(
        day, full_refresh=dataclasses.replace(day.full_refresh, table_rows=rows)
    )

    outcome = judge(with_day(measured, unequal), 0.0)

    assert unequal.tables_equal() is False
    assert outcome.verdict == "fail"
    assert outcome.median_ratio is None  # the day is not judged on speed
    assert len(outcome.failures) == 1
    assert "tables differ" in outcome.failures[0] and "silver_orders" in outcome.failures[0]


def test_a_crashed_update_fails_whatever_the_speed(measured: Measured) -> None:
    day = only_day(measured)
    assert day.incremental is not None
    crashed = Update(dataclasses.replace(day.incremental.process, returncode=1), None, {}, "exit 1")

    outcome = judge(with_day(measured, Day(1, day.append, crashed)), 0.0)

    assert outcome.verdict == "fail"
    assert outcome.failures == ("day 1: incremental update: exit 1",)


def test_the_command_writes_json_and_exits_non_zero_when_the_target_is_missed(
    measured: Measured, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("benchmarks.day_by_day.measure_days", lambda settings, console: measured)
    out = tmp_path / "day_by_day.json"

    missed = main(["--target", str(UNREACHABLE), "--out", str(out)])
    document = json.loads(out.read_text())
    met = main(["--target", "0", "--out", str(out)])

    assert (missed, met) == (1, 0)
    assert document["verdict"] == "fail"
    assert document["target"] == UNREACHABLE
    assert [d["day"] for d in document["days"]] == [1]
    assert document["days"][0]["tables_equal"] is True
    assert document["days"][0]["incremental"]["update_seconds"] > 0
    assert document["first"]["process"]["wall_seconds"] > 0
    assert document["machine"]["cpu_count"] is not None
