"""Which folders can hold Delta tables: delta-rs reads a table's folder as a URL path.

A ``%`` before two hex digits in it is decoded (``%41`` becomes ``A``), so delta-rs
would commit to another folder than the one the files were staged in. Such a folder is
refused up front, before any work, in one line. (Other characters, spaces and quotes
among them, are fine: :func:`retail_lakehouse.storage.delta.data_files` decodes the file
URIs delta-rs gives back.) This module imports no delta-rs, so a command checks its
lakehouse before it forks generator workers.
"""

from __future__ import annotations

import re
from pathlib import Path

from retail_lakehouse.common.errors import InputError

_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


def check_delta_folder(root: Path) -> None:
    """``root`` (made absolute from the working folder) can hold delta-rs tables."""
    escape = _PERCENT_ESCAPE.search(str(root.absolute()))
    if escape is not None:
        raise InputError(
            f"{root}: delta-rs reads '{escape.group()}' in a folder name as an escaped "
            "character; use a folder without '%' before two hex digits"
        )
