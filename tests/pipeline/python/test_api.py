"""The decorator API: what each decorator and argument records, in both spellings, and the
one-line errors of a definition that cannot be used."""

from __future__ import annotations

from pathlib import Path

import pytest

from retail_lakehouse.common.errors import DefinitionError
from retail_lakehouse.pipeline.definitions import pipeline_definitions, python_datasets
from retail_lakehouse.pipeline.model import Expectation

CONFIGURATION = {"landing_path": "/landing", "landing_format": "parquet", "min": "3"}
HEADER = "import dlt\nfrom pyspark import pipelines as dp\n\n"


def datasets(tmp_path: Path, body: str) -> dict[str, object]:
    path = tmp_path / "p.py"
    path.write_text(HEADER + body)
    found, _, _ = python_datasets(path, CONFIGURATION)
    return {d.name: d for d in found}


def error(tmp_path: Path, body: str) -> str:
    path = tmp_path / "p.py"
    path.write_text(HEADER + body)
    with pytest.raises(DefinitionError) as raised:
        pipeline_definitions(tmp_path, CONFIGURATION)
    message = str(raised.value)
    assert "\n" not in message and message.startswith(f"{path}:")
    return message


def test_each_dataset_decorator_declares_its_kind(tmp_path: Path) -> None:
    found = datasets(
        tmp_path,
        """
@dp.table
def st():
    return spark.readStream.table("mv")

@dp.materialized_view(name="mv")
def anything():
    return dp.read("src")

@dp.temporary_view
def tv():
    return spark.read.table("mv")

@dp.view
def v2():
    return spark.table("mv")

@dlt.table
def legacy_stream():
    return dlt.read_stream("st")

@dlt.table()
def legacy_batch():
    return dlt.read("st")

@dlt.view
def legacy_view():
    return dlt.read("st")

@dp.materialized_view
def src():
    return spark.read.format("parquet").load(spark.conf.get("landing_path") + "/x")
""",
    )
    kinds = {name: d.kind for name, d in found.items()}  # type: ignore[attr-defined]
    assert kinds == {
        "st": "streaming_table", "mv": "materialized_view", "tv": "temporary_view",
        "v2": "temporary_view", "legacy_stream": "streaming_table",
        "legacy_batch": "materialized_view", "legacy_view": "temporary_view",
        "src": "materialized_view",
    }  # fmt: skip
    assert found["st"].python.streams == ("mv",)  # type: ignore[attr-defined]
    assert found["mv"].python.reads == ("src",)  # type: ignore[attr-defined]
    (load,) = found["src"].python.files  # type: ignore[attr-defined]
    assert (load.path, load.format, load.streaming) == ("/landing/x", "parquet", False)


def test_arguments_and_expectations_are_recorded_in_both_orders(tmp_path: Path) -> None:
    found = datasets(
        tmp_path,
        """
@dp.expect_or_fail("above", "a > 0")
@dp.materialized_view(comment="c", table_properties={"quality": "gold"}, partition_cols=["p"],
                      schema="a BIGINT, p STRING", spark_conf={"k": "v"})
@dp.expect("warned", "a < 10")
@dp.expect_or_drop("dropped", "a IS NOT NULL")
@dp.expect_all({"w1": "a > 1", "w2": "a > 2"})
@dp.expect_all_or_drop({"d1": "p IS NOT NULL"})
@dp.expect_all_or_fail({"f1": "p <> 'x'"})
def t():
    return dp.read("s")

@dp.table(cluster_by=["id"])
def s():
    return spark.readStream.format("cloudFiles").option("cloudFiles.format", "json").load("/in")
""",
    )
    table = found["t"]
    assert table.comment == "c" and table.properties == (("quality", "gold"),)  # type: ignore[attr-defined]
    assert table.partition_by == ("p",) and table.layer == "gold"  # type: ignore[attr-defined]
    assert table.python.schema == "a BIGINT, p STRING"  # type: ignore[attr-defined]
    assert table.expectations == (  # type: ignore[attr-defined]
        Expectation("warned", "a < 10", "warn"), Expectation("dropped", "a IS NOT NULL", "drop"),
        Expectation("w1", "a > 1", "warn"), Expectation("w2", "a > 2", "warn"),
        Expectation("d1", "p IS NOT NULL", "drop"), Expectation("f1", "p <> 'x'", "fail"),
        Expectation("above", "a > 0", "fail"),
    )  # fmt: skip
    assert found["s"].cluster_by == ("id",)  # type: ignore[attr-defined]
    (load,) = found["s"].python.files  # type: ignore[attr-defined]
    assert (load.format, load.streaming) == ("json", True)


def test_a_struct_type_schema_becomes_ddl_and_spark_conf_a_note(tmp_path: Path) -> None:
    path = tmp_path / "p.py"
    path.write_text(
        HEADER
        + """from pyspark.sql.types import LongType, StringType, StructField
from pyspark.sql.types import StructType

@dp.materialized_view(
    schema=StructType([StructField("a", LongType()), StructField("b", StringType())]),
    spark_conf={"spark.x": "1"})
def t():
    return dp.read("s")
"""
    )
    (found,), _, notes = python_datasets(path, CONFIGURATION)
    assert found.python is not None and found.python.schema == "a bigint, b string"
    assert notes == [f"{path}:7: 't': spark_conf is ignored locally"]  # its decorators' line


def test_a_streaming_table_with_one_flow_takes_its_query(tmp_path: Path) -> None:
    found = datasets(
        tmp_path,
        """
dp.create_streaming_table("events", comment="all events")

@dp.append_flow(target="events")
def from_landing():
    return spark.readStream.table("raw")
""",
    )
    events = found["events"]
    assert events.kind == "streaming_table" and events.comment == "all events"  # type: ignore[attr-defined]
    assert events.python.streams == ("raw",)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('@dp.table\ndef t():\n    return dp.read("s")\n', "streaming table 't' reads no stream"),
        (
            '@dp.materialized_view(colour="red")\ndef t():\n    return dp.read("s")\n',
            "'t': unknown argument 'colour'",
        ),
        (
            '@dp.materialized_view\ndef t():\n    return dp.read("s")\n\n'
            '@dp.materialized_view(name="t")\ndef u():\n    return dp.read("s")\n',
            "dataset 't' is already defined at",
        ),
        ('dp.create_streaming_table("e")\n', "streaming table 'e' has no flow into it"),
        (
            '@dp.materialized_view\ndef e():\n    return dp.read("s")\n'
            '@dp.append_flow(target="e")\ndef a():\n    return spark.readStream.table("x")\n',
            "append_flow 'a': the target 'e' is not a streaming table",
        ),
        (
            '@dp.append_flow(target="nowhere")\ndef a():\n    return spark.readStream.table("x")\n',
            "the target 'nowhere' is not defined",
        ),
        ("@dp.materialized_view\ndef t():\n    return 1 + None\n", "cannot tell what it reads"),
        ("x = dp.read('s')\n", "read('s') works only inside a dataset function"),
        (
            "dp.create_streaming_table('t')\ndp.create_auto_cdc_flow(target='t', source='s', "
            "keys=['k'], sequence_by='seq', stored_as_scd_type=3)\n",
            "stored_as_scd_type is 1 or 2, not '3'",
        ),
        (
            "dp.create_auto_cdc_flow(target='t', source='s', keys=['k'], sequence_by='seq')\n",
            "flow 't' goes into 't', which is not a streaming table this flow may fill",
        ),
        ("def broken(:\n", "Python syntax error"),
        ("raise RuntimeError('no')\n", "RuntimeError: no"),
        ("x = spark.conf.get('nowhere')\n", "the pipeline's configuration has no 'nowhere'"),
    ],
    ids=[
        "table-without-stream",
        "unknown-argument",
        "twice",
        "no-flow",
        "flow-into-view",
        "no-target",
        "error-in-function",
        "read-outside",
        "auto-cdc-type",
        "auto-cdc-no-target",
        "syntax",
        "raises",
        "missing-configuration",
    ],
)
def test_a_definition_that_cannot_be_used_is_one_line_at_its_line(
    tmp_path: Path, body: str, problem: str
) -> None:
    assert problem in error(tmp_path, body)


def test_configuration_values_and_defaults_are_spark_confs(tmp_path: Path) -> None:
    found = datasets(
        tmp_path,
        """
LIMIT = spark.conf.get("min")
FALLBACK = spark.conf.get("nowhere", "7")
NONE = spark.conf.get("nowhere", None)

@dp.materialized_view(comment=f"{LIMIT} {FALLBACK} {NONE}")
def t():
    return dp.read("s")
""",
    )
    assert found["t"].comment == "3 7 None"  # type: ignore[attr-defined]


def test_create_auto_cdc_flow_records_what_the_sql_flow_does(tmp_path: Path) -> None:
    (tmp_path / "p.py").write_text(
        HEADER + "dp.create_streaming_table('dim', comment='customers')\n"
        "dlt.apply_changes(target='dim', source='feed', keys=['k'], sequence_by='seq',\n"
        "    apply_as_deletes=\"op = 'D'\", except_column_list=['op', 'seq'],\n"
        "    stored_as_scd_type='2', track_history_column_list=['city'])\n"
    )
    (tmp_path / "s.sql").write_text(
        "CREATE OR REFRESH STREAMING TABLE dim2 COMMENT 'customers';\n"
        "APPLY CHANGES INTO dim2 FROM STREAM(feed) KEYS (k) APPLY AS DELETE WHEN op = 'D'\n"
        "SEQUENCE BY seq COLUMNS * EXCEPT (op, seq) STORED AS SCD TYPE 2 TRACK HISTORY ON (city)"
    )
    found = {d.name: d for d in pipeline_definitions(tmp_path, CONFIGURATION).datasets}
    python, sql = found["dim"].changes, found["dim2"].changes
    assert python is not None and sql is not None
    assert (found["dim"].kind, found["dim"].comment) == ("streaming_table", "customers")
    fields = ("source", "keys", "sequence_by", "delete_when", "columns", "scd_type")
    assert [getattr(python, f) for f in fields] == [getattr(sql, f) for f in fields]
    assert python.track_history == sql.track_history
