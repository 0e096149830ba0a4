"""The manifest's JSON layout: indented, with every list of integers on one line."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from retail_lakehouse.generate.manifest import manifest_json

_SPREAD_NUMBERS = re.compile(r"\[\s+(-?\d+(?:,\s+-?\d+)*)\s+\]")


def reference_layout(document: dict[str, Any]) -> str:
    """The layout by definition: json.dumps(indent=1), then number lists joined up."""
    text = json.dumps(document, indent=1)
    return _SPREAD_NUMBERS.sub(lambda m: "[" + re.sub(r"\s+", "", m.group(1)) + "]", text) + "\n"


# no "[" in strings: the reference would join up "[ 1 ]" inside a string too
texts = st.text(alphabet=st.characters(exclude_characters="["), max_size=8)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    texts,
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(st.integers(min_value=-(2**63), max_value=2**63), max_size=30),
        st.dictionaries(texts, inner, max_size=4),
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(document=st.dictionaries(texts, values, max_size=5))
def test_the_layout_is_indented_json_with_integer_lists_on_one_line(
    document: dict[str, Any],
) -> None:
    text = manifest_json(document)
    assert text == reference_layout(document)
    assert json.loads(text) == document


def test_a_manifest_with_many_ids_keeps_them_on_one_line() -> None:
    ids = list(range(0, 300_000, 2))
    text = manifest_json({"tables": {"orders": {"defects": {"dup": {"ids": ids, "count": 3}}}}})
    assert f'"ids": [{",".join(map(str, ids))}],' in text
    assert json.loads(text)["tables"]["orders"]["defects"]["dup"]["ids"] == ids
