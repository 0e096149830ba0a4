"""AUTO CDC flow statements: the three spellings, every clause, and one-line errors that
name the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from retail_lakehouse.common.errors import DefinitionError
from retail_lakehouse.sql.changes import AppendFlowStatement, ChangeFlowStatement, ColumnSelection
from retail_lakehouse.sql.ddl import CreateStatement, SqlStatement, parse_sql_text

PATH = Path("flows.sql")


def parse(text: str) -> list[SqlStatement]:
    return parse_sql_text(text, PATH, {})


def flow_of(text: str) -> ChangeFlowStatement:
    (flow,) = [s for s in parse(text) if isinstance(s, ChangeFlowStatement)]
    return flow


def test_every_clause_of_auto_cdc_into() -> None:
    flow = flow_of(
        "CREATE FLOW f AS AUTO CDC INTO t FROM STREAM(src) KEYS (id, region)\n"
        "IGNORE NULL UPDATES\n"
        "APPLY AS DELETE WHEN operation = 'DELETE'\n"
        "APPLY AS TRUNCATE WHEN operation = 'TRUNCATE'\n"
        "SEQUENCE BY struct(ts, n)\n"
        "COLUMNS * EXCEPT (operation, ts, n)\n"
        "STORED AS SCD TYPE 1"
    )
    assert (flow.name, flow.target, flow.source, flow.keys) == ("f", "t", "src", ("id", "region"))
    assert flow.ignore_null_updates
    assert flow.delete_when == "operation = 'DELETE'"
    assert flow.truncate_when == "operation = 'TRUNCATE'"
    assert flow.sequence_by == "struct(ts, n)"
    assert flow.columns == ColumnSelection(("operation", "ts", "n"), excluding=True)
    assert (flow.scd_type, flow.track_history, flow.location.line) == (1, None, 1)


def test_legacy_apply_changes_takes_the_targets_name_and_drops_live() -> None:
    flow = flow_of(
        "\nAPPLY CHANGES INTO LIVE.dim FROM STREAM LIVE.feed KEYS (k) SEQUENCE BY seq\n"
        "COLUMNS k, a, `b c` STORED AS SCD TYPE 2 TRACK HISTORY ON * EXCEPT (a)"
    )
    assert (flow.name, flow.target, flow.source, flow.location.line) == ("dim", "dim", "feed", 2)
    assert flow.columns == ColumnSelection(("k", "a", "b c"))
    assert (flow.scd_type, flow.track_history) == (2, ColumnSelection(("a",), excluding=True))
    assert ColumnSelection(("a",), excluding=True).of(["k", "A", "x"]) == ["k", "x"]


def test_the_target_is_a_streaming_table_without_a_query() -> None:
    table, flow = parse(
        "CREATE OR REFRESH STREAMING TABLE dim COMMENT 'customers';\n"
        "CREATE FLOW dim_flow AS APPLY CHANGES INTO dim FROM src KEYS (k) SEQUENCE BY s;"
    )
    assert isinstance(table, CreateStatement) and table.declares_only
    assert table.comment == "customers"
    assert isinstance(flow, ChangeFlowStatement) and flow.source == "src"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("CREATE FLOW f AS AUTO CDC INTO t FROM s SEQUENCE BY x", "expected KEYS after FROM s"),
        ("CREATE FLOW f AS AUTO CDC INTO t FROM s KEYS (k)", "expected SEQUENCE"),
        ("CREATE FLOW f AS AUTO CDC INTO t FROM s KEYS () SEQUENCE BY x", "no columns in KEYS"),
        ("CREATE FLOW f AS AUTO CDC INTO t FROM s KEYS (k) SEQUENCE BY", "missing expression"),
        (
            "CREATE FLOW f AS AUTO CDC INTO t FROM s KEYS (k) SEQUENCE BY x STORED AS SCD TYPE 3",
            "expected SCD TYPE 1 or 2, found '3'",
        ),
        (
            "CREATE FLOW f AS AUTO CDC INTO t FROM s KEYS (k) SEQUENCE BY x TRACK HISTORY ON (a)",
            "TRACK HISTORY needs STORED AS SCD TYPE 2",
        ),
        (
            "CREATE FLOW f AS AUTO CDC INTO t FROM s KEYS (k) APPLY AS TRUNCATE WHEN op = 'T' "
            "SEQUENCE BY x STORED AS SCD TYPE 2",
            "APPLY AS TRUNCATE WHEN is for SCD TYPE 1 only",
        ),
        ("CREATE FLOW f AS INSERT INTO t BY NAME", "missing query after INSERT INTO t BY NAME"),
        ("CREATE FLOW f AS AUTO CDC INTO t FROM s KEYS (k + 1) SEQUENCE BY x", "column name"),
        (
            "CREATE FLOW f AS AUTO CDC INTO t FROM s KEYS (k) SEQUENCE BY x;\n"
            "CREATE FLOW f AS AUTO CDC INTO u FROM s KEYS (k) SEQUENCE BY x",
            "flow 'f' is already defined at flows.sql:1",
        ),
        ("CREATE OR REFRESH MATERIALIZED VIEW v", "missing AS and the query"),
    ],
)
def test_a_flow_that_cannot_be_read_is_one_line_naming_the_file(text: str, problem: str) -> None:
    with pytest.raises(DefinitionError) as raised:
        parse(text)
    message = str(raised.value)
    assert problem in message and message.startswith("flows.sql:") and "\n" not in message


def test_an_append_flow_keeps_its_query_as_written() -> None:
    (flow,) = parse("CREATE FLOW web AS INSERT INTO LIVE.events BY NAME\nSELECT id FROM s")
    assert flow == AppendFlowStatement("web", "events", "SELECT id FROM s", flow.location)
    assert flow.location.line == 1
