"""Evidence files kept for a form that came back with an error elsewhere.

Browsers never refill a file input, so a citizen whose report is refused for a missing field
would have to find the screenshots again. Instead the files that passed the checks are stored
here (already cleaned: re-encoded images, checked PDFs) and the page carries a signed reference
to them: the draft's folder, each file's path, type, SHA-256 and name. When the form comes back,
the signature, the age (DRAFT_MAX_AGE) and each file's size and hash are checked again, so a
reference can neither point at another file nor outlive its draft. Drafts older than the age
limit are deleted whenever a new one is written and every hour (a sent report keeps its draft until then, so
that a double click finds the same files and so the same report).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TypedDict

from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from .evidence import MAX_BYTES, MAX_FILES, CleanFile

SALT = "reports.drafts.v1"
ROOT = "reports/drafts"
DRAFT_MAX_AGE = timedelta(hours=2)
MAX_TOKEN = 4000
ALLOWED_TYPES = frozenset({"image/png", "image/jpeg", "application/pdf"})  # what evidence.py writes
_DRAFT_ID = re.compile(r"[A-Za-z0-9_-]{22}")


class DraftGone(Exception):
    """The reference is forged, too old, or its files are no longer there as they were."""


@dataclass(frozen=True)
class KeptFile:
    name: str  # as the person chose it, shown back to the same person only
    file: CleanFile
    path: str


class _Entry(TypedDict):
    """One kept file in the signed reference (short keys: the reference is a form field)."""

    n: str  # name
    p: str  # path
    t: str  # content type
    h: str  # sha256


def _entry(kept: KeptFile) -> _Entry:
    return {"n": kept.name, "p": kept.path, "t": kept.file.content_type, "h": kept.file.sha256}


def keep_files(
    *, kept: list[KeptFile], new: list[tuple[str, CleanFile]]
) -> tuple[str, list[KeptFile]]:
    """Store the new files next to those already kept; the signed reference and every file."""
    files = list(kept)
    draft_id = kept[0].path.split("/")[2] if kept else secrets.token_urlsafe(16)
    if not kept:
        forget_old_drafts()
    for name, clean in new[: MAX_FILES - len(files)]:
        path = f"{ROOT}/{draft_id}/{secrets.token_urlsafe(12)}.{clean.extension}"
        path = default_storage.save(path, ContentFile(clean.content))
        files.append(KeptFile(name=(name or "tệp")[:80], file=clean, path=path))
    token = signing.dumps({"d": draft_id, "f": [_entry(k) for k in files]}, salt=SALT)
    return token, files


def _load(entry: dict[str, object], draft_id: str) -> KeptFile:
    path = str(entry.get("p", ""))
    if not path.startswith(f"{ROOT}/{draft_id}/") or ".." in path:
        raise DraftGone(path)
    if entry.get("t") not in ALLOWED_TYPES or not default_storage.exists(path):
        raise DraftGone(path)
    if default_storage.size(path) > MAX_BYTES:
        raise DraftGone(path)
    with default_storage.open(path, "rb") as handle:
        content = handle.read(MAX_BYTES + 1)
    if hashlib.sha256(content).hexdigest() != entry.get("h"):
        raise DraftGone(path)
    content_type = str(entry["t"])
    clean = CleanFile(content=content, content_type=content_type, extension=path.rsplit(".", 1)[1])
    return KeptFile(name=str(entry.get("n", ""))[:80], file=clean, path=path)


def kept_files(token: str) -> list[KeptFile]:
    """The files a reference names, each checked again; DraftGone when any is not as kept."""
    if not token:
        return []
    try:
        payload = signing.loads(token[:MAX_TOKEN], salt=SALT, max_age=DRAFT_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        raise DraftGone("signature") from None
    draft_id = str(payload.get("d", ""))
    entries = payload.get("f") or []
    if not _DRAFT_ID.fullmatch(draft_id) or len(entries) > MAX_FILES:
        raise DraftGone("payload")
    return [_load(entry, draft_id) for entry in entries]


def discard(kept: list[KeptFile]) -> None:
    """Delete a draft's files (its report was sent, or the person dropped them)."""
    for item in kept:
        default_storage.delete(item.path)


def forget_old_drafts() -> int:
    """Delete every draft older than DRAFT_MAX_AGE (also a periodic task); how many."""
    try:
        folders, _files = default_storage.listdir(ROOT)
    except FileNotFoundError:
        return 0
    forgotten = 0
    cutoff = timezone.now() - DRAFT_MAX_AGE
    for folder in folders:
        _sub, names = default_storage.listdir(f"{ROOT}/{folder}")
        paths = [f"{ROOT}/{folder}/{name}" for name in names]
        if all(default_storage.get_modified_time(p) < cutoff for p in paths):
            for path in paths:
                default_storage.delete(path)
            _remove_empty_folder(f"{ROOT}/{folder}")
            forgotten += 1
    return forgotten


def _remove_empty_folder(name: str) -> None:
    try:
        Path(default_storage.path(name)).rmdir()
    except (NotImplementedError, OSError):  # a remote storage has no folders to remove
        pass
