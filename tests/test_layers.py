"""Dependencies flow one way, and only the dataset folder knows the retail tables.

The packages stand on floors: common; generate and storage; sql; pipeline; backends;
datasets and report; cli. Every import (at the top, in a function, or for type checking
only) goes to a lower floor or stays in its own package; packages on one floor do not
import each other, nor do the two backends. A fresh interpreter also shows which
libraries a package loads: the generator core no engine library, storage no SQL or
engine library, and nothing PySpark until a Spark session starts.
"""

from __future__ import annotations

import ast
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import retail_lakehouse
from retail_lakehouse.datasets import builtin_settings_path, builtin_spec
from retail_lakehouse.pipeline.project import load_pipeline
from tests.helpers import modules_loaded

PACKAGE = Path(retail_lakehouse.__file__).parent
FLOORS: dict[str, int] = {
    "common": 0,
    "generate": 1,
    "storage": 1,
    "sql": 2,
    "pipeline": 3,
    "backends": 4,
    "datasets": 5,
    "report": 5,
    "cli": 6,
}
ROOT = "retail_lakehouse"
APART = {("backends.duckdb", "backends.spark"), ("backends.spark", "backends.duckdb")}


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) of every import of ours in the file, wherever it stands."""
    name = module_name(path)
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, a.name) for a in node.names if a.name.startswith(ROOT))
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = name.split(".")[: len(name.split(".")) - node.level + is_package]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.startswith(ROOT):
                yield node.lineno, target
                yield from ((node.lineno, f"{target}.{a.name}") for a in node.names)


def part_of(module: str, depth: int = 1) -> str:
    """``retail_lakehouse.pipeline.runner`` -> ``pipeline`` (depth 2: ``backends.duckdb``)."""
    return ".".join(module.split(".")[1 : 1 + depth])


def wrong_way(path: Path) -> list[str]:
    source = part_of(module_name(path))
    found = []
    for line, target in imported(path):
        package = part_of(target)
        if package not in FLOORS or package == source:
            pair = (part_of(module_name(path), 2), part_of(target, 2))
            if pair in APART:
                found.append(f"{path.name}:{line} imports {target} (the other backend)")
            continue
        if source == "" or FLOORS[package] >= FLOORS[source]:
            found.append(f"{module_name(path)}:{line} imports {target}")
    return sorted(found)


def test_every_package_has_a_floor() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert packages == set(FLOORS)


@pytest.mark.parametrize("path", modules(), ids=lambda p: module_name(p))
def test_imports_go_down_or_stay_in_their_package(path: Path) -> None:
    assert wrong_way(path) == []


def test_the_check_sees_an_import_that_goes_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test above would pass vacuously if the walk missed imports."""
    storage = tmp_path / "retail_lakehouse" / "storage"
    storage.mkdir(parents=True)
    (tmp_path / "retail_lakehouse" / "__init__.py").write_text("")
    probe = storage / "probe.py"
    probe.write_text(
        "def f() -> None:\n    from retail_lakehouse.pipeline.model import Dataset\n"
        "from ..generate import runner\nimport retail_lakehouse.common.errors\n"
    )
    monkeypatch.setattr(f"{__name__}.PACKAGE", tmp_path / "retail_lakehouse")
    assert wrong_way(probe) == [
        "retail_lakehouse.storage.probe:2 imports retail_lakehouse.pipeline.model",
        "retail_lakehouse.storage.probe:2 imports retail_lakehouse.pipeline.model.Dataset",
        "retail_lakehouse.storage.probe:3 imports retail_lakehouse.generate",
        "retail_lakehouse.storage.probe:3 imports retail_lakehouse.generate.runner",
    ]


# --- the retail tables stay in the dataset folder ----------------------------------------


def retail_names() -> tuple[set[str], set[str]]:
    """The pipeline's datasets and quarantine tables (distinct names), and the spec's
    tables (plain words: looked for in code, not in prose)."""
    pipeline = load_pipeline(builtin_settings_path(), Path("unused"))
    datasets = set(pipeline.graph.layers())
    return datasets, {table.name for table in builtin_spec().tables}


def code_words(path: Path) -> tuple[str, set[str]]:
    """The file's whole text, and the words of its code: identifiers and string literals
    that are not docstrings."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    words: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings:
                words.update(re.findall(r"\w+", node.value))
        elif isinstance(node, ast.Name):
            words.add(node.id)
        elif isinstance(node, ast.Attribute):
            words.add(node.attr)
    return text, words


def test_no_module_names_a_retail_table() -> None:
    datasets, tables = retail_names()
    assert "silver_orders" in datasets and "orders" in tables
    named = []
    for path in modules():
        if path.is_relative_to(PACKAGE / "datasets" / "retail"):
            continue  # the dataset's own folder: its Python pipeline names its tables
        text, words = code_words(path)
        shown = {w for w in re.findall(r"\w+", text) if w in datasets} | (words & tables)
        named += [f"{module_name(path)}: {name}" for name in sorted(shown)]
    assert named == []


def test_the_check_sees_a_retail_table(tmp_path: Path) -> None:
    datasets, tables = retail_names()
    probe = tmp_path / "probe.py"
    probe.write_text('"""Orders, in prose."""\n# about gold_daily_sales_summary\nx = "orders"\n')
    text, words = code_words(probe)
    assert "gold_daily_sales_summary" in set(re.findall(r"\w+", text)) & datasets
    assert words & tables == {"orders"}


# --- what a fresh interpreter loads ---------------------------------------------------------


def import_all(package: str) -> str:
    """Statements importing every module of ``package`` (a subpackage of ours)."""
    folder = str(PACKAGE.joinpath(*package.split(".")[1:]))
    found = pkgutil.walk_packages([folder], prefix=package + ".")
    return "\n".join(f"import {name}" for name in [package, *(m.name for m in found)])


def test_the_generator_core_loads_only_its_own_libraries() -> None:
    foreign = ("duckdb", "deltalake", "sqlglot", "pyspark", "rich",
               *(f"{ROOT}.{p}" for p in FLOORS if FLOORS[p] > FLOORS["generate"]))  # fmt: skip
    assert modules_loaded(import_all(f"{ROOT}.generate"), foreign) == []


def test_storage_loads_no_sql_or_engine_library() -> None:
    above = ("duckdb", "sqlglot", "pyspark", f"{ROOT}.backends", f"{ROOT}.pipeline")
    assert modules_loaded(import_all(f"{ROOT}.storage"), above) == []


@pytest.mark.parametrize("package", ["sql", "pipeline", "backends.duckdb", "report", "datasets"])
def test_importing_any_module_loads_no_pyspark(package: str) -> None:
    assert modules_loaded(import_all(f"{ROOT}.{package}"), ("pyspark", "py4j")) == []


def test_the_probe_sees_a_library_a_module_loads() -> None:
    """The tests above would pass vacuously if the probe missed imports."""
    assert modules_loaded(import_all(f"{ROOT}.backends.duckdb"), ("duckdb",)) != []
    assert f"import {ROOT}.generate.spec.columns" in import_all(f"{ROOT}.generate")
    assert f"import {ROOT}.backends.spark.engine" in import_all(f"{ROOT}.backends")
