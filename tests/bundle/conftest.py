"""Fixtures: the bundle as the CLI merges it, and the bundle JSON Schema's validator.

The schema is the Databricks CLI's (``databricks bundle schema``), kept read-only in
``../shared/databricks/`` beside the repository, or printed by a ``databricks`` CLI on
PATH. Without either the schema tests skip, except under CI, where they fail
(:mod:`tests.strictness`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import jsonschema_rs
import pytest

from tests.bundle.bundle_files import REPO, Bundle, load_bundle
from tests.strictness import missing

SHARED_SCHEMA = REPO.parent / "shared" / "databricks" / "bundle_config_schema.json"


@pytest.fixture(scope="session")
def bundle() -> Bundle:
    return load_bundle()


def schema_from_cli() -> dict[str, Any] | None:
    cli = shutil.which("databricks")
    if cli is None:
        return None
    printed = subprocess.run(
        [cli, "bundle", "schema"], capture_output=True, text=True, check=True, timeout=120
    )
    schema: dict[str, Any] = json.loads(printed.stdout)
    return schema


@pytest.fixture(scope="session")
def bundle_schema() -> dict[str, Any]:
    if SHARED_SCHEMA.is_file():
        schema: dict[str, Any] = json.loads(SHARED_SCHEMA.read_text(encoding="utf-8"))
        return schema
    from_cli = schema_from_cli()
    if from_cli is not None:
        return from_cli
    missing(f"no bundle schema: {SHARED_SCHEMA} is missing and no `databricks` CLI is on PATH")


@pytest.fixture(scope="session")
def bundle_validator(bundle_schema: dict[str, Any]) -> jsonschema_rs.Validator:
    """A validator whose regex engine knows ``\\p{L}`` and ``\\p{N}`` (Rust, not ``re``)."""
    return jsonschema_rs.validator_for(bundle_schema)
