"""Static files: storage and collection.

Storage: hashed, compressed names once `collectstatic` has written its manifest (as `make run`
and deployments do), plain names before that (tests, a fresh checkout). Source maps (*.map:
django-ninja ships 5 MB of them for Swagger UI and ReDoc) are copied, because the JS and CSS
that name them must find them, but never compressed: nobody but a developer's browser tools
asks for them, and Brotli at its best level on them was most of a `collectstatic`.

Collection: `collect_if_changed` runs `collectstatic` only when the sources changed since the
last collection, judged by a fingerprint of every source file's name, size and modification
time, kept next to STATIC_ROOT. A restart then skips the 20 s of hashing and compressing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.conf import settings
from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage

NEVER_COMPRESSED = ("map",)
# Bump when the way files are collected changes (storage, compression): collect again once.
COLLECTION_VERSION = "2"


class StaticStorage(CompressedManifestStaticFilesStorage):
    def stored_name(self, name: str) -> str:
        if not self.hashed_files:  # no manifest yet
            return name
        return super().stored_name(name)

    # The keyword arguments are whitenoise's Compressor's (extensions, use_gzip, ...).
    def create_compressor(self, **kwargs: Any) -> Compressor:
        skipped = kwargs.get("extensions") or Compressor.SKIP_COMPRESS_EXTENSIONS
        kwargs["extensions"] = (*skipped, *NEVER_COMPRESSED)
        return super().create_compressor(**kwargs)


def stamp_path() -> Path:
    root = Path(settings.STATIC_ROOT)
    return root.with_name(root.name + ".stamp")


def sources_fingerprint() -> str:
    """A digest of what `collectstatic` would collect: each file's name, size and mtime, from
    every finder (apps' static folders, STATICFILES_DIRS), and how it is stored."""
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256()
    storage = settings.STORAGES["staticfiles"]["BACKEND"]
    digest.update(f"{COLLECTION_VERSION}|{storage}|{settings.STATIC_ROOT}\n".encode())
    entries = []
    for finder in get_finders():
        for path, source in finder.list(ignore_patterns=["CVS", ".*", "*~"]):
            stat = Path(source.path(path)).stat()
            entries.append(f"{path}|{stat.st_size}|{stat.st_mtime_ns}")
    for entry in sorted(entries):
        digest.update(entry.encode() + b"\n")
    return digest.hexdigest()


def is_collected(fingerprint: str) -> bool:
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    stamp = stamp_path()
    return manifest.exists() and stamp.exists() and stamp.read_text().strip() == fingerprint


def collect_if_changed(*, verbosity: int = 0) -> bool:
    """Run `collectstatic` when the static sources changed since the last run; True if it ran."""
    from django.core.management import call_command

    fingerprint = sources_fingerprint()
    if is_collected(fingerprint):
        return False
    stamp_path().unlink(missing_ok=True)  # a collection cut short must not look complete
    call_command("collectstatic", interactive=False, verbosity=verbosity)
    stamp_path().write_text(fingerprint + "\n")
    return True
