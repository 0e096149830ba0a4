"""The Databricks Asset Bundle read as the Databricks CLI reads it, for offline tests.

Owns the bundle's merge semantics: ``databricks.yml`` with the files its ``include`` globs
name merged in (a key defined in two files is an error), each target's effective document
(the target's settings over the root's, its variable values over the variables' defaults)
and ``${var.*}`` resolution. Paths in a resource are relative to the file defining it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
BUNDLE_FILE = "databricks.yml"
JOB = "retail_data_generator"
PIPELINE = "retail_pipeline"
REFERENCE = re.compile(r"\$\{([^{}]+)\}")
JOB_PARAMETER = re.compile(r"\{\{job\.parameters\.([^{}]+)\}\}")
TARGET_ONLY = frozenset({"default", "mode"})  # what a target says of itself, not settings


class BundleError(ValueError):
    """A bundle the CLI would refuse: a key defined twice, an undefined variable."""


@dataclass(frozen=True)
class Bundle:
    root: Path
    document: dict[str, Any]  # databricks.yml with its includes merged, targets kept
    defined_in: dict[tuple[str, str], Path]  # (resource kind, key) -> file defining it

    def targets(self) -> list[str]:
        return list(self.document.get("targets", {}))

    def resource(self, kind: str, key: str) -> dict[str, Any]:
        resource: dict[str, Any] = self.document["resources"][kind][key]
        return resource

    def path_in(self, kind: str, key: str, relative: str) -> Path:
        """A path written in a resource, resolved against the file that defines it."""
        return (self.defined_in[kind, key].parent / relative).resolve()

    def pipeline_files(self, variables: Mapping[str, str] | None = None) -> list[list[Path]]:
        """For each library of the pipeline, the files it names: its globs expanded after
        the variables are resolved (their defaults, or ``variables`` over them), as the
        CLI does."""
        values = {**variable_values(self.document), **(variables or {})}
        libraries = resolve_variables(self.resource("pipelines", PIPELINE)["libraries"], values)
        return [library_files(self, library) for library in libraries]


def read_yaml(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise BundleError(f"{path}: expected a mapping")
    return document


def merge_defined_once(base: dict[str, Any], extra: Mapping[str, Any], where: str) -> None:
    """Merge ``extra`` into ``base``; mappings merge, anything else may be defined once."""
    for key, value in extra.items():
        if isinstance(base.get(key), dict) and isinstance(value, dict):
            merge_defined_once(base[key], value, f"{where}.{key}")
        elif key in base:
            raise BundleError(f"{where}.{key} is defined twice")
        else:
            base[key] = value


def load_bundle(root: Path = REPO) -> Bundle:
    document = read_yaml(root / BUNDLE_FILE)
    defined_in = resource_files(document, root / BUNDLE_FILE)
    for pattern in document.get("include", []):
        for path in sorted(root.glob(pattern)):
            included = read_yaml(path)
            defined_in.update(resource_files(included, path))
            merge_defined_once(document, included, path.relative_to(root).as_posix())
    return Bundle(root, document, defined_in)


def resource_files(document: Mapping[str, Any], path: Path) -> dict[tuple[str, str], Path]:
    resources: Mapping[str, Mapping[str, Any]] = document.get("resources") or {}
    return {(kind, key): path for kind, keyed in resources.items() for key in keyed}


def override(base: Any, value: Any) -> Any:
    """A target's setting over the root's: mappings merge, sequences append, scalars replace."""
    if isinstance(base, dict) and isinstance(value, dict):
        merged = dict(base)
        for key, item in value.items():
            merged[key] = override(base.get(key), item)
        return merged
    if isinstance(base, list) and isinstance(value, list):
        return base + value
    return value


def target_value(setting: Any) -> Any:
    """A target's value of a variable: a plain value or a mapping with a default."""
    return setting["default"] if isinstance(setting, dict) else setting


def target_document(bundle: Bundle, target: str) -> dict[str, Any]:
    """The document the CLI deploys for ``target``, before variables are resolved."""
    document = {key: value for key, value in bundle.document.items() if key != "targets"}
    settings: dict[str, Any] = bundle.document["targets"][target] or {}
    for key, value in settings.items():
        if key == "variables":
            variables = {name: dict(spec) for name, spec in document["variables"].items()}
            for name, setting in value.items():
                if name not in variables:
                    raise BundleError(f"target {target} sets undeclared variable '{name}'")
                variables[name]["default"] = target_value(setting)
            document["variables"] = variables
        elif key not in TARGET_ONLY:
            document[key] = override(document.get(key), value)
    return document


def variable_values(document: Mapping[str, Any]) -> dict[str, Any]:
    variables: Mapping[str, Mapping[str, Any]] = document.get("variables") or {}
    missing = [name for name, spec in variables.items() if "default" not in spec]
    if missing:
        raise BundleError(f"no value assigned to required variables {missing}")
    return {name: spec["default"] for name, spec in variables.items()}


def resolve_variables(node: Any, values: Mapping[str, Any]) -> Any:
    """``node`` with every ``${var.NAME}`` replaced (a whole-string reference keeps its type)."""
    if isinstance(node, dict):
        return {key: resolve_variables(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve_variables(value, values) for value in node]
    if not isinstance(node, str):
        return node
    whole = REFERENCE.fullmatch(node)
    if whole and whole.group(1).startswith("var."):
        return variable(values, whole.group(1))
    return REFERENCE.sub(
        lambda match: (
            str(variable(values, match.group(1)))
            if match.group(1).startswith("var.")
            else match.group(0)
        ),
        node,
    )


def variable(values: Mapping[str, Any], reference: str) -> Any:
    name = reference.removeprefix("var.")
    if name not in values:
        raise BundleError(f"${{{reference}}} names no declared variable")
    return values[name]


def resolved_target(bundle: Bundle, target: str) -> dict[str, Any]:
    document = target_document(bundle, target)
    resolved: dict[str, Any] = resolve_variables(document, variable_values(document))
    return resolved


def strings(node: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every string in ``node`` with its path, keys included."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield f"{where}.{key}", str(key)
            yield from strings(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from strings(value, f"{where}[{index}]")
    elif isinstance(node, str):
        yield where, node


def references(node: Any) -> Iterator[tuple[str, str]]:
    """Every ``${...}`` reference in ``node``: (where, reference)."""
    for where, text in strings(node):
        for match in REFERENCE.finditer(text):
            yield where, match.group(1)


def glob_files(pattern: Path) -> list[Path]:
    """The files matching ``pattern``; ``folder/**`` is every file under the folder."""
    wild = next((i for i, part in enumerate(pattern.parts) if any(c in part for c in "*?[")), None)
    if wild is None:
        return [pattern] if pattern.is_file() else []
    rest = "/".join(pattern.parts[wild:])
    rest = f"{rest}/*" if rest.endswith("**") else rest
    return [path for path in Path(*pattern.parts[:wild]).glob(rest) if path.is_file()]


def library_files(bundle: Bundle, library: Mapping[str, Any]) -> list[Path]:
    """The files a pipeline library names: a ``file`` path or a ``glob`` include pattern."""
    if "file" in library:
        path = bundle.path_in("pipelines", PIPELINE, library["file"]["path"])
        return [path] if path.is_file() else []
    return glob_files(bundle.path_in("pipelines", PIPELINE, library["glob"]["include"]))


def wheel_task(document: Mapping[str, Any]) -> dict[str, Any]:
    """The job's ``python_wheel_task``."""
    tasks = document["resources"]["jobs"][JOB]["tasks"]
    (task,) = (task for task in tasks if "python_wheel_task" in task)
    wheel: dict[str, Any] = task["python_wheel_task"]
    return wheel


def job_arguments(document: Mapping[str, Any]) -> list[str]:
    """The wheel task's parameters as a run passes them: job parameters at their defaults."""
    defaults = {
        p["name"]: str(p["default"]) for p in document["resources"]["jobs"][JOB]["parameters"]
    }
    return [
        JOB_PARAMETER.sub(lambda match: defaults[match.group(1)], str(parameter))
        for parameter in wheel_task(document)["parameters"]
    ]
