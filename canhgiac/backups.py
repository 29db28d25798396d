"""Backups of everything the site cannot rebuild: the database and the uploaded files
(MEDIA_ROOT: evidence of reports). One .tar.gz holds

    manifest.json        when, which database engine, what it held (reports, evidence files)
    database.sqlite3     SQLite: an online copy (sqlite3's backup API, consistent while the
                         site keeps writing; WAL included)
    database.pgdump      PostgreSQL: pg_dump's custom format (one consistent snapshot)
    media/...            the uploaded files

The database is copied first, then the files: an evidence row in the copy always has its file
(files are written before their row commits). Static files, the cache and the task queue's
finished rows are rebuilt or expendable. The secret key is not in the backup: keep it apart
(CANHGIAC_SECRET_KEY or var/secret_key); without it people sign in again, nothing is lost.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from django.conf import settings
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = 1
SQLITE_NAME = "database.sqlite3"
PG_NAME = "database.pgdump"


class BackupError(Exception):
    pass


class Counts(TypedDict):
    reports: int
    evidence: int


class Manifest(TypedDict):
    """manifest.json of a backup archive."""

    format: int
    created_at: str  # ISO 8601
    engine: str  # "sqlite" or "postgresql"
    counts: Counts


@dataclass(frozen=True)
class Restored:
    engine: str
    reports: int
    evidence: int
    missing_files: list[str]


def engine() -> str:
    vendor = connections["default"].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(_("Không hỗ trợ sao lưu CSDL %(vendor)s.") % {"vendor": vendor})
    return vendor


def _pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGDATABASE": str(db["NAME"])}
    for value, name in (
        (db.get("HOST"), "PGHOST"),
        (db.get("PORT"), "PGPORT"),
        (db.get("USER"), "PGUSER"),
    ):
        if value:
            env[name] = str(value)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])  # not on the command line: ps shows that
    return env


def _run(args: list[str]) -> None:
    tool = shutil.which(args[0])
    if tool is None:
        raise BackupError(
            _("Không tìm thấy %(tool)s: apt-get install postgresql-client") % {"tool": args[0]}
        )
    # The arguments are ours and the database's settings: no shell, no outside input.
    done = subprocess.run(  # noqa: S603
        [tool, *args[1:]], env=_pg_env(), capture_output=True, text=True
    )
    if done.returncode != 0:
        raise BackupError(
            _("%(tool)s thất bại: %(error)s")
            % {"tool": args[0], "error": done.stderr.strip()[-2000:]}
        )


def _copy_sqlite(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


def _counts() -> Counts:
    from reports.models import Evidence, Report

    return {"reports": Report.objects.count(), "evidence": Evidence.objects.count()}


def create_backup(output: Path) -> Manifest:
    """Write the backup archive `output`; returns its manifest."""
    kind = engine()
    with tempfile.TemporaryDirectory(prefix="canhgiac-backup-") as tmp:
        work = Path(tmp)
        if kind == "sqlite":
            _copy_sqlite(Path(settings.DATABASES["default"]["NAME"]), work / SQLITE_NAME)
            counts = _sqlite_counts(work / SQLITE_NAME)  # those of the copy itself
        else:
            counts = _counts()  # just before the snapshot: what it holds at least
            _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(work / PG_NAME)])
        manifest: Manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "engine": kind,
            "counts": counts,
        }
        (work / "manifest.json").write_text(json.dumps(manifest, indent=2))
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work / "manifest.json", "manifest.json")
            name = SQLITE_NAME if kind == "sqlite" else PG_NAME
            archive.add(work / name, name)
            media = Path(settings.MEDIA_ROOT)
            if media.exists():
                archive.add(media, "media")
        partial.replace(output)  # never a half-written archive under the real name
    return manifest


def _sqlite_counts(path: Path) -> Counts:
    with sqlite3.connect(path) as db:
        reports = db.execute("SELECT count(*) FROM reports_report").fetchone()[0]
        evidence = db.execute("SELECT count(*) FROM reports_evidence").fetchone()[0]
    return {"reports": reports, "evidence": evidence}


def _is_empty() -> bool:
    with connections["default"].cursor() as cursor:
        return not connections["default"].introspection.table_names(cursor)


def restore_backup(archive_path: Path, *, force: bool = False) -> Restored:
    """Restore the archive into the configured database and MEDIA_ROOT. The database must be
    empty (a fresh one) unless `force`: a restore replaces what is there."""
    kind = engine()
    with tempfile.TemporaryDirectory(prefix="canhgiac-restore-") as tmp:
        work = Path(tmp)
        try:  # not a .tar.gz, cut short, or without a manifest: the same answer
            with tarfile.open(archive_path, "r:gz") as archive:
                archive.extractall(work, filter="data")  # no absolute paths, links or devices
            manifest = json.loads((work / "manifest.json").read_text())
        except (tarfile.TarError, EOFError, OSError, ValueError) as error:
            raise BackupError(_("Tệp này không phải bản sao lưu của Cảnh Giác.")) from error
        if manifest.get("engine") != kind:
            raise BackupError(
                _("Bản sao lưu từ CSDL %(source)s, không khôi phục vào %(target)s được.")
                % {"source": manifest.get("engine"), "target": kind}
            )
        if not force and not _is_empty():
            raise BackupError(
                _("CSDL đích đã có dữ liệu: dùng CSDL mới, hoặc thêm --force để ghi đè.")
            )
        connections.close_all()
        if kind == "sqlite":
            _copy_sqlite(work / SQLITE_NAME, Path(settings.DATABASES["default"]["NAME"]))
        else:
            _run(["pg_restore", "--no-owner", "--clean", "--if-exists", "--exit-on-error",
                  "--single-transaction", "--dbname", str(settings.DATABASES["default"]["NAME"]),
                  str(work / PG_NAME)])  # fmt: skip
        _restore_media(work / "media", Path(settings.MEDIA_ROOT))
    return check_restored()


def _restore_media(source: Path, target: Path) -> None:
    if not source.exists():
        return
    shutil.copytree(source, target, dirs_exist_ok=True)


def check_restored() -> Restored:
    """What the restored site holds, and the evidence rows whose file is missing."""
    from reports.models import Evidence

    media = Path(settings.MEDIA_ROOT)
    missing = [
        name
        for name in Evidence.objects.values_list("file", flat=True).iterator()
        if not (media / name).is_file()
    ]
    counts = _counts()
    return Restored(engine(), counts["reports"], counts["evidence"], missing)
