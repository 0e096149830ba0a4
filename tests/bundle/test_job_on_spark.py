"""The bundle's job, task by task, on local Spark: the entry point, then the listed files.

The generator task runs the wheel's entry point with the parameters the job passes (job
parameters at their defaults), overriding only the lakehouse (there is no Unity Catalog
volume here) and the scale (to keep it small) as later arguments; its tables must be the
local generator's. The pipeline task's files (SQL, or Python with
``pipeline_language=python``), with the resource's configuration and ``landing_path``
pointed at that local Parquet, then run as one update on Spark: its row counts,
expectation counts and gold revenue must be what the landing files and their manifest
say, recomputed without the pipeline.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq
import pytest
import yaml

from retail_lakehouse.backends.spark.engine import SparkEngine
from retail_lakehouse.cli import jobs
from retail_lakehouse.common.lakehouse import Lakehouse
from retail_lakehouse.datasets import (
    PIPELINE_LANGUAGES,
    PipelineLanguage,
    builtin_spec,
    dataset_folder,
)
from retail_lakehouse.generate.manifest import read_manifest
from retail_lakehouse.generate.runner import GenerateOptions, generate_dataset
from retail_lakehouse.generate.values import decode_dictionaries
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.pipeline.results import UpdateResult
from retail_lakehouse.report.ground_truth import expected_failures, load_ground_truth
from retail_lakehouse.storage.delta import DeltaStore
from tests.bundle.bundle_files import PIPELINE, Bundle, job_arguments, resolved_target
from tests.datasets.retail.landing_truth import expected_from_landing
from tests.pipeline.conftest import run_update
from tests.spark_support import spark_session

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.spark
SMALL_SCALE = "0.01"
CAUGHT_BY = load_ground_truth(dataset_folder() / "ground_truth.yaml")


@pytest.fixture(scope="module")
def spark() -> SparkSession:
    return spark_session()


@pytest.fixture(scope="module")
def job_options(
    bundle: Bundle, spark: SparkSession, tmp_path_factory: pytest.TempPathFactory
) -> GenerateOptions:
    """Runs the generator task's entry point; the options it ran with."""
    lakehouse = tmp_path_factory.mktemp("job")
    arguments = [
        *job_arguments(resolved_target(bundle, "dev")),
        *("--lakehouse", str(lakehouse), "--scale", SMALL_SCALE),
    ]
    jobs.generate_landing(arguments)
    return jobs.landing_options(arguments)


def rows_and_defects(manifest: dict[str, Any]) -> dict[str, Any]:
    """Each table's manifest entry without its files (named and sized by the writer)."""
    return {
        name: {key: value for key, value in entry.items() if key not in {"files", "bytes"}}
        for name, entry in manifest["tables"].items()
    }


def test_entry_point_writes_the_local_generators_tables(
    job_options: GenerateOptions, tmp_path: Path
) -> None:
    local = replace(job_options, lakehouse=tmp_path, workers=1, parallelism="threads")
    generate_dataset(builtin_spec(), local)
    job, here = Lakehouse(job_options.lakehouse), Lakehouse(tmp_path)
    landing, local_landing = job.landing, here.landing
    manifest = read_manifest(job.manifest)
    assert (manifest["seed"], manifest["scale"]) == (job_options.seed, float(SMALL_SCALE))
    assert rows_and_defects(manifest) == rows_and_defects(read_manifest(here.manifest))
    for table in builtin_spec().tables:
        assert sorted((landing / table.name).glob("part-*.parquet")), table.name
        expected = decode_dictionaries(pq.read_table(local_landing / table.name))
        assert pq.read_table(landing / table.name).equals(expected), table.name


def pipeline_settings(
    bundle: Bundle, language: PipelineLanguage, landing: Path, folder: Path
) -> Path:
    """Local settings for the resource's files and configuration, reading ``landing``."""
    listed = bundle.pipeline_files({"pipeline_language": language})
    (sources,) = {path.parent for files in listed for path in files}
    configuration = resolved_target(bundle, "dev")["resources"]["pipelines"][PIPELINE][
        "configuration"
    ]
    shutil.copytree(sources, folder / language)  # a pipeline's files sit beside its settings
    settings = {
        "name": "retail",
        "sources": language,
        "tables": f"tables_{language}",
        "configuration": {**configuration, "landing_path": str(landing)},
    }
    path = folder / f"{language}.yaml"
    path.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=PIPELINE_LANGUAGES)
def update(
    request: pytest.FixtureRequest,
    bundle: Bundle,
    spark: SparkSession,
    job_options: GenerateOptions,
) -> UpdateResult:
    lakehouse = job_options.lakehouse
    landing = Lakehouse(lakehouse).landing
    pipeline = load_pipeline(
        pipeline_settings(bundle, request.param, landing, lakehouse), lakehouse
    )
    engine = SparkEngine(spark)
    try:
        return run_update(pipeline, full_refresh=True, engine=engine)
    finally:
        engine.close()


def test_listed_files_run_on_spark_over_what_the_job_wrote(
    bundle: Bundle, job_options: GenerateOptions, update: UpdateResult
) -> None:
    assert (update.status, update.error) == ("COMPLETED", None)
    assert update.engine == "spark"
    written = {dataset.name: dataset.written_rows for dataset in update.datasets}
    manifest = read_manifest(Lakehouse(job_options.lakehouse).manifest)
    for table, entry in manifest["tables"].items():
        assert written[f"bronze_{table}"] == entry["rows"]
    expected = expected_from_landing(job_options.lakehouse)
    assert written["gold_customer_lifetime_value"] == len(expected.customers)
    assert written["gold_product_performance"] == len(expected.products)
    categories = {str(product["category"]) for product in expected.products.values()}
    assert written["gold_category_performance"] == len(categories)
    days = {ordered.date() for _, ordered, _ in expected.order_values().values()}
    assert written["gold_daily_sales_summary"] == len(days)
    # a row carries at most one defect, and one expectation of one silver table drops it
    injected = sum(d["count"] for e in manifest["tables"].values() for d in e["defects"].values())
    assert sum(dataset.quarantined_rows for dataset in update.datasets) == injected > 0


def test_expectation_conditions_catch_the_injected_defects_on_spark(
    job_options: GenerateOptions, update: UpdateResult
) -> None:
    """The conditions evaluated on Spark over the job's data: each fails for exactly the
    rows of the defect it is there to catch, and the others for none."""
    manifest = read_manifest(Lakehouse(job_options.lakehouse).manifest)
    expected_failed = expected_failures(CAUGHT_BY, manifest)
    checked = set()
    for dataset in update.datasets:
        for expectation in dataset.expectations:
            assert expectation.failed_records == expected_failed(dataset.name, expectation.name)
            checked.add((dataset.name, expectation.name))
    assert set(CAUGHT_BY) <= checked


def test_gold_revenue_on_spark_is_the_landing_revenue(
    request: pytest.FixtureRequest, job_options: GenerateOptions, update: UpdateResult
) -> None:
    """Recomputed from the landing files alone, with Decimal arithmetic."""
    assert update.status == "COMPLETED"
    lines = expected_from_landing(job_options.lakehouse).lines
    revenue = sum((line.line_total for line in lines), Decimal(0))
    language = request.node.callspec.params["update"]  # where pipeline_settings wrote
    store = DeltaStore(job_options.lakehouse / f"tables_{language}")
    for table, column in (("gold_daily_sales_summary", "total_revenue"),
                          ("gold_customer_lifetime_value", "lifetime_value"),
                          ("gold_product_performance", "total_revenue"),
                          ("gold_category_performance", "total_revenue")):  # fmt: skip
        assert sum((r[column] for r in store.read(table).to_pylist()), Decimal(0)) == revenue
