"""The README's "Deploy to Databricks" queries are the demo's, prefixed with catalog.schema."""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

from tests.bundle.bundle_files import REPO, Bundle, variable_values
from tests.cli.test_run import DEMO_QUERIES

SECTION = re.compile(r"^## Deploy to Databricks\n(.*?)^## ", re.MULTILINE | re.DOTALL)
SQL_BLOCK = re.compile(r"^```sql\n(.*?)^```", re.MULTILINE | re.DOTALL)


def readme_section() -> str:
    found = SECTION.search((REPO / "README.md").read_text(encoding="utf-8"))
    assert found, "README has a section 'Deploy to Databricks'"
    return found.group(1)


def without_prefix(query: exp.Query, prefix: tuple[str, str]) -> str:
    """The query in Databricks SQL with each table's catalog.schema checked, then dropped."""
    for table in query.find_all(exp.Table):
        assert (table.catalog, table.db) == prefix, table.sql()
        table.set("catalog", None)
        table.set("db", None)
    return query.sql(dialect="databricks")


def test_readme_queries_are_the_demo_queries_on_the_bundle_schema(bundle: Bundle) -> None:
    values = variable_values(bundle.document)
    prefix = (values["catalog"], values["schema"])
    blocks = SQL_BLOCK.findall(readme_section())
    queries = [q for block in blocks for q in sqlglot.parse(block, read="databricks") if q]
    demo = [sqlglot.parse_one(query, read="databricks") for query in DEMO_QUERIES.values()]
    readme = [without_prefix(query, prefix) for query in queries if isinstance(query, exp.Query)]
    assert readme == [query.sql(dialect="databricks") for query in demo]


def test_readme_shows_the_bundle_commands() -> None:
    section = readme_section()
    for command in (
        "databricks bundle validate",
        "databricks bundle deploy --target dev",
        "databricks bundle run retail_data_generator",
    ):
        assert command in section
