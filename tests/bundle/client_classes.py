"""The bundle's jobs and pipelines built with Databricks' typed classes (``databricks-bundles``).

Owns what those classes say of a resource: ``from_dict`` refuses a field its class does not
have (and a value of the wrong type); a field that the class documents as deprecated, at any
depth, is reported when set; a warning raised while building a resource is an error. The
library marks deprecation in its fields' attribute docstrings only (no field metadata, no
warning): the generator's ``[DEPRECATED]`` tag, or a ``Deprecated:`` note as in the SDK's.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import warnings
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import Any

from databricks.bundles.core import Variable
from databricks.bundles.jobs import Job
from databricks.bundles.pipelines import Pipeline
from docstring_parser import parse_from_object

BuiltResource = Job | Pipeline
CONSTRUCTORS: dict[str, Callable[[Any], BuiltResource]] = {
    "jobs": Job.from_dict,
    "pipelines": Pipeline.from_dict,
}
DEPRECATED = re.compile(r"\bDEPRECATED\b|^\s*Deprecated\b", re.MULTILINE)


def construct(kind: str, resource: Mapping[str, Any]) -> BuiltResource:
    """``resource`` as the library's class for ``kind``; raises on what the class refuses."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return CONSTRUCTORS[kind](copy.deepcopy(dict(resource)))


@cache
def deprecated_fields(cls: type) -> frozenset[str]:
    """The fields of dataclass ``cls`` (its own or inherited) documented as deprecated."""
    return frozenset(
        param.arg_name
        for klass in cls.__mro__
        if dataclasses.is_dataclass(klass)
        for param in parse_from_object(klass).params
        if DEPRECATED.search(param.description or "")
    )


def is_set(field: dataclasses.Field[Any], value: Any) -> bool:
    """Whether ``value`` of ``field`` differs from what the class puts there when unset."""
    if field.default_factory is not dataclasses.MISSING:
        return bool(value != field.default_factory())
    return bool(value != field.default)


def deprecated_uses(value: Any, where: str) -> Iterator[str]:
    """Where ``value`` (a built resource, or any part of one) sets a deprecated field."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from deprecated_uses(item, f"{where}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from deprecated_uses(item, f"{where}.{key}")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type | Variable):
        deprecated = deprecated_fields(type(value))
        for field in dataclasses.fields(value):
            item = getattr(value, field.name)
            if is_set(field, item):
                if field.name in deprecated:
                    yield f"{where}.{field.name}"
                yield from deprecated_uses(item, f"{where}.{field.name}")


def problems(kind: str, key: str, resource: Mapping[str, Any]) -> list[str]:
    """What the library's class refuses or marks deprecated in resource ``kind.key``."""
    where = f"resources.{kind}.{key}"
    try:
        built = construct(kind, resource)
    except (ValueError, TypeError, Warning) as error:
        return [f"{where}: {type(error).__name__}: {error}"]
    return [f"{place} is deprecated" for place in deprecated_uses(built, where)]
