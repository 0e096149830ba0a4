"""What `uv run retail ...` installs: the package's runtime dependencies only (the test,
lint and type-checking tools are in the dev group, which the test command asks for), and
no bytecode compilation of every installed file on each sync."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib

import pytest

from tests.bundle.bundle_files import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
DEV_TOOLS = {"pytest", "hypothesis", "mypy", "ruff", "selenium", "databricks-bundles"}
REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", re.MULTILINE)


def test_running_resolves_no_development_tool() -> None:
    uv = shutil.which("uv")
    if uv is None:
        pytest.fail("uv is not on PATH: the README's commands need it")
    exported = subprocess.run(
        [uv, "export", "--frozen", "--no-hashes", "--format", "requirements-txt"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    installed = {name.lower() for name in REQUIREMENT.findall(exported)}
    assert {"duckdb", "deltalake", "pyarrow"} <= installed  # the export is the runtime's
    assert installed.isdisjoint(DEV_TOOLS), installed & DEV_TOOLS


def test_the_dev_group_holds_the_tools_and_the_test_command_asks_for_it() -> None:
    dev = {re.split(r"[<>=\[ ]", r)[0].lower() for r in PYPROJECT["dependency-groups"]["dev"]}
    assert dev >= DEV_TOOLS
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    command = "uv run --group dev --extra spark pytest"
    assert command in readme.split("```", 2)[1]  # the README's opening block
    assert ci.rstrip().splitlines()[-1] == command


def test_no_bytecode_compilation_on_every_sync() -> None:
    assert "compile-bytecode" not in PYPROJECT["tool"]["uv"]
