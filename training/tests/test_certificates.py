"""Certificates: an unguessable code, a public page that says only what the paper says, and a
PDF whose Vietnamese text survives (checked by extracting it back)."""

import shutil
import subprocess

import pytest
from django.urls import reverse

from training.models import CODE_ALPHABET, Certificate, new_certificate_code
from training.services import issue_certificate, revoke_certificate

from .factories import make_assignment, make_lesson

pytestmark = pytest.mark.django_db

HOLDER = "Nguyễn Thị Hằng"
COURSE = "Phòng chống lừa đảo trực tuyến năm 2026"


@pytest.fixture
def certificate(world) -> Certificate:
    person = world.person("staff_d1_c1")
    person.first_name, person.last_name = "Hằng", "Nguyễn Thị"
    person.email = "hang@example.invalid"
    person.save()
    course = make_assignment(world, lessons=[make_lesson()], title=COURSE)
    certificate = issue_certificate(user=person, assignment=course)
    assert certificate.holder_name in (HOLDER, "Hằng Nguyễn Thị")
    certificate.holder_name = HOLDER
    certificate.save()
    return certificate


def test_codes_are_long_random_and_readable():
    codes = {new_certificate_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 12 and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set("01OIL") & set(CODE_ALPHABET)


def test_certificate_page_verifies_and_shows_nothing_more(client, certificate):
    response = client.get(reverse("certificate-verify", args=[certificate.code]))
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    body = response.content.decode()
    main = body[body.index("<main") : body.index("</main>")]
    assert HOLDER in main and COURSE in main and "Chứng nhận hợp lệ" in main
    assert certificate.issued_at.astimezone().strftime("%d/%m/%Y") in main
    for private in ("staff_d1_c1", "hang@example.invalid", "Xã Một Một", "Huyện Một", "%"):
        assert private not in main
    # Typed by hand from paper, with spaces or dashes, in lower case: still found.
    spaced = "-".join([certificate.code[:4], certificate.code[4:8], certificate.code[8:]]).lower()
    assert client.get(f"/certificates/{spaced}/").status_code == 200


def test_revoked_certificate_says_so(client, certificate):
    revoke_certificate(certificate=certificate)
    body = client.get(reverse("certificate-verify", args=[certificate.code])).content.decode()
    assert "Chứng nhận đã bị thu hồi" in body and "Chứng nhận hợp lệ" not in body


def test_unknown_code_is_not_found(client, db):
    response = client.get(reverse("certificate-verify", args=["ABCDEFGHJKMN"]))
    assert response.status_code == 404
    assert "Không tìm thấy chứng nhận" in response.content.decode()


def test_api_verifies_with_the_same_few_facts(client, certificate):
    response = client.get(f"/api/training/certificates/{certificate.code}")
    assert response.status_code == 200
    assert set(response.json()) == {"holder_name", "course_title", "issued_on", "valid"}
    assert response.json()["holder_name"] == HOLDER and response.json()["valid"] is True
    assert client.get("/api/training/certificates/NOPE").status_code == 404


def test_only_the_holder_downloads_the_pdf(client, world, certificate):
    client.force_login(world.person("staff_d1_c2"))
    url = reverse("training-certificate-pdf", args=[certificate.code])
    assert client.get(url).status_code == 404


@pytest.mark.real_service
def test_pdf_renders_vietnamese_text_and_the_verification_link(
    client, world, certificate, tmp_path
):
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext not found: apt-get install poppler-utils")
    client.force_login(world.person("staff_d1_c1"))
    response = client.get(reverse("training-certificate-pdf", args=[certificate.code]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = subprocess.run(
        [pdftotext, "-enc", "UTF-8", "-", "-"],
        input=response.content,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode("utf-8")
    flat = " ".join(text.split())
    assert HOLDER in flat
    assert COURSE in flat
    assert "CHỨNG NHẬN" in flat and "đã hoàn thành khoá học" in flat
    assert certificate.code in flat
    assert f"/certificates/{certificate.code}/" in flat
    # The text is drawn with the embedded DejaVu Sans, which carries every Vietnamese glyph.
    pdf = tmp_path / "chung-nhan.pdf"
    pdf.write_bytes(response.content)
    fonts = subprocess.run(
        [shutil.which("pdffonts") or "pdffonts", str(pdf)],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    assert "DejaVu-Sans" in fonts
