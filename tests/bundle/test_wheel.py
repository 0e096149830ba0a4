"""``uv build`` makes the wheel the job installs, holding the pipeline's files and the entry point.

The bundle's artifact runs its build command in its path; the job's serverless environment
installs the wheel its dependency pattern matches in that path's ``dist/``, and its
``python_wheel_task`` calls an entry point by name from the wheel's metadata.
"""

from __future__ import annotations

import configparser
import os
import re
import shlex
import shutil
import subprocess
import zipfile
from fnmatch import fnmatch
from pathlib import Path

import retail_lakehouse
from retail_lakehouse.cli import jobs
from retail_lakehouse.datasets import PIPELINE_LANGUAGES
from tests.bundle.bundle_files import JOB, Bundle, wheel_task

PACKAGE_ROOT = Path(retail_lakehouse.__file__).resolve().parent


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def build_command(build: str, out_dir: Path) -> list[str]:
    """The artifact's build command, with the uv running these tests, into ``out_dir``."""
    command = shlex.split(build)
    uv = os.environ.get("UV") or shutil.which("uv")
    assert command[0] == "uv" and uv, "the wheel is built with uv, and uv is here"
    return [uv, *command[1:], "--out-dir", str(out_dir)]


def build_wheel(bundle: Bundle, out_dir: Path) -> Path:
    artifact = bundle.document["artifacts"]["default"]
    assert artifact["type"] == "whl"
    subprocess.run(
        build_command(artifact["build"], out_dir),
        cwd=bundle.root / artifact["path"],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = out_dir.glob("*.whl")
    return wheel


def dependency_pattern(bundle: Bundle) -> Path:
    (environment,) = bundle.resource("jobs", JOB)["environments"]
    (dependency,) = environment["spec"]["dependencies"]
    return bundle.path_in("jobs", JOB, dependency)


def console_scripts(archive: zipfile.ZipFile) -> dict[str, str]:
    (name,) = (n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt"))
    entry_points = configparser.ConfigParser()
    entry_points.read_string(archive.read(name).decode("utf-8"))
    return dict(entry_points["console_scripts"])


def test_uv_build_makes_the_wheel_the_job_installs(bundle: Bundle, tmp_path: Path) -> None:
    wheel = build_wheel(bundle, tmp_path)
    pattern = dependency_pattern(bundle)
    artifact_dist = bundle.root / bundle.document["artifacts"]["default"]["path"] / "dist"
    assert pattern.parent == artifact_dist.resolve()
    assert fnmatch(wheel.name, pattern.name)

    task = wheel_task(bundle.document)
    assert canonical(wheel.name.split("-")[0]) == canonical(task["package_name"])
    with zipfile.ZipFile(wheel) as archive:
        target = console_scripts(archive)[task["entry_point"]]
        listed = {
            f"{PACKAGE_ROOT.name}/{path.relative_to(PACKAGE_ROOT).as_posix()}"
            for language in PIPELINE_LANGUAGES
            for files in bundle.pipeline_files({"pipeline_language": language})
            for path in files
        }
        assert {Path(name).suffix for name in listed} == {".sql", ".py"}
        assert listed <= set(archive.namelist())
    assert task["entry_point"] == jobs.GENERATE_LANDING
    assert target == f"{jobs.__name__}:{jobs.generate_landing.__name__}"
