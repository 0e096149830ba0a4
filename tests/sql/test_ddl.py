"""Reading pipeline .sql files (Lakeflow Declarative Pipelines SQL) into CREATE statements."""

from __future__ import annotations

from pathlib import Path

import pytest

from retail_lakehouse.common.errors import DefinitionError, SourceLocation
from retail_lakehouse.sql.ddl import (
    Constraint,
    CreateStatement,
    parse_sql_folder,
    parse_sql_text,
)
from retail_lakehouse.sql.substitution import substitute

PATH = Path("pipeline/p.sql")


def parse(text: str, configuration: dict[str, str] | None = None) -> list[CreateStatement]:
    statements = parse_sql_text(text, PATH, configuration or {})
    assert all(isinstance(s, CreateStatement) for s in statements)
    return [s for s in statements if isinstance(s, CreateStatement)]


def parse_one(text: str, configuration: dict[str, str] | None = None) -> CreateStatement:
    (dataset,) = parse(text, configuration)
    return dataset


def error_of(text: str, configuration: dict[str, str] | None = None) -> str:
    with pytest.raises(DefinitionError) as raised:
        parse(text, configuration)
    message = str(raised.value)
    assert "\n" not in message
    return message


# --- accepted statement forms -------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("CREATE OR REFRESH MATERIALIZED VIEW", "materialized_view"),
        ("CREATE MATERIALIZED VIEW", "materialized_view"),
        ("CREATE OR REFRESH STREAMING TABLE", "streaming_table"),
        ("CREATE STREAMING TABLE", "streaming_table"),
        ("CREATE OR REFRESH LIVE TABLE", "materialized_view"),
        ("CREATE OR REFRESH STREAMING LIVE TABLE", "streaming_table"),
        ("CREATE TEMPORARY VIEW", "temporary_view"),
        ("CREATE TEMPORARY LIVE VIEW", "temporary_view"),
        ("CREATE OR REPLACE TEMPORARY VIEW", "temporary_view"),
        ("create or refresh materialized view", "materialized_view"),
        ("Create\n  Or Refresh\n\tStreaming   Table", "streaming_table"),
    ],
)
def test_every_create_form_gives_its_kind(header: str, kind: str) -> None:
    dataset = parse_one(f"{header} orders AS SELECT * FROM raw_orders;")
    assert (dataset.name, dataset.kind, dataset.query) == (
        "orders",
        kind,
        "SELECT * FROM raw_orders",
    )
    assert dataset.location == SourceLocation(PATH, 1)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("orders", "orders"),
        ("`order items`", "order items"),
        ("`a``b`", "a`b"),
        ("main.sales.orders", "orders"),
        ("`main`.`sales`.`daily orders`", "daily orders"),
        ("sales . orders", "orders"),
    ],
)
def test_names_may_be_backquoted_or_qualified(name: str, expected: str) -> None:
    assert parse_one(f"CREATE MATERIALIZED VIEW {name} AS SELECT 1").name == expected


def test_statements_are_split_at_semicolons_and_the_last_may_omit_it() -> None:
    datasets = parse(
        "CREATE MATERIALIZED VIEW a AS SELECT 1;\n;;\n"
        "CREATE STREAMING TABLE b AS SELECT * FROM STREAM(a);\n"
        "CREATE TEMPORARY VIEW c AS SELECT 3\n"
    )
    assert [(d.name, d.kind, d.query) for d in datasets] == [
        ("a", "materialized_view", "SELECT 1"),
        ("b", "streaming_table", "SELECT * FROM STREAM(a)"),
        ("c", "temporary_view", "SELECT 3"),
    ]
    assert [d.location.line for d in datasets] == [1, 3, 4]


def test_a_file_of_only_comments_defines_nothing() -> None:
    assert parse("-- nothing yet; CREATE MATERIALIZED VIEW x AS SELECT 1\n/* ; */\n") == []


def test_location_is_the_line_of_create_after_comments_and_blank_lines() -> None:
    text = "-- orders\n\n/* a\n   block */\n  CREATE MATERIALIZED VIEW\n  orders AS SELECT 1"
    assert parse_one(text).location == SourceLocation(PATH, 5)


# --- strings, comments and the query text -------------------------------------------------


def test_semicolons_in_strings_identifiers_and_comments_do_not_split() -> None:
    text = """CREATE MATERIALIZED VIEW a AS
SELECT 'x;y' AS s, "p;q" AS d, `we;ird` -- trailing; CREATE STREAMING TABLE nope AS
/* block; with ) and CREATE TEMPORARY VIEW fake AS */ FROM t;
CREATE MATERIALIZED VIEW b AS SELECT 'it''s; \\'ok\\'' AS e"""
    a, b = parse(text)
    assert a.query == (
        "SELECT 'x;y' AS s, \"p;q\" AS d, `we;ird` -- trailing; CREATE STREAMING TABLE nope AS\n"
        "/* block; with ) and CREATE TEMPORARY VIEW fake AS */ FROM t"
    )
    assert b.query == "SELECT 'it''s; \\'ok\\'' AS e"


def test_query_keeps_inner_comments_but_not_trailing_ones() -> None:
    text = "CREATE MATERIALIZED VIEW a AS -- why\n  SELECT 1 /* one */ + 1 -- the end\n;"
    assert parse_one(text).query == "-- why\n  SELECT 1 /* one */ + 1"


def test_nested_block_comments_are_skipped() -> None:
    text = "/* outer /* inner; */ still comment; */ CREATE MATERIALIZED VIEW a AS SELECT 1"
    assert parse_one(text).name == "a"


def test_comments_may_appear_anywhere_in_the_header() -> None:
    text = """CREATE /* c */ OR -- c
    REFRESH MATERIALIZED VIEW /* c */ a -- c
    ( -- c
      id INT, /* c */ CONSTRAINT ok /* c */ EXPECT (id > 0) -- c
    ) /* c */ COMMENT 'x' -- c
    AS SELECT 1 AS id"""
    dataset = parse_one(text)
    assert (dataset.name, dataset.columns, dataset.comment) == ("a", ("id",), "x")
    assert dataset.constraints == (Constraint("ok", "id > 0"),)


# --- column list and expectations ---------------------------------------------------------


def test_column_list_mixes_columns_and_constraints() -> None:
    text = """CREATE OR REFRESH STREAMING TABLE orders (
      order_id BIGINT NOT NULL COMMENT 'the key, unique (really)',
      amount DECIMAL(12, 2),
      tags ARRAY<STRUCT<k: STRING, v: STRING>>,
      `ship date` DATE,
      CONSTRAINT valid_id EXPECT (order_id IS NOT NULL),
      CONSTRAINT positive EXPECT (amount > 0 AND (amount < 1e6 OR status IN ('a,b', ')')))
        ON VIOLATION DROP ROW,
      CONSTRAINT `known status` EXPECT (status <> 'x;y') on violation fail update
    ) AS SELECT * FROM STREAM(raw)"""
    dataset = parse_one(text)
    assert dataset.columns == ("order_id", "amount", "tags", "ship date")
    assert dataset.constraints == (
        Constraint("valid_id", "order_id IS NOT NULL", "warn"),
        Constraint("positive", "amount > 0 AND (amount < 1e6 OR status IN ('a,b', ')'))", "drop"),
        Constraint("known status", "status <> 'x;y'", "fail"),
    )


def test_constraints_only_and_condition_comments_are_kept() -> None:
    text = (
        "CREATE TEMPORARY VIEW v (\n CONSTRAINT c EXPECT ( /* hm */ a = 1 -- eq\n )\n) AS SELECT 1"
    )
    assert parse_one(text).constraints == (Constraint("c", "/* hm */ a = 1"),)


# --- clauses -------------------------------------------------------------------------------


def test_clauses_in_any_order() -> None:
    text = """CREATE OR REFRESH MATERIALIZED VIEW daily
    TBLPROPERTIES ('quality' = 'gold', "pipelines.autoOptimize.zOrderCols" = "a,b",
                   'delta.appendOnly' = TRUE, 'retention' = 30, 'ratio' = -1.5)
    LOCATION '/mnt/ignored'
    COMMENT "Daily \\"sales\\"; it's done"
    USING DELTA
    PARTITIONED BY (sale_date, `store id`)
    AS SELECT 1"""
    dataset = parse_one(text)
    assert dataset.comment == 'Daily "sales"; it\'s done'
    assert dataset.partition_by == ("sale_date", "store id")
    assert dataset.cluster_by == ()
    assert dataset.properties == (
        ("quality", "gold"),
        ("pipelines.autoOptimize.zOrderCols", "a,b"),
        ("delta.appendOnly", "true"),
        ("retention", "30"),
        ("ratio", "-1.5"),
    )
    assert dict(dataset.properties)["retention"] == "30"


@pytest.mark.parametrize(
    ("comment", "expected"),
    [("'it''s'", "it's"), ("'it\\'s'", "it's"), ('"say ""hi"""', 'say "hi"'), ("'a\\nb'", "a\nb")],
)
def test_comment_unescapes(comment: str, expected: str) -> None:
    assert (
        parse_one(f"CREATE MATERIALIZED VIEW a COMMENT {comment} AS SELECT 1").comment == expected
    )


@pytest.mark.parametrize(
    ("clause", "columns"), [("CLUSTER BY (a, b)", ("a", "b")), ("CLUSTER BY AUTO", ())]
)
def test_cluster_by(clause: str, columns: tuple[str, ...]) -> None:
    dataset = parse_one(f"CREATE STREAMING TABLE t {clause} COMMENT 'c' AS SELECT 1")
    assert (dataset.cluster_by, dataset.comment) == (columns, "c")


# --- configuration substitution -----------------------------------------------------------


def test_substitute_replaces_plain_and_dotted_names() -> None:
    text = "SELECT '${env}' FROM ${my.catalog}.${my.schema}.t -- ${env}"
    configuration = {"env": "dev", "my.catalog": "main", "my.schema": "bronze"}
    assert substitute(text, configuration, PATH) == "SELECT 'dev' FROM main.bronze.t -- dev"


def test_substitution_applies_to_names_queries_and_properties() -> None:
    text = (
        "CREATE MATERIALIZED VIEW ${prefix}_orders TBLPROPERTIES ('owner' = '${owner}')\n"
        "AS SELECT * FROM ${source.table} WHERE day >= '${start}'"
    )
    configuration = {"prefix": "gold", "owner": "ops", "source.table": "raw", "start": "2024-01-01"}
    dataset = parse_one(text, configuration)
    assert dataset.name == "gold_orders"
    assert dataset.properties == (("owner", "ops"),)
    assert dataset.query == "SELECT * FROM raw WHERE day >= '2024-01-01'"


def test_unknown_variable_names_file_line_and_defined_names() -> None:
    text = "CREATE MATERIALIZED VIEW a AS\nSELECT *\nFROM ${catalg}.t"
    message = error_of(text, {"catalog": "main", "env": "dev"})
    assert message == (
        "pipeline/p.sql:3: unknown configuration variable '${catalg}'; defined: catalog, env"
    )


def test_unknown_variable_with_no_configuration() -> None:
    with pytest.raises(DefinitionError, match=r"p\.sql:1: .*'\$\{x\}'; defined: none$"):
        substitute("${x}", {}, PATH)


def test_value_with_newline_is_rejected() -> None:
    with pytest.raises(
        DefinitionError, match=r"^pipeline/p\.sql:2: .*'\$\{v\}' contains a newline"
    ):
        substitute("a\n${v}", {"v": "1\n2"}, PATH)


def test_line_numbers_stay_those_of_the_original_file() -> None:
    text = "CREATE MATERIALIZED VIEW ${name} AS SELECT 1;\n\nCREATE MATERIALIZED VIEW b SELECT 2"
    message = error_of(text, {"name": "a_much_longer_name_than_the_reference"})
    assert message.startswith("pipeline/p.sql:3: missing AS before the query, found 'SELECT'")


# --- errors ---------------------------------------------------------------------------------

MV = "CREATE OR REFRESH MATERIALIZED VIEW"
ALLOWED = (
    "expected CREATE OR REFRESH MATERIALIZED VIEW | STREAMING TABLE | TEMPORARY VIEW, CREATE FLOW"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\nINSERT INTO t SELECT 1", f"2: {ALLOWED}, found 'INSERT'"),
        ("SET a = 1;", f"1: {ALLOWED}, found 'SET'"),
        (
            "CREATE OR REFRESH PRIVATE MATERIALIZED VIEW p AS SELECT 1",
            "1: expected MATERIALIZED VIEW | STREAMING TABLE | TEMPORARY VIEW after CREATE,"
            " found 'PRIVATE'",
        ),
        (
            "CREATE TABLE t AS SELECT 1",
            "1: expected MATERIALIZED VIEW | STREAMING TABLE | TEMPORARY VIEW after CREATE,"
            " found 'TABLE'",
        ),
        (
            "CREATE OR UPDATE MATERIALIZED VIEW t AS SELECT 1",
            "1: expected REFRESH | REPLACE after CREATE OR, found 'UPDATE'",
        ),
        (f"{MV} a AS SELECT 1;\n\nSELECT 'x\n;y", "3: unterminated string literal"),
        (f'{MV} a AS SELECT "x\n\n', "1: unterminated string literal"),
        (f"{MV} a AS SELECT 1\n/* open ; \n", "2: unterminated /* comment"),
        (f"{MV} `a\n AS SELECT 1", "1: unterminated `quoted identifier`"),
        (
            f"{MV} a (\n  x INT,\n  CONSTRAINT c EXPECT (x > (1)\n) AS SELECT 1",
            "1: unterminated parenthesis",
        ),
        (f"{MV} a AS SELECT f(\n  g(1,\n  2", "2: unterminated parenthesis"),
        (
            f"{MV} a AS SELECT (1;\nCREATE MATERIALIZED VIEW b AS SELECT 1",
            "1: unterminated parenthesis",
        ),
        (f"{MV} a AS SELECT 1)", "1: unmatched ')'"),
        (f"{MV} a\n  COMMENT 'x'\n  SELECT 1", "3: missing AS before the query, found 'SELECT'"),
        (f"{MV} a\n  COMMENT 'x'\n;", "3: missing AS and the query at the end of the statement"),
        (
            f"{MV} a COMMENT 'x' GARBAGE AS SELECT 1",
            "1: expected PARTITIONED BY | CLUSTER BY | COMMENT | TBLPROPERTIES | LOCATION"
            " | USING DELTA | AS, found 'GARBAGE'",
        ),
        (
            f"{MV}\n  AS SELECT 1",
            "2: missing dataset name after CREATE OR REFRESH MATERIALIZED VIEW, found 'AS'",
        ),
        (
            "create temporary view (a INT) AS SELECT 1",
            "1: missing dataset name after CREATE TEMPORARY VIEW, found '('",
        ),
        (
            f"{MV} cat. AS SELECT 1",
            "1: missing name part after '.' in the dataset name, found 'AS'",
        ),
        (f"{MV} a AS\n  -- nothing here\n;", "1: empty query after AS"),
        (
            f"{MV} a (\n  CONSTRAINT c EXPECT (x > 0)\n    ON VIOLATION DELETE ROW\n) AS SELECT 1",
            "3: unknown ON VIOLATION action 'DELETE ROW'; expected DROP ROW | FAIL UPDATE",
        ),
        (
            f"{MV} a (CONSTRAINT c EXPECT (x > 0) ON VIOLATION) AS SELECT 1",
            "1: unknown ON VIOLATION action nothing",
        ),
        (
            f"{MV} a (CONSTRAINT c EXPECT (x > 0) ON DROP ROW) AS SELECT 1",
            "1: expected VIOLATION after ON in constraint 'c', found 'DROP'",
        ),
        (
            f"{MV} a (CONSTRAINT c EXPECT (x > 0) DROP ROW) AS SELECT 1",
            "1: unexpected 'DROP' after constraint 'c'",
        ),
        (
            f"{MV} a (\n  CONSTRAINT pk PRIMARY KEY (id)\n) AS SELECT 1",
            "2: constraint 'pk' needs EXPECT (condition), found 'PRIMARY'",
        ),
        (
            f"{MV} a (CONSTRAINT EXPECT (x)) AS SELECT 1",
            "1: constraint 'EXPECT' needs EXPECT (condition), found '('",
        ),
        (
            f"{MV} a (CONSTRAINT c EXPECT x > 0) AS SELECT 1",
            "1: expected '(' after EXPECT in constraint 'c', found 'x'",
        ),
        (
            f"{MV} a (CONSTRAINT c EXPECT ( /* */ )) AS SELECT 1",
            "1: empty condition in constraint 'c'",
        ),
        (
            f"{MV} a (\n  CONSTRAINT c EXPECT (x > 0),\n  CONSTRAINT C EXPECT (y)\n) AS SELECT 1",
            "3: duplicate constraint 'C' (first defined at line 2)",
        ),
        (f"{MV} a (x INT,\n x STRING) AS SELECT 1", "2: column 'x' is declared twice"),
        (f"{MV} a (x INT,) AS SELECT 1", "1: empty item in the column list"),
        (
            f"{MV} a (x INT\n CONSTRAINT c EXPECT (x > 0)) AS SELECT 1",
            "2: CONSTRAINT inside the definition of column 'x' (missing ',')",
        ),
        (
            f"{MV} a ('x' INT) AS SELECT 1",
            "1: expected a column name or CONSTRAINT in the column list, found string 'x'",
        ),
        (
            f"{MV} a COMMENT 'x'\n  COMMENT 'y' AS SELECT 1",
            "2: COMMENT is given twice (first at line 1)",
        ),
        (
            f"{MV} a PARTITIONED BY (x)\n PARTITIONED BY (y) AS SELECT 1",
            "2: PARTITIONED BY is given twice (first at line 1)",
        ),
        (
            f"{MV} a PARTITIONED BY (x)\n CLUSTER BY (y) AS SELECT 1",
            "2: PARTITIONED BY and CLUSTER BY cannot be combined",
        ),
        (f"{MV} a PARTITIONED (x) AS SELECT 1", "1: expected BY after PARTITIONED, found '('"),
        (
            f"{MV} a PARTITIONED BY (x + 1) AS SELECT 1",
            "1: expected a column name in PARTITIONED BY, found 'x'",
        ),
        (
            f"{MV} a CLUSTER BY () AS SELECT 1",
            "1: expected a column name in CLUSTER BY, found nothing",
        ),
        (f"{MV} a CLUSTER BY x AS SELECT 1", "1: expected '(' after CLUSTER BY, found 'x'"),
        (f"{MV} a COMMENT x AS SELECT 1", "1: expected a quoted string after COMMENT, found 'x'"),
        (f"{MV} a USING ICEBERG AS SELECT 1", "1: expected DELTA after USING, found 'ICEBERG'"),
        (
            f"{MV} a TBLPROPERTIES ('k' 'v') AS SELECT 1",
            "1: expected '=' after property 'k', found string 'v'",
        ),
        (
            f"{MV} a TBLPROPERTIES (k = 'v') AS SELECT 1",
            "1: expected a quoted string as a TBLPROPERTIES key, found 'k'",
        ),
        (
            f"{MV} a TBLPROPERTIES ('k' = v) AS SELECT 1",
            "1: expected a quoted string, number or boolean as the value of property 'k',"
            " found 'v'",
        ),
        (
            f"{MV} a TBLPROPERTIES ('k' = 1,\n 'k' = 2) AS SELECT 1",
            "2: property 'k' is given twice in TBLPROPERTIES",
        ),
        (
            "CREATE TEMPORARY VIEW v\n  TBLPROPERTIES ('k' = 'v') AS SELECT 1",
            "2: TBLPROPERTIES is not allowed on a TEMPORARY VIEW",
        ),
        ("CREATE TEMPORARY VIEW v SELECT 1", "1: missing AS before the query, found 'SELECT'"),
        (
            "CREATE TEMPORARY VIEW v LOCATION 'x' AS SELECT 1",
            "1: LOCATION is not allowed on a TEMPORARY VIEW",
        ),
        (
            f"{MV} a AS SELECT 1;\n{MV} A AS SELECT 2",
            "2: dataset 'A' is already defined at pipeline/p.sql:1",
        ),
    ],
)
def test_errors_name_the_file_and_line(text: str, expected: str) -> None:
    assert error_of(text).startswith(f"pipeline/p.sql:{expected}")


def test_error_token_of_a_multiline_string_is_shown_on_one_line() -> None:
    message = error_of(f"{MV} a COMMENT 'x' TBLPROPERTIES ('k' = 'v') 'multi\nline' AS SELECT 1")
    assert message.endswith("found string 'multi...")


# --- folders -------------------------------------------------------------------------------


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_folder_reads_every_sql_file_recursively_sorted_by_path(tmp_path: Path) -> None:
    write(tmp_path, "silver/20_orders.sql", "CREATE MATERIALIZED VIEW silver_orders AS SELECT 2")
    write(
        tmp_path,
        "bronze.sql",
        "CREATE STREAMING TABLE raw AS SELECT 1;\n\nCREATE TEMPORARY VIEW v AS SELECT 1",
    )
    write(tmp_path, "gold/10_daily.sql", "CREATE MATERIALIZED VIEW daily AS SELECT ${n}")
    write(tmp_path, "notes.txt", "not SQL at all")
    (tmp_path / "zz_bom.sql").write_text(
        "CREATE TEMPORARY VIEW z AS SELECT 1", encoding="utf-8-sig"
    )
    datasets = parse_sql_folder(tmp_path, {"n": "3"})
    assert [d.name for d in datasets] == ["raw", "v", "daily", "silver_orders", "z"]
    assert datasets[1].location == SourceLocation(tmp_path / "bronze.sql", 3)
    assert isinstance(datasets[2], CreateStatement) and datasets[2].query == "SELECT 3"


def test_same_dataset_in_two_files_names_both_locations(tmp_path: Path) -> None:
    first = write(tmp_path, "a.sql", "\nCREATE MATERIALIZED VIEW orders AS SELECT 1")
    second = write(
        tmp_path,
        "b.sql",
        "CREATE MATERIALIZED VIEW x AS SELECT 1;\nCREATE STREAMING TABLE Orders AS SELECT 1",
    )
    with pytest.raises(DefinitionError) as raised:
        parse_sql_folder(tmp_path, {})
    assert str(raised.value) == f"{second}:2: dataset 'Orders' is already defined at {first}:2"


def test_errors_in_a_folder_name_the_file(tmp_path: Path) -> None:
    write(tmp_path, "a.sql", "CREATE MATERIALIZED VIEW a AS SELECT 1")
    bad = write(tmp_path, "b.sql", "-- b\nCREATE MATERIALIZED VIEW b AS SELECT ${missing}")
    with pytest.raises(DefinitionError) as raised:
        parse_sql_folder(tmp_path, {})
    assert str(raised.value).startswith(f"{bad}:2: unknown configuration variable '${{missing}}'")


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "nope"
    with pytest.raises(DefinitionError) as raised:
        parse_sql_folder(folder, {})
    assert str(raised.value).startswith(f"{folder}: pipeline folder not found")


def test_folder_without_sql_files_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "readme.md", "# nothing")
    with pytest.raises(DefinitionError) as raised:
        parse_sql_folder(tmp_path, {})
    assert str(raised.value) == f"{tmp_path}: no .sql files found in the pipeline folder"
