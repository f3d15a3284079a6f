"""Read the code tables shipped in ``aptrack.data`` (once per process).

This is the only I/O the rules package does: package data read with ``importlib.resources``.
"""

from __future__ import annotations

import csv
import functools
import io
from importlib import resources

__all__ = ["read_table"]


@functools.cache
def read_table(name: str) -> tuple[dict[str, str], ...]:
    """Return the rows of the CSV file ``name`` in ``aptrack.data`` as read-only dict copies.

    The result is cached, so each table is parsed once per process. Callers must not mutate
    the returned dictionaries (they are shared between callers).
    """
    text = resources.files("aptrack.data").joinpath(name).read_text(encoding="utf-8")
    return tuple(dict(row) for row in csv.DictReader(io.StringIO(text)))
