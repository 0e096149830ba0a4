"""``${name}`` inside string literals and backquoted identifiers: the value stays one token,
read back as written by the lexer and by sqlglot's Databricks dialect alike. (A backslash
goes in as written, an escape in a literal, as Lakeflow's text substitution leaves it.)"""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from retail_lakehouse.sql import substitution
from retail_lakehouse.sql.lexing import split_statements
from retail_lakehouse.sql.substitution import substitute

PATH = Path("pipeline/p.sql")
AWKWARD = ["it's here", 'say "hi"', "a`b", "-- not a comment", "/* nor this */", "x;y"]


@pytest.mark.parametrize("value", AWKWARD)
def test_a_value_in_a_string_literal_is_the_literals_whole_value(value: str) -> None:
    text = "SELECT * FROM read_files('${landing}/orders', format => \"${landing}\")"
    sql = substitute(text, {"landing": value}, PATH)
    (statement,) = split_statements(sql, PATH)
    strings = [t.value for t in statement.tokens if t.kind == "string"]
    assert strings == [f"{value}/orders", value]
    call = sqlglot.parse_one(sql, read="databricks").find(exp.Anonymous)
    assert call is not None
    assert [a.name for a in call.find_all(exp.Literal)][:1] == [f"{value}/orders"]


@pytest.mark.parametrize("value", AWKWARD)
def test_a_value_in_a_backquoted_name_is_the_names_whole_value(value: str) -> None:
    sql = substitute("SELECT 1 AS `${name}`", {"name": value}, PATH)
    (statement,) = split_statements(sql, PATH)
    assert [t.value for t in statement.tokens if t.kind == "quoted"] == [value]


def test_a_value_outside_quotes_goes_in_as_written() -> None:
    sql = substitute("SELECT ${columns} FROM t -- '${x}'", {"columns": "a, 'b'", "x": "'"}, PATH)
    assert sql == "SELECT a, 'b' FROM t -- '''"


def test_a_reference_after_a_literal_with_escaped_quotes_is_outside_it() -> None:
    text = "SELECT 'it''s', 'a\\'b', ${n}, '${v}'"
    assert substitute(text, {"n": "1", "v": "o'k"}, PATH) == "SELECT 'it''s', 'a\\'b', 1, 'o\\'k'"


def test_the_doctests_hold() -> None:
    results = doctest.testmod(substitution)
    assert results.attempted > 0 and results.failed == 0
