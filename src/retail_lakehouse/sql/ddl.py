"""Reading a pipeline's ``.sql`` files (Lakeflow Declarative Pipelines SQL) into statements.

This module owns the statement grammar of pipeline SQL files and turns every
``CREATE ... AS query`` statement into an immutable :class:`CreateStatement`, the syntax
the pipeline builds its datasets from: which CREATE forms are accepted, the column list
with its columns' ``COMMENT`` and its ``CONSTRAINT ... EXPECT`` constraints, the table
clauses (PARTITIONED BY, CLUSTER BY, COMMENT, TBLPROPERTIES, LOCATION, USING DELTA), and
reading a folder of files with duplicate dataset detection. ``${name}`` configuration
substitution lives in :mod:`.substitution`.
Character-level lexing lives in :mod:`.lexing`; the query after ``AS`` is kept as text
and not validated here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from retail_lakehouse.common.errors import DefinitionError, SourceLocation
from retail_lakehouse.sql.changes import (
    AppendFlowStatement,
    ChangeFlowStatement,
    is_change_flow,
    parse_change_flow,
)
from retail_lakehouse.sql.lexing import Cursor, Statement, Token, split_statements
from retail_lakehouse.sql.lexing import split_top_level as _split_items
from retail_lakehouse.sql.substitution import substitute

DatasetKind = Literal["materialized_view", "streaming_table", "temporary_view"]
ViolationAction = Literal["warn", "drop", "fail"]  # no ON VIOLATION / DROP ROW / FAIL UPDATE


@dataclass(frozen=True)
class Constraint:
    """``CONSTRAINT name EXPECT (condition) [ON VIOLATION ...]`` of a column list."""

    name: str
    condition: str  # the SQL between the parentheses, as written
    action: ViolationAction = "warn"


@dataclass(frozen=True)
class CreateStatement:
    """One ``CREATE ... AS query`` statement: what it declares and where it is."""

    name: str
    kind: DatasetKind
    query: str  # the query after AS, with ${...} already substituted
    location: SourceLocation  # of the CREATE keyword
    constraints: tuple[Constraint, ...] = ()
    comment: str | None = None
    properties: tuple[tuple[str, str], ...] = ()  # TBLPROPERTIES, in order
    partition_by: tuple[str, ...] = ()
    cluster_by: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()  # declared column names, if any
    column_comments: tuple[tuple[str, str], ...] = ()  # declared column -> its COMMENT

    @property
    def declares_only(self) -> bool:
        """A streaming table without a query: its rows come from flows into it."""
        return not self.query


SqlStatement = CreateStatement | ChangeFlowStatement | AppendFlowStatement
ALLOWED_STATEMENTS = (
    "CREATE OR REFRESH MATERIALIZED VIEW | STREAMING TABLE | TEMPORARY VIEW, CREATE FLOW"
)
_KIND_FORMS: tuple[tuple[tuple[str, ...], DatasetKind], ...] = (  # longest first
    (("STREAMING", "LIVE", "TABLE"), "streaming_table"),
    (("TEMPORARY", "LIVE", "VIEW"), "temporary_view"),
    (("MATERIALIZED", "VIEW"), "materialized_view"),
    (("STREAMING", "TABLE"), "streaming_table"),
    (("TEMPORARY", "VIEW"), "temporary_view"),
    (("LIVE", "TABLE"), "materialized_view"),
)
_VIOLATION_ACTIONS: dict[str, ViolationAction] = {"DROP ROW": "drop", "FAIL UPDATE": "fail"}
_QUERY_STARTS = ("SELECT", "WITH", "FROM", "VALUES", "TABLE", "STREAM")
_CLAUSES = ("PARTITIONED BY", "CLUSTER BY", "COMMENT", "TBLPROPERTIES", "LOCATION", "USING DELTA")
_VIEW_CLAUSES = ("COMMENT",)


def parse_sql_text(text: str, path: Path, configuration: Mapping[str, str]) -> list[SqlStatement]:
    """The statements of one file's text, in order of definition."""
    statements = split_statements(substitute(text, configuration, path), path)
    parsed = [
        parse_change_flow(s) if is_change_flow(s) else _parse_statement(s) for s in statements
    ]
    check_unique_statements(parsed)
    return parsed


def check_unique_statements(statements: Sequence[SqlStatement]) -> None:
    """No two datasets of one name, no two flows of one name."""
    check_unique_names([s for s in statements if isinstance(s, CreateStatement)])
    flows = [s for s in statements if isinstance(s, ChangeFlowStatement | AppendFlowStatement)]
    check_unique_names(flows, "flow")


def parse_sql_folder(folder: Path, configuration: Mapping[str, str]) -> list[SqlStatement]:
    """The statements of every ``*.sql`` file under ``folder``, files sorted by relative path."""
    if not folder.is_dir():
        raise DefinitionError(folder, "pipeline folder not found (expected a folder of .sql files)")
    files = sorted(
        (path for path in folder.rglob("*.sql") if path.is_file()),
        key=lambda path: path.relative_to(folder).as_posix(),
    )
    if not files:
        raise DefinitionError(folder, "no .sql files found in the pipeline folder")
    statements = [
        statement
        for path in files
        for statement in parse_sql_text(read_sql_file(path), path, configuration)
    ]
    check_unique_statements(statements)
    return statements


def read_sql_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise DefinitionError(path, f"not UTF-8 text ({error.reason})") from None


class Named(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def location(self) -> SourceLocation: ...


def check_unique_names(definitions: Sequence[Named], what: str = "dataset") -> None:
    """No two definitions of one name (names compare without case, as tables do)."""
    first_by_name: dict[str, Named] = {}
    for definition in definitions:
        first = first_by_name.setdefault(definition.name.lower(), definition)
        if first is not definition:
            raise DefinitionError(
                definition.location,
                f"{what} '{definition.name}' is already defined at {first.location}",
            )


@dataclass
class _Draft:
    """What one CREATE statement has declared so far."""

    kind: DatasetKind
    name: str
    location: SourceLocation
    columns: dict[str, str] = field(default_factory=dict)  # lower-case name -> name
    column_comments: dict[str, str] = field(default_factory=dict)  # name -> COMMENT
    constraints: dict[str, tuple[Constraint, int]] = field(default_factory=dict)
    comment: str | None = None
    properties: dict[str, str] = field(default_factory=dict)
    partition_by: tuple[str, ...] = ()
    cluster_by: tuple[str, ...] = ()

    def build(self, query: str) -> CreateStatement:
        return CreateStatement(
            name=self.name,
            kind=self.kind,
            query=query,
            location=self.location,
            constraints=tuple(constraint for constraint, _ in self.constraints.values()),
            comment=self.comment,
            properties=tuple(self.properties.items()),
            partition_by=self.partition_by,
            cluster_by=self.cluster_by,
            columns=tuple(self.columns.values()),
            column_comments=tuple(self.column_comments.items()),
        )


def _parse_statement(statement: Statement) -> CreateStatement:
    cursor = Cursor(statement.tokens, statement.path, statement.end_line)
    create, kind = _parse_create(cursor)
    header = " ".join(token.text.upper() for token in statement.tokens[: cursor.pos])
    name = cursor.identifier(f"missing dataset name after {header}")
    while (dot := cursor.peek()) is not None and dot.is_symbol("."):
        cursor.advance()
        name = cursor.identifier("missing name part after '.' in the dataset name")
    draft = _Draft(kind, name, SourceLocation(statement.path, create.line))
    if (token := cursor.peek()) is not None and token.is_symbol("("):
        _parse_column_list(cursor, statement, draft)
    as_token = _parse_clauses(cursor, draft)
    if as_token is None:
        return draft.build("")
    if cursor.at_end():
        raise cursor.error("empty query after AS", as_token)
    return draft.build(statement.text_between(as_token, statement.tokens[-1]))


def _parse_create(cursor: Cursor) -> tuple[Token, DatasetKind]:
    """``CREATE [OR REFRESH | OR REPLACE] <kind words>``; the modifier carries no meaning."""
    create = cursor.peek()
    if create is None or not create.is_word("CREATE"):
        raise cursor.error(f"expected {ALLOWED_STATEMENTS}, found {cursor.found()}")
    cursor.advance()
    if cursor.accept_word("OR"):
        cursor.expect_word("REFRESH", "REPLACE", context="after CREATE OR")
    return create, _parse_kind(cursor)


def _parse_kind(cursor: Cursor) -> DatasetKind:
    for words, kind in _KIND_FORMS:
        if all((t := cursor.peek(i)) is not None and t.is_word(w) for i, w in enumerate(words)):
            cursor.pos += len(words)
            return kind
    expected = "MATERIALIZED VIEW | STREAMING TABLE | TEMPORARY VIEW"
    raise cursor.error(f"expected {expected} after CREATE, found {cursor.found()}")


def _parse_column_list(cursor: Cursor, statement: Statement, draft: _Draft) -> None:
    _, inner, closing = cursor.group("")
    for item in _split_items(inner):
        if not item:
            raise cursor.error("empty item in the column list (a stray ',' or '()')", closing)
        if item[0].is_word("CONSTRAINT"):
            _add_constraint(statement, draft, item)
        else:
            _add_column(statement, draft, item)


def _add_column(statement: Statement, draft: _Draft, item: list[Token]) -> None:
    cursor = Cursor(item, statement.path, item[-1].line)
    name = cursor.identifier("expected a column name or CONSTRAINT in the column list")
    depth = 0
    for index, token in enumerate(item[1:], start=1):
        depth += token.is_symbol("(") - token.is_symbol(")")
        if depth == 0 and token.is_word("CONSTRAINT", "EXPECT"):
            message = f"{token.text} inside the definition of column '{name}' (missing ',')"
            raise cursor.error(message, token)
        if depth == 0 and token.is_word("COMMENT"):
            cursor.pos = index + 1
            draft.column_comments[name] = cursor.string(f"after COMMENT of column '{name}'")
    if name.lower() in draft.columns:
        raise cursor.error(f"column '{name}' is declared twice", item[0])
    draft.columns[name.lower()] = name


def _add_constraint(statement: Statement, draft: _Draft, item: list[Token]) -> None:
    cursor = Cursor(item, statement.path, item[-1].line)
    cursor.advance()  # CONSTRAINT
    name_token = cursor.peek()
    name = cursor.identifier("missing constraint name after CONSTRAINT")
    if not cursor.accept_word("EXPECT"):
        raise cursor.error(f"constraint '{name}' needs EXPECT (condition), found {cursor.found()}")
    opening, condition, _ = cursor.group(f"after EXPECT in constraint '{name}'")
    if not condition:
        raise cursor.error(f"empty condition in constraint '{name}'", opening)
    action: ViolationAction = "warn"
    if cursor.accept_word("ON"):
        cursor.expect_word("VIOLATION", context=f"after ON in constraint '{name}'")
        action = _violation_action(cursor)
    if not cursor.at_end():
        raise cursor.error(f"unexpected {cursor.found()} after constraint '{name}'")
    if (first := draft.constraints.get(name.lower())) is not None:
        message = f"duplicate constraint '{name}' (first defined at line {first[1]})"
        raise cursor.error(message, name_token)
    text = statement.text_between(opening, condition[-1])
    line = name_token.line if name_token else item[0].line
    draft.constraints[name.lower()] = (Constraint(name, text, action), line)


def _violation_action(cursor: Cursor) -> ViolationAction:
    words = [token.text for token in cursor.tokens[cursor.pos : cursor.pos + 2]]
    action = _VIOLATION_ACTIONS.get(" ".join(words).upper())
    if action is None:
        shown = f"'{' '.join(words)}'" if words else "nothing"
        message = f"unknown ON VIOLATION action {shown}; expected DROP ROW | FAIL UPDATE"
        raise cursor.error(message)
    cursor.pos += 2
    return action


def _parse_clauses(cursor: Cursor, draft: _Draft) -> Token | None:
    """Read the table clauses in any order, up to and including AS, which is returned;
    None for a streaming table declared without a query (flows fill it)."""
    seen: dict[str, int] = {}
    while (token := cursor.peek()) is not None and not token.is_word("AS"):
        label = next((c for c in _CLAUSES if token.is_word(c.split()[0])), None)
        if label is None:
            raise cursor.error(_unexpected_clause(token, draft.kind))
        keyword = label.split()[0]
        if keyword in seen:
            raise cursor.error(f"{label} is given twice (first at line {seen[keyword]})")
        if draft.kind == "temporary_view" and keyword not in _VIEW_CLAUSES:
            raise cursor.error(f"{label} is not allowed on a TEMPORARY VIEW")
        if {keyword, *seen} >= {"PARTITIONED", "CLUSTER"}:
            raise cursor.error("PARTITIONED BY and CLUSTER BY cannot be combined")
        seen[keyword] = token.line
        cursor.advance()
        _parse_clause(keyword, cursor, draft)
    if token is None and draft.kind == "streaming_table":
        return None
    if token is None:
        raise cursor.error("missing AS and the query at the end of the statement")
    return cursor.advance()


def _unexpected_clause(token: Token, kind: DatasetKind) -> str:
    if token.is_word(*_QUERY_STARTS):
        return f"missing AS before the query, found {token.describe()}"
    clauses = _VIEW_CLAUSES if kind == "temporary_view" else _CLAUSES
    return f"expected {' | '.join((*clauses, 'AS'))}, found {token.describe()}"


def _parse_clause(keyword: str, cursor: Cursor, draft: _Draft) -> None:
    """Read one table clause after its first keyword."""
    match keyword:
        case "PARTITIONED":
            cursor.expect_word("BY", context="after PARTITIONED")
            draft.partition_by = _column_names(cursor, "PARTITIONED BY")
        case "CLUSTER":
            cursor.expect_word("BY", context="after CLUSTER")
            if not cursor.accept_word("AUTO"):
                draft.cluster_by = _column_names(cursor, "CLUSTER BY")
        case "COMMENT":
            draft.comment = cursor.string("after COMMENT")
        case "LOCATION":
            cursor.string("after LOCATION")  # accepted; storage is decided by the engine
        case "USING":
            cursor.expect_word("DELTA", context="after USING")
        case _:
            _parse_tblproperties(cursor, draft)


def _column_names(cursor: Cursor, label: str) -> tuple[str, ...]:
    _, inner, closing = cursor.group(f"after {label}")
    names: list[str] = []
    for item in _split_items(inner):
        if len(item) != 1 or not item[0].is_identifier:
            found = item[0].describe() if item else "nothing"
            raise cursor.error(
                f"expected a column name in {label}, found {found}", (item or [closing])[0]
            )
        names.append(item[0].value)
    return tuple(names)


def _parse_tblproperties(cursor: Cursor, draft: _Draft) -> None:
    _, inner, closing = cursor.group("after TBLPROPERTIES")
    for item in _split_items(inner):
        if not item:
            raise cursor.error("empty item in TBLPROPERTIES (a stray ',' or '()')", closing)
        item_cursor = Cursor(item, cursor.path, item[-1].line)
        key_token = item[0]
        key = item_cursor.string("as a TBLPROPERTIES key")
        if not (equals := item_cursor.peek()) or not equals.is_symbol("="):
            raise item_cursor.error(
                f"expected '=' after property '{key}', found {item_cursor.found()}"
            )
        item_cursor.advance()
        value = _property_value(item_cursor, key)
        if key in draft.properties:
            raise cursor.error(f"property '{key}' is given twice in TBLPROPERTIES", key_token)
        draft.properties[key] = value


def _property_value(cursor: Cursor, key: str) -> str:
    """A quoted string, a (signed) number or a boolean, as text."""
    tokens = cursor.tokens[cursor.pos :]
    signed = len(tokens) == 2 and tokens[0].text in ("+", "-") and tokens[1].kind == "number"
    if signed or (len(tokens) == 1 and tokens[0].kind == "number"):
        return "".join(token.text for token in tokens)
    if len(tokens) == 1 and tokens[0].kind == "string":
        return tokens[0].value
    if len(tokens) == 1 and tokens[0].is_word("TRUE", "FALSE"):
        return tokens[0].text.lower()
    message = f"expected a quoted string, number or boolean as the value of property '{key}'"
    raise cursor.error(f"{message}, found {cursor.found()}")
