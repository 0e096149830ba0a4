"""A small, safe expression language for derived columns, evaluated on whole numpy arrays.

Expressions are Python-syntax arithmetic over column names, parsed with :mod:`ast` and
restricted to a whitelist: ``+ - * / // % **``, comparisons, ``and``/``or``/``not``,
``x in (a, b)``, ``a if cond else b`` and the functions in :data:`FUNCTIONS`. Timestamps
are integers of microseconds since the epoch; ``days(n)``, ``hours(n)`` and ``minutes(n)``
turn numbers into such durations, and ``reference_time`` is the dataset's "now".
A value is null where any input it depends on is null, unless ``where`` picks around it.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, ClassVar

import numpy as np

from retail_lakehouse.common.errors import InputError
from retail_lakehouse.generate.values import Array, Mask, Value, round_decimal

MICROS_PER_SECOND = 1_000_000
MICROS_PER_MINUTE = 60 * MICROS_PER_SECOND
MICROS_PER_HOUR = 60 * MICROS_PER_MINUTE
MICROS_PER_DAY = 24 * MICROS_PER_HOUR
CONSTANTS = frozenset({"reference_time", "null"})


class ExpressionError(InputError, ValueError):
    """An expression uses syntax or names the language does not allow."""


def _either(a: Mask | None, b: Mask | None) -> Mask | None:
    if a is None:
        return b
    if b is None:
        return a
    return a | b


def _lift(fn: Callable[..., Array]) -> Callable[..., Value]:
    def lifted(*args: Value) -> Value:
        nulls: Mask | None = None
        for arg in args:
            nulls = _either(nulls, arg.nulls)
        return Value(fn(*(a.data for a in args)), nulls)

    return lifted


def _round(x: Array, digits: Array | None = None) -> Array:
    digits = np.asarray(digits) if digits is not None else np.zeros(1, dtype=np.int64)
    places = int(digits.flat[0]) if digits.size else 0  # a block of no rows has no digits
    return round_decimal(np.asarray(x, dtype=np.float64), places)


def _duration(amount: Array, unit: int) -> Array:
    """A duration in microseconds, rounded to whole seconds."""
    seconds = np.rint(np.asarray(amount, dtype=np.float64) * (unit // MICROS_PER_SECOND))
    return seconds.astype(np.int64) * MICROS_PER_SECOND


def _where(cond: Value, yes: Value, no: Value) -> Value:
    data = np.where(cond.data, yes.data, no.data)
    pick_yes = cond.data.astype(bool)
    yes_nulls = yes.nulls if yes.nulls is not None else np.zeros(data.shape, bool)
    no_nulls = no.nulls if no.nulls is not None else np.zeros(data.shape, bool)
    nulls = np.where(pick_yes, yes_nulls, no_nulls)
    return Value(
        data, _either(cond.nulls, nulls) if nulls.any() or cond.nulls is not None else None
    )


def _is_null(x: Value) -> Value:
    flags = x.nulls if x.nulls is not None else np.zeros(x.data.shape, bool)
    return Value(flags.copy())


FUNCTIONS: dict[str, Callable[..., Value]] = {
    "round": _lift(_round),
    "abs": _lift(np.abs),
    "floor": _lift(np.floor),
    "ceil": _lift(np.ceil),
    "sqrt": _lift(np.sqrt),
    "exp": _lift(np.exp),
    "log": _lift(np.log),
    "min": _lift(np.minimum),
    "max": _lift(np.maximum),
    "clip": _lift(np.clip),
    "days": _lift(lambda n: _duration(n, MICROS_PER_DAY)),
    "hours": _lift(lambda n: _duration(n, MICROS_PER_HOUR)),
    "minutes": _lift(lambda n: _duration(n, MICROS_PER_MINUTE)),
    "where": _where,
    "is_null": _is_null,
}

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}


@cache
def parse_expression(text: str) -> ast.expr:
    """Parse and check an expression; raises :class:`ExpressionError` on anything else.

    Cached: every block evaluates the same few expressions (the tree is never mutated)."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ExpressionError(f"invalid expression syntax at column {exc.offset}") from None
    for node in ast.walk(tree):
        _check_node(node)
    return tree


_ALLOWED_NODES = (
    ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.Call, ast.Name,
    ast.Constant, ast.Tuple, ast.List, ast.Load, ast.And, ast.Or, ast.Not, ast.USub,
    ast.UAdd, ast.In, ast.NotIn, *_BINARY, *_COMPARE,
)  # fmt: skip


def _check_node(node: ast.AST) -> None:
    if not isinstance(node, _ALLOWED_NODES):
        raise ExpressionError(f"'{type(node).__name__}' is not allowed in expressions")
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            allowed = ", ".join(sorted(FUNCTIONS))
            raise ExpressionError(f"unknown function; allowed: {allowed}")
        if node.keywords:
            raise ExpressionError("keyword arguments are not allowed")
    if isinstance(node, ast.Constant) and not isinstance(node.value, int | float | bool | str):
        raise ExpressionError(f"constant {node.value!r} is not allowed")


def referenced_columns(text: str) -> set[str]:
    """Column names an expression reads (functions and constants excluded)."""
    tree = parse_expression(text)
    calls = [n.func for n in ast.walk(tree) if isinstance(n, ast.Call)]
    called = {f.id for f in calls if isinstance(f, ast.Name)}
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return names - called - CONSTANTS


class _Evaluator:
    # Method names, not bound methods held by the instance: those would make it a reference
    # cycle, which keeps the block's input columns alive until the next garbage collection.
    HANDLERS: ClassVar[dict[type[ast.expr], str]] = {
        ast.Constant: "_constant",
        ast.Name: "_name",
        ast.BinOp: "_bin_op",
        ast.UnaryOp: "_unary_op",
        ast.BoolOp: "_bool_op",
        ast.Compare: "_compare",
        ast.IfExp: "_if_exp",
        ast.Call: "_call",
    }

    def __init__(self, columns: Mapping[str, Value], size: int, reference_time: int) -> None:
        self.columns = columns
        self.size = size
        self.reference_time = reference_time

    def eval(self, node: ast.expr) -> Value:
        handler = self.HANDLERS.get(type(node))
        if handler is None:
            raise ExpressionError(f"'{type(node).__name__}' cannot be evaluated here")
        value: Value = getattr(self, handler)(node)
        return value

    def _constant(self, node: ast.Constant) -> Value:
        return Value(np.full(self.size, node.value))

    def _name(self, node: ast.Name) -> Value:
        if node.id == "reference_time":
            return Value(np.full(self.size, self.reference_time, dtype=np.int64), None, "int")
        if node.id == "null":
            return Value(np.zeros(self.size), np.ones(self.size, bool))
        column = self.columns[node.id]
        return Value(column.numpy(), column.nulls, column.type)

    def _bin_op(self, node: ast.BinOp) -> Value:
        fn = _BINARY[type(node.op)]
        return _lift(fn)(self.eval(node.left), self.eval(node.right))

    def _unary_op(self, node: ast.UnaryOp) -> Value:
        operand = self.eval(node.operand)
        if isinstance(node.op, ast.Not):
            return Value(~operand.data.astype(bool), operand.nulls)
        sign = -1 if isinstance(node.op, ast.USub) else 1
        return Value(sign * operand.data, operand.nulls)

    def _bool_op(self, node: ast.BoolOp) -> Value:
        fn = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        result = self.eval(node.values[0])
        for value in node.values[1:]:
            result = _lift(fn)(result, self.eval(value))
        return result

    def _compare(self, node: ast.Compare) -> Value:
        left = self.eval(node.left)
        result: Value | None = None
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right_node = comparator
            if isinstance(op, ast.In | ast.NotIn):
                members = [self._literal(e) for e in getattr(right_node, "elts", [])]
                flags = np.isin(left.data, members)
                step = Value(~flags if isinstance(op, ast.NotIn) else flags, left.nulls)
                right = left
            else:
                right = self.eval(right_node)
                step = _lift(_COMPARE[type(op)])(left, right)
            result = step if result is None else _lift(np.logical_and)(result, step)
            left = right
        assert result is not None
        return result

    def _literal(self, node: ast.expr) -> Any:
        if not isinstance(node, ast.Constant):
            raise ExpressionError("'in' needs a tuple or list of constants")
        return node.value

    def _if_exp(self, node: ast.IfExp) -> Value:
        return _where(self.eval(node.test), self.eval(node.body), self.eval(node.orelse))

    def _call(self, node: ast.Call) -> Value:
        assert isinstance(node.func, ast.Name)
        return FUNCTIONS[node.func.id](*(self.eval(a) for a in node.args))


def evaluate(text: str, columns: Mapping[str, Value], size: int, reference_time: int) -> Value:
    """Evaluate ``text`` over ``size`` rows of the given column values."""
    return _Evaluator(columns, size, reference_time).eval(parse_expression(text))
