"""Executing a pipeline's ``.py`` files, as Databricks does, with nothing to install.

Each file runs in a namespace of its own with ``spark`` defined, as in a Databricks
pipeline, and with its imports of ``dlt``, ``pyspark.pipelines`` and ``pyspark.sql``
(``functions``, ``types``, ``Window``, ...) answered by this package: the pipeline API
(``pipeline.python.api``), and stand-ins that resolve, each time they are used, to the
objects of whoever runs the dataset function (the tracer, DuckDB through SQLFrame, or
Spark), so one file runs on every engine unchanged. No ``dlt`` or ``pyspark`` package
has to be installed (PyPI's ``dlt`` is an unrelated project).
"""

from __future__ import annotations

import builtins
import traceback
import types
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from retail_lakehouse.common.errors import DefinitionError, SourceLocation
from retail_lakehouse.pipeline.python.api import PipelineApi, Registry
from retail_lakehouse.pipeline.python.context import UNKNOWN, active, current
from retail_lakehouse.sql.queries import FileSource

_SQL_MODULES = ("functions", "types", "window", "column", "dataframe")
_SQL_NAMES = {
    "Window": "window",
    "WindowSpec": "window",
    "Column": "column",
    "DataFrame": "dataframe",
}


class Resolving:
    """A name the user's file imported from ``pyspark.sql``: resolved when it is used,
    to the running dataset function's engine's object (SQLFrame's when nothing runs)."""

    def __init__(self, module: str, attribute: str | None = None) -> None:
        self._module = module
        self._attribute = attribute

    def _target(self) -> Any:
        context = current()
        module = context.module(self._module) if context is not None else _default(self._module)
        return module if self._attribute is None else getattr(module, self._attribute)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target(), name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._target()(*args, **kwargs)


def _default(module: str) -> Any:
    """SQLFrame's version of ``pyspark.sql.<module>``: what a schema in a decorator uses."""
    import importlib

    names = {"functions": "sqlframe.duckdb.functions", "types": "sqlframe.base.types",
             "window": "sqlframe.duckdb.window", "column": "sqlframe.base.column",
             "dataframe": "sqlframe.base.dataframe"}  # fmt: skip
    return importlib.import_module(names[module])


class _SqlPackage(types.ModuleType):
    """``pyspark.sql``: its submodules and its classes, resolving."""

    def __getattr__(self, name: str) -> Any:
        if name in _SQL_MODULES:
            return Resolving(name)
        if name in _SQL_NAMES:
            return Resolving(_SQL_NAMES[name], name)
        raise AttributeError(f"pyspark.sql.{name} is not available in a local pipeline file")


class _Reader:
    """``spark.read`` / ``spark.readStream``: tables and files, Auto Loader's shape included."""

    def __init__(
        self, streaming: bool, file_format: str = "", options: Sequence[tuple[str, str]] = ()
    ) -> None:
        self._streaming = streaming
        self._format = file_format
        self._options = tuple(options)

    def format(self, file_format: str) -> _Reader:
        return _Reader(self._streaming, file_format, self._options)

    def option(self, key: str, value: Any) -> _Reader:
        return _Reader(self._streaming, self._format, (*self._options, (key, str(value))))

    def options(self, **options: Any) -> _Reader:
        return _Reader(
            self._streaming,
            self._format,
            (*self._options, *((k, str(v)) for k, v in options.items())),
        )

    def schema(self, schema: Any) -> _Reader:
        return self  # the files' own schema is read; a hint changes nothing here

    def table(self, name: str) -> Any:
        context = active(f"spark.{'readStream' if self._streaming else 'read'}.table('{name}')")
        return context.read_stream(name) if self._streaming else context.read(name)

    def load(self, path: str) -> Any:
        options = dict(self._options)
        file_format = self._format.lower()
        if file_format == "cloudfiles":
            file_format = options.pop("cloudFiles.format", "").lower()
        loaded = FileSource(str(path), file_format, tuple(sorted(options.items())), self._streaming)
        return active(f"loading {path}").load(loaded)

    def parquet(self, path: str) -> Any:
        return self.format("parquet").load(path)

    def json(self, path: str) -> Any:
        return self.format("json").load(path)

    def csv(self, path: str) -> Any:
        return self.format("csv").load(path)


class _Unset:
    """``spark.conf.get``'s default when none is given (``None`` is a default)."""


UNSET = _Unset()


class _Conf:
    def __init__(self, configuration: Mapping[str, str]) -> None:
        self._configuration = configuration

    def get(self, key: str, default: str | _Unset | None = UNSET) -> str | None:
        """A configuration value; without a default, a key the settings lack is an error,
        as on Spark, rather than a None that fails later and elsewhere."""
        if key in self._configuration:
            return self._configuration[key]
        if isinstance(default, _Unset):
            raise DefinitionError(UNKNOWN, f"the pipeline's configuration has no '{key}'")
        return default


class SparkStandIn:
    """The ``spark`` a pipeline file sees: reads, the configuration, and the engine's own
    session for the rest (``createDataFrame``, ``range``, ...)."""

    def __init__(self, configuration: Mapping[str, str]) -> None:
        self.conf = _Conf(configuration)
        self.read = _Reader(streaming=False)
        self.readStream = _Reader(streaming=True)

    def table(self, name: str) -> Any:
        return active(f"spark.table('{name}')").read(name)

    def sql(self, query: str) -> Any:
        raise DefinitionError(UNKNOWN, "spark.sql is not supported in a Python dataset: "
                              "write the query as a .sql file of the pipeline")  # fmt: skip

    def __getattr__(self, name: str) -> Any:
        return getattr(active(f"spark.{name}").module("session"), name)


def run_pipeline_file(path: Path, registry: Registry, configuration: Mapping[str, str]) -> None:
    """Execute one ``.py`` file of a pipeline, recording what it defines in ``registry``."""
    try:
        source = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise DefinitionError(path, f"not UTF-8 text ({error.reason})") from None
    try:
        code = compile(source, str(path), "exec")
    except SyntaxError as error:
        where = SourceLocation(path, error.lineno or 1)
        raise DefinitionError(where, f"Python syntax error: {error.msg}") from None
    namespace = {
        "__name__": f"retail_lakehouse_pipeline.{path.stem}",
        "__file__": str(path),
        "__builtins__": _builtins(registry),
        "spark": SparkStandIn(configuration),
    }
    try:
        exec(code, namespace)  # the user's pipeline file, as Databricks runs it
    except DefinitionError as exc:
        if exc.location != UNKNOWN:
            raise
        raise DefinitionError(_line_in(path, exc), exc.problem) from None
    except Exception as exc:
        raise DefinitionError(_line_in(path, exc), _describe(exc)) from None


def _builtins(registry: Registry) -> dict[str, Any]:
    """Python's builtins, with an ``__import__`` that answers the pipeline modules."""
    dp = PipelineApi("pyspark.pipelines", registry, legacy=False)
    dlt = PipelineApi("dlt", registry, legacy=True)
    sql = _SqlPackage("pyspark.sql")
    pyspark = types.ModuleType("pyspark")
    pyspark.pipelines = dp  # type: ignore[attr-defined]
    pyspark.sql = sql  # type: ignore[attr-defined]
    ours: dict[str, Any] = {
        "dlt": dlt,
        "pyspark": pyspark,
        "pyspark.pipelines": dp,
        "pyspark.sql": sql,
    }
    real_import = builtins.__import__

    def pipeline_import(
        name: str,
        globals: Any = None,
        locals: Any = None,
        fromlist: Sequence[str] = (),
        level: int = 0,
    ) -> Any:
        if level == 0 and (name in ours or name.startswith("pyspark.sql.")):
            if name.startswith("pyspark.sql.") and name not in ours:
                ours[name] = Resolving(name.removeprefix("pyspark.sql."))
            return ours[name] if fromlist else ours[name.split(".")[0]]
        return real_import(name, globals, locals, fromlist, level)

    return {**vars(builtins), "__import__": pipeline_import}


def _line_in(path: Path, exc: BaseException) -> SourceLocation:
    """The innermost line of ``path`` in the exception's traceback."""
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(path)]
    return SourceLocation(path, (lines or [1])[-1] or 1)


def _describe(exc: BaseException) -> str:
    problem = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {problem}" if problem else type(exc).__name__


def describe_failure(exc: BaseException, path: Path) -> tuple[SourceLocation, str]:
    """Where in the user's file an exception a dataset function raised comes from, and what."""
    return _line_in(path, exc), _describe(exc)
