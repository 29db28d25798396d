"""Submitting a report: the public form, evidence checks, grouping into cases."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from reports.models import Case, Evidence, Report, public_status
from reports.tests.factories import MINIMAL_PDF, jpeg_with_exif, make_report, png_bytes

pytestmark = pytest.mark.django_db

MESSAGE = (
    "Vietcombank thong bao: tai khoan cua quy khach bi tam khoa. Xac thuc tai "
    "http://vcb-xacthuc-online.com/login hoac goi 0912 345 678."
)


def form_data(world, **extra):
    data = {
        "channel": "sms",
        "scam_type": "fake_bank_sms",
        "description": "Tôi nhận tin nhắn và đã bấm vào đường dẫn.",
        "message_text": MESSAGE,
        "indicators": "",
        "money_lost": "5.000.000",
        "lost_on": "2025-01-15",
        "unit": world.unit("D1-C1").code,
        "contact_name": "Trần Thị Bình",
        "contact_phone": "0987 654 321",
        "contact_email": "",
        "consent_to_contact": "on",
        "submission_id": "abc123",
        "website": "",
    }
    data.update(extra)
    return data


def test_public_form_shows_without_an_account(client, world):
    response = client.get(reverse("reports:form"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Tố giác lừa đảo" in body
    assert 'class="hp"' in body and 'name="website"' in body
    assert "style=" not in body  # the CSP forbids inline styles
    assert "Huyện Một — Xã Một Một" in body


def test_submitting_the_form_stores_a_report_and_shows_only_a_tracking_code(
    client, world, immediate_tasks
):
    response = client.post(reverse("reports:form"), form_data(world))
    assert response.status_code == 200
    report = Report.objects.get()
    body = response.content.decode()
    assert report.tracking_code in body
    assert "Trần Thị Bình" not in body and "5.000.000" not in body
    assert report.unit == world.unit("D1-C1")
    assert report.money_lost == 5_000_000
    assert report.contact_phone == "+84987654321"
    # Left empty, the indicator list came from the pasted message.
    assert set(report.indicators.values_list("kind", "value")) == {
        ("url", "http://vcb-xacthuc-online.com/login"),
        ("phone", "+84912345678"),
    }
    case = report.cases.get()
    assert case.unit == world.unit("D1-C1")
    assert case.report_count == 1 and case.money_lost == 5_000_000


def test_tracking_code_is_long_and_unambiguous(world):
    codes = {make_report(world.unit("D1"), description=f"r{i}").tracking_code for i in range(20)}
    assert len(codes) == 20
    for code in codes:
        assert len(code) == 12
        assert not set(code) & set("01OIL")


def test_extract_step_without_javascript_fills_the_editable_list(client, world):
    data = form_data(world, action="extract")
    response = client.post(reverse("reports:form"), data)
    assert response.status_code == 200
    assert not Report.objects.exists()
    body = response.content.decode()
    assert "http://vcb-xacthuc-online.com/login\n+84912345678" in body
    assert "Trần Thị Bình" in body  # what the person typed is kept


def test_extract_endpoint_for_htmx_returns_the_field_only(client, world):
    response = client.post(
        reverse("reports:extract"), {"message_text": MESSAGE, "indicators": "0977123456"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<form" not in body and 'id="field-indicators"' in body
    assert "0977123456\nhttp://vcb-xacthuc-online.com/login\n+84912345678" in body


def test_edited_indicator_list_is_what_gets_stored(client, world, immediate_tasks):
    client.post(reverse("reports:form"), form_data(world, indicators="0912345678"))
    report = Report.objects.get()
    assert list(report.indicators.values_list("value", flat=True)) == ["+84912345678"]


def test_a_bad_indicator_line_is_named_in_vietnamese_and_nothing_is_stored(client, world):
    response = client.post(
        reverse("reports:form"), form_data(world, indicators="0912345678\nkhông-phải-gì")
    )
    assert response.status_code == 400
    assert "không-phải-gì" in response.content.decode()
    assert "Không nhận ra" in response.content.decode()
    assert not Report.objects.exists()


def test_a_resubmitted_form_is_stored_once(client, world):
    first = client.post(reverse("reports:form"), form_data(world))
    second = client.post(reverse("reports:form"), form_data(world))
    assert Report.objects.count() == 1
    code = Report.objects.get().tracking_code
    assert code in first.content.decode() and code in second.content.decode()


def test_filled_honeypot_looks_like_success_but_stores_nothing(client, world):
    response = client.post(reverse("reports:form"), form_data(world, website="http://spam"))
    assert response.status_code == 200
    assert "Mã theo dõi của bạn" in response.content.decode()
    assert not Report.objects.exists()


def test_consent_needs_a_way_to_contact(client, world):
    data = form_data(world, contact_phone="", contact_email="")
    response = client.post(reverse("reports:form"), data)
    assert response.status_code == 400
    assert "hãy ghi số điện thoại hoặc email" in response.content.decode()


def test_form_is_rate_limited_per_address(client, world, settings, still_clock):
    settings.REPORTS_FORM_RATE_PER_IP = 2
    for n in range(2):
        client.post(reverse("reports:form"), form_data(world, submission_id=f"s{n}"))
    response = client.post(reverse("reports:form"), form_data(world, submission_id="s9"))
    assert response.status_code == 429
    assert "quá nhiều" in response.content.decode()
    assert Report.objects.count() == 2


def test_image_is_reencoded_without_metadata(client, world, media_files):
    upload = SimpleUploadedFile("anh.jpg", jpeg_with_exif((3000, 200)), "image/jpeg")
    client.post(reverse("reports:form"), {**form_data(world), "evidence": [upload]})
    evidence = Evidence.objects.get()
    assert evidence.content_type == "image/jpeg"
    [stored] = media_files()
    assert "anh" not in stored.name  # random name, not the uploaded one
    data = stored.read_bytes()
    assert b"SecretPhoneMaker" not in data
    with Image.open(stored) as image:
        assert not image.getexif()
        assert max(image.size) <= 2560


def test_transparent_png_and_pdf_are_accepted(client, world, media_files):
    files = [
        SimpleUploadedFile("a.png", png_bytes(), "image/png"),
        SimpleUploadedFile("b.pdf", MINIMAL_PDF, "application/pdf"),
    ]
    client.post(reverse("reports:form"), {**form_data(world), "evidence": files})
    types = sorted(Evidence.objects.values_list("content_type", flat=True))
    assert types == ["application/pdf", "image/png"]
    assert len(media_files()) == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("anh.jpg", b"day khong phai anh, chi la chu " * 20, "không phải ảnh JPEG"),
        ("to.jpg", b"\xff\xd8" + b"0" * (5 * 1024 * 1024 + 10), "quá lớn"),
        ("x.pdf", b"%PDF-1.4 /JavaScript (app.alert(1)) %%EOF", "mã chạy tự động"),
        ("y.pdf", b"%PDF-1.4 cut off", "bị hỏng"),
    ],
)
def test_bad_file_gets_a_vietnamese_error_and_nothing_is_stored(
    client, world, media_files, name, content, message
):
    good = SimpleUploadedFile("ok.png", png_bytes(), "image/png")
    bad = SimpleUploadedFile(name, content, "image/jpeg")
    response = client.post(reverse("reports:form"), {**form_data(world), "evidence": [good, bad]})
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and name in body
    assert not Report.objects.exists() and not Evidence.objects.exists()
    assert not Case.objects.exists()
    assert media_files() == []


def test_too_many_files_are_refused(client, world, media_files):
    files = [SimpleUploadedFile(f"{n}.png", png_bytes(), "image/png") for n in range(6)]
    response = client.post(reverse("reports:form"), {**form_data(world), "evidence": files})
    assert response.status_code == 400
    assert "tối đa 5 tệp" in response.content.decode()
    assert not Report.objects.exists() and media_files() == []


def test_huge_pixel_count_is_refused(client, world):
    from io import BytesIO

    out = BytesIO()
    Image.new("1", (9000, 9000)).save(out, format="PNG")  # tiny file, 81 megapixels
    upload = SimpleUploadedFile("bomb.png", out.getvalue(), "image/png")
    response = client.post(reverse("reports:form"), {**form_data(world), "evidence": [upload]})
    assert response.status_code == 400
    assert "kích thước quá lớn" in response.content.decode()
    assert not Report.objects.exists()


def test_reports_naming_the_same_indicator_join_one_case(world):
    first = make_report(world.unit("D1-C1"), "0912345678", money=1_000_000)
    second = make_report(world.unit("D1-C2"), "+84 912 345 678", "http://lua-dao.com/x", money=2)
    case = first.cases.get()
    assert list(second.cases.all()) == [case]
    case.refresh_from_db()
    assert case.report_count == 2 and case.money_lost == 1_000_002
    assert case.unit == world.unit("D1")  # covers both communes
    assert set(case.indicators.values_list("value", flat=True)) == {
        "+84912345678",
        "http://lua-dao.com/x",
    }
    third = make_report(world.unit("D2-C1"), "http://lua-dao.com/x")
    case.refresh_from_db()
    assert list(third.cases.all()) == [case] and case.unit == world.unit("P")


def test_report_without_indicators_gets_its_own_case(world):
    report = make_report(world.unit("D2"), description="Bị gọi điện giả công an")
    case = report.cases.get()
    assert case.indicators.count() == 0 and case.unit == world.unit("D2")


def test_priority_grows_with_reports_and_money(world):
    small = make_report(world.unit("D1"), "0912345678").cases.get()
    big = make_report(world.unit("D1"), "0977123456", money=50_000_000).cases.get()
    make_report(world.unit("D1"), "0977123456")
    small.refresh_from_db()
    big.refresh_from_db()
    assert big.priority > small.priority


def test_new_report_status_is_received(world):
    report = make_report(world.unit("D1"), "0912345678")
    assert public_status(report) == "received"


def test_report_form_speaks_english_when_chosen(client, world):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("reports:form")).content.decode()
    assert "Report a scam" in body and "Type of scam" in body and "Fake bank SMS" in body
    assert "Tố giác lừa đảo" not in body
