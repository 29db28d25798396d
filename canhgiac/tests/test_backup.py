"""A backup (manage.py backup) restored into a fresh database and data folder (manage.py
restore) holds every report and every evidence file, byte for byte: on SQLite (online backup)
and on PostgreSQL (pg_dump / pg_restore). Each site is its own process with its own
CANHGIAC_VAR_DIR, as two machines would be."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SEED = """
import hashlib, json
import django
django.setup()
from orgs.models import Unit
from orgs.testing import build_world
from reports.evidence import clean_file
from reports.models import Evidence
from reports.tests.factories import MINIMAL_PDF, make_report, png_bytes
build_world()
unit = Unit.objects.filter(kind="commune").first() or Unit.objects.first()
make_report(unit, "https://vcb-sao-luu.com/dang-nhap", files=[clean_file(png_bytes(), "a.png")])
make_report(unit, "0987654321", money=5_000_000,
            files=[clean_file(png_bytes((64, 48)), "b.png"), clean_file(MINIMAL_PDF, "c.pdf")])
make_report(unit, "lua-dao-khong-bang-chung.vn")
"""

INVENTORY = """
import hashlib, json
import django
django.setup()
from django.conf import settings
from reports.models import Evidence, Report
files = {}
for e in Evidence.objects.select_related("report"):
    path = settings.MEDIA_ROOT / e.file.name
    files[e.file.name] = {
        "report": e.report.tracking_code,
        "sha256": e.sha256,
        "on_disk": hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None,
    }
print(json.dumps({"reports": sorted(Report.objects.values_list("tracking_code", flat=True)),
                  "files": files}))
"""


def site(var: Path, database_url: str | None) -> dict[str, str]:
    env = {**os.environ, "CANHGIAC_VAR_DIR": str(var), "CANHGIAC_HTTPS": "0"}
    env["DJANGO_SETTINGS_MODULE"] = "canhgiac.settings"
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def run(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    if check and done.returncode != 0:
        pytest.fail(f"{args[:2]} failed:\n{done.stdout}\n{done.stderr}")
    return done


def inventory(env: dict) -> dict:
    return json.loads(run(env, "-c", INVENTORY).stdout.strip().splitlines()[-1])


def backup_and_restore(tmp_path: Path, source_db: str | None, target_db: str | None) -> None:
    source = site(tmp_path / "nguon", source_db)
    run(source, "manage.py", "migrate", "--noinput", "-v0")
    run(source, "-c", SEED)
    before = inventory(source)
    assert len(before["reports"]) == 3 and len(before["files"]) == 3
    assert all(f["on_disk"] == f["sha256"] for f in before["files"].values())

    archive = tmp_path / "sao-luu.tar.gz"
    out = run(source, "manage.py", "backup", "--output", str(archive)).stdout
    assert "3 tố giác, 3 tệp bằng chứng" in out

    target = site(tmp_path / "dich", target_db)  # an empty data folder: no media, no key
    out = run(target, "manage.py", "restore", str(archive)).stdout
    assert "3 tố giác, 3 tệp bằng chứng" in out
    run(target, "manage.py", "migrate", "--noinput", "-v0")  # the upgrade step after a restore
    after = inventory(target)
    assert after == before  # every report, every file, byte for byte

    again = run(target, "manage.py", "restore", str(archive), check=False)
    assert again.returncode != 0 and "đã có dữ liệu" in again.stderr


def test_sqlite_backup_restores_every_report_and_evidence_file(tmp_path):
    backup_and_restore(tmp_path, None, None)


@pytest.mark.parametrize("kind", ["tar-without-manifest", "not-a-tar", "cut-short"])
def test_a_file_that_is_not_a_backup_is_refused(tmp_path, kind):
    env = site(tmp_path / "dich", None)
    bogus = tmp_path / "khong-phai.tar.gz"
    if kind == "not-a-tar":
        bogus.write_text("đây không phải tệp nén")
    else:
        subprocess.run(["tar", "czf", str(bogus), "-C", str(ROOT), "README.md"], check=True)
    if kind == "cut-short":
        bogus.write_bytes(bogus.read_bytes()[:200])
    done = run(env, "manage.py", "restore", str(bogus), check=False)
    assert done.returncode != 0 and "không phải bản sao lưu" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture
def pg_databases():
    """Two fresh PostgreSQL databases next to DATABASE_URL's (the role may CREATEDB)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("DATABASE_URL is not PostgreSQL: this run uses SQLite")
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.skip("pg_dump/pg_restore not found: apt-get install postgresql-client")
    import dj_database_url
    import psycopg

    db = dj_database_url.parse(url)
    suffix = uuid.uuid4().hex[:8]
    names = [f"{db['NAME']}_sao_luu_{suffix}_{side}" for side in ("nguon", "dich")]
    admin = psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    )
    base = url.rsplit("/", 1)[0]
    try:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
        yield [f"{base}/{name}" for name in names]
    finally:
        for name in names:
            _drop_database(admin, name)
        admin.close()


def _drop_database(admin, name: str) -> None:
    """Drop a test database even while an autovacuum worker is busy in it.

    FORCE ends our own left-over sessions, but PostgreSQL 15 refuses it with
    InsufficientPrivilege when one of the sessions is an autovacuum worker (it runs as no
    role, so it is not ours to end); a plain DROP stops autovacuum by itself, so that is
    tried next, until both have had a minute.
    """
    import psycopg

    deadline = time.monotonic() + 60
    while True:
        for statement in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                          f'DROP DATABASE IF EXISTS "{name}"'):
            try:
                admin.execute(statement)
                return
            except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ObjectInUse):
                if time.monotonic() > deadline:
                    raise
        time.sleep(0.5)


@pytest.mark.postgres_only
def test_postgresql_backup_restores_every_report_and_evidence_file(tmp_path, pg_databases):
    source_db, target_db = pg_databases
    backup_and_restore(tmp_path, source_db, target_db)
