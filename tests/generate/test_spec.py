"""The dataset spec: YAML round trip and one-line errors that name table, column and field."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from retail_lakehouse.datasets import builtin_spec, builtin_spec_text
from retail_lakehouse.generate.spec import DatasetSpec, SpecError, dump_spec, load_spec, parse_spec

BASE: dict[str, Any] = {
    "name": "shop",
    "reference_time": "2026-01-01T00:00:00Z",
    "tables": [
        {
            "name": "people",
            "rows": 10,
            "primary_key": "id",
            "columns": [
                {"name": "id", "kind": "sequence"},
                {"name": "age", "kind": "number",
                 "distribution": {"type": "normal", "mean": 40, "std": 12}},
            ],
        },
        {
            "name": "visits",
            "rows": 20,
            "primary_key": "id",
            "columns": [
                {"name": "id", "kind": "sequence"},
                {"name": "person_id", "kind": "foreign_key", "references": "people"},
            ],
        },
    ],
}  # fmt: skip


def _error(mutate: Any) -> str:
    data = copy.deepcopy(BASE)
    mutate(data)
    with pytest.raises(SpecError) as caught:
        parse_spec(data, "my.yaml")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("my.yaml: ")
    return message


def test_base_spec_is_valid() -> None:
    spec = parse_spec(copy.deepcopy(BASE), "my.yaml")
    assert spec.table_order() == ["people", "visits"]


def test_builtin_spec_round_trips_through_yaml() -> None:
    spec = builtin_spec()
    assert parse_spec(yaml.safe_load(dump_spec(spec)), "dumped") == spec
    assert parse_spec(yaml.safe_load(builtin_spec_text()), "text") == spec


def test_negative_std_names_table_column_and_field() -> None:
    message = _error(lambda d: d["tables"][0]["columns"][1]["distribution"].update(std=-1))
    assert "tables.people.columns.age.distribution.std" in message
    assert "greater than 0" in message


def test_negative_row_count_is_rejected() -> None:
    message = _error(lambda d: d["tables"][1].update(rows=-5))
    assert "tables.visits.rows" in message


def test_unknown_field_is_rejected() -> None:
    message = _error(lambda d: d["tables"][0]["columns"][1].update(mena=3))
    assert "tables.people.columns.age.mena" in message
    assert "Extra inputs are not permitted" in message


def test_unknown_kind_lists_the_allowed_ones() -> None:
    message = _error(lambda d: d["tables"][0]["columns"][1].update(kind="gaussian"))
    assert "tables.people.columns.age" in message
    assert "'sequence'" in message and "'number'" in message


def test_unknown_distribution_type() -> None:
    message = _error(lambda d: d["tables"][0]["columns"][1]["distribution"].update(type="cauchy"))
    assert "tables.people.columns.age.distribution" in message


def test_unknown_referenced_table() -> None:
    message = _error(lambda d: d["tables"][1]["columns"][1].update(references="persons"))
    assert "table 'visits' column 'person_id' references unknown table 'persons'" in message


def test_expression_reading_an_unknown_column() -> None:
    def add(d: dict[str, Any]) -> None:
        d["tables"][0]["columns"].append(
            {"name": "x", "kind": "expression", "expression": "agee * 2"}
        )

    message = _error(add)
    assert "tables.people" in message and "column 'x' reads unknown column 'agee'" in message


def test_expression_with_forbidden_syntax() -> None:
    def add(d: dict[str, Any]) -> None:
        d["tables"][0]["columns"].append(
            {"name": "x", "kind": "expression", "expression": "__import__('os').system('ls')"}
        )

    assert "column 'x'" in _error(add)


def test_column_cycle_is_reported() -> None:
    def add(d: dict[str, Any]) -> None:
        d["tables"][0]["columns"] += [
            {"name": "a", "kind": "expression", "expression": "b + 1"},
            {"name": "b", "kind": "expression", "expression": "a + 1"},
        ]

    assert "cycle: a -> b -> a" in _error(add)


def test_foreign_key_cycle_is_reported() -> None:
    def add(d: dict[str, Any]) -> None:
        d["tables"][0]["columns"].append(
            {"name": "visit_id", "kind": "foreign_key", "references": "visits"}
        )

    assert "cycle" in _error(add)


def test_primary_key_must_be_a_sequence() -> None:
    assert "primary_key 'age'" in _error(lambda d: d["tables"][0].update(primary_key="age"))


def test_duplicate_column_names() -> None:
    message = _error(lambda d: d["tables"][0]["columns"].append({"name": "id", "kind": "sequence"}))
    assert "column name 'id' is used twice" in message


def test_defect_on_unknown_column() -> None:
    def add(d: dict[str, Any]) -> None:
        d["tables"][0]["defects"] = [
            {"name": "bad", "kind": "null_value", "rate": 0.1, "column": "height"}
        ]

    assert "defect 'bad' names unknown column 'height'" in _error(add)


def test_defect_rate_out_of_range() -> None:
    def add(d: dict[str, Any]) -> None:
        d["tables"][0]["defects"] = [{"name": "dup", "kind": "duplicate_row", "rate": 1.5}]

    assert "tables.people.defects.dup.rate" in _error(add)


def test_vocabulary_name_is_checked() -> None:
    def add(d: dict[str, Any]) -> None:
        d["tables"][0]["columns"].append(
            {"name": "w", "kind": "vocabulary", "vocabulary": "klingon_words"}
        )

    assert "tables.people.columns.w.vocabulary" in _error(add)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: shop\ntables: [\n  {name: a\n")
    with pytest.raises(SpecError, match=r"broken.yaml: line \d+"):
        load_spec(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="cannot read spec"):
        load_spec(tmp_path / "nope.yaml")


def test_not_a_mapping() -> None:
    with pytest.raises(SpecError, match="must be a mapping"):
        parse_spec(["a"], "list.yaml")


def test_spec_models_are_immutable() -> None:
    spec: DatasetSpec = builtin_spec()
    with pytest.raises(ValueError, match="frozen"):
        spec.tables[0].rows = 5  # type: ignore[misc]


def _add_column(column: dict[str, Any]) -> Any:
    return lambda d: d["tables"][0]["columns"].append(column)


def test_unsupported_template_format_is_rejected_at_load_time() -> None:
    message = _error(_add_column({"name": "t", "kind": "template", "template": "{age:>5}"}))
    assert "tables.people.columns.t" in message and "{column:0Nd}" in message


def test_categorical_values_must_match_their_dtype() -> None:
    column = {"name": "c", "kind": "categorical", "dtype": "float", "weights": {"cheap": 1}}
    assert "value 'cheap' is not a number" in _error(_add_column(column))


def test_map_targets_must_match_their_dtype() -> None:
    column = {"name": "m", "kind": "map", "source": "age", "dtype": "int", "mapping": {"1": "x"}}
    assert "value 'x' is not a number" in _error(_add_column(column))


def test_binned_categorical_needs_a_numeric_source() -> None:
    def add(d: dict[str, Any]) -> None:
        d["tables"][0]["columns"] += [
            {"name": "tier", "kind": "categorical", "weights": {"a": 1}},
            {"name": "b", "kind": "binned_categorical", "by": "tier",
             "bins": [{"weights": {"x": 1}}]},
        ]  # fmt: skip

    assert "by 'tier' must be a numeric column" in _error(add)
