"""What a dataset function's reads mean while it runs: the active context.

A dataset function reads other datasets (``dp.read``, ``spark.read.table``), streams
(``dp.read_stream``, ``spark.readStream.table``) and files (``spark.readStream.format(
"cloudFiles")...load(path)``, ``spark.read.format(...).load(path)``), uses the DataFrame
functions, types and windows of ``pyspark.sql``, and the pipeline's configuration. Which
objects those are depends on who calls the function: the tracer at load time, or an
engine during an update. The caller installs a :class:`ReadContext` for the call, and the
names the user's file imported resolve through it.
"""

from __future__ import annotations

import linecache
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Protocol

from retail_lakehouse.common.errors import DefinitionError, SourceLocation
from retail_lakehouse.sql.queries import FileSource


class ReadContext(Protocol):
    """What the reads of a dataset function return while it runs."""

    configuration: Mapping[str, str]

    def read(self, name: str) -> Any: ...

    def read_stream(self, name: str) -> Any: ...

    def load(self, source: FileSource) -> Any: ...

    def module(self, name: str) -> Any:
        """The object standing for ``pyspark.sql.<name>`` (functions, types, Window...)."""
        ...


UNKNOWN = "<python>"  # where an error is, until the file it comes from says
_active: ContextVar[ReadContext | None] = ContextVar("retail_lakehouse_read_context", default=None)


@contextmanager
def reading(context: ReadContext) -> Iterator[None]:
    """Make ``context`` the one dataset functions read through, for the block."""
    token = _active.set(context)
    try:
        yield
    finally:
        _active.reset(token)


def call_dataset_function(
    function: Callable[[], Any], context: ReadContext, location: SourceLocation, name: str
) -> Any:
    """Run a dataset function in ``context``; whatever it raises is one line at the line of
    the user's file it came from."""
    with reading(context):
        try:
            return function()
        except DefinitionError as exc:
            if exc.location != UNKNOWN:
                raise
            raise DefinitionError(failing_line(exc, location), f"'{name}': {exc.problem}") from None
        except Exception as exc:  # the user's code, or the DataFrame API refusing it
            line = failing_line(exc, location)
            raise DefinitionError(line, f"'{name}': {_describe(exc)}{_code_at(line)}") from None


def failing_line(exc: BaseException, location: SourceLocation) -> SourceLocation:
    """The innermost line of the dataset's own file in the traceback."""
    frames = traceback.extract_tb(exc.__traceback__)
    lines = [f.lineno for f in frames if Path(f.filename) == location.path and f.lineno]
    return SourceLocation(location.path, lines[-1]) if lines else location


def _code_at(location: SourceLocation) -> str:
    """`` (in: <the line's code>)``, naming the operation that failed."""
    code = linecache.getline(str(location.path), location.line).strip()
    return f" (in: {code})" if code else ""


def _describe(exc: BaseException) -> str:
    problem = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {problem}" if problem else type(exc).__name__


def current() -> ReadContext | None:
    """The context of the dataset function that is running, if one is."""
    return _active.get()


def active(what: str) -> ReadContext:
    """The context of the dataset function that is running; ``what`` is only possible then."""
    context = _active.get()
    if context is None:
        raise DefinitionError(UNKNOWN, f"{what} works only inside a dataset function")
    return context
