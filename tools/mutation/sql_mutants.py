"""Mutants of a pipeline SQL file: each one small change to one statement's query.

The file is cut into statements with sqlglot's tokenizer (Databricks dialect) and each
statement's query (from the SELECT after its ``AS`` to its end) is parsed with sqlglot.
A mutant changes one node of one query: an arithmetic or comparison operator swapped, an
aggregate replaced, a DISTINCT, NOT, WHERE, COALESCE default, GROUP BY column, IN item or
CASE branch dropped, a LEFT JOIN made inner, an integer literal (not a type's) moved by
one. The mutated query is written back as sqlglot prints it, in place of the original
query's text; the rest of the file (the CREATE clauses, comments) stays byte for byte.

>>> text = "CREATE MATERIALIZED VIEW v AS SELECT a + 1 AS b FROM t;"
>>> [(m.dataset, m.before, m.after) for m in mutants(text)]
[('v', 'a + 1', 'a - 1'), ('v', '1', '2')]
>>> mutants(text)[0].text
'CREATE MATERIALIZED VIEW v AS SELECT a - 1 AS b FROM t;'
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import sqlglot
from sqlglot import Token, TokenType, exp
from sqlglot.dialects.dialect import Dialect

DIALECT = "databricks"
Rewrite = Callable[[exp.Expr], exp.Expr | None]  # changes a node of a copied tree: what took
# its place (None: it was dropped)

_SWAPS: dict[type[exp.Expr], type[exp.Expr]] = {
    exp.Add: exp.Sub,
    exp.Sub: exp.Add,
    exp.Mul: exp.Div,
    exp.Div: exp.Mul,
    exp.IntDiv: exp.Div,
    exp.GT: exp.GTE,
    exp.GTE: exp.GT,
    exp.LT: exp.LTE,
    exp.LTE: exp.LT,
    exp.EQ: exp.NEQ,
    exp.NEQ: exp.EQ,
    exp.And: exp.Or,
    exp.Or: exp.And,
}
_AGGREGATES: dict[type[exp.Expr], type[exp.Expr]] = {
    exp.Sum: exp.Max,
    exp.Min: exp.Max,
    exp.Max: exp.Min,
}


@dataclass(frozen=True)
class Query:
    """One statement's query: the dataset it defines and where its text is in the file."""

    dataset: str
    start: int  # offset of the query's first character
    end: int  # offset just past its last character
    tree: exp.Expr


@dataclass(frozen=True)
class Mutant:
    dataset: str
    before: str  # the node that was changed, as SQL
    after: str  # what it became ('' when it was dropped)
    text: str  # the whole file with the mutated query


def mutants(text: str) -> list[Mutant]:
    """Every mutant of every query of ``text``, in file order."""
    return [mutant for query in queries(text) for mutant in _query_mutants(text, query)]


def round_trip(text: str) -> str:
    """``text`` with each query as sqlglot prints it, unmutated: the baseline to test."""
    for query in reversed(queries(text)):
        text = _splice(text, query, query.tree.sql(dialect=DIALECT))
    return text


def queries(text: str) -> list[Query]:
    """The queries of the statements of ``text`` that have one (CREATE ... AS SELECT)."""
    found = []
    for statement in _statements(Dialect.get_or_raise(DIALECT).tokenize(text)):
        start = _query_start(statement)
        if start is None:
            continue
        first, last = statement[start], statement[-1]
        query_text = text[first.start : last.end + 1]
        tree = sqlglot.parse_one(query_text, read=DIALECT)
        found.append(Query(_dataset_name(statement), first.start, last.end + 1, tree))
    return found


def _statements(tokens: Sequence[Token]) -> Iterator[list[Token]]:
    statement: list[Token] = []
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            if statement:
                yield statement
            statement = []
        else:
            statement.append(token)
    if statement:
        yield statement


def _query_start(statement: Sequence[Token]) -> int | None:
    """Index of the SELECT that follows the statement's top-level AS."""
    depth = 0
    for index, token in enumerate(statement[:-1]):
        if token.token_type == TokenType.L_PAREN:
            depth += 1
        elif token.token_type == TokenType.R_PAREN:
            depth -= 1
        elif (
            depth == 0
            and token.token_type == TokenType.ALIAS
            and statement[index + 1].token_type == TokenType.SELECT
        ):
            return index + 1
    return None


def _dataset_name(statement: Sequence[Token]) -> str:
    kinds = {TokenType.VIEW, TokenType.TABLE}
    index = next(i for i, token in enumerate(statement) if token.token_type in kinds)
    return statement[index + 1].text


def _splice(text: str, query: Query, replacement: str) -> str:
    return text[: query.start] + replacement + text[query.end :]


def _query_mutants(text: str, query: Query) -> Iterator[Mutant]:
    for index, node in enumerate(query.tree.walk()):
        for rewrite in _rewrites(node):
            tree = query.tree.copy()
            target = list(tree.walk())[index]
            before = target.sql(dialect=DIALECT)
            changed = rewrite(target)
            after = "" if changed is None else changed.sql(dialect=DIALECT)
            mutated = _splice(text, query, tree.sql(dialect=DIALECT))
            yield Mutant(query.dataset, before, after, mutated)


def _rewrites(node: exp.Expr) -> list[Rewrite]:
    """The mutations of ``node``, each a rewrite of a copy of it."""
    found: list[Rewrite] = []
    kind = type(node)
    if kind in _SWAPS:
        found.append(_binary_swap(_SWAPS[kind]))
    if kind in _AGGREGATES:
        found.append(_aggregate_swap(_AGGREGATES[kind]))
    if isinstance(node, exp.Count) and isinstance(node.this, exp.Distinct):
        found.append(_drop_distinct)
    if isinstance(node, exp.Not):
        found.append(_drop_not)
    if isinstance(node, exp.Is) and not isinstance(node.parent, exp.Not):
        found.append(_negate)
    if isinstance(node, exp.Where):
        found.append(_drop)
    if isinstance(node, exp.Coalesce) and node.expressions:
        found.append(_drop_default)
    if isinstance(node, exp.Join) and node.side == "LEFT":
        found.append(_inner_join)
    if isinstance(node, exp.Literal) and node.is_int and not _in_type(node):
        found.append(_plus_one)
    found.extend(_list_drops(node))
    return found


def _in_type(node: exp.Expr) -> bool:
    """Whether the node is a type's parameter, such as the 18 of DECIMAL(18, 2)."""
    return node.find_ancestor(exp.DataType) is not None


def _list_drops(node: exp.Expr) -> list[Rewrite]:
    """Dropping one item of a GROUP BY, an IN list or a CASE's branches (two or more)."""
    if isinstance(node, exp.Group | exp.In):
        items = node.expressions
    elif isinstance(node, exp.Case):
        items = node.args.get("ifs") or []
    else:
        return []
    return [_drop_item(i) for i in range(len(items))] if len(items) > 1 else []


def _binary_swap(kind: type[exp.Expr]) -> Rewrite:
    def rewrite(node: exp.Expr) -> exp.Expr:
        return node.replace(kind(this=node.this, expression=node.args.get("expression")))

    return rewrite


def _aggregate_swap(kind: type[exp.Expr]) -> Rewrite:
    def rewrite(node: exp.Expr) -> exp.Expr:
        return node.replace(kind(this=node.this))

    return rewrite


def _drop_item(position: int) -> Rewrite:
    def rewrite(node: exp.Expr) -> exp.Expr:
        key = "ifs" if isinstance(node, exp.Case) else "expressions"
        node.args[key][position].pop()
        return node

    return rewrite


def _drop_distinct(node: exp.Expr) -> exp.Expr:
    node.set("this", node.this.expressions[0])
    return node


def _drop_not(node: exp.Expr) -> exp.Expr:
    inner: exp.Expr = node.this
    return node.replace(inner)


def _negate(node: exp.Expr) -> exp.Expr:
    return node.replace(exp.Not(this=node.copy()))


def _drop(node: exp.Expr) -> None:
    node.pop()


def _drop_default(node: exp.Expr) -> exp.Expr:
    value: exp.Expr = node.this
    return node.replace(value)


def _inner_join(node: exp.Expr) -> exp.Expr:
    node.set("side", None)
    return node


def _plus_one(node: exp.Expr) -> exp.Expr:
    return node.replace(exp.Literal.number(int(node.this) + 1))
