"""The base index as a file that every worker process of a machine maps read-only.

A fresh build reads the whole list from the database (about 10 s at 1,000,000 listed) and keeps
its buffers in each process. Written once to INDEX_SNAPSHOT_DIR, the same buffers (sorted
hashes, packed row values, the Bloom filter) are mapped with mmap by every process: the pages
are the operating system's page cache, shared by all, and a process starts answering after
mapping the newest snapshot and reading the list changes since its ListChange id
(matcher.get_matcher does both).

The Bloom filter is keyed by Python's string hash, which is salted per interpreter: workers
forked from one gunicorn master share the salt and so the filter; any other process rebuilds
its own filter from the keys stored in the file (about a second at a million listed, the only
private part of the index besides the overlay). The allowlist of the build is stored with it.

A snapshot is used only when it fits the database: the ListChange it records still exists
with the same time (a restored or rolled-back database does not), and the allowlist is the
same. Files: index-<change id>-<allowlist stamp>.snap, written to a temporary name and renamed;
the two newest are kept (a process that maps an older one keeps it alive until it stops).
"""

from __future__ import annotations

import hashlib
import json
import logging
import mmap
import os
import sys
import tempfile
from array import array
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Literal, TypedDict

from .allowlist import Allowlist
from .matcher import _WEB_KINDS, MatcherIndex, listing_expressions
from .overlay import Gap, Tracker

logger = logging.getLogger(__name__)

MAGIC = b"CGIDX001"
SALT_PROBE = "canhgiac-bloom-salt"
KEEP = 2
_ALIGN = mmap.ALLOCATIONGRANULARITY

Code = Literal["q", "Q", "B", "I"]

# Buffer name -> array type code (None: plain bytes); the order they are written in.
_PARTS: dict[str, Code | None] = {
    "_pks": "q",
    "_kinds": "B",
    "_categories": "B",
    "_offsets": "Q",
    "_values": None,
    "_bloom": None,
    "_records": None,
    "_prefixes": "I",
}


class Header(TypedDict):
    change_id: int
    change_at: str | None
    allowlist: str  # stamp of the allowlist part of the list version
    built_at: str
    next_expiry: str | None
    gaps: list[tuple[int, int]]
    categories: list[str]
    covering: list[str]
    exact: list[str]
    byteorder: str
    salt: int
    mask: int
    ascending: bool
    parts: dict[str, tuple[int, int]]  # name -> (offset, length in bytes)


@dataclass(frozen=True)
class Snapshot:
    index: MatcherIndex
    path: Path
    change_id: int
    change_at: str | None
    allowlist: str
    built_at: datetime
    gaps: list[tuple[int, int]]


def stamp(part: tuple[object, ...]) -> str:
    """A string that stands for part of a list version (its types vary by database)."""
    return hashlib.sha256(repr(tuple(str(x) for x in part)).encode()).hexdigest()[:16]


def write_snapshot(
    index: MatcherIndex,
    directory: Path,
    *,
    change_id: int,
    change_at: object,
    allowlist: str,
    tracker: Tracker,
) -> Path:
    """Write a freshly built index (no overlay) as a snapshot; returns its path."""
    if index.overlay_size() or getattr(index, "_overlay", None) is not None:
        raise ValueError("Only a freshly built index is written.")
    directory.mkdir(parents=True, exist_ok=True)
    buffers = {name: _raw(getattr(index, name)) for name in _PARTS}
    buffers["_keys"] = _bloom_keys(index)
    parts: dict[str, tuple[int, int]] = {}
    offset = 0
    for name, data in buffers.items():
        parts[name] = (offset, len(data))
        offset += -(-len(data) // _ALIGN) * _ALIGN
    header: Header = {
        "change_id": change_id,
        "change_at": None if change_at is None else str(change_at),
        "allowlist": allowlist,
        "built_at": tracker.valid_at.isoformat(),
        "next_expiry": None if index.next_expiry is None else index.next_expiry.isoformat(),
        "gaps": [(gap.first, gap.last) for gap in tracker.gaps],
        "categories": list(getattr(index, "_category_names")),  # noqa: B009 (private part)
        "covering": sorted(index.allowlist.covering),
        "exact": sorted(index.allowlist.exact),
        "byteorder": sys.byteorder,
        "salt": hash(SALT_PROBE),
        "mask": getattr(index, "_mask"),  # noqa: B009 (private part)
        "ascending": getattr(index, "_ascending"),  # noqa: B009 (private part)
        "parts": parts,
    }
    head = json.dumps(header).encode()
    start = -(-(16 + len(head)) // _ALIGN) * _ALIGN
    final = directory / f"index-{change_id:012d}-{allowlist}.snap"
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".index-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(MAGIC + len(head).to_bytes(8, "little") + head)
            for name, data in buffers.items():
                out.seek(start + parts[name][0])
                out.write(data)
            out.truncate(start + offset)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    for old in sorted(directory.glob("index-*.snap"), key=_mtime)[:-KEEP]:
        old.unlink(missing_ok=True)
    return final


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def _raw(buffer: object) -> bytes:
    if isinstance(buffer, array):
        return buffer.tobytes()
    assert isinstance(buffer, bytes | bytearray | memoryview | mmap.mmap)
    return bytes(buffer)


def _bloom_keys(index: MatcherIndex) -> bytes:
    """Every string the Bloom filter holds, NUL-separated: what a process with another hash
    salt rebuilds the filter from."""
    keys: list[str] = []
    for row_no in range(len(index)):
        row = index.row(row_no)
        for expression in listing_expressions(row.kind, row.value):
            keys.append(expression)
            if row.kind in _WEB_KINDS:
                keys.append(expression[: expression.index("/")])
    return "\0".join(keys).encode("utf-8", "surrogatepass")


def candidates(directory: Path) -> list[Path]:
    """The snapshots in a directory, the highest change id first."""
    return sorted(directory.glob("index-*.snap"), reverse=True) if directory.is_dir() else []


def _read_header(file: BinaryIO, name: str) -> tuple[Header, int]:
    """The header of an open snapshot and where its parts start; ValueError if not ours."""
    first = file.read(16)
    if len(first) < 16 or first[:8] != MAGIC:
        raise ValueError(f"{name}: không phải tệp chỉ mục.")
    header: Header = json.loads(file.read(int.from_bytes(first[8:], "little")))
    if header["byteorder"] != sys.byteorder:
        raise ValueError(f"{name}: thứ tự byte khác máy này.")
    return header, -(-(16 + int.from_bytes(first[8:], "little")) // _ALIGN) * _ALIGN


def read_snapshot(path: Path) -> Snapshot:
    """Map a snapshot file read-only; ValueError if it is not one this code wrote."""
    with path.open("rb") as file:
        header, start = _read_header(file, path.name)
        maps = {
            name: _map(file.fileno(), start + offset, length)
            for name, (offset, length) in header["parts"].items()
        }
    index = MatcherIndex.__new__(MatcherIndex)
    expiry = header["next_expiry"]
    vars(index).update(
        allowlist=Allowlist(frozenset(header["covering"]), frozenset(header["exact"])),
        version=None,
        snapshot=path,
        next_expiry=None if expiry is None else datetime.fromisoformat(expiry),
        _overlay=None,
        _seq=0,
        _pk_rows=None,
        _category_names=header["categories"],
        _ascending=header["ascending"],
        _mask=header["mask"],
    )
    for name, code in _PARTS.items():
        data = maps[name]
        vars(index)[name] = data if code is None else _typed(data, code)
    if header["salt"] != hash(SALT_PROBE):  # another interpreter: its own filter
        keys = bytes(maps["_keys"]).decode("utf-8", "surrogatepass")
        index._build_bloom(array("q", (hash(key) for key in keys.split("\0") if keys)))
    return Snapshot(
        index=index,
        path=path,
        change_id=header["change_id"],
        change_at=header["change_at"],
        allowlist=header["allowlist"],
        built_at=datetime.fromisoformat(header["built_at"]),
        gaps=[(first, last) for first, last in header["gaps"]],
    )


def _map(fd: int, offset: int, length: int) -> mmap.mmap | bytes:
    if not length:
        return b""
    return mmap.mmap(fd, length, access=mmap.ACCESS_READ, offset=offset)


def _typed(data: mmap.mmap | bytes, code: Code) -> memoryview[int] | array[int]:
    if not data:
        return array(code)
    return memoryview(data).cast(code)


def change_at(change_id: int) -> str | None:
    """The time of a ListChange as text (None: no such change), through the ORM on every
    database (a raw query on SQLite gives the stored text instead)."""
    from .models import ListChange

    if not change_id:
        return None
    at = ListChange.objects.filter(pk=change_id).values_list("at", flat=True).first()
    return None if at is None else at.isoformat()


def save_snapshot(
    index: MatcherIndex,
    directory: Path,
    *,
    change_id: int,
    allowlist: tuple[object, ...],
    tracker: Tracker,
) -> None:
    """Write a fresh build for the next processes; a failure only means they build too."""
    try:
        write_snapshot(
            index,
            directory,
            change_id=change_id,
            change_at=change_at(change_id),
            allowlist=stamp(allowlist),
            tracker=tracker,
        )
    except OSError as error:
        logger.warning("Không ghi được ảnh chụp chỉ mục: %s", error)


def fitting_snapshot(
    directory: Path, *, change_id: int, allowlist: tuple[object, ...]
) -> Snapshot | None:
    """The newest snapshot that fits the database: at a change it has, with the same time,
    and the same allowlist."""
    wanted = stamp(allowlist)
    for path in candidates(directory):
        _index, number, rest = path.name.split("-", 2)
        if int(number) > change_id or rest != f"{wanted}.snap":
            continue  # a list this database has not reached (another history), or another allowlist
        try:
            # The header first: mapping the parts (and, in another interpreter, rebuilding the
            # Bloom filter) is only worth it for a snapshot of this database's history.
            with path.open("rb") as file:
                header, _start = _read_header(file, path.name)
            if change_at(header["change_id"]) != header["change_at"]:
                continue  # a restored database, or a rolled-back change
            snapshot = read_snapshot(path)
        except (OSError, ValueError, KeyError) as error:
            logger.warning("Bỏ qua ảnh chụp chỉ mục %s: %s", path.name, error)
            continue
        if snapshot.allowlist == wanted:
            return snapshot
    return None


def tracker_for(snapshot: Snapshot) -> Tracker:
    """Where a process that maps the snapshot stands: its change id, build time and holes."""
    import time

    clock = time.monotonic()
    return Tracker(
        last_id=snapshot.change_id,
        valid_at=snapshot.built_at,
        gaps=[Gap(first, last, clock) for first, last in snapshot.gaps],
        last_at=datetime.fromisoformat(snapshot.change_at) if snapshot.change_at else None,
    )
