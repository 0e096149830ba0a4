"""Typed YAML files, with one-line errors naming the file and the field the way a user wrote it.

:func:`read_yaml_model` reads a settings-like YAML file into a pydantic model. A pydantic
location such as ``('tables', 2, 'columns', 5, 'number', 'distribution',
'normal', 'std')`` is rendered as ``tables.orders.columns.amount.distribution.std``: list
positions become the item's name and union tags are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from retail_lakehouse.common.errors import InputError

Model = TypeVar("Model", bound=BaseModel)

_NAMED_LISTS = frozenset({"tables", "columns", "defects", "charts"})
_TAG_FIELDS = ("kind", "type")


def read_yaml_model(
    path: Path, model: type[Model], what: str, error: Callable[[str], InputError]
) -> Model:
    """The YAML mapping at ``path`` as ``model``; any problem is ``error`` of one line
    naming the file (and the field), ``what`` saying what the file is."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{path}: cannot read {what}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise error(f"{path}: invalid YAML: {exc}".splitlines()[0]) from None
    if not isinstance(data, dict):
        raise error(f"{path}: {what} must be a mapping")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error(f"{path}: {describe_validation_error(exc, data)}") from None


def describe_validation_error(exc: ValidationError, data: dict[str, Any]) -> str:
    """The first error as 'path.to.field: message (and N more)', positions named."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    path = _render_location(first["loc"], data)
    message = first["msg"].removeprefix("Value error, ")
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    prefix = f"{path}: " if path else ""
    return f"{prefix}{message}{more}"


def _render_location(loc: tuple[int | str, ...], data: Any) -> str:
    parts: list[str] = []
    node = data
    list_name: str | None = None
    for step in loc:
        if isinstance(step, int) and isinstance(node, list) and step < len(node):
            node = node[step]
            name = node.get("name") if isinstance(node, dict) else None
            parts.append(str(name) if list_name in _NAMED_LISTS and name else f"[{step}]")
            continue
        is_tag = isinstance(node, dict) and any(node.get(tag) == step for tag in _TAG_FIELDS)
        if is_tag and step not in node:
            continue
        parts.append(str(step))
        list_name = str(step)
        node = node.get(step) if isinstance(node, dict) else None
    return ".".join(parts).replace(".[", "[")
