"""The README's Python examples import from this package what exists, the paths it names
are there, and its queries and ``retail query`` / ``retail lineage`` lines run verbatim
against a lakehouse built at a tiny scale."""

from __future__ import annotations

import ast
import importlib
import re
import shlex
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from retail_lakehouse.cli.main import main
from tests.bundle.bundle_files import REPO
from tests.helpers import json_documents, type_at_prompt

README = (REPO / "README.md").read_text(encoding="utf-8")
PYTHON_BLOCK = re.compile(r"^( *)```python\n(.*?)^\1```", re.MULTILINE | re.DOTALL)
SQL_BLOCK = re.compile(r"^```sql\n(.*?)^```", re.MULTILINE | re.DOTALL)
BASH_BLOCK = re.compile(r"^```bash\n(.*?)^```", re.MULTILINE | re.DOTALL)
NAMED_PATH = re.compile(r"`((?:src|tests|benchmarks|resources)/[\w./-]+)`")
CLI_EXAMPLE = ["uv", "run", "retail"]


def test_every_name_a_python_example_imports_exists() -> None:
    blocks = [textwrap.dedent(body) for _, body in PYTHON_BLOCK.findall(README)]
    assert blocks
    imported = [
        (node.module, alias.name)
        for block in blocks
        for node in ast.walk(ast.parse(block))
        if isinstance(node, ast.ImportFrom)
        and node.module
        and node.module.startswith("retail_lakehouse")  # pipeline files import what we inject
        for alias in node.names
    ]
    assert imported
    missing = [f"{m}.{n}" for m, n in imported if not hasattr(importlib.import_module(m), n)]
    assert missing == []


def test_every_path_the_readme_names_exists() -> None:
    paths = NAMED_PATH.findall(README)
    assert "src/retail_lakehouse/datasets/retail/sql/" in paths
    assert [p for p in paths if not (REPO / p).exists()] == []


def query_count(block: str) -> int:
    """How many statements the SQL block holds when every one is a query; 0 when it holds
    anything else (a pipeline's or a schema's DDL)."""
    try:
        statements = [s for s in sqlglot.parse(block, read="databricks") if s]
    except ParseError:
        return 0
    return len(statements) if all(isinstance(s, exp.Query) for s in statements) else 0


QUERY_BLOCKS = [block for block in SQL_BLOCK.findall(README) if query_count(block)]


def cli_examples() -> Iterator[list[str]]:
    """The arguments of every ``uv run retail query|lineage ...`` line of the shell examples."""
    for block in BASH_BLOCK.findall(README):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words[:3] == CLI_EXAMPLE and words[3] in ("query", "lineage"):
                yield words[3:]


@pytest.fixture(scope="module")
def lakehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("readme") / "lakehouse"
    assert main(["run", "--lakehouse", str(root), "--scale", "0.02", "--workers", "1"]) == 0
    return root


def test_the_readme_has_workspace_queries() -> None:
    names = {
        ".".join(part.name for part in table.parts)
        for block in QUERY_BLOCKS
        for statement in sqlglot.parse(block, read="databricks")
        if statement
        for table in statement.find_all(exp.Table)
    }
    assert "main.retail_lakehouse.gold_daily_sales_summary" in names
    assert sum(query_count(block) for block in QUERY_BLOCKS) >= 3


@pytest.mark.parametrize("block", QUERY_BLOCKS)
def test_every_readme_query_runs_verbatim(
    lakehouse: Path, block: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["query", block, "--lakehouse", str(lakehouse), "--format", "json"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    results = json_documents(out)
    assert len(results) == query_count(block)
    assert all(isinstance(rows, list) and rows for rows in results)


@pytest.mark.parametrize("arguments", list(cli_examples()), ids=" ".join)
def test_every_readme_query_and_lineage_line_runs_verbatim(
    lakehouse: Path,
    arguments: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    type_at_prompt(monkeypatch, [])  # the prompt's line quits at once
    code = main([*arguments, "--lakehouse", str(lakehouse)])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert out.strip()


def test_the_readme_shows_query_and_lineage_lines() -> None:
    commands = [arguments[0] for arguments in cli_examples()]
    assert commands.count("query") >= 3 and "lineage" in commands


GOLD_ROW = re.compile(r"^\| (`gold_\w+`)? ?\| ([^|]+) \| ([^|]+) \| [^|]+ \|$", re.MULTILINE)


def test_the_gold_columns_table_lists_every_gold_column_in_its_type(lakehouse: Path) -> None:
    """The README's table of gold columns names each column of each gold table once, with
    the type the table stores (a cell may name several columns and their types)."""
    from retail_lakehouse.storage.delta import DeltaStore

    documented: dict[tuple[str, str], str] = {}
    table = ""
    for name, columns, kinds in GOLD_ROW.findall(README):
        table = name.strip("`") or table
        names = [c.strip(" `") for c in columns.split(",")]
        types = [k.strip() for k in re.split(r", (?=[A-Z])", kinds)]
        for index, column in enumerate(names):
            documented[(table, column)] = types[min(index, len(types) - 1)]
    store = DeltaStore(lakehouse / "tables")
    stored = {
        (name, field.name): field.type
        for name in store.list_tables()
        if name.startswith("gold_")
        for field in store.read(name).schema
    }
    assert documented.keys() == stored.keys()
    sql_types = {"int64": "BIGINT", "string": "STRING", "date32[day]": "DATE"}
    for key, arrow_type in stored.items():
        text = str(arrow_type)
        expected = (
            sql_types.get(text)
            or ("TIMESTAMP" if text.startswith("timestamp") else None)
            or text.replace("decimal128", "DECIMAL").replace(" ", "")
        )
        assert documented[key].replace(" ", "") == expected, key
