"""Names and text in the DuckDB SQL the engine writes: identifiers in double quotes,
string literals in single quotes, each quote inside doubled.

>>> print(quote('a"b'), literal("it's"))
"a""b" 'it''s'
"""

from __future__ import annotations


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
