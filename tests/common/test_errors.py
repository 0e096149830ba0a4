"""One error hierarchy: every error the package raises on purpose is an input error (exit 2)
or a failed update (exit 1), so the CLI catches two bases, not a list of classes."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import retail_lakehouse
from retail_lakehouse.cli import main as cli_main
from retail_lakehouse.cli.command import Command
from retail_lakehouse.cli.main import main
from retail_lakehouse.common.errors import InputError, RetailError, UpdateFailedError


def our_errors() -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    prefix = retail_lakehouse.__name__ + "."
    for module in pkgutil.walk_packages(retail_lakehouse.__path__, prefix):
        for _, value in inspect.getmembers(importlib.import_module(module.name), inspect.isclass):
            if issubclass(value, BaseException) and value.__module__.startswith(prefix):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


def test_every_error_of_ours_is_an_input_error_or_a_failed_update() -> None:
    errors = our_errors()
    assert len(errors) > 10
    stray = [e for e in errors if e is not RetailError and not issubclass(e, RetailError)]
    assert stray == []
    both = [e for e in errors if issubclass(e, InputError) and issubclass(e, UpdateFailedError)]
    assert both == []


@pytest.mark.parametrize(("error", "code"), [(InputError, 2), (UpdateFailedError, 1)])
def test_the_command_turns_each_base_into_one_line_and_its_exit_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    error: type[RetailError], code: int,
) -> None:  # fmt: skip
    def fail(args: object) -> None:
        raise error("what went wrong")

    monkeypatch.setattr(cli_main, "COMMANDS", (Command("fail", "fails", lambda _: None, fail),))
    assert main(["fail"]) == code
    assert capsys.readouterr().err.strip().endswith(": what went wrong")
