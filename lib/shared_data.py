"""Where the read-only team data lives (../shared/data beside the checkout); never copied in."""

import os
from pathlib import Path

SHARED_DATA = Path(
    os.environ.get("CANHGIAC_SHARED_DATA")
    or Path(__file__).resolve().parent.parent.parent / "shared" / "data"
)


def shared_file(relative: str) -> Path | None:
    """The path of ../shared/data/<relative>, or None when it is absent on this machine."""
    path = SHARED_DATA / relative
    return path if path.is_file() else None
