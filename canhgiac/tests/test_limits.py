"""Request size: a body larger than its URL takes is refused before anything reads it, and
uploads up to the documented limits (5 files of 5 MB) go through the form and the API. The API
answers every error as JSON in Vietnamese."""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from PIL import Image

from canhgiac.middleware import body_limit, default_body_limits
from reports.evidence import MAX_BYTES, MAX_FILES
from reports.models import Evidence, Report

ROOT = Path(__file__).resolve().parents[2]
GIB = 1024**3

pytestmark = pytest.mark.django_db


class Tripwire(io.RawIOBase):
    """A request body of `size` bytes that is never held: it counts what is read from it and
    fails the test when more than `allowed` bytes are read."""

    def __init__(self, size: int, allowed: int = 0) -> None:
        self.size, self.allowed, self.taken = size, allowed, 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self.size - self.taken if n is None or n < 0 else min(n, self.size - self.taken)
        self.taken += n
        if self.taken > self.allowed:
            raise AssertionError(f"the body was read: {self.taken} bytes")
        return b"-" * n

    def readline(self, n: int | None = -1) -> bytes:
        return self.read(n if n is not None and 0 <= n < 1024 else 1024)


def send(client, path: str, body: Tripwire, content_type: str, **extra):
    return client.generic(
        "POST",
        path,
        content_type=content_type,
        CONTENT_LENGTH=str(body.size),
        **{"wsgi.input": body},
        **extra,
    )


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/to-giac/", f"{MULTIPART_CONTENT}"),
        ("/khieu-nai/", f"{MULTIPART_CONTENT}"),
        ("/api/reports/", "application/json"),
        ("/api/lookup/check-batch", "application/json"),
        ("/kiem-tra-tin-nhan/", "application/x-www-form-urlencoded"),
    ],
)
def test_a_declared_gigabyte_is_refused_before_any_byte_is_read(client, path, content_type):
    body = Tripwire(GIB)
    response = send(client, path, body, content_type)
    assert response.status_code == 413
    assert body.taken == 0


def test_the_api_answers_413_as_json_and_a_page_answers_in_vietnamese(client):
    api = send(client, "/api/reports/", Tripwire(GIB), "application/json")
    assert api["Content-Type"].startswith("application/json")
    assert api.json()["detail"] == "Nội dung gửi lên quá lớn: địa chỉ này nhận tối đa 34 MB."
    page = send(client, "/to-giac/", Tripwire(GIB), MULTIPART_CONTENT)
    assert page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    assert "<h1>Nội dung gửi lên quá lớn</h1>" in html and "tối đa 26 MB" in html


def test_every_other_url_takes_a_small_body(client):
    assert body_limit(client.get("/").wsgi_request) == 1024 * 1024
    message = "Tài khoản của bạn bị khoá, bấm vào đây. " * 100
    small = client.post("/kiem-tra-tin-nhan/", {"text": message})
    assert small.status_code != 413
    response = send(client, "/kiem-tra-tin-nhan/", Tripwire(1024 * 1024 + 1), MULTIPART_CONTENT)
    assert response.status_code == 413


def test_limits_are_settings(client, settings):
    settings.REQUEST_MAX_BYTES = 10
    settings.REQUEST_MAX_BYTES_BY_URL = {"reports:form": 100}
    assert send(client, "/kiem-tra-tin-nhan/", Tripwire(11), MULTIPART_CONTENT).status_code == 413
    assert send(client, "/to-giac/", Tripwire(101), MULTIPART_CONTENT).status_code == 413
    api = send(client, "/api/reports/", Tripwire(GIB), "application/json").json()
    assert "tối đa 10 kB" not in api["detail"] and "34 MB" in api["detail"]


def test_a_chunked_body_without_length_is_refused(client):
    response = client.generic(
        "POST",
        "/api/reports/",
        content_type="application/json",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": Tripwire(GIB)},
    )
    assert response.status_code == 411
    assert "Content-Length" in response.json()["detail"]


def test_the_documented_uploads_fit_the_limits():
    """The largest submission each URL documents is under its limit: five files of 5 MB with
    every text field full, in multipart for the form, in base64 JSON for the API; 1,000 values
    of 2,048 Vietnamese letters for the batch check, as Python's json writes them (escaped)."""
    limits = default_body_limits()
    text = {f"field{n}": "ệ" * 5000 for n in range(8)}
    files = [io.BytesIO(b"\xff" * MAX_BYTES) for _ in range(MAX_FILES)]
    for f in files:
        f.name = "ảnh-chụp-màn-hình-" + "x" * 80 + ".jpg"
    form = encode_multipart(BOUNDARY, {**text, "evidence": files})
    assert len(form) <= limits["reports:form"]
    evidence = [
        {"data_base64": base64.b64encode(b"\xff" * MAX_BYTES).decode(), "filename": "x" * 100}
        for _ in range(MAX_FILES)
    ]
    api = json.dumps({**text, "indicators": ["https://" + "a" * 2040] * 50, "evidence": evidence})
    assert len(api) <= limits["api:submit"] <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    batch = json.dumps({"values": ["ạ" * 2048] * 1000})
    assert len(batch) <= limits["api:check_batch"] <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def noise_png(size: int) -> bytes:
    """A PNG of random pixels: it does not compress, so its size is what was asked for."""
    side = int((size / 3) ** 0.5) + 1
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, format="PNG")
    return out.getvalue()


def test_a_photo_under_the_file_limit_goes_through_the_api(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = noise_png(4_100_000)
    assert 4_000_000 < len(photo) < MAX_BYTES
    payload = {
        "channel": "zalo",
        "scam_type": "job_task",
        "message_text": "Viec nhe luong cao, lien he Zalo 0912345678",
        "unit_code": "D2-C1",
        "evidence": [{"data_base64": base64.b64encode(photo).decode(), "filename": "anh.png"}],
    }
    body = json.dumps(payload)
    assert len(body) > 5 * 1024 * 1024  # over the 5 MB Django took before
    response = client.post("/api/reports/", body, content_type="application/json")
    assert response.status_code == 201, response.content[:300]
    report = Report.objects.get(tracking_code=response.json()["tracking_code"])
    assert Evidence.objects.filter(report=report).count() == 1


# --- JSON errors ----------------------------------------------------------------------------


def test_a_body_that_is_not_json_gets_a_vietnamese_400(client):
    response = client.post("/api/lookup/check-batch", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Thân yêu cầu không phải JSON hợp lệ."}


def test_an_unknown_api_address_and_a_wrong_method_answer_json(client):
    missing = client.get("/api/khong-co/")
    assert missing.status_code == 404 and missing.json()["detail"] == "Không có địa chỉ API này."
    wrong = client.put("/api/lookup/check-batch", "{}", content_type="application/json")
    assert wrong.status_code == 405 and wrong["Allow"] == "POST"
    assert "phương thức" in wrong.json()["detail"]


def test_django_request_data_too_big_answers_json_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    body = json.dumps({"value": "https://example.com/" + "a" * 200})
    response = client.post("/api/lookup/check", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"detail": "Nội dung gửi lên quá lớn."}


@pytest.mark.parametrize(
    ("error", "status", "detail"),
    [
        (RuntimeError("mật khẩu cơ sở dữ liệu là hunter2"), 500, "Lỗi máy chủ"),
        (__import__("django.http").http.Http404("nội bộ: bảng x"), 404, "Không tìm thấy."),
        (
            __import__("django.core.exceptions").core.exceptions.PermissionDenied("nội bộ"),
            403,
            "Không có quyền",
        ),
    ],
    ids=["server-error", "http404", "permission-denied"],
)
def test_an_error_inside_a_view_answers_json_without_a_trace(
    client, monkeypatch, caplog, error, status, detail
):
    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr("detection.api.analyse_message", broken)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.post(
            "/api/detection/analyse", {"text": "Xin chào"}, content_type="application/json"
        )
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"].startswith(detail)
    assert "hunter2" not in response.content.decode() and "nội bộ" not in response.json()["detail"]
    assert "Traceback" not in response.content.decode()
    if status == 500:
        assert any(r.exc_info and r.exc_info[1] is error for r in caplog.records)


# --- Through gunicorn -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gunicorn(tmp_path):
    """gunicorn as bin/serve runs it (threaded workers), on a data folder and a temporary
    folder of its own, so that whatever it writes can be measured."""
    port = int(os.environ.get("CANHGIAC_TEST_PORT") or _free_port())
    var, tmp = tmp_path / "var", tmp_path / "tmp"
    var.mkdir()
    tmp.mkdir()
    env = {**os.environ, "CANHGIAC_VAR_DIR": str(var), "CANHGIAC_HTTPS": "0", "TMPDIR": str(tmp)}
    env.pop("DATABASE_URL", None)
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "canhgiac.wsgi:application",
        "--workers", "1",
        "--worker-class", "gthread",
        "--threads", "2",
        "--bind", f"127.0.0.1:{port}",
        "--log-level", "warning",
    ]  # fmt: skip
    if not Path(command[0]).exists():
        pytest.skip("gunicorn is not installed in this environment")
    proc = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start")
        yield port, var, tmp
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _raw(port: int, head: str, body: bytes = b"--x\r\n") -> tuple[str, float]:
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head.encode() + b"\r\n" + body)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer.decode("latin-1"), time.perf_counter() - started


def _bytes_under(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def test_gunicorn_answers_413_at_once_and_writes_nothing_large(gunicorn):
    port, var, tmp = gunicorn
    _raw(port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n", b"")  # the worker loads the site
    for path, kind in (
        ("/to-giac/", "multipart/form-data; boundary=x"),
        ("/api/reports/", "application/json"),
    ):
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {kind}\r\n"
            # With a CSRF cookie the form's CSRF check reads the body for the token.
            f"Content-Length: {GIB}\r\nCookie: csrftoken={'a' * 32}\r\n"
        )
        answer, seconds = _raw(port, head)
        assert answer.startswith("HTTP/1.1 413"), answer[:200]
        assert seconds < 2
    chunked = (
        "POST /api/reports/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n"
    )
    answer, _ = _raw(port, chunked, b"5\r\nhello\r\n")
    assert answer.startswith("HTTP/1.1 411"), answer[:200]
    assert _bytes_under(var) < 1024 * 1024 and _bytes_under(tmp) < 1024 * 1024
    shutil.rmtree(tmp)
