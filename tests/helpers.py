"""Test helpers shared across test packages: plans of the built-in dataset at small sizes,
which modules a fresh interpreter loads, a writer lock held by another process, lines
typed at a prompt, and JSON documents printed one after another."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from multiprocessing.synchronize import Event
from pathlib import Path

import pytest

from retail_lakehouse.common.lakehouse import Lakehouse
from retail_lakehouse.common.lock import writer_lock
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


def _hold_writer_lock(root: str, ready: Event, release: Event) -> None:
    with writer_lock(Lakehouse(Path(root))):
        ready.set()
        release.wait(timeout=120)


@contextmanager
def writer_elsewhere(root: Path) -> Iterator[int]:
    """Another process holds the lakehouse's writer lock for the block; yields its pid."""
    context = multiprocessing.get_context("spawn")
    ready, release = context.Event(), context.Event()
    holder = context.Process(target=_hold_writer_lock, args=(str(root), ready, release))
    holder.start()
    try:
        assert ready.wait(timeout=60), "the other process took the lock"
        assert holder.pid is not None
        yield holder.pid
    finally:
        release.set()
        holder.join(timeout=60)


def type_at_prompt(monkeypatch: pytest.MonkeyPatch, lines: Sequence[str]) -> None:
    """``input()`` answers ``lines`` one by one, then the input ends (Ctrl-D)."""
    typed = iter(lines)

    def answer(prompt: str) -> str:
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("builtins.input", answer)


def json_documents(text: str) -> list[object]:
    """Each JSON document of ``text``, one after the other, decimals as Decimal."""
    decoder = json.JSONDecoder(parse_float=Decimal)
    documents, position = [], 0
    while text[position:].strip():
        position += len(text[position:]) - len(text[position:].lstrip())
        document, position = decoder.raw_decode(text, position)
        documents.append(document)
    return documents
