"""Reading and writing dataset specs as YAML, with one-line errors that name the field
(rendered by :mod:`retail_lakehouse.common.validation`)."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from retail_lakehouse.common.errors import InputError
from retail_lakehouse.common.validation import describe_validation_error
from retail_lakehouse.generate.spec.dataset import DatasetSpec

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available


class SpecError(InputError, ValueError):
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
    """The spec as YAML; a spec without arrivals dumps as before there were any."""
    data = spec.model_dump(mode="json", exclude_defaults=False)
    if data.get("arrivals") is None:
        data.pop("arrivals", None)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def dump_base_spec(spec: DatasetSpec) -> str:
    """The spec as YAML without its arrivals: what a generation's bytes depend on but for
    its change feeds' base files (``generate.manifest.base_feed_inputs``)."""
    return dump_spec(spec.model_copy(update={"arrivals": None}))
