"""``${name}`` configuration substitution in pipeline SQL files.

As in Lakeflow, the text is replaced before it is parsed, and line numbers stay those of
the file. Inside a string literal or a backquoted identifier the value keeps that token
whole: its quote characters are escaped as the token's own (``\\'`` in a ``'...'``
literal, doubled backquotes in an identifier), so a lakehouse folder such as
``/data/it's here`` substituted into ``read_files('${landing}/orders')`` stays one path.
Backslashes go in as written, escapes in a literal as on Databricks; elsewhere, in names
and query text, the whole value goes in as written.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping
from pathlib import Path

from retail_lakehouse.common.errors import DefinitionError, SourceLocation
from retail_lakehouse.sql.lexing import quoted_spans

REFERENCE = re.compile(r"\$\{([^{}\n]*)\}")


def substitute(text: str, configuration: Mapping[str, str], path: Path) -> str:
    """Replace every ``${name}`` by its configuration value; line numbers stay the same."""
    spans = quoted_spans(text, path) if REFERENCE.search(text) else []
    starts = [start for start, _, _ in spans]

    def value_of(match: re.Match[str]) -> str:
        name = match.group(1)
        where = SourceLocation(path, text.count("\n", 0, match.start()) + 1)
        if name not in configuration:
            defined = ", ".join(sorted(configuration)) or "none"
            raise DefinitionError(
                where, f"unknown configuration variable '${{{name}}}'; defined: {defined}"
            )
        value = configuration[name]
        if "\n" in value:
            raise DefinitionError(where, f"configuration value of '${{{name}}}' contains a newline")
        index = bisect_right(starts, match.start()) - 1
        if index >= 0 and match.end() <= spans[index][1]:
            return escaped_within(value, spans[index][2])
        return value

    return REFERENCE.sub(value_of, text)


def escaped_within(value: str, quote: str) -> str:
    """``value`` as the content of a token quoted by ``quote``.

    >>> escaped_within("it's", "'"), escaped_within("a`b", "`")
    ("it\\\\'s", 'a``b')
    """
    if quote == "`":
        return value.replace("`", "``")
    return value.replace(quote, "\\" + quote)
