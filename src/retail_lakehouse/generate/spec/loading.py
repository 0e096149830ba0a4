"""Reading and writing dataset specs as YAML, with one-line errors that name the field.

A pydantic location such as ``('tables', 2, 'columns', 5, 'number', 'distribution',
'normal', 'std')`` is rendered as ``tables.orders.columns.amount.distribution.std``: list
positions become the item's name and union tags are dropped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from retail_lakehouse.generate.spec.dataset import DatasetSpec

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available
_NAMED_LISTS = frozenset({"tables", "columns", "defects"})
_TAG_FIELDS = ("kind", "type")


class SpecError(ValueError):
    """A spec that cannot be used; the message is one line naming the source and field."""


def parse_spec(data: object, source: str) -> DatasetSpec:
    if not isinstance(data, dict):
        raise SpecError(f"{source}: a spec must be a mapping with 'name', 'tables', ...")
    try:
        return DatasetSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(f"{source}: {describe_validation_error(exc, data)}") from None


def load_spec(path: Path) -> DatasetSpec:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{path}: cannot read spec: {exc.strerror}") from None
    return parse_spec_text(text, str(path))


def parse_spec_text(text: str, source: str) -> DatasetSpec:
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise SpecError(f"{source}:{where}: {problem}") from None
    return parse_spec(data, source)


def dump_spec(spec: DatasetSpec) -> str:
    data = spec.model_dump(mode="json", exclude_defaults=False)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


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
