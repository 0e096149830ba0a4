"""The options commands share: every help shows its default, ``--scale`` is checked as it is
parsed by every command that takes it, and ``retail run`` notes only what the user passed
that the existing landing zone was made otherwise."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import pytest

from retail_lakehouse.cli import jobs, run
from retail_lakehouse.cli.command import Command
from retail_lakehouse.cli.main import COMMANDS, main
from retail_lakehouse.cli.options import generate_options
from retail_lakehouse.generate.defaults import DEFAULT_SEED
from retail_lakehouse.generate.runner import GenerateOptions
from tests.faults.harness import files_of
from tests.pipeline.conftest import make_landing

LANDING_SEED = 3  # make_landing's: not the default one


def command_parser(command: Command) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"retail {command.name}")
    command.add_arguments(parser)
    return parser


def arguments(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.Action]]:
    """(``prog`` and name, action) of every argument a user can give, subcommands' too."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for subparser in action.choices.values():
                yield from arguments(subparser)
        elif action.help != argparse.SUPPRESS and action.nargs != 0:  # flags default to off
            name = action.option_strings[0] if action.option_strings else action.dest
            yield f"{parser.prog} {name}", action


def expanded_help(parser_prog: str, action: argparse.Action) -> str:
    """The help line as ``--help`` prints it: with ``%(default)s`` and the like filled in."""
    return (action.help or "") % {**vars(action), "prog": parser_prog}


def options_without_defaults(command: Command) -> list[str]:
    missing = []
    for name, action in arguments(command_parser(command)):
        if action.required or (not action.option_strings and action.default is None):
            continue  # nothing to default to
        shown = expanded_help(name, action)
        if "(default: " not in shown or (
            action.default not in (None, []) and f"(default: {action.default})" not in shown
        ):
            missing.append(name)
    return missing


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_every_option_shows_its_default(command: Command) -> None:
    assert options_without_defaults(command) == []


def test_the_job_entry_point_shows_its_defaults() -> None:
    parser = jobs.landing_parser()
    shown = {a.dest: expanded_help(parser.prog, a) for a in parser._actions}
    assert "(default: 1.0)" in shown["scale"] and f"(default: {DEFAULT_SEED})" in shown["seed"]


def test_the_landing_options_default_to_what_their_help_says() -> None:
    parser = command_parser(run.COMMAND)
    resolved = generate_options(parser.parse_args([]))
    helps = {a.dest: expanded_help(parser.prog, a) for a in parser._actions}
    for dest, value in [("scale", "1"), ("seed", str(DEFAULT_SEED)), ("defect_scale", "1"),
                        ("format", "parquet")]:  # fmt: skip
        assert f"(default: {value})" in helps[dest], dest
    assert (resolved.scale, resolved.seed, resolved.defect_scale, resolved.output_format) == (
        1.0, DEFAULT_SEED, 1.0, "parquet"
    )  # fmt: skip
    plain = GenerateOptions(lakehouse=resolved.lakehouse)
    assert (plain.scale, plain.defect_scale) == (resolved.scale, resolved.defect_scale)


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_landing(tmp_path_factory.mktemp("options"), seed=LANDING_SEED)


BAD_SCALES = ["-1", "0", "nan", "inf", "-inf", "1001", "abc", ""]


@pytest.mark.parametrize("scale", BAD_SCALES)
@pytest.mark.parametrize("command", ["generate", "run", "simulate"])
@pytest.mark.parametrize("exists", [True, False], ids=["existing", "new"])
def test_a_bad_scale_is_one_error_line_and_exit_2_before_any_work(
    command: str, scale: str, exists: bool, landing: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    lakehouse = landing if exists else tmp_path / "lakehouse"
    before = files_of(landing)
    with pytest.raises(SystemExit) as exited:
        main([command, "--lakehouse", str(lakehouse), f"--scale={scale}"])
    assert exited.value.code == 2
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 1 and errors[0].startswith(f"retail {command}: error: ")
    assert "--scale: " in errors[0] and f"'{scale}'" in errors[0]
    assert errors[0].endswith(f"(see 'retail {command} --help')")
    assert files_of(landing) == before and not (tmp_path / "lakehouse").exists()


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "abc"])
def test_a_defect_scale_that_is_no_finite_number_is_refused_as_parsed(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["generate", "--lakehouse", str(tmp_path), f"--defect-scale={value}"])
    assert exited.value.code == 2
    assert "argument --defect-scale: expected a" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("scale", BAD_SCALES)
def test_the_landing_job_refuses_a_bad_scale_too(scale: str) -> None:
    with pytest.raises(SystemExit) as exited:
        jobs.landing_options(["--lakehouse", "/tmp/landing", f"--scale={scale}"])
    assert exited.value.code == 2


@pytest.mark.parametrize("scale", ["0.01", "1", "2.5", "1000"])
def test_a_scale_in_range_is_taken(scale: str) -> None:
    args = command_parser(run.COMMAND).parse_args(["--scale", scale])
    assert generate_options(args).scale == float(scale)


def differences(landing: Path, *passed: str) -> list[str]:
    from retail_lakehouse.generate.manifest import read_manifest

    args = command_parser(run.COMMAND).parse_args(list(passed))
    return run.landing_differences(args, read_manifest(landing / "landing" / "_manifest.json"))


def test_options_not_passed_ask_for_nothing(landing: Path) -> None:
    assert differences(landing) == []
    assert differences(landing, "--seed", str(LANDING_SEED), "--format", "parquet") == []


def test_each_option_passed_otherwise_is_named_with_the_landing_zones_value(
    landing: Path,
) -> None:
    passed = ["--scale", "2", "--seed", "4", "--defect-scale", "0", "--format", "csv",
              "--rows", "orders=7", "--rows", "customers=800"]  # fmt: skip
    assert differences(landing, *passed) == [
        "--scale 1.0 (not 2.0)", f"--seed {LANDING_SEED} (not 4)", "--defect-scale 1.0 (not 0.0)",
        "--format parquet (not csv)", "--rows orders=4000 (not 7)",
    ]  # fmt: skip


def test_a_plain_run_on_another_landing_zone_says_nothing_of_it(
    landing: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--lakehouse", str(landing)]) == 0
    out = capsys.readouterr().out
    assert "reused" not in out and "asked" not in out
