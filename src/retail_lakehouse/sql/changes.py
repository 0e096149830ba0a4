"""Flows of pipeline SQL: statements that fill a streaming table declared without a query
(``CREATE OR REFRESH STREAMING TABLE t;``).

``CREATE FLOW f AS INSERT INTO t BY NAME query`` appends the query's rows; several such
flows append the union of their rows, by column name. An AUTO CDC flow applies a change
feed instead; three spellings declare the same one:

* ``CREATE FLOW f AS AUTO CDC INTO t FROM STREAM(src) KEYS (...) ...``,
* the legacy ``APPLY CHANGES INTO t FROM STREAM(src) KEYS (...) ...`` (the flow takes the
  target's name), also after ``CREATE FLOW f AS``,

followed by the clauses, in this order, as Databricks documents them: ``KEYS (k, ...)``,
``[IGNORE NULL UPDATES]``, ``[APPLY AS DELETE WHEN condition]``, ``[APPLY AS TRUNCATE
WHEN condition]``, ``SEQUENCE BY expression``, ``[COLUMNS {list | * EXCEPT (list)}]``,
``[STORED AS SCD TYPE {1 | 2}]``, ``[TRACK HISTORY ON {list | * EXCEPT (list)}]``.
Conditions and the sequence are SQL kept as text, up to the next clause.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from retail_lakehouse.common.errors import DefinitionError, SourceLocation
from retail_lakehouse.sql.lexing import Cursor, Statement, Token, split_top_level

ScdType = Literal[1, 2]
_CLAUSE_STARTS = ("IGNORE", "APPLY", "SEQUENCE", "COLUMNS", "STORED", "TRACK")


@dataclass(frozen=True)
class ColumnSelection:
    """``(a, b)`` or ``* EXCEPT (a, b)``: columns of the source, chosen or left out."""

    names: tuple[str, ...]
    excluding: bool = False

    def of(self, available: Sequence[str]) -> list[str]:
        """The chosen columns of ``available``, in its order (names compare without case)."""
        named = {name.lower() for name in self.names}
        return [c for c in available if (c.lower() in named) != self.excluding]


@dataclass(frozen=True)
class ChangeFlowStatement:
    """One AUTO CDC flow: which changes go into which table, and how they apply."""

    name: str
    target: str
    source: str
    keys: tuple[str, ...]
    sequence_by: str  # a SQL expression over the source's columns
    location: SourceLocation
    ignore_null_updates: bool = False
    delete_when: str | None = None
    truncate_when: str | None = None
    columns: ColumnSelection | None = None  # None: every column of the source
    scd_type: ScdType = 1
    track_history: ColumnSelection | None = None  # SCD type 2; None: every column


@dataclass(frozen=True)
class AppendFlowStatement:
    """``CREATE FLOW name AS INSERT INTO target BY NAME query``."""

    name: str
    target: str
    query: str
    location: SourceLocation


FlowStatement = ChangeFlowStatement | AppendFlowStatement


def is_change_flow(statement: Statement) -> bool:
    """Whether a statement is a flow (``CREATE FLOW`` or ``APPLY CHANGES``)."""
    words = [t.text.upper() for t in statement.tokens[:2]]
    return words == ["CREATE", "FLOW"] or words == ["APPLY", "CHANGES"]


def parse_change_flow(statement: Statement) -> FlowStatement:
    cursor = Cursor(statement.tokens, statement.path, statement.end_line)
    first = cursor.advance()
    location = SourceLocation(statement.path, first.line)
    name = None
    if first.is_word("CREATE"):
        cursor.expect_word("FLOW")
        name = cursor.identifier("missing flow name after CREATE FLOW")
        cursor.expect_word("AS", context=f"after CREATE FLOW {name}")
        if cursor.accept_word("INSERT"):
            return _append_flow(cursor, statement, name, location)
        if cursor.accept_word("APPLY"):
            cursor.expect_word("CHANGES", context="after APPLY")
        else:
            cursor.expect_word("AUTO", context=f"after CREATE FLOW {name} AS")
            cursor.expect_word("CDC", context="after AUTO")
    else:
        cursor.expect_word("CHANGES", context="after APPLY")
    cursor.expect_word("INTO", context="before the target table")
    target = _dataset_name(cursor, "missing target table after INTO")
    cursor.expect_word("FROM", context=f"after INTO {target}")
    source = _source(cursor)
    return _clauses(cursor, statement, name or target, target, source, location)


def _append_flow(
    cursor: Cursor, statement: Statement, name: str, location: SourceLocation
) -> AppendFlowStatement:
    cursor.expect_word("INTO", context="after INSERT")
    target = _dataset_name(cursor, "missing target table after INSERT INTO")
    cursor.expect_word("BY", context=f"after INSERT INTO {target} (INSERT INTO ... BY NAME)")
    by_name = cursor.expect_word("NAME", context="after BY")
    if cursor.at_end():
        raise cursor.error(f"missing query after INSERT INTO {target} BY NAME")
    return AppendFlowStatement(
        name, target, statement.text_between(by_name, statement.tokens[-1]), location
    )


def _dataset_name(cursor: Cursor, missing: str) -> str:
    """A dataset name, without the ``LIVE.`` prefix of older pipelines."""
    name = cursor.identifier(missing)
    while (dot := cursor.peek()) is not None and dot.is_symbol("."):
        cursor.advance()
        name = cursor.identifier("missing name part after '.'")
    return name


def _source(cursor: Cursor) -> str:
    """``STREAM(name)``, ``STREAM name`` or ``name``: every change is read either way."""
    if cursor.accept_word("STREAM"):
        token = cursor.peek()
        if token is not None and token.is_symbol("("):
            _, inner, _ = cursor.group("after STREAM")
            return _dataset_name(Cursor(inner, cursor.path, cursor.end_line), "missing source")
    return _dataset_name(cursor, "missing source table after FROM")


def _clauses(
    cursor: Cursor,
    statement: Statement,
    name: str,
    target: str,
    source: str,
    location: SourceLocation,
) -> ChangeFlowStatement:
    cursor.expect_word("KEYS", context=f"after FROM {source}")
    keys = _names(cursor, "KEYS")
    ignore_null_updates = _ignore_null_updates(cursor)
    delete_when = _apply_as(cursor, statement, "DELETE")
    truncate_when = _apply_as(cursor, statement, "TRUNCATE")
    cursor.expect_word("SEQUENCE", context="(SEQUENCE BY is required)")
    cursor.expect_word("BY", context="after SEQUENCE")
    sequence_by = _expression(cursor, statement, "SEQUENCE BY")
    columns = _selection(cursor, "COLUMNS") if cursor.accept_word("COLUMNS") else None
    scd_type = _stored_as(cursor)
    track_history = None
    if cursor.accept_word("TRACK"):
        cursor.expect_word("HISTORY", context="after TRACK")
        cursor.expect_word("ON", context="after TRACK HISTORY")
        if scd_type != 2:
            raise cursor.error("TRACK HISTORY needs STORED AS SCD TYPE 2")
        track_history = _selection(cursor, "TRACK HISTORY ON")
    if not cursor.at_end():
        raise cursor.error(f"unexpected {cursor.found()} in the flow into '{target}'")
    if truncate_when is not None and scd_type == 2:
        raise DefinitionError(location, "APPLY AS TRUNCATE WHEN is for SCD TYPE 1 only")
    return ChangeFlowStatement(
        name, target, source, keys, sequence_by, location, ignore_null_updates,
        delete_when, truncate_when, columns, scd_type, track_history,
    )  # fmt: skip


def _ignore_null_updates(cursor: Cursor) -> bool:
    if not cursor.accept_word("IGNORE"):
        return False
    cursor.expect_word("NULL", context="after IGNORE")
    cursor.expect_word("UPDATES", context="after IGNORE NULL")
    return True


def _apply_as(cursor: Cursor, statement: Statement, event: str) -> str | None:
    following = cursor.peek(2)
    if cursor.peek() is None or not cursor.peek().is_word("APPLY"):  # type: ignore[union-attr]
        return None
    if following is None or not following.is_word(event):
        return None
    cursor.pos += 3
    cursor.expect_word("WHEN", context=f"after APPLY AS {event}")
    return _expression(cursor, statement, f"APPLY AS {event} WHEN")


def _expression(cursor: Cursor, statement: Statement, clause: str) -> str:
    """The SQL up to the next clause (outside parentheses)."""
    start, depth = cursor.pos, 0
    while (token := cursor.peek()) is not None:
        if depth == 0 and token.is_word(*_CLAUSE_STARTS):
            break
        depth += token.is_symbol("(") - token.is_symbol(")")
        cursor.advance()
    if cursor.pos == start:
        raise cursor.error(f"missing expression after {clause}")
    first, last = statement.tokens[start], statement.tokens[cursor.pos - 1]
    return statement.source[first.start : last.end]


def _selection(cursor: Cursor, clause: str) -> ColumnSelection:
    """``(a, b)``, ``a, b`` or ``* EXCEPT (a, b)``."""
    token = cursor.peek()
    if token is not None and token.is_symbol("*"):
        cursor.advance()
        cursor.expect_word("EXCEPT", context=f"after {clause} *")
        return ColumnSelection(_names(cursor, f"{clause} * EXCEPT"), excluding=True)
    if token is not None and token.is_symbol("("):
        return ColumnSelection(_names(cursor, clause))
    start = cursor.pos
    while (token := cursor.peek()) is not None and not token.is_word(*_CLAUSE_STARTS):
        cursor.advance()
    return ColumnSelection(_name_list(cursor, list(cursor.tokens[start : cursor.pos]), clause))


def _names(cursor: Cursor, clause: str) -> tuple[str, ...]:
    _, inner, closing = cursor.group(f"after {clause}")
    if not inner:
        raise cursor.error(f"no columns in {clause}", closing)
    return _name_list(cursor, inner, clause)


def _name_list(cursor: Cursor, tokens: list[Token], clause: str) -> tuple[str, ...]:
    names = []
    for item in split_top_level(tokens):
        if len(item) != 1 or not item[0].is_identifier:
            found = item[0].describe() if item else "nothing"
            raise cursor.error(f"expected a column name in {clause}, found {found}")
        names.append(item[0].value)
    return tuple(names)


def _stored_as(cursor: Cursor) -> ScdType:
    if not cursor.accept_word("STORED"):
        return 1
    cursor.expect_word("AS", context="after STORED")
    cursor.expect_word("SCD", context="after STORED AS")
    cursor.expect_word("TYPE", context="after STORED AS SCD")
    token = cursor.advance()
    if token.text not in ("1", "2"):
        raise cursor.error(f"expected SCD TYPE 1 or 2, found {token.describe()}", token)
    return 1 if token.text == "1" else 2
