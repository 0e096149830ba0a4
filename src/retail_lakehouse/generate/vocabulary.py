"""Word lists the synthetic data is drawn from, loaded once from the package's ``vocab/`` files.

Plain lists (``first_names``, ``last_names``, ``brands``, ``product_adjectives``) load as a
sorted ``pa.StringArray``. Grouped lists (``cities_by_country``, ``product_nouns_by_category``,
``product_adjectives_by_category``, ``first_names_by_gender``) load as :class:`GroupedWords`:
the words of every key laid out contiguously, key after key, with ``starts``/``counts``
offsets so a vectorized draw can pick a word of a given key with
``words.take(starts[k] + draw % counts[k])``. Which files ``tools/extract_vocab.py``
regenerates, and every file's sources and licence, are in ``vocab/NOTICE.md``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Final, Literal, get_args

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

VocabularyName = Literal["first_names", "last_names", "brands", "product_adjectives"]
GroupedVocabularyName = Literal[
    "cities_by_country",
    "product_nouns_by_category",
    "product_adjectives_by_category",
    "first_names_by_gender",
]

VOCABULARY_NAMES: Final[tuple[VocabularyName, ...]] = get_args(VocabularyName)
GROUPED_VOCABULARY_NAMES: Final[tuple[GroupedVocabularyName, ...]] = get_args(GroupedVocabularyName)

_GROUPED_FILES: Final[dict[GroupedVocabularyName, str]] = {
    "cities_by_country": "cities.tsv",
    "product_nouns_by_category": "product_nouns.tsv",
    "product_adjectives_by_category": "product_adjectives_by_category.tsv",
    "first_names_by_gender": "first_names_by_gender.tsv",
}
_VOCAB_PACKAGE: Final = "retail_lakehouse.generate"
_VOCAB_DIR: Final = "vocab"


@dataclass(frozen=True, eq=False)
class GroupedWords:
    """Words grouped by key: ``words[starts[i] : starts[i] + counts[i]]`` belong to ``keys[i]``.

    ``keys`` are sorted, and so are the words within each key. ``starts`` and ``counts`` are
    read-only int64 arrays. Compared by identity (the arrays make value equality ambiguous).
    """

    keys: tuple[str, ...]
    starts: npt.NDArray[np.int64]
    counts: npt.NDArray[np.int64]
    words: pa.StringArray

    def words_for(self, key: str) -> pa.StringArray:
        """The words of one key (a zero-copy slice of ``words``)."""
        index = int(self.key_index(np.array([key], dtype=object))[0])
        return self.words.slice(int(self.starts[index]), int(self.counts[index]))

    def key_index(self, values: pa.Array | pa.ChunkedArray | np.ndarray) -> npt.NDArray[np.int64]:
        """Position in ``keys`` of every value; ``ValueError`` names the first unknown one.

        Accepts Arrow string arrays (plain, large, view, dictionary-encoded; chunked or not)
        and NumPy arrays of ``str``. A null is an unknown key.
        """
        array = _as_string_array(values)
        indices = pc.index_in(array, value_set=pa.array(self.keys, type=pa.string()))
        if indices.null_count:
            first = int(pc.index(pc.is_null(indices), True).as_py())
            raise ValueError(
                f"unknown key {array[first].as_py()!r} at position {first}; "
                f"known keys: {', '.join(self.keys)}"
            )
        result: npt.NDArray[np.int64] = indices.to_numpy(zero_copy_only=False).astype(np.int64)
        return result


def _as_string_array(values: pa.Array | pa.ChunkedArray | np.ndarray) -> pa.Array:
    """``values`` as one ``pa.string()`` array, or ``TypeError`` if they are not strings."""
    if isinstance(values, np.ndarray):
        try:
            values = pa.array(values.astype(object, copy=False), type=pa.string())
        except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
            raise TypeError(f"key_index needs strings, got a {values.dtype} array") from error
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        raise TypeError(f"key_index needs an Arrow or NumPy array, got {type(values).__name__}")
    value_type = values.type
    if pa.types.is_dictionary(value_type):
        value_type = value_type.value_type
    if not (
        pa.types.is_string(value_type)
        or pa.types.is_large_string(value_type)
        or pa.types.is_string_view(value_type)
    ):
        raise TypeError(f"key_index needs strings, got Arrow type {values.type}")
    return values.cast(pa.string())


def _read_lines(file_name: str) -> list[str]:
    """The non-empty lines of a shipped vocabulary file, failing loudly on a malformed one."""
    resource = resources.files(_VOCAB_PACKAGE) / _VOCAB_DIR / file_name
    lines = resource.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line or line != line.strip():
            raise ValueError(f"{file_name}:{number}: blank or padded line {line!r}")
    return lines


@functools.cache
def load_words(name: VocabularyName) -> pa.StringArray:
    """A plain word list, sorted as in ``vocab/<name>.txt``; cached, so load it freely."""
    if name not in VOCABULARY_NAMES:
        raise ValueError(f"unknown vocabulary {name!r}; expected one of {VOCABULARY_NAMES}")
    lines = _read_lines(f"{name}.txt")
    if any("\t" in line for line in lines):
        raise ValueError(f"{name}.txt: a line contains a tab")
    return pa.array(lines, type=pa.string())


@functools.cache
def load_grouped_words(name: GroupedVocabularyName) -> GroupedWords:
    """A ``key<TAB>word`` list as :class:`GroupedWords`, keys and words sorted; cached."""
    if name not in GROUPED_VOCABULARY_NAMES:
        raise ValueError(
            f"unknown grouped vocabulary {name!r}; expected one of {GROUPED_VOCABULARY_NAMES}"
        )
    file_name = _GROUPED_FILES[name]
    pairs: list[tuple[str, str]] = []
    for number, line in enumerate(_read_lines(file_name), start=1):
        key, tab, word = line.partition("\t")
        if not tab or not key or not word or "\t" in word or key != key.strip():
            raise ValueError(f"{file_name}:{number}: expected 'key<TAB>word', got {line!r}")
        if word != word.strip():
            raise ValueError(f"{file_name}:{number}: padded word {word!r}")
        pairs.append((key, word))
    pairs.sort()

    keys: list[str] = []
    counts: list[int] = []
    for key, _ in pairs:
        if keys and keys[-1] == key:
            counts[-1] += 1
        else:
            keys.append(key)
            counts.append(1)
    count_array = np.array(counts, dtype=np.int64)
    start_array = np.concatenate(([0], np.cumsum(count_array)[:-1])).astype(np.int64)
    count_array.flags.writeable = False
    start_array.flags.writeable = False
    return GroupedWords(
        keys=tuple(keys),
        starts=start_array,
        counts=count_array,
        words=pa.array([word for _, word in pairs], type=pa.string()),
    )
