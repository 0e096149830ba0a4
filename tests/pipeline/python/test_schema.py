"""A Python dataset's declared schema: the same columns and types pass on every engine, in
both spellings; a different name, order or type stops the update with one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from retail_lakehouse.backends import EngineName
from retail_lakehouse.cli.main import main
from retail_lakehouse.common.errors import DefinitionError, SourceLocation
from retail_lakehouse.pipeline.model import Dataset, PythonQuery
from retail_lakehouse.pipeline.project import load_pipeline
from retail_lakehouse.pipeline.python.schema import check_declared_schema
from retail_lakehouse.storage.delta import DeltaStore
from tests.pipeline.conftest import ENGINE_FACTORIES, ENGINE_PARAMS, make_landing, run_update
from tests.pipeline.python.test_pipeline import mixed_pipeline

COLUMNS = "product_id, sku, list_price, stock_quantity, is_active, created_ts"
DDL = (
    "product_id BIGINT, sku STRING, list_price DECIMAL(12,2), stock_quantity INT, "
    "is_active BOOLEAN, created_ts TIMESTAMP"
)
DECLARED = f"""
from pyspark import pipelines as dp
from pyspark.sql.types import (BooleanType, DecimalType, IntegerType, LongType, StringType,
                               StructField, StructType, TimestampType)

STRUCT = StructType([
    StructField("product_id", LongType()), StructField("sku", StringType()),
    StructField("list_price", DecimalType(12, 2)), StructField("stock_quantity", IntegerType()),
    StructField("is_active", BooleanType()), StructField("created_ts", TimestampType()),
])


@dp.materialized_view(schema="{{ddl}}")
def as_ddl():
    return spark.read.table("silver_products").select(*"{COLUMNS}".split(", "))


@dp.materialized_view(schema=STRUCT)
def as_struct():
    return spark.read.table("silver_products").select(*"{COLUMNS}".split(", "))
"""


def declared(ddl: str = DDL) -> str:
    return DECLARED.replace("{ddl}", ddl)


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_the_declared_schema_passes_on_every_engine(tmp_path: Path, engine: EngineName) -> None:
    root = make_landing(tmp_path)
    running = ENGINE_FACTORIES[engine]()
    try:
        run_update(load_pipeline(mixed_pipeline(root, declared()), root), engine=running)
    finally:
        running.close()
    store = DeltaStore(root / "tables")
    for name in ("as_ddl", "as_struct"):
        assert store.read(name).schema.names == COLUMNS.split(", ")


@pytest.mark.parametrize(
    ("ddl", "problem"),
    [
        (
            DDL.replace("sku STRING", "code STRING"),
            "'as_ddl': schema declares columns product_id, code, list_price",
        ),
        (
            DDL.replace("stock_quantity INT", "stock_quantity BIGINT"),
            "'as_ddl': schema declares stock_quantity BIGINT; the query returns INT",
        ),
        (
            DDL.replace("DECIMAL(12,2)", "DECIMAL(10,2)"),
            "'as_ddl': schema declares list_price DECIMAL(10, 2); the query returns DECIMAL(12, 2)",
        ),
        ("product_id ARRAY<", "'as_ddl': schema: Expecting >"),
    ],
    ids=["name", "type", "precision", "unparsable"],
)
def test_a_different_schema_is_one_line_at_the_definition(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], ddl: str, problem: str
) -> None:
    root = make_landing(tmp_path)
    settings = mixed_pipeline(root, declared(ddl))
    assert main(["run", "--lakehouse", str(root), "--pipeline", str(settings)]) == 2
    err = capsys.readouterr().err
    line = declared(ddl).splitlines().index(f'@dp.materialized_view(schema="{ddl}")') + 1
    path = settings.parent / "src" / "03_gold.py"
    assert err.startswith(f"retail: error: {path}:{line}: ") and err.count("\n") == 1, err
    assert problem in err
    assert "as_ddl" not in DeltaStore(root / "tables").list_tables()


def dataset(schema: str) -> Dataset:
    location = SourceLocation(Path("p.py"), 3)
    python = PythonQuery(function=lambda: None, reads=(), streams=(), schema=schema)
    return Dataset("t", "materialized_view", "", location, python=python)


@pytest.mark.parametrize(
    "described",
    [
        (("a", "bigint"), ("b", "decimal(18,2)"), ("c", "array<string>")),
        (("A", "long"), ("b", "DECIMAL(18, 2)"), ("c", "ARRAY<STRING>")),
    ],
    ids=["spark-names", "aliases-and-case"],
)
def test_one_type_has_one_meaning_whatever_its_spelling(
    described: tuple[tuple[str, str], ...],
) -> None:
    check_declared_schema(dataset("a LONG, b DECIMAL(18,2), c ARRAY<STRING>"), described)


def test_a_missing_column_names_both_lists() -> None:
    with pytest.raises(DefinitionError, match=r"declares columns a, b; the query returns a$"):
        check_declared_schema(dataset("a INT, b INT"), (("a", "int"),))
