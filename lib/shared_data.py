"""Where the read-only team data lives (../shared/data beside the checkout); never copied in."""

import os
from pathlib import Path

SHARED_DATA = Path(
    os.environ.get("CANHGIAC_SHARED_DATA")
    or Path(__file__).resolve().parent.parent.parent / "shared" / "data"
)


# What shared_file was asked for and did not find, each time: under CANHGIAC_REQUIRE_REAL=1 a
# test that skips after such a miss, or names one of these files, fails (conftest.py).
MISSING: list[str] = []


def shared_file(relative: str) -> Path | None:
    """The path of ../shared/data/<relative>, or None when it is absent on this machine."""
    path = SHARED_DATA / relative
    if path.is_file():
        return path
    MISSING.append(relative)
    return None
