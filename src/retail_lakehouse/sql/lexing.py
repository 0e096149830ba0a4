"""Lexing of pipeline ``.sql`` files: tokens with line numbers, statements, a token cursor.

This module owns everything character-level about the pipeline SQL dialect: skipping
whitespace, ``--`` and (nested) ``/* */`` comments, reading string literals, backquoted
identifiers, words, numbers and symbols; splitting a file into ``;``-separated statements
with balanced parentheses; and the small cursor that the statement parser in
:mod:`retail_lakehouse.sql.ddl` walks with. It knows no statement grammar.
Every error is a one-line :class:`DefinitionError` at the offending line.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from retail_lakehouse.common.errors import DefinitionError, SourceLocation

TokenKind = Literal["word", "number", "string", "quoted", "symbol"]
_ESCAPE = re.compile(r"\\(.)|''|\"\"", re.DOTALL)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", "'": "'", '"': '"'}


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str  # exactly as written in the source
    line: int  # 1-based line of the first character
    start: int  # offsets into the source text
    end: int

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words

    def is_symbol(self, symbol: str) -> bool:
        return self.kind == "symbol" and self.text == symbol

    @property
    def is_identifier(self) -> bool:
        return self.kind in ("word", "quoted")

    @property
    def value(self) -> str:
        """The unescaped content of a string or backquoted identifier, else the text."""
        if self.kind == "string":
            return unescape_string(self.text)
        if self.kind == "quoted":
            return self.text[1:-1].replace("``", "`")
        return self.text

    def describe(self) -> str:
        """The token for an error message: one line, short, strings marked as such."""
        short = self.text.splitlines()[0] if self.text else ""
        short = short if len(short) <= 40 and short == self.text else short[:37] + "..."
        return f"string {short}" if self.kind == "string" else f"'{short}'"


def unescape_string(literal: str) -> str:
    """The value of a quoted string literal: backslash escapes and doubled quotes resolved."""
    quote = literal[0]

    def one(match: re.Match[str]) -> str:
        escaped = match.group(1)
        if escaped is not None:
            return _ESCAPES.get(escaped, "\\" + escaped)
        return quote if match.group(0) == quote * 2 else match.group(0)

    return _ESCAPE.sub(one, literal[1:-1])


class _Scanner:
    """Turns source text into tokens; comments and whitespace are dropped."""

    def __init__(self, text: str, path: Path) -> None:
        self.text = text
        self.path = path
        self.pos = 0
        self._line_starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def line_at(self, offset: int) -> int:
        return bisect_right(self._line_starts, offset)

    def error(self, offset: int, message: str) -> DefinitionError:
        return DefinitionError(SourceLocation(self.path, self.line_at(offset)), message)

    def tokens(self) -> list[Token]:
        found: list[Token] = []
        while self._skip_space_and_comments():
            start = self.pos
            kind = self._read_token()
            found.append(
                Token(kind, self.text[start : self.pos], self.line_at(start), start, self.pos)
            )
        return found

    def _skip_space_and_comments(self) -> bool:
        """Advance to the next token; False at the end of the text."""
        text = self.text
        while self.pos < len(text):
            if text[self.pos].isspace():
                self.pos += 1
            elif text.startswith("--", self.pos):
                newline = text.find("\n", self.pos)
                self.pos = len(text) if newline < 0 else newline + 1
            elif text.startswith("/*", self.pos):
                self._skip_block_comment()
            else:
                return True
        return False

    def _skip_block_comment(self) -> None:
        start, depth = self.pos, 0
        while self.pos < len(self.text):
            if self.text.startswith("/*", self.pos):
                depth, self.pos = depth + 1, self.pos + 2
            elif self.text.startswith("*/", self.pos):
                depth, self.pos = depth - 1, self.pos + 2
                if depth == 0:
                    return
            else:
                self.pos += 1
        raise self.error(start, "unterminated /* comment")

    def _read_token(self) -> TokenKind:
        char = self.text[self.pos]
        if char in "'\"":
            self._read_quoted(char, escapes=True, what="string literal")
            return "string"
        if char == "`":
            self._read_quoted(char, escapes=False, what="`quoted identifier`")
            return "quoted"
        if char.isalnum() or char == "_":
            self._read_word()
            return "number" if char.isdigit() else "word"
        self.pos += 1
        return "symbol"

    def _read_quoted(self, quote: str, *, escapes: bool, what: str) -> None:
        start, text = self.pos, self.text
        self.pos += 1
        while self.pos < len(text):
            char = text[self.pos]
            if (escapes and char == "\\") or text.startswith(quote * 2, self.pos):
                self.pos += 2
            elif char == quote:
                self.pos += 1
                return
            else:
                self.pos += 1
        raise self.error(start, f"unterminated {what}")

    def _read_word(self) -> None:
        text = self.text
        numeric = text[self.pos].isdigit()
        while self.pos < len(text) and (
            text[self.pos].isalnum() or text[self.pos] == "_" or (numeric and text[self.pos] == ".")
        ):
            self.pos += 1


def quoted_spans(text: str, path: Path) -> list[tuple[int, int, str]]:
    """Offsets of the string literals and backquoted identifiers of ``text``, in order,
    each with its quote character."""
    return [
        (token.start, token.end, token.text[0])
        for token in _Scanner(text, path).tokens()
        if token.kind in ("string", "quoted")
    ]


@dataclass(frozen=True)
class Statement:
    tokens: tuple[Token, ...]  # without the terminating ';'
    source: str  # the whole file text the token offsets refer to
    path: Path
    end_line: int  # line of the terminating ';' (or of the last token)

    def text_between(self, after: Token, until: Token) -> str:
        """The source text after ``after`` up to the end of ``until``, comments kept."""
        return self.source[after.end : until.end].strip()


def split_statements(text: str, path: Path) -> list[Statement]:
    """Tokenize ``text`` and cut it at ``;``; empty statements are dropped."""
    statements: list[Statement] = []
    current: list[Token] = []
    for token in [*_Scanner(text, path).tokens(), None]:
        if token is not None and not token.is_symbol(";"):
            current.append(token)
            continue
        if current:
            check_parentheses(current, path)
            end_line = current[-1].line if token is None else token.line
            statements.append(Statement(tuple(current), text, path, end_line))
        current = []
    return statements


def check_parentheses(tokens: Sequence[Token], path: Path) -> None:
    open_parens: list[Token] = []
    for token in tokens:
        if token.is_symbol("("):
            open_parens.append(token)
        elif token.is_symbol(")"):
            if not open_parens:
                raise DefinitionError(SourceLocation(path, token.line), "unmatched ')'")
            open_parens.pop()
    if open_parens:
        where = SourceLocation(path, open_parens[-1].line)
        raise DefinitionError(where, "unterminated parenthesis: '(' is never closed")


def split_top_level(tokens: Sequence[Token], separator: str = ",") -> list[list[Token]]:
    """Split at ``separator`` outside parentheses and type brackets such as ``STRUCT<a, b>``."""
    items: list[list[Token]] = [[]]
    parens = angles = 0
    for token in tokens:
        if token.is_symbol(separator) and parens == 0 and angles == 0:
            items.append([])
            continue
        if token.is_symbol("("):
            parens += 1
        elif token.is_symbol(")"):
            parens -= 1
        elif parens == 0 and token.is_symbol("<"):
            angles += 1
        elif parens == 0 and angles > 0 and token.is_symbol(">"):
            angles -= 1
        items[-1].append(token)
    return items


class Cursor:
    """Walks a balanced token sequence; every error names the file and line."""

    def __init__(self, tokens: Sequence[Token], path: Path, end_line: int) -> None:
        self.tokens = tokens
        self.path = path
        self.end_line = end_line
        self.pos = 0

    def peek(self, ahead: int = 0) -> Token | None:
        index = self.pos + ahead
        return self.tokens[index] if index < len(self.tokens) else None

    def at_end(self) -> bool:
        return self.pos >= len(self.tokens)

    def found(self) -> str:
        token = self.peek()
        return "end of statement" if token is None else token.describe()

    def error(self, message: str, token: Token | None = None) -> DefinitionError:
        token = token or self.peek()
        line = self.end_line if token is None else token.line
        return DefinitionError(SourceLocation(self.path, line), message)

    def advance(self) -> Token:
        token = self.peek()
        if token is None:
            raise self.error("unexpected end of statement")
        self.pos += 1
        return token

    def accept_word(self, *words: str) -> Token | None:
        token = self.peek()
        if token is not None and token.is_word(*words):
            self.pos += 1
            return token
        return None

    def expect_word(self, *words: str, context: str = "") -> Token:
        token = self.accept_word(*words)
        if token is None:
            where = f" {context}" if context else ""
            raise self.error(f"expected {' | '.join(words)}{where}, found {self.found()}")
        return token

    def group(self, context: str) -> tuple[Token, list[Token], Token]:
        """Read ``( ... )``: the opening token, the tokens inside, the closing token."""
        opening = self.peek()
        if opening is None or not opening.is_symbol("("):
            raise self.error(f"expected '(' {context}, found {self.found()}")
        start, depth = self.pos, 0
        for index in range(start, len(self.tokens)):
            token = self.tokens[index]
            depth += token.is_symbol("(") - token.is_symbol(")")
            if depth == 0:
                self.pos = index + 1
                return opening, list(self.tokens[start + 1 : index]), token
        raise self.error("unterminated parenthesis: '(' is never closed", opening)

    def identifier(self, missing: str) -> str:
        """The value of a word or `quoted` identifier; ``missing`` explains its absence."""
        token = self.peek()
        if token is None or not token.is_identifier or token.is_word("AS") or not token.value:
            raise self.error(f"{missing}, found {self.found()}")
        self.pos += 1
        return token.value

    def string(self, context: str) -> str:
        """The unescaped value of a quoted string literal."""
        token = self.peek()
        if token is None or token.kind != "string":
            raise self.error(f"expected a quoted string {context}, found {self.found()}")
        self.pos += 1
        return token.value
