"""How this project encodes Parquet columns, for the landing files and the Delta tables alike.

Integers, timestamps and dates (ids, foreign keys, counts, instants: sorted or narrow) are
written DELTA_BINARY_PACKED, whose deltas pack into few bits; the measurements behind the
rule are in ``benchmarks/README.md``.
"""

from __future__ import annotations

import pyarrow as pa

_DELTA_ENCODED = (pa.types.is_integer, pa.types.is_timestamp, pa.types.is_date)


def is_delta_encoded(data_type: pa.DataType) -> bool:
    """Whether Parquet columns of this type are written DELTA_BINARY_PACKED."""
    return any(test(data_type) for test in _DELTA_ENCODED)
