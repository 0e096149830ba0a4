"""Tests for the shipped vocabulary files and their loader."""

from __future__ import annotations

import re
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from retail_lakehouse.generate.vocabulary import (
    GROUPED_VOCABULARY_NAMES,
    VOCABULARY_NAMES,
    GroupedVocabularyName,
    GroupedWords,
    VocabularyName,
    load_grouped_words,
    load_words,
)

REQUIRED_COUNTRIES = (
    "United States",
    "United Kingdom",
    "Germany",
    "France",
    "Canada",
    "Australia",
    "Japan",
    "India",
    "Brazil",
    "Spain",
    "Italy",
    "Netherlands",
    "Mexico",
    "Sweden",
    "Poland",
    "South Korea",
)
REQUIRED_CATEGORIES = (
    "Electronics",
    "Clothing",
    "Home & Kitchen",
    "Sports & Outdoors",
    "Beauty",
    "Books",
    "Toys & Games",
    "Grocery",
    "Automotive",
    "Garden",
)
PLAIN_SIZE_BOUNDS: dict[str, tuple[int, int]] = {
    "first_names": (100, 5_000),
    "last_names": (100, 5_000),
    "brands": (150, 300),
    "product_adjectives": (80, 200),
}
GENDERS = ("F", "M", "X")  # the retail spec's customer genders
GROUP_SIZE_BOUNDS: dict[str, tuple[tuple[str, ...], int, int]] = {
    "cities_by_country": (REQUIRED_COUNTRIES, 15, 60),
    "product_nouns_by_category": (REQUIRED_CATEGORIES, 20, 60),
    "product_adjectives_by_category": (REQUIRED_CATEGORIES, 8, 30),
    "first_names_by_gender": (GENDERS, 300, 1_000),
}
GROUPED_FILES = {
    "cities_by_country": "cities.tsv",
    "product_nouns_by_category": "product_nouns.tsv",
    "product_adjectives_by_category": "product_adjectives_by_category.tsv",
    "first_names_by_gender": "first_names_by_gender.tsv",
}
FORBIDDEN = re.compile(r'["\\\t\r\n]')
PERSON_NAME = re.compile(r"^[A-Za-z'-]+$")


def vocab_dir() -> Traversable:
    return resources.files("retail_lakehouse.generate") / "vocab"


def assert_clean_entries(entries: list[str]) -> None:
    assert entries, "empty list"
    for entry in entries:
        assert entry, "blank entry"
        assert entry == entry.strip(), f"padded entry {entry!r}"
        assert "  " not in entry, f"double space in {entry!r}"
        assert not FORBIDDEN.search(entry), f"forbidden character in {entry!r}"
        assert entry.isprintable(), f"unprintable character in {entry!r}"


# --- plain word lists -------------------------------------------------------------------------


def test_names_are_the_literal_arguments() -> None:
    assert set(VOCABULARY_NAMES) == set(PLAIN_SIZE_BOUNDS)
    assert set(GROUPED_VOCABULARY_NAMES) == set(GROUP_SIZE_BOUNDS)


@pytest.mark.parametrize("name", VOCABULARY_NAMES)
def test_plain_list_is_clean_sorted_and_unique(name: VocabularyName) -> None:
    words = load_words(name)
    assert isinstance(words, pa.StringArray)
    assert words.null_count == 0
    entries = words.to_pylist()
    assert_clean_entries(entries)
    assert entries == sorted(entries)
    assert len(set(entries)) == len(entries)
    low, high = PLAIN_SIZE_BOUNDS[name]
    assert low <= len(entries) <= high


@pytest.mark.parametrize("name", VOCABULARY_NAMES)
def test_plain_list_matches_its_file_and_is_cached(name: VocabularyName) -> None:
    text = (vocab_dir() / f"{name}.txt").read_text(encoding="utf-8")
    assert text.endswith("\n")
    assert load_words(name).to_pylist() == text.splitlines()
    assert load_words(name) is load_words(name)


@pytest.mark.parametrize("name", ["first_names", "last_names"])
def test_person_names_are_ascii_letters_apostrophes_hyphens(name: VocabularyName) -> None:
    bad = [n for n in load_words(name).to_pylist() if not PERSON_NAME.fullmatch(n)]
    assert bad == []


def test_unknown_plain_name_raises() -> None:
    bogus: Any = "colours"
    with pytest.raises(ValueError, match="colours"):
        load_words(bogus)


# --- grouped word lists -----------------------------------------------------------------------


@pytest.mark.parametrize("name", GROUPED_VOCABULARY_NAMES)
def test_grouped_offsets_are_consistent(name: GroupedVocabularyName) -> None:
    grouped = load_grouped_words(name)
    n_keys = len(grouped.keys)
    assert n_keys > 0
    assert grouped.starts.dtype == np.int64
    assert grouped.counts.dtype == np.int64
    assert grouped.starts.shape == grouped.counts.shape == (n_keys,)
    assert (grouped.counts > 0).all()
    assert grouped.starts[0] == 0
    np.testing.assert_array_equal(grouped.starts[1:], np.cumsum(grouped.counts)[:-1])
    assert int(grouped.counts.sum()) == len(grouped.words)
    assert not grouped.starts.flags.writeable
    assert not grouped.counts.flags.writeable


@pytest.mark.parametrize("name", GROUPED_VOCABULARY_NAMES)
def test_grouped_keys_and_words_are_clean_sorted_and_unique(name: GroupedVocabularyName) -> None:
    grouped = load_grouped_words(name)
    assert isinstance(grouped.words, pa.StringArray)
    assert grouped.words.null_count == 0
    keys = list(grouped.keys)
    assert_clean_entries(keys)
    assert keys == sorted(set(keys))
    for key in keys:
        words = grouped.words_for(key).to_pylist()
        assert_clean_entries(words)
        assert words == sorted(set(words)), f"{key}: words not sorted or not unique"


@pytest.mark.parametrize("name", GROUPED_VOCABULARY_NAMES)
def test_grouped_covers_required_keys_with_enough_words(name: GroupedVocabularyName) -> None:
    grouped = load_grouped_words(name)
    required, low, high = GROUP_SIZE_BOUNDS[name]
    assert set(grouped.keys) == set(required)
    for key, count in zip(grouped.keys, grouped.counts.tolist(), strict=True):
        assert low <= count <= high, f"{key} has {count} words"


@pytest.mark.parametrize("name", GROUPED_VOCABULARY_NAMES)
def test_grouped_matches_its_file(name: GroupedVocabularyName) -> None:
    text = (vocab_dir() / GROUPED_FILES[name]).read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines == sorted(lines)
    rows = [tuple(line.split("\t")) for line in lines]
    assert all(len(row) == 2 for row in rows)
    assert len(set(rows)) == len(rows)

    grouped = load_grouped_words(name)
    rebuilt = [
        (key, word)
        for key, start, count in zip(
            grouped.keys, grouped.starts.tolist(), grouped.counts.tolist(), strict=True
        )
        for word in grouped.words.slice(start, count).to_pylist()
    ]
    assert rebuilt == rows
    assert load_grouped_words(name) is grouped


def test_cities_include_well_known_ones() -> None:
    cities = load_grouped_words("cities_by_country")
    expected = {
        "United States": "New York",
        "United Kingdom": "London",
        "Japan": "Tokyo",
        "Poland": "Warsaw",
        "Sweden": "Stockholm",
        "India": "Mumbai",
        "Brazil": "Sao Paulo",
    }
    for country, city in expected.items():
        assert city in cities.words_for(country).to_pylist()


def test_first_names_by_gender_hold_every_first_name_once_per_gender() -> None:
    names = load_grouped_words("first_names_by_gender")
    female = set(names.words_for("F").to_pylist())
    male = set(names.words_for("M").to_pylist())
    everyone = set(load_words("first_names").to_pylist())
    assert set(names.words_for("X").to_pylist()) == female | male == everyone
    assert not {"Guy", "Ian", "Larry", "James", "John", "Michael", "Robert", "David"} & female
    assert not {"Mary", "Patricia", "Jennifer", "Linda", "Elizabeth"} & male
    unisex = female & male
    assert {"Jordan", "Taylor", "Casey"} <= unisex
    assert len(unisex) < 0.05 * len(everyone)  # a name's gender decides, nearly always


def test_product_adjectives_are_one_word_and_fit_their_category() -> None:
    adjectives = load_grouped_words("product_adjectives_by_category")
    words = adjectives.words.to_pylist()
    assert all(" " not in word for word in words)  # product names split on spaces
    assert adjectives.words_for("Grocery").to_pylist().count("Gourmet") == 1
    misfits = {"Clothing": "Gourmet", "Beauty": "Hardwearing", "Books": "Waterproof"}
    for category, adjective in misfits.items():
        assert adjective not in adjectives.words_for(category).to_pylist()


def test_unknown_grouped_name_raises() -> None:
    bogus: Any = "rivers_by_country"
    with pytest.raises(ValueError, match="rivers_by_country"):
        load_grouped_words(bogus)


# --- key_index --------------------------------------------------------------------------------


@pytest.fixture
def categories() -> GroupedWords:
    return load_grouped_words("product_nouns_by_category")


def test_key_index_maps_every_key_to_itself(categories: GroupedWords) -> None:
    keys = list(categories.keys)
    values = keys[::-1] + keys
    index = categories.key_index(pa.array(values))
    assert index.dtype == np.int64
    assert [categories.keys[i] for i in index.tolist()] == values


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda v: pa.array(v, type=pa.string()), id="string"),
        pytest.param(lambda v: pa.array(v, type=pa.large_string()), id="large_string"),
        pytest.param(lambda v: pa.array(v, type=pa.string_view()), id="string_view"),
        pytest.param(lambda v: pa.array(v).dictionary_encode(), id="dictionary"),
        pytest.param(lambda v: pa.chunked_array([v[:2], v[2:]]), id="chunked"),
        pytest.param(lambda v: np.array(v), id="numpy_str"),
        pytest.param(lambda v: np.array(v, dtype=object), id="numpy_object"),
    ],
)
def test_key_index_accepts_string_arrays(categories: GroupedWords, make: Any) -> None:
    values = ["Garden", "Beauty", "Toys & Games", "Beauty", "Automotive"]
    expected = [categories.keys.index(v) for v in values]
    assert categories.key_index(make(values)).tolist() == expected


def test_key_index_of_empty_array_is_empty(categories: GroupedWords) -> None:
    index = categories.key_index(pa.array([], type=pa.string()))
    assert index.dtype == np.int64
    assert index.shape == (0,)


def test_key_index_names_first_unknown_key(categories: GroupedWords) -> None:
    values = pa.array(["Garden", "Pets", "Beauty", "Jewelry"])
    with pytest.raises(ValueError, match=r"'Pets' at position 1"):
        categories.key_index(values)
    with pytest.raises(ValueError, match="'Pets'"):
        categories.key_index(np.array(["Garden", "Pets"]))


def test_key_index_is_case_and_space_sensitive(categories: GroupedWords) -> None:
    with pytest.raises(ValueError, match="'garden'"):
        categories.key_index(pa.array(["garden"]))
    with pytest.raises(ValueError, match="' Garden'"):
        categories.key_index(pa.array([" Garden"]))


def test_key_index_treats_null_as_unknown(categories: GroupedWords) -> None:
    with pytest.raises(ValueError, match="None at position 1"):
        categories.key_index(pa.array(["Garden", None]))


def test_key_index_rejects_non_strings(categories: GroupedWords) -> None:
    with pytest.raises(TypeError):
        categories.key_index(pa.array([1, 2]))
    with pytest.raises(TypeError):
        categories.key_index(np.array([1.5, 2.5]))


def test_words_for_unknown_key_raises(categories: GroupedWords) -> None:
    with pytest.raises(ValueError, match="'Pets'"):
        categories.words_for("Pets")


# --- the shipped files ------------------------------------------------------------------------


def test_every_shipped_file_is_loadable_small_and_in_the_notice() -> None:
    data_files = {
        entry.name for entry in vocab_dir().iterdir() if entry.name.endswith((".txt", ".tsv"))
    }
    loadable = {f"{name}.txt" for name in VOCABULARY_NAMES} | set(GROUPED_FILES.values())
    assert data_files == loadable
    notice = (vocab_dir() / "NOTICE.md").read_text(encoding="utf-8")
    for file_name in sorted(data_files):
        raw = (vocab_dir() / file_name).read_bytes()
        assert len(raw) < 100_000, f"{file_name} is {len(raw)} bytes"
        assert b"\r" not in raw
        raw.decode("utf-8")
        assert f"`{file_name}`" in notice
