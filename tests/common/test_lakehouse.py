"""The lakehouse layout: every path of a lakehouse, named in one place."""

from __future__ import annotations

from pathlib import Path

from retail_lakehouse.common.lakehouse import Lakehouse


def test_the_layout_of_a_lakehouse() -> None:
    lakehouse = Lakehouse(Path("lh"))
    assert lakehouse.landing == Path("lh/landing")
    assert lakehouse.landing_table("orders") == Path("lh/landing/orders")
    assert lakehouse.manifest == Path("lh/landing/_manifest.json")
    assert lakehouse.landing_spec == Path("lh/landing/_spec.yaml")
    assert lakehouse.tables == Path("lh/tables")
    assert lakehouse.update_journal == Path("lh/tables/_update_journal.json")
    assert lakehouse.lock == Path("lh/_writer.lock")
    assert lakehouse.landing_journal == Path("lh/_landing_journal.json")
    assert lakehouse.landing_staging("ab") == Path("lh/.landing.staging-ab")
    assert lakehouse.landing_retired("ab") == Path("lh/.landing.retired-ab")
    assert lakehouse.report == Path("lh/report.html")


def test_the_tables_folder_is_the_pipelines_and_takes_its_journal_along() -> None:
    lakehouse = Lakehouse(Path("lh")).with_tables(Path("mine/tables"))
    assert lakehouse.tables == Path("lh/mine/tables")
    assert lakehouse.update_journal.parent == lakehouse.tables
    assert lakehouse.lock == Path("lh/_writer.lock")  # one writer for the whole lakehouse
    assert lakehouse.landing == Path("lh/landing") and lakehouse.report == Path("lh/report.html")
