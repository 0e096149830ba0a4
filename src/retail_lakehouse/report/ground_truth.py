"""A pipeline's expectations against the generator's ground truth.

A pipeline over generated data may name a ground-truth file (``ground_truth`` in its
settings): for each dataset, which generator defect (``table.defect``) each expectation
catches, exactly. The failed records an expectation must count are then its defect's
count in the landing zone's manifest; an expectation the file does not list must count
none. Without the file, or without a manifest, there is no ground truth.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, RootModel

from retail_lakehouse.common.validation import read_yaml_model
from retail_lakehouse.report import ReportError

DefectName = Annotated[str, Field(pattern=r"^[A-Za-z_]\w*\.[A-Za-z_]\w*$")]  # table.defect
# (dataset, expectation) -> failed records the ground truth expects, None where unknown
ExpectedFailures = Callable[[str, str], int | None]


class GroundTruthFile(RootModel[dict[str, dict[str, DefectName]]]):
    """dataset -> expectation -> ``table.defect``."""


def load_ground_truth(path: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """(dataset, expectation) -> (table, defect), from the file at ``path``."""
    parsed = read_yaml_model(path, GroundTruthFile, "the ground truth", ReportError)
    caught: dict[tuple[str, str], tuple[str, str]] = {}
    for dataset, expectations in parsed.root.items():
        for expectation, defect in expectations.items():
            table, _, name = defect.partition(".")
            caught[(dataset, expectation)] = (table, name)
    return caught


def expected_failures(
    caught: Mapping[tuple[str, str], tuple[str, str]], manifest: Mapping[str, Any]
) -> ExpectedFailures:
    """The failed records each expectation must count, by the manifest's defect counts."""

    def expected(dataset: str, expectation: str) -> int:
        source = caught.get((dataset, expectation))
        if source is None:
            return 0
        table, defect = source
        try:
            count: int = manifest["tables"][table]["defects"][defect]["count"]
        except (KeyError, TypeError):
            raise ReportError(
                f"the ground truth names defect '{defect}' of table '{table}', which the "
                "landing zone's manifest does not have"
            ) from None
        return count

    return expected


def no_ground_truth(dataset: str, expectation: str) -> int | None:
    return None
