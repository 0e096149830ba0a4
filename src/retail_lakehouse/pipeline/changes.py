"""AUTO CDC on any engine: the SQL that computes a target from every change of its source.

The target's rows are a function of the whole change feed, so each update computes them
from all of it, in one query of window functions that both engines run: the same feed
gives the same table however many updates delivered it, in whatever order. Per key, the
changes are ordered by the sequence (at equal sequences an upsert before a delete);
changes equal in every column the target keeps count once.

* SCD type 1: the key's latest change, unless it is a delete. Changes at or before the
  latest truncate (of any key) are gone. With IGNORE NULL UPDATES a NULL keeps the
  column's last value since the key's latest delete.
* SCD type 2: one row per version of the key. An upsert opens a version when the key has
  none open or a tracked column changes (NULL-safe), and closes the open one; an upsert
  that changes only untracked columns updates the open version in place; a delete closes
  it. ``__START_AT`` is the sequence that opened the version, ``__END_AT`` the one that
  closed it (NULL while open); both have the sequence's type.

Without truncates each key's rows depend on that key's changes alone, so an update whose
source holds every earlier change (a streaming table) recomputes only the keys its new
changes touch and keeps the stored rows of the others (:func:`updated_target_query`): a
day's changes cost what they touch, not the whole history.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from retail_lakehouse.common.errors import DefinitionError
from retail_lakehouse.sql.changes import ChangeFlowStatement

START_AT, END_AT = "__START_AT", "__END_AT"
CHANGES_KEY = "retail_lakehouse.changes"  # commit info: the definition that wrote the target
_SEQ, _DELETE, _TRUNCATE = "__sequence", "__is_delete", "__is_truncate"


def target_columns(flow: ChangeFlowStatement, source: Sequence[str]) -> list[str]:
    """The source's columns the target keeps (every key among them)."""
    selection = flow.columns
    known = {c.lower() for c in source}
    for names, clause in ((flow.keys, "KEYS"), (selection.names if selection else (), "COLUMNS")):
        unknown = [n for n in names if n.lower() not in known]
        if unknown:
            raise DefinitionError(
                flow.location,
                f"{clause} of the flow into '{flow.target}' names '{unknown[0]}', which "
                f"'{flow.source}' does not have; it has {', '.join(source)}",
            )
    kept = selection.of(source) if selection else list(source)
    missing = [k for k in flow.keys if k.lower() not in {c.lower() for c in kept}]
    if missing:
        raise DefinitionError(flow.location, f"COLUMNS leaves out the key '{missing[0]}'")
    return kept


def changes_query(
    flow: ChangeFlowStatement, source: Sequence[str], touched_by: str | None = None
) -> str:
    """Spark SQL for the target's rows, from the relation named ``flow.source`` whose
    columns are ``source``; with ``touched_by`` (a relation of changes), only the rows of
    the keys it holds."""
    columns = target_columns(flow, source)
    events = _events(flow, columns, touched_by)
    if flow.scd_type == 1:
        return _scd1(flow, columns, events)
    return _scd2(flow, columns, events)


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def changes_digest(flow: ChangeFlowStatement, source: Sequence[str]) -> str:
    """What the target's rows are a function of besides the changes: the flow's query over
    a source of these columns. A target written under another digest is computed again
    from every change."""
    text = changes_query(flow, source)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def updated_target_query(
    flow: ChangeFlowStatement, source: Sequence[str], stored: str, new: str
) -> str:
    """Spark SQL for the target after an update: the ``stored`` target's rows of the keys
    that no change of ``new`` touches, and the touched keys' rows computed from all their
    changes in ``flow.source`` (which holds ``new`` too). Only for flows without truncates,
    whose keys are independent of each other."""
    if flow.truncate_when is not None:
        raise ValueError("a truncate changes every key: compute the whole target")
    columns = target_columns(flow, source)
    if flow.scd_type == 2:
        columns += [START_AT, END_AT]
    kept = ", ".join(_quote(c) for c in columns)
    untouched = (
        f"SELECT {kept} FROM {_quote(stored)} AS __s WHERE NOT EXISTS "
        f"(SELECT 1 FROM {_quote(new)} AS __n WHERE {_same_key(flow, '__n', '__s')})"
    )
    return f"{untouched} UNION ALL SELECT {kept} FROM ({changes_query(flow, source, new)}) AS __t"


def _same_key(flow: ChangeFlowStatement, left: str, right: str) -> str:
    """NULL-safe equality of every key of two aliases: a NULL key is a key too."""
    return " AND ".join(
        f"{left}.{_quote(k)} IS NOT DISTINCT FROM {right}.{_quote(k)}" for k in flow.keys
    )


def _events(flow: ChangeFlowStatement, columns: list[str], touched_by: str | None) -> str:
    """Every change once (of the keys ``touched_by`` holds, when given): the kept columns,
    the sequence and what kind of change it is."""
    items = [_quote(c) for c in columns]
    items.append(f"{flow.sequence_by} AS {_SEQ}")
    items.append(f"coalesce({flow.delete_when or 'false'}, false) AS {_DELETE}")
    items.append(f"coalesce({flow.truncate_when or 'false'}, false) AS {_TRUNCATE}")
    events = f"SELECT DISTINCT {', '.join(items)} FROM {_quote(flow.source)} AS __c"
    if touched_by is None:
        return events
    touched = f"SELECT 1 FROM {_quote(touched_by)} AS __n WHERE {_same_key(flow, '__n', '__c')}"
    return f"{events} WHERE EXISTS ({touched})"


def _by_key(flow: ChangeFlowStatement, descending: bool = False) -> str:
    keys = ", ".join(_quote(k) for k in flow.keys)
    order = f"{_SEQ} DESC, {_DELETE} DESC" if descending else f"{_SEQ}, {_DELETE}"
    return f"PARTITION BY {keys} ORDER BY {order}"


def _filled(flow: ChangeFlowStatement, columns: list[str], changes: str) -> str:
    """The changes with, under IGNORE NULL UPDATES, each NULL replaced by the column's last
    upserted value since the key's latest delete."""
    if not flow.ignore_null_updates:
        return f"SELECT * FROM {changes}"
    keys = {k.lower() for k in flow.keys}
    since = f"PARTITION BY {', '.join(_quote(k) for k in flow.keys)}, __segment"
    window = (
        f"({since} ORDER BY {_SEQ}, {_DELETE} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
    )
    items = [_quote(c) if c.lower() in keys else _last_upserted(c, window) for c in columns]
    segments = (
        f"SELECT *, sum(CASE WHEN {_DELETE} THEN 1 ELSE 0 END) OVER ({_by_key(flow)} "
        f"ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS __segment FROM {changes}"
    )
    return f"SELECT {', '.join(items)}, {_SEQ}, {_DELETE}, {_TRUNCATE} FROM ({segments}) AS s"


def _last_upserted(column: str, window: str) -> str:
    value = f"CASE WHEN NOT {_DELETE} THEN {_quote(column)} END"
    return f"last_value({value}) IGNORE NULLS OVER {window} AS {_quote(column)}"


def _scd1(flow: ChangeFlowStatement, columns: list[str], events: str) -> str:
    kept = ", ".join(_quote(c) for c in columns)
    live = (
        f"SELECT * FROM events AS e WHERE NOT e.{_TRUNCATE} AND NOT EXISTS "
        f"(SELECT 1 FROM events AS t WHERE t.{_TRUNCATE} AND t.{_SEQ} >= e.{_SEQ})"
    )
    latest = (
        f"SELECT *, row_number() OVER ({_by_key(flow, descending=True)}) AS __latest FROM filled"
    )
    return (
        f"WITH events AS ({events}), live AS ({live}), filled AS "
        f"({_filled(flow, columns, 'live')}), latest AS ({latest}) "
        f"SELECT {kept} FROM latest WHERE __latest = 1 AND NOT {_DELETE}"
    )


def _scd2(flow: ChangeFlowStatement, columns: list[str], events: str) -> str:
    """Versions in two passes over the key's changes in order: the first marks the changes
    that open a version (after none or a delete, or with a tracked column changed) and the
    last change of each version (the next is none, a delete or one that opens); the second
    carries each version's opening sequence to its last change, which is the version."""
    keys = {k.lower() for k in flow.keys}
    candidates = [c for c in columns if c.lower() not in keys]
    tracked = flow.track_history.of(candidates) if flow.track_history else candidates
    window = f"OVER ({_by_key(flow)})"
    after = [f"{_quote(c)} IS DISTINCT FROM lag({_quote(c)}) {window}" for c in tracked]
    before = [f"lead({_quote(c)}) {window} IS DISTINCT FROM {_quote(c)}" for c in tracked]
    opens = " OR ".join([f"coalesce(lag({_DELETE}) {window}, true)", *after])
    ends = " OR ".join([f"coalesce(lead({_DELETE}) {window}, true)", *before])
    marked = (
        f"SELECT *, NOT {_DELETE} AND ({opens}) AS __opens, "
        f"NOT {_DELETE} AND ({ends}) AS __ends, lead({_SEQ}) {window} AS __next FROM filled"
    )
    running = f"({_by_key(flow)} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
    opened = f"last_value(CASE WHEN __opens THEN {_SEQ} END) IGNORE NULLS OVER {running}"
    versions = f"SELECT *, {opened} AS __opened FROM marked"
    kept = ", ".join(_quote(c) for c in columns)
    return (
        f"WITH events AS ({events}), filled AS ({_filled(flow, columns, 'events')}), "
        f"marked AS ({marked}), versions AS ({versions}) "
        f"SELECT {kept}, __opened AS {START_AT}, __next AS {END_AT} FROM versions WHERE __ends"
    )
