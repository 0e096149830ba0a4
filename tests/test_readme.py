"""The README's Python examples import from this package what exists, and the paths it
names are there."""

from __future__ import annotations

import ast
import importlib
import re
import textwrap

from tests.bundle.bundle_files import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
PYTHON_BLOCK = re.compile(r"^( *)```python\n(.*?)^\1```", re.MULTILINE | re.DOTALL)
NAMED_PATH = re.compile(r"`((?:src|tests|benchmarks|resources)/[\w./-]+)`")


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
