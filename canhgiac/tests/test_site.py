import ast
import gettext
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_a_broken_database(client, monkeypatch):
    from django.db import DatabaseError

    def broken(*args, **kwargs):
        raise DatabaseError("down")

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error"


def test_public_home_is_vietnamese_with_a_strict_csp(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="vi">' in body
    assert "Dừng lại một nhịp" in body
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    # htmx is served by the project itself, not a CDN.
    assert "/static/django_htmx/htmx-2.min.js" in body
    assert "<script>" not in body and "style=" not in body


def test_language_switcher_turns_the_site_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)
    body = response.content.decode()
    assert '<html lang="en">' in body
    assert "Pause for a moment before you click" in body
    assert "Dừng lại một nhịp" not in body


CATALOGUES = sorted(ROOT.glob("*/locale/en/LC_MESSAGES/django.po")) + [
    ROOT / "locale/en/LC_MESSAGES/django.po"
]


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_string_has_an_english_translation(po_path):
    """Every msgid of each English catalogue is translated (none empty or fuzzy) and compiled."""
    entries = po_path.read_text(encoding="utf-8").split("\n\n")[1:]
    untranslated = [
        e for e in entries if e.splitlines()[-1] == 'msgstr ""' and "msgid_plural" not in e
    ]
    fuzzy = [e for e in entries if "#, fuzzy" in e]
    assert not untranslated and not fuzzy, (untranslated + fuzzy)[:3]
    with po_path.with_suffix(".mo").open("rb") as mo:
        # The parsed catalogue; typeshed does not declare this private attribute.
        compiled = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    stale = [m for m in map(_msgid, entries) if m and m not in compiled]
    assert not stale, f"{len(stale)} strings are missing from the compiled .mo: {stale[:3]}"


def _msgid(entry: str) -> str:
    """The msgid of one .po entry (context-less, singular), unescaped."""
    if "msgctxt" in entry or "msgid_plural" in entry or entry.lstrip().startswith("#~"):
        return ""
    text, inside = [], False
    for line in entry.splitlines():
        if line.startswith("msgid "):
            inside, line = True, line[6:]
        elif line.startswith("msgstr"):
            break
        if inside and line.startswith('"'):
            text.append(ast.literal_eval(line))
    return "".join(text)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite settings")
def test_sqlite_runs_in_wal_mode_with_immediate_transactions():
    from django.conf import settings

    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert not settings.DATABASES["default"].get("ATOMIC_REQUESTS")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 1  # NORMAL
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000
    # The in-memory test database cannot use WAL; the file database does.
    assert "journal_mode=WAL" in options["init_command"]


def test_file_database_is_in_wal_mode(tmp_path):
    env = {**os.environ, "CANHGIAC_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    code = (
        "import django; django.setup();"
        "from django.db import connection;"
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "canhgiac.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "wal"


@pytest.mark.postgres_only
def test_suite_runs_on_postgresql_when_database_url_is_set():
    if not os.environ.get("DATABASE_URL"):
        pytest.skip("DATABASE_URL is not set: this run uses SQLite")
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert int(cursor.fetchone()[0].split(".")[0]) >= 13


def test_check_deploy_passes_with_production_settings(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("k" * 64 + "-not-a-real-key-but-long-and-random-enough-9f8e7d6c5b4a")
    env = {
        **os.environ,
        "CANHGIAC_DEBUG": "0",
        "CANHGIAC_HTTPS": "1",
        "CANHGIAC_SECRET_KEY_FILE": str(secret),
        "CANHGIAC_ALLOWED_HOSTS": "canhgiac.example.vn",
        "CANHGIAC_SITE_URL": "https://canhgiac.example.vn",
        "CANHGIAC_VAR_DIR": str(tmp_path),
    }
    env.pop("CANHGIAC_SECRET_KEY", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the test suite for Playwright only
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secret_key_is_created_once_and_kept_private(tmp_path):
    from lib.env import secret_key

    key = secret_key(tmp_path)
    assert len(key) >= 50 and secret_key(tmp_path) == key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_vietnamese_is_served_even_to_an_english_browser(client):
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="vi">' in response.content.decode()
    assert response["Content-Language"] == "vi"


def test_api_validation_errors_are_explained_in_vietnamese(client):
    response = client.post(
        "/api/reports/",
        data={"channel": "sms", "description": "x" * 5000},
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "Dữ liệu gửi lên không hợp lệ."
    messages = {e["field"]: e["message"] for e in body["errors"]}
    assert messages["scam_type"] == "scam_type: thiếu trường bắt buộc"
    assert messages["description"] == "description: dài quá 4000 ký tự"


def test_csp_header_is_the_same_whether_built_or_reused(client, settings):
    from csp.utils import build_policy

    first = client.get("/healthz")["Content-Security-Policy"]
    again = client.get("/healthz")["Content-Security-Policy"]
    assert first == again == build_policy()
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    assert client.get("/healthz")["Content-Security-Policy"] == "default-src 'none'"


def test_missing_page_is_explained_in_vietnamese(client):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Không tìm thấy trang" in body and 'href="/kiem-tra/"' in body


def test_refused_page_says_why_in_vietnamese(client, world):
    client.force_login(world.person("manager_d1"))
    response = client.get(reverse("unit-detail", args=["D2-C1"]))
    assert response.status_code == 403
    body = response.content.decode()
    assert "Không có quyền truy cập" in body
    assert "Bạn không có quyền thao tác trên đơn vị này." in body


def test_server_error_page_stands_alone_in_vietnamese():
    from django.template import loader

    html = loader.get_template("500.html").render({})
    assert "Hệ thống đang gặp sự cố" in html and 'lang="vi"' in html
