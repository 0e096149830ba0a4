"""Tracing what a dataset function reads, by running it once on stand-ins.

A Python dataset's inputs are whatever its function reads when it runs, names computed in
loops and closures included, so the function is run once when the pipeline is loaded,
in a context where every read is recorded and returns a :class:`Stand` (an object that
answers every DataFrame, Column and function call with itself). Nothing is read and
nothing is computed; the recorded reads make the graph, as a SQL query's table
references do.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from retail_lakehouse.common.errors import DefinitionError
from retail_lakehouse.pipeline.python.api import PythonDefinition
from retail_lakehouse.pipeline.python.context import UNKNOWN, failing_line, reading
from retail_lakehouse.sql.queries import FileSource


class Stand:
    """Stands for any DataFrame, Column, function, window or type while tracing."""

    def __getattr__(self, name: str) -> Stand:
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> Stand:
        return self

    def __getitem__(self, key: Any) -> Stand:
        return self

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def __bool__(self) -> bool:
        return True

    def __len__(self) -> int:
        return 0

    def __int__(self) -> int:
        return 0

    def __float__(self) -> float:
        return 0.0

    def __index__(self) -> int:
        return 0

    def _same(self, *other: Any) -> Stand:
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _same
    __truediv__ = __rtruediv__ = __floordiv__ = __mod__ = __pow__ = __neg__ = _same
    __and__ = __rand__ = __or__ = __ror__ = __invert__ = _same
    __lt__ = __le__ = __gt__ = __ge__ = _same
    __eq__ = __ne__ = _same  # type: ignore[assignment]
    __hash__ = object.__hash__


@dataclass
class Traced:
    """What one run of a dataset function read."""

    reads: list[str] = field(default_factory=list)
    streams: list[str] = field(default_factory=list)
    files: list[FileSource] = field(default_factory=list)


@dataclass
class _Tracer:
    configuration: Mapping[str, str]
    traced: Traced = field(default_factory=Traced)

    def read(self, name: str) -> Stand:
        self.traced.reads.append(name)
        return Stand()

    def read_stream(self, name: str) -> Stand:
        self.traced.streams.append(name)
        return Stand()

    def load(self, source: FileSource) -> Stand:
        self.traced.files.append(source)
        return Stand()

    def module(self, name: str) -> Stand:
        return Stand()


def trace(definition: PythonDefinition, configuration: Mapping[str, str]) -> Traced:
    """What the definition's function reads; an error in it is one line naming it."""
    tracer = _Tracer(configuration)
    if definition.function is None:
        return tracer.traced
    with reading(tracer):
        try:
            definition.function()
        except DefinitionError as exc:
            if exc.location != UNKNOWN:
                raise
            raise DefinitionError(
                definition.location, f"'{definition.name}': {exc.problem}"
            ) from None
        except Exception as exc:  # the user's code: whatever it raises is one line
            problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise DefinitionError(
                failing_line(exc, definition.location),
                f"'{definition.name}': cannot tell what it reads: {type(exc).__name__}: {problem}",
            ) from None
    return tracer.traced
