"""The suite's one strictness switch reads ``CI`` the same way for every optional tool."""

from __future__ import annotations

import pytest

from tests import spark_support
from tests.strictness import missing, strict


@pytest.mark.parametrize("value", ["true", "TRUE", "True", "1", "yes", "on"])
def test_ci_set_to_anything_but_a_no_is_strict(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", value)

    assert strict()
    with pytest.raises(pytest.fail.Exception, match="the tool is missing"):
        missing("the tool is missing")


@pytest.mark.parametrize("value", [None, "", "0", "false", "False", "no", " NO "])
def test_ci_unset_empty_or_a_no_skips(value: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)

    assert not strict()
    with pytest.raises(pytest.skip.Exception, match="the tool is missing"):
        missing("the tool is missing")


def test_installed_spark_that_does_not_start_fails_even_outside_ci(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CI", "false")
    monkeypatch.setattr(spark_support, "pyspark_installed", lambda: True)
    monkeypatch.setattr(spark_support, "_session_or_reason", lambda: "no Java on PATH")

    with pytest.raises(pytest.fail.Exception, match="installed but did not start: no Java"):
        spark_support.spark_session()


def test_spark_not_installed_skips_outside_ci_and_fails_under_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(spark_support, "pyspark_installed", lambda: False)
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="PySpark is not installed"):
        spark_support.spark_session()

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="PySpark is not installed"):
        spark_support.spark_session()
