"""The engine factory: which generator and engine a name means."""

from __future__ import annotations

from pathlib import Path

import pytest

from retail_lakehouse.backends import factory
from retail_lakehouse.backends.names import EngineName
from retail_lakehouse.datasets import builtin_spec
from retail_lakehouse.generate.runner import GenerateOptions, GenerateReport, generate_dataset
from retail_lakehouse.pipeline.engine import Engine


class _GeneratingEngine:
    """Stands in for an engine whose tasks generate (Spark): records what it was asked."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def generate_landing(self, *args: object) -> GenerateReport:
        self.calls.append("generate")
        return GenerateReport(Path("landing"), [], 0.0)


def test_the_embedded_engine_generates_locally_without_an_engine() -> None:
    def no_engine() -> Engine:
        raise AssertionError("the local generator needs no engine")

    assert factory.create_generator(EngineName.DUCKDB, None, no_engine) is generate_dataset


def test_spark_generates_on_the_supplied_engine_after_meanwhile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_new_engine(name: EngineName, master: str | None) -> Engine:
        raise AssertionError("a second engine was created")

    monkeypatch.setattr(factory, "create_engine", no_new_engine)
    engine = _GeneratingEngine()
    generate = factory.create_generator(EngineName.SPARK, None, lambda: engine)  # type: ignore[arg-type,return-value]

    generate(builtin_spec(), GenerateOptions(), None, lambda: engine.calls.append("meanwhile"))

    assert engine.calls == ["meanwhile", "generate"]
