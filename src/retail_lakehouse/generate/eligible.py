"""The parent rows a foreign key may pick, held compactly: a map from rank to row id.

A foreign key draws a rank among the eligible rows of its parent table (clean, passing its
filter) and needs the id of the row at that rank. Listing those rows as int64 costs 8 bytes
a row; :class:`EligibleRows` keeps a bitmap of the table's rows instead, plus the row of
every :data:`RANKS_PER_SAMPLE`-th rank (a sample). The other ranks of a sample sit in the
:data:`WINDOW` rows that start at it and are read off a lookup table, from the window's
bits and the rank's offset in its sample; the few samples whose ranks spread wider keep
their rows explicitly. When every row is eligible nothing is stored: the rank is the row.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from retail_lakehouse.generate.hashing import I64
from retail_lakehouse.generate.values import Mask

RANKS_PER_SAMPLE = 8  # a power of two: a rank's sample is rank >> SAMPLE_SHIFT
SAMPLE_SHIFT = RANKS_PER_SAMPLE.bit_length() - 1
WINDOW = 16  # rows read after a sample: the lookup table has 2**WINDOW * 8 entries
MISSING = 255  # in the lookup table: the window holds fewer set bits than asked
PADDING_BYTES = 4  # the window is read as 4 bytes from the byte of its first row

U8 = npt.NDArray[np.uint8]
U32 = npt.NDArray[np.uint32]


@functools.cache
def select_table() -> U8:
    """``table[(bits << 3) | k]``: the position of the k-th set bit of a WINDOW-bit word."""
    words = np.arange(1 << WINDOW, dtype=np.int64)
    bits = ((words[:, None] >> np.arange(WINDOW)) & 1).astype(bool)
    ranks = np.cumsum(bits, axis=1) - 1
    word, position = np.nonzero(bits & (ranks < RANKS_PER_SAMPLE))
    table = np.full((1 << WINDOW, RANKS_PER_SAMPLE), MISSING, dtype=np.uint8)
    table[word, ranks[word, position]] = position
    flat: U8 = table.reshape(-1)
    return flat


class EligibleRows:
    """The eligible rows of a table, in order; ``take(ranks)`` is ``rows[ranks]``."""

    def __init__(
        self,
        total: int,
        size: int,
        bitmap: U8 | None = None,
        samples: I64 | U32 | None = None,
        spread: I64 | None = None,
        spread_rows: I64 | U32 | None = None,
    ) -> None:
        self.total = total  # rows of the table
        self.size = size  # eligible rows among them
        self._bitmap = bitmap
        self._samples = samples
        self._spread = spread  # samples whose ranks do not fit in a window, ascending
        self._spread_rows = spread_rows  # their rows, RANKS_PER_SAMPLE a sample
        self._words: U32 | None = None
        if bitmap is not None:
            # 4 bytes from every byte of the bitmap, unaligned: one gather reads a window
            self._words = np.ndarray(
                (bitmap.size - PADDING_BYTES + 1,), dtype="<u4", buffer=bitmap, strides=(1,)
            )
            select_table()  # built now, so forked workers inherit it

    @property
    def nbytes(self) -> int:
        parts = (self._bitmap, self._samples, self._spread, self._spread_rows)
        return sum(part.nbytes for part in parts if part is not None)

    def take(self, ranks: I64) -> I64:
        """The row at each of ``ranks`` (every rank in [0, size))."""
        if self._samples is None or self._words is None:
            return np.array(ranks, dtype=np.int64)
        first = self._samples[ranks >> SAMPLE_SHIFT].astype(np.int64)
        window = (self._words[first >> 3] >> (first & 7).astype(np.uint32)) & ((1 << WINDOW) - 1)
        within = ranks & (RANKS_PER_SAMPLE - 1)
        offsets = select_table()[(window.astype(np.int64) << SAMPLE_SHIFT) | within]
        rows: I64 = first + offsets
        missed = np.flatnonzero(offsets == MISSING)
        if missed.size:
            rows[missed] = self._take_spread(ranks[missed])
        return rows

    def _take_spread(self, ranks: I64) -> I64:
        assert self._spread is not None and self._spread_rows is not None
        slots = np.searchsorted(self._spread, ranks >> SAMPLE_SHIFT)
        rows: I64 = self._spread_rows[slots, ranks & (RANKS_PER_SAMPLE - 1)].astype(np.int64)
        return rows


def _row_dtype(total: int) -> type[np.integer]:
    return np.uint32 if total <= np.iinfo(np.uint32).max else np.int64


class _Builder:
    """Eligibility flags, chunk after chunk, folded into an :class:`EligibleRows`."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.dtype = _row_dtype(total)
        self.seen = 0  # rows whose flags were added
        self.size = 0
        self.flags = np.zeros(0, dtype=bool)  # fewer than 8 flags not packed yet
        self.pending = np.zeros(0, dtype=np.int64)  # fewer than 8 rows not sampled yet
        self.bytes: list[U8] = []
        self.samples: list[npt.NDArray[np.integer]] = []
        self.spread: list[I64] = []
        self.spread_rows: list[npt.NDArray[np.integer]] = []

    def add(self, keep: Mask) -> None:
        flags = np.concatenate((self.flags, keep))
        whole = flags.size - flags.size % 8
        self.bytes.append(np.packbits(flags[:whole], bitorder="little"))
        self.flags = flags[whole:]
        rows = np.concatenate((self.pending, np.flatnonzero(keep) + self.seen))
        self.seen += keep.size
        whole = rows.size - rows.size % RANKS_PER_SAMPLE
        self._sample(rows[:whole].reshape(-1, RANKS_PER_SAMPLE))
        self.pending = rows[whole:]

    def _sample(self, groups: I64) -> None:
        """Keep the first row of each group of ranks, and every row of a spread group."""
        first_sample = self.size // RANKS_PER_SAMPLE
        self.size += groups.size
        self.samples.append(groups[:, 0].astype(self.dtype))
        spread = np.flatnonzero(groups[:, -1] - groups[:, 0] >= WINDOW)
        self.spread.append(spread + first_sample)
        self.spread_rows.append(groups[spread].astype(self.dtype))

    def build(self) -> EligibleRows:
        if self.seen != self.total:
            raise ValueError(f"flags for {self.seen} rows, expected {self.total}")
        if self.pending.size:  # the last, partial group: repeat its last row to fill it
            last = np.full(RANKS_PER_SAMPLE - self.pending.size, self.pending[-1])
            self._sample(np.concatenate((self.pending, last)).reshape(1, -1))
            self.size -= last.size
        if self.size == self.total:
            return EligibleRows(self.total, self.size)
        tail = np.packbits(self.flags, bitorder="little")
        padding = np.zeros(PADDING_BYTES, dtype=np.uint8)
        return EligibleRows(
            self.total,
            self.size,
            np.concatenate((*self.bytes, tail, padding)),
            np.concatenate(self.samples),
            np.concatenate(self.spread),
            np.concatenate(self.spread_rows).reshape(-1, RANKS_PER_SAMPLE),
        )


def eligible_rows(total: int, chunks: Iterable[Mask]) -> EligibleRows:
    """The eligible rows of a table of ``total`` rows, from their flags in consecutive
    chunks of any lengths."""
    builder = _Builder(total)
    for keep in chunks:
        builder.add(keep)
    return builder.build()
