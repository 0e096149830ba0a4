"""Every job and pipeline of the bundle, per target, passes ``databricks-bundles``' classes.

Each resource, after target merging and variable resolution, is built with the library's
``Job`` / ``Pipeline``: no field the classes lack, none they mark deprecated, and the built
object gives back exactly the resource. The negative tests show the check catches an unknown
field and a deprecated one (``continuous: false``), at the top and deeper down.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from databricks.bundles.core import Variable
from databricks.bundles.jobs import Environment, Job, PipelineTask, PythonWheelTask, Task
from databricks.bundles.pipelines import Pipeline

from tests.bundle.bundle_files import JOB, PIPELINE, Bundle, load_bundle, resolved_target
from tests.bundle.client_classes import CONSTRUCTORS, construct, deprecated_fields, problems

TARGETS = load_bundle().targets()


def resources(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every resource of ``document``: (kind, key, settings)."""
    for kind, keyed in document["resources"].items():
        for key, resource in keyed.items():
            yield kind, key, resource


def with_setting(resource: dict[str, Any], path: list[str | int], value: Any) -> dict[str, Any]:
    """A copy of ``resource`` with the setting at ``path`` set to ``value``."""
    changed = copy.deepcopy(resource)
    node: Any = changed
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return changed


def test_the_classes_cover_every_kind_of_resource_in_the_bundle(bundle: Bundle) -> None:
    assert set(bundle.document["resources"]) == set(CONSTRUCTORS) == {"jobs", "pipelines"}


@pytest.mark.parametrize("target", TARGETS)
def test_every_resource_passes_the_client_classes(bundle: Bundle, target: str) -> None:
    document = resolved_target(bundle, target)
    found = [
        problem
        for kind, key, resource in resources(document)
        for problem in problems(kind, key, resource)
    ]
    assert found == []
    for kind, _, resource in resources(document):
        built = construct(kind, resource)
        assert built.as_dict() == resource  # every value kept, as written


@pytest.mark.parametrize("target", TARGETS)
def test_the_built_resources_are_the_bundles(bundle: Bundle, target: str) -> None:
    document = resolved_target(bundle, target)["resources"]
    job = construct("jobs", document["jobs"][JOB])
    pipeline = construct("pipelines", document["pipelines"][PIPELINE])
    assert isinstance(job, Job) and isinstance(pipeline, Pipeline)
    assert isinstance(job.tasks, list)
    generate, refresh = job.tasks
    assert isinstance(generate, Task) and isinstance(generate.python_wheel_task, PythonWheelTask)
    assert isinstance(refresh, Task) and isinstance(refresh.pipeline_task, PipelineTask)
    reference = Variable(path=f"resources.pipelines.{PIPELINE}.id", type=str)
    assert refresh.pipeline_task.pipeline_id == reference  # kept as a reference, typed
    assert (pipeline.serverless, pipeline.continuous) == (True, None)


def test_the_library_marks_the_fields_it_deprecates() -> None:
    assert {"continuous", "development", "target"} <= deprecated_fields(Pipeline)
    assert {"serverless", "catalog", "schema", "libraries"}.isdisjoint(deprecated_fields(Pipeline))
    assert "client" in deprecated_fields(Environment)  # a job environment's spec
    assert deprecated_fields(Job).isdisjoint({"tasks", "parameters", "environments"})


KIND_KEY = {"jobs": JOB, "pipelines": PIPELINE}


@pytest.mark.parametrize(
    ("kind", "path", "value", "expected"),
    [
        (
            "pipelines",
            ["continuous"],
            False,
            f"resources.pipelines.{PIPELINE}.continuous is deprecated",
        ),
        (
            "jobs",
            ["environments", 0, "spec", "client"],
            "4",
            f"resources.jobs.{JOB}.environments[0].spec.client is deprecated",
        ),
        (
            "pipelines",
            ["serverles"],
            True,
            f"resources.pipelines.{PIPELINE}: ValueError: Unexpected field 'serverles' for class"
            " Pipeline",
        ),
        (
            "pipelines",
            ["libraries", 0, "glob", "includes"],
            "x/**",
            f"resources.pipelines.{PIPELINE}: ValueError: Unexpected field 'includes' for class",
        ),
        (
            "jobs",
            ["tasks", 1, "pipeline_task", "full_refresh"],
            "sometimes",
            f"resources.jobs.{JOB}: ValueError: Unexpected type: <class 'bool'>",
        ),
    ],
)
def test_a_bad_resource_fails(
    bundle: Bundle, kind: str, path: list[str | int], value: Any, expected: str
) -> None:
    resource = resolved_target(bundle, "dev")["resources"][kind][KIND_KEY[kind]]
    found = problems(kind, KIND_KEY[kind], with_setting(resource, path, value))
    assert len(found) == 1 and found[0].startswith(expected), found


def test_a_warning_while_building_fails(bundle: Bundle, monkeypatch: pytest.MonkeyPatch) -> None:
    def warning_pipeline(value: Any) -> Pipeline:
        warnings.warn("a field it will drop", DeprecationWarning, stacklevel=1)
        return Pipeline.from_dict(value)

    monkeypatch.setitem(CONSTRUCTORS, "pipelines", warning_pipeline)
    resource = bundle.resource("pipelines", PIPELINE)
    assert problems("pipelines", PIPELINE, resource) == [
        f"resources.pipelines.{PIPELINE}: DeprecationWarning: a field it will drop"
    ]
