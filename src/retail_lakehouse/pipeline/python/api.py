"""The decorator API of Python pipelines, as Databricks documents it, in both spellings:
``from pyspark import pipelines as dp`` and the legacy ``import dlt``.

The decorators only record definitions in a :class:`Registry` (as ``pyspark.pipelines``
does): nothing runs when a pipeline file is executed but the file itself. ``@dp.table``
is a streaming table, ``@dp.materialized_view`` a materialized view, ``@dp.temporary_view``
(``@dp.view``, ``@dlt.view``) a temporary view; the legacy ``@dlt.table`` is a streaming
table when its function reads a stream and a materialized view otherwise. Expectation
decorators may stand above or below the dataset decorator. ``dp.read`` /
``dp.read_stream`` (and ``dlt.``) work only while a dataset function runs
(``pipeline.python.context``).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from retail_lakehouse.common.errors import DefinitionError, SourceLocation
from retail_lakehouse.pipeline.model import Expectation, ViolationAction
from retail_lakehouse.pipeline.python.context import active
from retail_lakehouse.sql.changes import ChangeFlowStatement, ColumnSelection

DeclaredKind = Literal[
    "streaming_table", "materialized_view", "temporary_view", "table_by_its_reads"
]
QueryFunction = Callable[[], Any]
_EXPECTATIONS = "__retail_lakehouse_expectations__"


@dataclass(frozen=True)
class PythonDefinition:
    """One dataset a Python file defines, as its decorators declared it."""

    name: str
    kind: DeclaredKind
    function: QueryFunction | None  # None: a streaming table no flow writes (yet)
    location: SourceLocation
    comment: str | None = None
    properties: tuple[tuple[str, str], ...] = ()
    partition_by: tuple[str, ...] = ()
    cluster_by: tuple[str, ...] = ()
    schema: str | None = None  # a DDL string or a StructType's simpleString
    expectations: tuple[Expectation, ...] = ()


@dataclass
class Registry:
    """What the files of one pipeline defined, in order, and what was said about them."""

    definitions: list[PythonDefinition] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    flows: list[ChangeFlowStatement] = field(default_factory=list)  # AUTO CDC flows

    def register(self, definition: PythonDefinition) -> None:
        for index, known in enumerate(self.definitions):
            if known.name.lower() != definition.name.lower():
                continue
            if (
                known.function is None
                and definition.function is not None
                and _flows_into(known, definition)
            ):
                self.definitions[index] = replace(known, function=definition.function)
                return
            raise DefinitionError(
                definition.location,
                f"dataset '{definition.name}' is already defined at {known.location}",
            )
        self.definitions.append(definition)

    def add_flow(self, target: str, name: str, function: QueryFunction) -> None:
        location = location_of(function)
        found = [i for i, d in enumerate(self.definitions) if d.name.lower() == target.lower()]
        if not found or self.definitions[found[0]].kind != "streaming_table":
            problem = (
                f"the target '{target}' is not a streaming table"
                if found
                else f"the target '{target}' is not defined; create it first with "
                "create_streaming_table"
            )
            raise DefinitionError(location, f"append_flow '{name}': {problem}")
        known = self.definitions[found[0]]
        earlier = known.function
        combined = function if earlier is None else _union_by_name(earlier, function)
        self.definitions[found[0]] = replace(known, function=combined)

    def add_expectations(self, function: QueryFunction, expectations: list[Expectation]) -> bool:
        """Add expectations to the dataset ``function`` defines; False if none does yet."""
        for index, known in enumerate(self.definitions):
            if known.function is function:
                combined = known.expectations + tuple(expectations)
                self.definitions[index] = replace(known, expectations=combined)
                return True
        return False


def _flows_into(table: PythonDefinition, flow: PythonDefinition) -> bool:
    return table.kind == "streaming_table" and flow.kind == "streaming_table"


def _union_by_name(first: QueryFunction, second: QueryFunction) -> QueryFunction:
    def both() -> Any:
        return first().unionByName(second())

    return both


def location_of(function: Callable[..., Any]) -> SourceLocation:
    code = getattr(function, "__code__", None)
    if code is None:
        return SourceLocation(Path("<python>"), 1)
    return SourceLocation(Path(code.co_filename), code.co_firstlineno)


class PipelineApi(types.ModuleType):
    """The module a pipeline file imports as ``dp`` (``pyspark.pipelines``) or ``dlt``."""

    def __init__(self, name: str, registry: Registry, legacy: bool) -> None:
        super().__init__(name, "Lakeflow pipelines API (retail-lakehouse, run locally)")
        self._registry = registry
        self._legacy = legacy

    # --- datasets --------------------------------------------------------------------------

    def table(self, query_function: QueryFunction | None = None, **options: Any) -> Any:
        kind: DeclaredKind = "table_by_its_reads" if self._legacy else "streaming_table"
        return self._dataset(kind, query_function, options, "table")

    def materialized_view(self, query_function: QueryFunction | None = None, **options: Any) -> Any:
        return self._dataset("materialized_view", query_function, options, "materialized_view")

    def temporary_view(self, query_function: QueryFunction | None = None, **options: Any) -> Any:
        return self._dataset("temporary_view", query_function, options, "temporary_view")

    def view(self, query_function: QueryFunction | None = None, **options: Any) -> Any:
        return self._dataset("temporary_view", query_function, options, "view")

    def create_streaming_table(self, name: str, **options: Any) -> None:
        location = _caller_location()
        self._registry.register(
            _definition(name, "streaming_table", None, location, options, self._registry)
        )

    def append_flow(self, *, target: str, name: str | None = None, **options: Any) -> Any:
        """A flow appending its function's rows to ``target``; several flows append the
        union of their rows, by column name."""

        def register(function: QueryFunction) -> QueryFunction:
            self._registry.add_flow(target, name or function.__name__, function)
            return function

        return register

    # --- expectations ------------------------------------------------------------------------

    def expect(self, name: str, constraint: str) -> Callable[[QueryFunction], QueryFunction]:
        return self._expectations({name: constraint}, "warn")

    def expect_or_drop(
        self, name: str, constraint: str
    ) -> Callable[[QueryFunction], QueryFunction]:
        return self._expectations({name: constraint}, "drop")

    def expect_or_fail(
        self, name: str, constraint: str
    ) -> Callable[[QueryFunction], QueryFunction]:
        return self._expectations({name: constraint}, "fail")

    def expect_all(
        self, expectations: Mapping[str, str]
    ) -> Callable[[QueryFunction], QueryFunction]:
        return self._expectations(expectations, "warn")

    def expect_all_or_drop(
        self, expectations: Mapping[str, str]
    ) -> Callable[[QueryFunction], QueryFunction]:
        return self._expectations(expectations, "drop")

    def expect_all_or_fail(
        self, expectations: Mapping[str, str]
    ) -> Callable[[QueryFunction], QueryFunction]:
        return self._expectations(expectations, "fail")

    # --- reads, while a dataset function runs --------------------------------------------

    def read(self, name: str) -> Any:
        return active(f"read('{name}')").read(name)

    def read_stream(self, name: str) -> Any:
        return active(f"read_stream('{name}')").read_stream(name)

    # --- change data capture -------------------------------------------------------------

    def create_auto_cdc_flow(
        self,
        target: str,
        source: str,
        keys: list[Any],
        sequence_by: Any,
        ignore_null_updates: bool = False,
        apply_as_deletes: Any = None,
        apply_as_truncates: Any = None,
        column_list: list[Any] | None = None,
        except_column_list: list[Any] | None = None,
        stored_as_scd_type: int | str = 1,
        track_history_column_list: list[Any] | None = None,
        track_history_except_column_list: list[Any] | None = None,
        name: str | None = None,
        **options: Any,
    ) -> None:
        """An AUTO CDC flow into ``target`` (made with ``create_streaming_table``)."""
        location = _caller_location()
        unknown = sorted(set(options) - {"spark_conf", "once"})
        if unknown:
            raise DefinitionError(
                location, f"create_auto_cdc_flow: unknown argument '{unknown[0]}'"
            )
        scd_type = str(stored_as_scd_type)
        if scd_type not in ("1", "2"):
            raise DefinitionError(location, f"stored_as_scd_type is 1 or 2, not {scd_type!r}")
        flow = ChangeFlowStatement(
            name or target, target, source, _names(keys, location), _sql(sequence_by, location),
            location, ignore_null_updates, _optional_sql(apply_as_deletes, location),
            _optional_sql(apply_as_truncates, location),
            _selection(column_list, except_column_list, "column_list", location),
            1 if scd_type == "1" else 2,
            _selection(
                track_history_column_list, track_history_except_column_list,
                "track_history_column_list", location,
            ),
        )  # fmt: skip
        if flow.scd_type == 1 and flow.track_history is not None:
            raise DefinitionError(location, "track_history_* needs stored_as_scd_type=2")
        self._registry.flows.append(flow)

    apply_changes = create_auto_cdc_flow

    # --- helpers -------------------------------------------------------------------------

    def _dataset(
        self, kind: DeclaredKind, function: QueryFunction | None, options: dict[str, Any], what: str
    ) -> Any:
        def register(decorated: QueryFunction) -> QueryFunction:
            if not callable(decorated):
                raise DefinitionError(_caller_location(), f"@{what} decorates a function")
            definition = _definition(
                options.pop("name", None) or decorated.__name__, kind, decorated,
                location_of(decorated), options, self._registry,
            )  # fmt: skip
            pending = tuple(getattr(decorated, _EXPECTATIONS, ()))
            self._registry.register(replace(definition, expectations=pending))
            return decorated

        return register(function) if function is not None else register

    def _expectations(
        self, constraints: Mapping[str, str], action: ViolationAction
    ) -> Callable[[QueryFunction], QueryFunction]:
        expectations = [
            Expectation(name, condition, action) for name, condition in constraints.items()
        ]

        def attach(function: QueryFunction) -> QueryFunction:
            if not self._registry.add_expectations(function, expectations):
                pending = list(getattr(function, _EXPECTATIONS, ()))
                setattr(function, _EXPECTATIONS, expectations + pending)  # the upper first
            return function

        return attach


_ACCEPTED = frozenset(
    {"comment", "spark_conf", "table_properties", "partition_cols", "cluster_by", "schema",
     "path", "temporary", "format", "cluster_by_auto", "row_filter"}
)  # fmt: skip


def _definition(
    name: str,
    kind: DeclaredKind,
    function: QueryFunction | None,
    location: SourceLocation,
    options: Mapping[str, Any],
    registry: Registry,
) -> PythonDefinition:
    unknown = sorted(set(options) - _ACCEPTED)
    if unknown:
        raise DefinitionError(location, f"'{name}': unknown argument '{unknown[0]}'")
    if options.get("spark_conf"):
        registry.notes.append(f"{location}: '{name}': spark_conf is ignored locally")
    return PythonDefinition(
        name=name,
        kind=kind,
        function=function,
        location=location,
        comment=options.get("comment"),
        properties=tuple(
            (str(k), str(v)) for k, v in (options.get("table_properties") or {}).items()
        ),
        partition_by=tuple(options.get("partition_cols") or ()),
        cluster_by=tuple(options.get("cluster_by") or ()),
        schema=_schema_text(options.get("schema"), location, name),
    )


def _schema_text(schema: Any, location: SourceLocation, name: str) -> str | None:
    """A declared schema as DDL: a string as it is, a StructType by its simpleString."""
    if schema is None or isinstance(schema, str):
        return schema
    simple = getattr(schema, "simpleString", None)
    if simple is None:
        raise DefinitionError(location, f"'{name}': schema is a DDL string or a StructType")
    text = str(simple())
    return text.removeprefix("struct<").removesuffix(">").replace(":", " ")


def _sql(value: Any, location: SourceLocation) -> str:
    """A SQL expression given as a string, or as a column with its SQL (SQLFrame's)."""
    if isinstance(value, str):
        return value
    expression = getattr(value, "expression", None)
    if expression is not None and hasattr(expression, "sql"):
        return str(expression.sql(dialect="spark"))
    raise DefinitionError(location, f"expected a SQL expression string, found {value!r}")


def _optional_sql(value: Any, location: SourceLocation) -> str | None:
    return None if value is None else _sql(value, location)


def _names(values: list[Any], location: SourceLocation) -> tuple[str, ...]:
    return tuple(_sql(value, location).strip("`") for value in values)


def _selection(
    chosen: list[Any] | None, excluded: list[Any] | None, what: str, location: SourceLocation
) -> ColumnSelection | None:
    if chosen is not None and excluded is not None:
        except_name = what.replace("_column_list", "_except_column_list")
        raise DefinitionError(location, f"give {what} or {except_name}, not both")
    if chosen is not None:
        return ColumnSelection(_names(chosen, location))
    if excluded is not None:
        return ColumnSelection(_names(excluded, location), excluding=True)
    return None


def _caller_location() -> SourceLocation:
    """The line of the pipeline file that called the API: the innermost frame outside
    this package (pipeline files never live in it)."""
    import inspect

    ours = Path(__file__).resolve().parents[1]
    for frame in inspect.stack()[2:]:
        if not Path(frame.filename).resolve().is_relative_to(ours):
            return SourceLocation(Path(frame.filename), frame.lineno)
    return SourceLocation(Path("<python>"), 1)
