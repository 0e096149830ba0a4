"""The bundle agrees with itself, the repository and the library, for every target.

Every ``${var.*}`` names a declared variable with a value, every ``${resources.*}`` a
declared resource, every ``{{job.parameters.*}}`` a job parameter; the pipeline's libraries
are exactly the package's SQL files, or its Python ones with ``pipeline_language=python``,
and its configuration fills exactly their ``${...}`` and ``spark.conf.get(...)``;
the job writes the landing zone where the pipeline reads it, in the format it reads, with
the defaults ``retail run`` uses locally.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from retail_lakehouse.cli.jobs import landing_options
from retail_lakehouse.common.lakehouse import Lakehouse
from retail_lakehouse.datasets import (
    PIPELINE_LANGUAGES,
    PipelineLanguage,
    builtin_settings_path,
    builtin_spec,
)
from retail_lakehouse.generate.defaults import DEFAULT_SEED
from retail_lakehouse.generate.runner import GenerateOptions
from retail_lakehouse.pipeline.definitions import python_datasets
from retail_lakehouse.pipeline.project import READ_FILES_FORMATS
from retail_lakehouse.pipeline.settings import load_settings
from retail_lakehouse.sql.ddl import parse_sql_folder
from tests.bundle.bundle_files import (
    JOB,
    JOB_PARAMETER,
    PIPELINE,
    REFERENCE,
    Bundle,
    job_arguments,
    load_bundle,
    references,
    resolved_target,
    strings,
    target_document,
    variable_values,
)

TARGETS = load_bundle().targets()
KNOWN_ROOTS = {"var", "resources", "bundle", "workspace"}


LANGUAGE = "pipeline_language"
SUFFIXES: dict[PipelineLanguage, str] = {"sql": ".sql", "python": ".py"}


def builtin_sql_folder() -> Path:
    return load_settings(builtin_settings_path())[1].sql


def builtin_files(language: PipelineLanguage) -> list[Path]:
    folder = load_settings(builtin_settings_path(language=language))[1].sql
    return sorted(folder.rglob(f"*{SUFFIXES[language]}"))


class AskedConfiguration(dict[str, str]):
    """A configuration that records the keys a pipeline file asks it for."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(values)
        self.asked: set[str] = set()

    def __contains__(self, key: object) -> bool:
        self.asked.add(str(key))
        return super().__contains__(key)

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        return super().__getitem__(key)


def test_the_bundle_has_a_dev_default_and_a_prod_target(bundle: Bundle) -> None:
    targets = bundle.document["targets"]
    assert targets["dev"] == {**targets["dev"], "mode": "development", "default": True}
    assert targets["prod"]["mode"] == "production"
    assert targets["prod"]["workspace"]["root_path"]
    (permission,) = targets["prod"]["permissions"]
    assert REFERENCE.fullmatch(permission["group_name"])


@pytest.mark.parametrize("target", TARGETS)
def test_every_variable_reference_names_a_declared_variable(bundle: Bundle, target: str) -> None:
    document = target_document(bundle, target)
    declared = variable_values(document)  # raises when a variable has no value
    undeclared = [
        (where, name)
        for where, name in references(document)
        if name.startswith("var.") and name.removeprefix("var.") not in declared
    ]
    assert undeclared == []
    assert not any(
        name.startswith("var.") for _, name in references(resolved_target(bundle, target))
    )


def test_other_references_name_what_exists(bundle: Bundle) -> None:
    found = list(references(bundle.document))
    assert {name.split(".")[0] for _, name in found} <= KNOWN_ROOTS
    for where, name in found:
        if name.startswith("resources."):
            _, kind, key, *_ = name.split(".")
            assert key in bundle.document["resources"].get(kind, {}), where


def test_tasks_use_declared_parameters_environments_and_tasks(bundle: Bundle) -> None:
    job = bundle.resource("jobs", JOB)
    parameters = {parameter["name"] for parameter in job["parameters"]}
    used = {m for _, text in strings(job["tasks"]) for m in JOB_PARAMETER.findall(text)}
    assert used == parameters
    environments = {environment["environment_key"] for environment in job["environments"]}
    task_keys = {task["task_key"] for task in job["tasks"]}
    for task in job["tasks"]:
        assert task.get("environment_key", next(iter(environments))) in environments
        assert {d["task_key"] for d in task.get("depends_on", [])} <= task_keys - {task["task_key"]}


def test_the_pipeline_runs_after_the_generator(bundle: Bundle) -> None:
    generate, refresh = bundle.resource("jobs", JOB)["tasks"]
    assert "python_wheel_task" in generate
    assert refresh["depends_on"] == [{"task_key": generate["task_key"]}]
    assert refresh["pipeline_task"]["pipeline_id"] == f"${{resources.pipelines.{PIPELINE}.id}}"


@pytest.mark.parametrize("language", PIPELINE_LANGUAGES)
def test_pipeline_libraries_are_the_package_files(
    bundle: Bundle, language: PipelineLanguage
) -> None:
    pipeline = bundle.resource("pipelines", PIPELINE)
    listed = bundle.pipeline_files({LANGUAGE: language})
    assert all(listed), "every library glob and file path matches files"
    package_files = builtin_files(language)
    assert package_files
    assert sorted(path for files in listed for path in files) == package_files
    assert bundle.path_in("pipelines", PIPELINE, pipeline["root_path"]).is_dir()


def test_the_pipeline_deploys_sql_unless_told(bundle: Bundle) -> None:
    assert variable_values(bundle.document)[LANGUAGE] == "sql"
    assert bundle.pipeline_files() == bundle.pipeline_files({LANGUAGE: "sql"})


@pytest.mark.parametrize("target", TARGETS)
def test_configuration_fills_exactly_the_variables_of_the_sql(bundle: Bundle, target: str) -> None:
    configuration = resolved_target(bundle, target)["resources"]["pipelines"][PIPELINE][
        "configuration"
    ]
    used = {
        name
        for path in builtin_sql_folder().rglob("*.sql")
        for name in REFERENCE.findall(path.read_text(encoding="utf-8"))
    }
    assert set(configuration) == used
    assert parse_sql_folder(builtin_sql_folder(), configuration)  # nothing left unfilled


@pytest.mark.parametrize("target", TARGETS)
def test_configuration_answers_exactly_the_python_files_conf_gets(
    bundle: Bundle, target: str
) -> None:
    configuration = AskedConfiguration(
        resolved_target(bundle, target)["resources"]["pipelines"][PIPELINE]["configuration"]
    )
    for path in bundle.pipeline_files({LANGUAGE: "python"})[0]:
        assert python_datasets(path, configuration)[0], path  # raises on a key it lacks
    assert configuration.asked == set(configuration)


@pytest.mark.parametrize("target", TARGETS)
def test_the_job_writes_where_the_pipeline_reads(bundle: Bundle, target: str) -> None:
    document = resolved_target(bundle, target)
    options = landing_options(job_arguments(document))  # as the entry point reads them
    values = variable_values(document)
    assert (options.scale, options.seed) == (float(values["scale"]), int(values["seed"]))
    assert options.output_format == "parquet"
    configuration = document["resources"]["pipelines"][PIPELINE]["configuration"]
    assert configuration["landing_path"] == Lakehouse(options.lakehouse).landing.as_posix()
    assert options.lakehouse.parts[:3] == ("/", "Volumes", values["catalog"])


def test_the_pipeline_reads_what_the_generator_writes(bundle: Bundle) -> None:
    configuration = bundle.resource("pipelines", PIPELINE)["configuration"]
    assert configuration["landing_format"] == READ_FILES_FORMATS["parquet"]
    assert configuration["as_of_date"] == builtin_spec().reference_time.date().isoformat()


def test_defaults_are_those_of_a_local_run(bundle: Bundle) -> None:
    values = variable_values(bundle.document)
    assert int(values["seed"]) == DEFAULT_SEED
    assert float(values["scale"]) == GenerateOptions().scale
