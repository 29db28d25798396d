"""What every XLSX export of the platform shares."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")

# A cell starting with one of these is read by a spreadsheet as a formula (CSV/formula injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: T) -> T | str:
    """Text a spreadsheet would take for a formula (a name typed by staff or a citizen) is
    written as plain text; anything else is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
