"""``retail query`` from the command line: a statement that is not a query is one line on
stderr, exit code 2, and nothing written; tables answer to their Databricks names; several
statements print each result; JSON keeps decimals exact."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from retail_lakehouse.backends.duckdb.lakehouse_sql import open_lakehouse
from retail_lakehouse.cli.main import main
from retail_lakehouse.pipeline.settings import DEFAULT_CATALOG, DEFAULT_SCHEMA
from retail_lakehouse.storage.delta import DeltaStore
from tests.bundle.bundle_files import PIPELINE, load_bundle, resolve_variables, variable_values
from tests.helpers import json_documents, type_at_prompt


@pytest.fixture
def lakehouse(tmp_path: Path) -> Path:
    root = tmp_path / "lakehouse"
    DeltaStore(root / "tables").write("t", pa.table({"a": [1, 2, 3]}), mode="overwrite")
    return root


def test_a_query_prints_its_rows(lakehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["query", "SELECT sum(a) AS total FROM t", "--lakehouse", str(lakehouse),
                 "--format", "csv"])  # fmt: skip
    assert code == 0
    assert capsys.readouterr().out.splitlines() == ['"total"', "6"]


def test_copy_is_refused_in_one_line_and_writes_no_file(
    lakehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "x.csv"
    code = main(["query", f"COPY (SELECT 1) TO '{target}'", "--lakehouse", str(lakehouse)])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("retail: error: ") and len(err.splitlines()) == 1
    assert "read-only: COPY statements are not allowed" in err
    assert not target.exists()


def run_query(
    capsys: pytest.CaptureFixture[str], lakehouse: Path, sql: str, *options: str
) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``retail query sql --lakehouse lakehouse options``."""
    code = main(["query", sql, "--lakehouse", str(lakehouse), *options])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line_error(code: int, err: str) -> str:
    assert code == 2
    assert err.startswith("retail: error: ") and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize("dialect", ["spark", "duckdb"])
@pytest.mark.parametrize(
    "name", ["t", "retail_lakehouse.t", "main.retail_lakehouse.t", "MAIN.Retail_Lakehouse.T"]
)
def test_a_table_answers_to_its_databricks_names(
    lakehouse: Path, capsys: pytest.CaptureFixture[str], dialect: str, name: str
) -> None:
    sql = f"SELECT sum(a) AS total FROM {name}"
    code, out, _ = run_query(capsys, lakehouse, sql, "--format", "csv", "--dialect", dialect)
    assert code == 0
    assert out.splitlines() == ['"total"', "6"]


@pytest.mark.parametrize("dialect", ["spark", "duckdb"])
def test_a_cte_named_like_the_table_reads_the_table(
    lakehouse: Path, capsys: pytest.CaptureFixture[str], dialect: str
) -> None:
    sql = (
        "WITH t AS (SELECT a * 10 AS a FROM main.retail_lakehouse.t) "
        "SELECT sum(main.retail_lakehouse.t.a) AS stored, (SELECT sum(a) FROM t) AS tenfold "
        "FROM main.retail_lakehouse.t"
    )
    code, out, err = run_query(capsys, lakehouse, sql, "--format", "csv", "--dialect", dialect)
    assert (code, err) == (0, "")
    assert out.splitlines() == ['"stored","tenfold"', "6,60"]


@pytest.mark.parametrize(
    ("name", "qualifier"),
    [
        ("hive_metastore.default.t", "hive_metastore.default"),
        ("main.sales.t", "main.sales"),
        ("dev.retail_lakehouse.t", "dev.retail_lakehouse"),
        ("sales.t", "sales"),
    ],
)
def test_another_catalog_or_schema_is_one_line_naming_it_and_the_pipelines(
    lakehouse: Path, capsys: pytest.CaptureFixture[str], name: str, qualifier: str
) -> None:
    code, out, err = run_query(capsys, lakehouse, f"SELECT 1 AS one; SELECT * FROM {name}")
    one_line_error(code, err)
    assert f"{name}: the lakehouse has no schema {qualifier};" in err
    assert "main.retail_lakehouse.<table>, retail_lakehouse.<table> or <table>" in err
    assert out == ""  # refused before the first statement runs


@pytest.mark.parametrize("name", ["main.information_schema.tables", "information_schema.tables"])
def test_duckdbs_own_schemas_stay_readable_in_the_catalog(
    lakehouse: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    sql = f"SELECT DISTINCT table_name FROM {name} WHERE table_schema = 'retail_lakehouse'"
    code, out, _ = run_query(capsys, lakehouse, sql, "--format", "csv")
    assert (code, out.splitlines()) == (0, ['"table_name"', '"t"'])


def test_the_catalog_and_schema_come_from_the_pipeline_settings(
    lakehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "sql").mkdir()
    (tmp_path / "sql" / "t.sql").write_text("CREATE MATERIALIZED VIEW t AS SELECT 1 AS a;\n")
    settings = tmp_path / "pipeline.yaml"
    settings.write_text("name: mine\nsql: sql\ncatalog: dev\nschema: sales\n")
    options = ("--pipeline", str(settings), "--format", "csv")
    code, out, _ = run_query(capsys, lakehouse, "SELECT sum(a) AS n FROM dev.sales.t", *options)
    assert (code, out.splitlines()) == (0, ['"n"', "6"])
    code, _, err = run_query(capsys, lakehouse, "SELECT * FROM main.retail_lakehouse.t", *options)
    one_line_error(code, err)
    assert "no schema main.retail_lakehouse; its tables are dev.sales.<table>" in err


def test_the_default_catalog_and_schema_are_the_bundles() -> None:
    bundle = load_bundle()
    pipeline = resolve_variables(
        bundle.resource("pipelines", PIPELINE), variable_values(bundle.document)
    )
    assert (pipeline["catalog"], pipeline["schema"]) == (DEFAULT_CATALOG, DEFAULT_SCHEMA)


def test_several_statements_print_each_result_in_order(
    lakehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sql = "SELECT sum(a) AS total FROM t; SELECT a FROM t WHERE a > 1 ORDER BY a"
    code, out, _ = run_query(capsys, lakehouse, sql, "--format", "json")
    assert code == 0
    assert json_documents(out) == [[{"total": 6}], [{"a": 2}, {"a": 3}]]
    code, out, _ = run_query(capsys, lakehouse, sql, "--format", "csv")
    assert out.split("\n\n") == ['"total"\n6', '"a"\n2\n3\n']
    code, out, _ = run_query(capsys, lakehouse, sql)
    assert "| 6 " in out and out.index("| 6 ") < out.index("| 2 ") < out.index("| 3 ")


def test_a_failing_statement_among_several_is_named_after_the_results_before_it(
    lakehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sql = "SELECT sum(a) AS total FROM t; SELECT * FROM nowhere; SELECT 1 AS never"
    code, out, err = run_query(capsys, lakehouse, sql, "--format", "json")
    one_line_error(code, err)
    assert "statement 2 of 3: " in err and "nowhere" in err
    assert json_documents(out) == [[{"total": 6}]]


@pytest.mark.parametrize("sql", ["", "   \n", "-- only a comment", ";"])
def test_an_empty_query_is_an_error_not_the_prompt(
    lakehouse: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, sql: str
) -> None:
    def no_prompt(prompt: str) -> str:
        raise AssertionError(f"prompted with {prompt!r}")

    monkeypatch.setattr("builtins.input", no_prompt)
    code, out, err = run_query(capsys, lakehouse, sql)
    one_line_error(code, err)
    assert "empty" in err or "no SQL statement" in err
    assert out == ""


@pytest.mark.parametrize(
    ("dialect", "sql"),
    [
        ("spark", "SHOW TABLES"),
        ("duckdb", "SHOW TABLES"),
        ("duckdb", "SHOW ALL TABLES"),
        ("duckdb", "DESCRIBE"),
    ],
)
def test_listings_show_only_the_lakehouse_tables(
    lakehouse: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    dialect: str,
    sql: str,
) -> None:
    code, out, err = run_query(capsys, lakehouse, sql, "--format", "json", "--dialect", dialect)
    assert (code, err) == (0, "")
    assert [r.message for r in caplog.records if r.name == "sqlglot"] == []  # no warning
    [rows] = json_documents(out)
    assert isinstance(rows, list) and rows
    assert {row["name"] for row in rows} == {"t"}


def test_the_prompt_lists_the_tables(
    lakehouse: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    type_at_prompt(monkeypatch, [".tables"])
    assert main(["query", "--lakehouse", str(lakehouse), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == ['"name"', '"t"']


@pytest.fixture
def typed_lakehouse(tmp_path: Path) -> Path:
    root = tmp_path / "typed"
    data = pa.table(
        {
            "money": pa.array(
                [Decimal("0.10"), Decimal("1234567890.99"), Decimal("-0.01")], pa.decimal128(12, 2)
            ),
            "at": pa.array(
                [datetime(2024, 1, 2, 3, 4, 5, 123000, tzinfo=UTC)] * 3, pa.timestamp("us", "UTC")
            ),
            "day": pa.array([date(2024, 2, 29)] * 3, pa.date32()),
            "prices": pa.array([[Decimal("9.99")], [], None], pa.list_(pa.decimal128(5, 2))),
        }
    )
    DeltaStore(root / "tables").write("typed", data, mode="overwrite")
    return root


def test_json_keeps_decimals_exact_and_times_iso(
    typed_lakehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_query(capsys, typed_lakehouse, "SELECT * FROM typed", "--format", "json")
    assert code == 0
    assert '"money": 1234567890.99' in out and '"money": 0.10' in out  # the column's digits
    [rows] = json_documents(out)
    assert isinstance(rows, list)
    assert [row["money"] for row in rows] == [
        Decimal("0.10"),
        Decimal("1234567890.99"),
        Decimal("-0.01"),
    ]
    assert [row["prices"] for row in rows] == [[Decimal("9.99")], [], None]
    first = rows[0]
    assert first["at"] == "2024-01-02T03:04:05.123000+00:00"
    assert datetime.fromisoformat(first["at"]) == datetime(2024, 1, 2, 3, 4, 5, 123000, UTC)
    assert first["day"] == "2024-02-29"


def test_csv_writes_nested_values_as_json(
    typed_lakehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sql = "SELECT money, prices FROM typed"
    code, out, _ = run_query(capsys, typed_lakehouse, sql, "--format", "csv")
    assert code == 0
    assert out.splitlines() == ['"money","prices"', '0.10,"[9.99]"', '1234567890.99,"[]"', "-0.01,"]


def test_the_session_reads_no_python_variables(lakehouse: Path) -> None:
    connection = open_lakehouse(lakehouse / "tables")
    stray = pa.table({"secret": [1]})  # noqa: F841 - what a replacement scan would find
    with pytest.raises(duckdb.CatalogException):
        connection.execute("SELECT * FROM stray").fetchall()
