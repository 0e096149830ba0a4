"""Landing zones of the busy spec (``tests.generate.appended``), each generated once a
session and shared by the modules that only read them: the base generation alone, the
same with days appended, and the latter in each text format.

A test that changes a landing zone works on its own copy (:func:`copy_landing`, or the
``busy_base_copy`` fixture), never on a shared one.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from retail_lakehouse.generate.spec import DatasetSpec
from tests.generate import appended

DAYS = 4  # days appended to the shared landing zones


def copy_landing(root: Path, to: Path) -> Path:
    """A copy of the lakehouse at ``root`` (its landing zone and lock file) at ``to``."""
    shutil.copytree(root, to)
    return to


@pytest.fixture(scope="session")
def busy_spec(retail_spec: DatasetSpec) -> DatasetSpec:
    return appended.busy_spec(retail_spec)


@pytest.fixture(scope="session")
def busy_base(busy_spec: DatasetSpec, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lakehouse of the busy spec's base generation (Parquet), without days: read only."""
    root = tmp_path_factory.mktemp("busy-base") / "lakehouse"
    appended.generate_base(busy_spec, root)
    return root


@pytest.fixture
def busy_base_copy(busy_base: Path, tmp_path: Path) -> Path:
    """A test's own copy of :func:`busy_base`, to append to or spoil."""
    return copy_landing(busy_base, tmp_path / "lakehouse")


@pytest.fixture(scope="session")
def busy_landing(
    busy_spec: DatasetSpec, busy_base: Path, tmp_path_factory: pytest.TempPathFactory
) -> appended.Landing:
    """The base generation with :data:`DAYS` days appended at once, read back: read only."""
    root = copy_landing(busy_base, tmp_path_factory.mktemp("busy-days") / "lakehouse")
    appended.append(busy_spec, root, DAYS)
    return appended.read_landing(root)


@pytest.fixture(scope="session")
def text_landing(
    busy_spec: DatasetSpec, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], Path]:
    """The lakehouse of :func:`busy_landing` written in a text format ("csv", "jsonl"),
    generated on first use: read only."""
    made: dict[str, Path] = {}

    def landing(fmt: str) -> Path:
        if fmt not in made:
            root = tmp_path_factory.mktemp(f"busy-{fmt}") / "lakehouse"
            appended.generate_base(busy_spec, root, fmt)
            appended.append(busy_spec, root, DAYS)
            made[fmt] = root
        return made[fmt]

    return landing
