"""AUTO CDC in plain Python, event by event, as Databricks documents it: the oracle the
engines' SQL is checked against. Events are dicts with a key ``k``, columns, ``op``
(``INSERT``, ``UPDATE``, ``DELETE``, ``TRUNCATE``) and ``seq``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Row = dict[str, Any]


def _ordered(events: Sequence[Row], columns: Sequence[str]) -> list[Row]:
    """Each distinct change once (over the kept columns, sequence and kind), by sequence,
    an upsert before a delete at the same sequence."""
    seen, unique = set(), []
    for event in events:
        identity = (*(event[c] for c in columns), event["seq"], event["op"] == "DELETE",
                    event["op"] == "TRUNCATE")  # fmt: skip
        if identity not in seen:
            seen.add(identity)
            unique.append(event)
    return sorted(unique, key=lambda e: (e["seq"], e["op"] == "DELETE"))


def _fill(current: Row | None, event: Row, columns: Sequence[str], ignore_nulls: bool) -> Row:
    row = {c: event[c] for c in columns}
    if ignore_nulls and current is not None:
        row = {c: current[c] if row[c] is None else row[c] for c in columns}
    return row


def scd1(events: Sequence[Row], columns: Sequence[str], ignore_nulls: bool = False) -> list[Row]:
    truncated = max((e["seq"] for e in events if e["op"] == "TRUNCATE"), default=None)
    live = [e for e in events if e["op"] != "TRUNCATE"]
    if truncated is not None:
        live = [e for e in live if e["seq"] > truncated]
    state: dict[Any, Row | None] = {}
    last_values: dict[Any, Row | None] = {}
    for event in _ordered(live, columns):
        key = event["k"]
        if event["op"] == "DELETE":
            state[key] = None
            last_values[key] = None
            continue
        row = _fill(last_values.get(key), event, columns, ignore_nulls)
        state[key] = last_values[key] = row
    return [row for row in state.values() if row is not None]


def scd2(
    events: Sequence[Row],
    columns: Sequence[str],
    tracked: Sequence[str],
    ignore_nulls: bool = False,
) -> list[Row]:
    versions: list[Row] = []
    open_version: dict[Any, Row] = {}
    previous: dict[Any, Row | None] = {}  # the key's last event since its last delete
    for event in _ordered(events, columns):
        key, seq = event["k"], event["seq"]
        current = open_version.get(key)
        if event["op"] == "DELETE":
            if current is not None:
                current["__END_AT"] = seq
                del open_version[key]
            previous[key] = None
            continue
        row = _fill(previous.get(key), event, columns, ignore_nulls)
        previous[key] = row
        if current is not None and all(current[c] == row[c] for c in tracked):
            current.update(row)  # untracked columns change in place
            continue
        if current is not None:
            current["__END_AT"] = seq
        opened = {**row, "__START_AT": seq, "__END_AT": None}
        versions.append(opened)
        open_version[key] = opened
    return versions
