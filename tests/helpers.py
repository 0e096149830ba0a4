"""Test helpers shared across test packages: plans of the built-in dataset at small sizes,
and which modules a fresh interpreter loads."""

from __future__ import annotations

import subprocess
import sys

from retail_lakehouse.generate.plan import DatasetPlan, resolve_rows
from retail_lakehouse.generate.spec import DatasetSpec

SMALL_ROWS = {"customers": 3000, "products": 600, "orders": 12000, "order_items": 25000}


def small_plan(spec: DatasetSpec, seed: int = 7, rows: dict[str, int] | None = None) -> DatasetPlan:
    return DatasetPlan(spec, seed, resolve_rows(spec, 1.0, rows or SMALL_ROWS))


def modules_loaded(statements: str, packages: tuple[str, ...]) -> list[str]:
    """The modules of ``packages`` that a fresh interpreter has loaded after running
    ``statements`` (a module ``a.b`` counts for package ``a`` and for ``a.b``)."""
    probe = (
        f"import sys\n{statements}\n"
        f"print('\\n'.join(sorted(m for m in sys.modules "
        f"if any(m == p or m.startswith(p + '.') for p in {packages!r}))))"
    )
    command = [sys.executable, "-c", probe]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return result.stdout.split()
