"""The bundle validates against the Databricks CLI's bundle JSON Schema, merged and per target.

The negative tests show the validator really enforces the schema: types, closed objects,
and the ``\\p{L}`` / ``\\p{N}`` patterns of ``${...}`` references (Unicode letters pass,
a name starting with a digit does not), which Python's ``re`` could not compile.
"""

from __future__ import annotations

import copy
from typing import Any

import jsonschema_rs
import pytest

from tests.bundle.bundle_files import Bundle, load_bundle, resolved_target, target_document


def schema_errors(validator: jsonschema_rs.Validator, document: Any) -> list[str]:
    """Where and why ``document`` is invalid, at the deepest places that failed."""
    if validator.is_valid(document):
        return []
    units = [
        unit
        for unit in validator.evaluate(document).list()["details"]
        if not unit["valid"] and unit.get("errors")
    ]
    places = {unit["instanceLocation"] for unit in units}
    return sorted(
        f"{unit['instanceLocation']}: {message}"
        for unit in units
        if not any(place.startswith(unit["instanceLocation"] + "/") for place in places)
        for message in unit.get("errors", {}).values()
    )


def test_merged_bundle_validates(bundle: Bundle, bundle_validator: jsonschema_rs.Validator) -> None:
    assert bundle.document["resources"]["jobs"], "the included resource files were merged"
    assert schema_errors(bundle_validator, bundle.document) == []


@pytest.mark.parametrize("target", load_bundle().targets())
def test_each_target_validates(
    bundle: Bundle, bundle_validator: jsonschema_rs.Validator, target: str
) -> None:
    assert schema_errors(bundle_validator, target_document(bundle, target)) == []
    assert schema_errors(bundle_validator, resolved_target(bundle, target)) == []


def pipeline_with(bundle: Bundle, key: str, value: Any) -> dict[str, Any]:
    """The merged bundle with one setting of the pipeline changed."""
    document = copy.deepcopy(bundle.document)
    document["resources"]["pipelines"]["retail_pipeline"][key] = value
    return document


PIPELINE = "/resources/pipelines/retail_pipeline"


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("serverless", "yes", f'{PIPELINE}/serverless: "yes" is not of type "boolean"'),
        ("continuous", 1, f'{PIPELINE}/continuous: 1 is not of type "boolean"'),
        ("serverles", True, f"{PIPELINE}: Additional properties are not allowed ('serverles'"),
        (  # \p{L}+: a variable name starts with a letter
            "serverless",
            "${var.9lives}",
            PIPELINE + r'/serverless: "${var.9lives}" does not match "\$\{(var(\.\p{L}+',
        ),
        (  # [\p{L}\p{N}]+: and ends with a letter or a digit
            "serverless",
            "${var.a-}",
            PIPELINE + r'/serverless: "${var.a-}" does not match "\$\{(var(\.\p{L}+',
        ),
        (
            "libraries",
            [{"glob": {"includes": "x/**"}}],
            f"{PIPELINE}/libraries/0/glob: Additional properties are not allowed ('includes'",
        ),
    ],
)
def test_bad_bundle_fails(
    bundle: Bundle,
    bundle_validator: jsonschema_rs.Validator,
    key: str,
    value: Any,
    expected: str,
) -> None:
    errors = schema_errors(bundle_validator, pipeline_with(bundle, key, value))
    assert any(error.startswith(expected) for error in errors), errors


@pytest.mark.parametrize("name", ["größe", "数据", "ñ_2", "a-b"])
def test_unicode_variable_names_pass(
    bundle: Bundle, bundle_validator: jsonschema_rs.Validator, name: str
) -> None:
    """\\p{L} and \\p{N} match Unicode letters and digits, not only ASCII ones."""
    document = pipeline_with(bundle, "serverless", f"${{var.{name}}}")
    assert schema_errors(bundle_validator, document) == []
