"""What citizens hit first on the public forms: files kept when another field is wrong, amounts
as people write them, Vietnamese messages for every bad value, errors screen readers can reach,
and a tracking page that says when, what next and whom to call."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reports import drafts
from reports.models import Evidence, Report
from reports.tests.factories import MINIMAL_PDF, make_report, png_bytes


def first_match(pattern: str, text: str, flags: int = 0, *, group: int = 0) -> str:
    match = re.search(pattern, text, flags)
    assert match is not None, pattern
    return match[group]


pytestmark = pytest.mark.django_db
URL = "/to-giac/"
VIETNAMESE = re.compile(
    "[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.I
)


def good_data(**extra):
    data = {
        "channel": "sms",
        "scam_type": "fake_bank_sms",
        "description": "Tôi nhận tin nhắn giả ngân hàng.",
        "indicators": "0912 345 678",
        "money_lost": "",
        "submission_id": "sub-1",
    }
    data.update(extra)
    return data


def screenshot(name="man-hinh.png"):
    return SimpleUploadedFile(name, png_bytes((40, 80)), content_type="image/png")


class Page(HTMLParser):
    """Every id, every aria-describedby, the error summary's links and hidden inputs."""

    def __init__(self, html: str):
        super().__init__()
        self.ids: set[str] = set()
        self.described: list[tuple[str, str]] = []
        self.links: list[str] = []
        self.hidden: dict[str, str] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if attrs.get("aria-describedby"):
            self.described.append((attrs.get("name") or attrs.get("id"), attrs["aria-describedby"]))
        if tag == "a" and (attrs.get("href") or "").startswith("#"):
            self.links.append(attrs["href"][1:])
        if tag == "input" and attrs.get("type") == "hidden":
            self.hidden[attrs.get("name")] = attrs.get("value") or ""


def field_errors(html: str) -> list[str]:
    """The text of every field's error messages, however the template wraps them."""
    blocks = re.findall(r'class="field-error"[^>]*>(.*?)</(?:div|p)>\s*(?:</div>|<p|$)', html, re.S)
    texts = [re.sub(r"<[^>]+>", "\n", b) for b in blocks]
    return [line.strip() for t in texts for line in t.splitlines() if line.strip()]


def summary_items(html: str) -> list[str]:
    found = re.search(r'id="error-summary".*?</div>', html, re.S)
    items = re.findall(r"<li>(.*?)</li>", found[0], re.S) if found else []
    return [re.sub(r"<[^>]+>", "", item).strip() for item in items]


# --- files kept when another field is wrong ------------------------------------------------


def test_files_stay_attached_when_another_field_has_an_error(client, world):
    refused = client.post(URL, good_data(channel="", evidence=[screenshot(), screenshot("b.png")]))
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "Đã giữ lại 2 tệp" in html and "man-hinh.png" in html and "b.png" in html
    token = Page(html).hidden["kept_evidence"]
    assert token and "man-hinh" not in token  # signed and compact, not the name in clear text
    # The second try sends no file at all: the kept ones are the report's evidence.
    sent = client.post(URL, good_data(kept_evidence=token))
    assert sent.status_code == 200
    report = Report.objects.get()
    assert Evidence.objects.filter(report=report).count() == 2


def test_kept_files_count_with_new_ones_and_can_be_dropped(client, world):
    first = client.post(URL, good_data(channel="", evidence=[screenshot()]))
    token = Page(first.content.decode()).hidden["kept_evidence"]
    # A refused new file does not lose the kept one.
    broken = SimpleUploadedFile("c.pdf", b"%PDF-1.4 broken", content_type="application/pdf")
    second = client.post(URL, good_data(kept_evidence=token, evidence=[broken]))
    assert second.status_code == 400 and "Đã giữ lại 1 tệp" in second.content.decode()
    # A new file next to the kept one, another field still wrong: both kept now.
    second = client.post(
        URL,
        good_data(
            channel="",
            kept_evidence=token,
            evidence=[SimpleUploadedFile("c.pdf", MINIMAL_PDF, content_type="application/pdf")],
        ),
    )
    assert "Đã giữ lại 2 tệp" in second.content.decode()
    token = Page(second.content.decode()).hidden["kept_evidence"]
    dropped = client.post(URL, good_data(kept_evidence=token, drop_kept_evidence="on"))
    assert dropped.status_code == 200
    assert Report.objects.get().evidence.count() == 0


def test_a_forged_changed_or_expired_reference_asks_for_the_files_again(client, world, monkeypatch):
    first = client.post(URL, good_data(channel="", evidence=[screenshot()]))
    token = Page(first.content.decode()).hidden["kept_evidence"]
    forged = client.post(URL, good_data(kept_evidence=token[:-3] + "abc"))
    assert forged.status_code == 400
    assert "Vui lòng chọn lại tệp" in forged.content.decode()
    # The file on disk changed after it was kept: its hash no longer matches.
    (kept,) = drafts.kept_files(token)
    with default_storage.open(kept.path, "wb") as handle:
        handle.write(png_bytes((8, 8)))
    changed = client.post(URL, good_data(kept_evidence=token))
    assert changed.status_code == 400 and "Vui lòng chọn lại tệp" in changed.content.decode()
    monkeypatch.setattr(drafts, "DRAFT_MAX_AGE", timedelta(seconds=-1))
    with pytest.raises(drafts.DraftGone):
        drafts.kept_files(token)
    assert not Report.objects.exists()


def test_old_drafts_are_forgotten(client, world, monkeypatch, media_files):
    client.post(URL, good_data(channel="", evidence=[screenshot()]))
    assert len(media_files()) == 1
    assert drafts.forget_old_drafts() == 0  # still young
    monkeypatch.setattr(drafts, "DRAFT_MAX_AGE", timedelta(seconds=-1))
    assert drafts.forget_old_drafts() == 1
    assert media_files() == []


def test_the_find_step_without_script_keeps_the_files(client, world):
    step = client.post(
        URL,
        {
            **good_data(message_text="Gọi 0912 345 678"),
            "action": "extract",
            "evidence": screenshot(),
        },
    )
    html = step.content.decode()
    assert step.status_code == 200 and "Đã giữ lại 1 tệp" in html
    sent = client.post(URL, good_data(kept_evidence=Page(html).hidden["kept_evidence"]))
    assert sent.status_code == 200 and Evidence.objects.count() == 1


def test_a_refused_file_is_asked_for_again_clearly(client, world):
    bad = SimpleUploadedFile("a.png", b"not an image", content_type="image/png")
    response = client.post(URL, good_data(evidence=[bad]))
    assert response.status_code == 400
    assert "Vui lòng chọn lại tệp" in response.content.decode()


# --- amounts and messages -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("5tr", 5_000_000), ("5,5 triệu", 5_500_000), ("500k", 500_000), ("1,2 tỷ", 1_200_000_000)],
)
def test_the_report_form_understands_amounts_as_people_write_them(client, world, typed, stored):
    assert client.post(URL, good_data(money_lost=typed)).status_code == 200
    assert Report.objects.get().money_lost == stored


def test_an_amount_it_cannot_read_is_refused_in_vietnamese(client, world):
    response = client.post(URL, good_data(money_lost="khoảng năm triệu"))
    assert response.status_code == 400
    assert "Không hiểu số tiền" in response.content.decode()


BAD_REPORT = {
    "channel": "bogus",
    "scam_type": "",
    "description": "a\x00b",
    "indicators": "x" * 9000,
    "money_lost": "5,5",
    "lost_on": "2024-13-45",
    "unit": "999999",
    "contact_name": "n\x00" + "a" * 200,
    "contact_phone": "abc",
    "contact_email": "không-phải-email",
}


@pytest.mark.parametrize(
    ("url", "data"),
    [
        (URL, BAD_REPORT),
        (URL, {"contact_email": "a@b\x00.vn", "lost_on": "hôm qua", "consent_to_contact": "on"}),
        ("/khieu-nai/", {"kind": "bogus", "value": "\x00", "owner_contact": "x" * 300}),
        ("/staff/login/", {"username": "a\x00", "password": "b\x00"}),
    ],
)
def test_every_validation_message_is_in_vietnamese(client, world, url, data):
    response = client.post(url, data)
    html = response.content.decode()
    messages = summary_items(html) + field_errors(html)
    assert len(messages) >= 2  # shown at all: the sign-in page showed no field's error
    for message in messages:
        assert VIETNAMESE.search(message), f"not Vietnamese: {message!r}"
        assert "characters are not allowed" not in message and "Enter a" not in message


def test_the_tracking_lookup_speaks_vietnamese_for_bad_codes(client, world):
    # (A NUL in a query string never reaches the form: lib.middleware refuses it first.)
    for code in ("x" * 40, ""):
        errors = field_errors(client.get("/to-giac/theo-doi/", {"code": code}).content.decode())
        assert errors and all(VIETNAMESE.search(e) for e in errors)


# --- errors a screen reader reaches -----------------------------------------------------------


def refused_pages(client, world):
    yield client.post(URL, BAD_REPORT)
    yield client.post("/khieu-nai/", {"kind": "bogus"})
    yield client.get("/to-giac/theo-doi/", {"code": "x" * 40})
    yield client.post("/staff/login/", {"username": "a\x00", "password": ""})
    yield client.post("/staff/login/", {"username": "khong-co", "password": "sai"})


def staff_refused_pages(world):
    """The staff forms that share the field partials: training's and the TOTP code's."""
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    manager = Client()
    manager.force_login(world.person("manager_d1"))
    yield manager.post("/staff/training/manage/new/", {"title": "x\x00", "deadline": "hôm qua"})
    verifier = Client()
    user = world.person("verifier_d1")
    TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    verifier.force_login(user)
    yield verifier.post("/staff/otp/", {"token": "12ab"})


def test_every_aria_describedby_names_an_element_of_the_page(client, world):
    staff = list(staff_refused_pages(world))
    for response in staff:  # these do have field errors (training's and the TOTP partials)
        assert 'aria-invalid="true"' in response.content.decode()
    described = 0
    for response in [*refused_pages(client, world), *staff]:
        page = Page(response.content.decode())
        for field, ids in page.described:
            for name in ids.split():
                assert name in page.ids, f"{response.request['PATH_INFO']}: {field} → #{name}"
                described += 1
    assert described >= 20  # errors and help texts of every form above


def test_the_error_summary_links_each_error_to_its_field(client, world):
    for response in refused_pages(client, world):
        html = response.content.decode()
        page = Page(html)
        assert 'id="error-summary"' in html and 'tabindex="-1"' in html
        summary = first_match(r'id="error-summary".*?</div>', html, re.S)
        for target in re.findall(r'href="#([^"]+)"', summary):
            assert target in page.ids


# --- the tracking page ----------------------------------------------------------------------


def test_the_tracking_page_says_when_what_next_and_whom_to_call(client, world):
    report = make_report(world.unit("D1-C1"), "0912 345 678")
    code = report.tracking_code
    html = client.get(reverse("reports:track-code", args=[code])).content.decode()
    grouped = f"{code[:4]}-{code[4:8]}-{code[8:]}"
    assert grouped in html
    assert f"Đã nhận ngày {report.created_at.astimezone():%d/%m/%Y}" in html
    assert "Cán bộ xác minh của địa phương sẽ xem tố giác" in html
    assert 'href="tel:113"' in html and 'href="tel:156"' in html
    # Typed back as shown, with spaces, in lower case: the same report.
    for typed in (grouped, grouped.lower(), " ".join([code[:4], code[4:8], code[8:]])):
        response = client.get(reverse("reports:track"), {"code": typed})
        assert response.status_code == 302 and response["Location"].endswith(f"/{code}/")


def test_the_receipt_shows_the_code_in_groups(client, world):
    response = client.post(URL, good_data())
    code = Report.objects.get().tracking_code
    assert f"{code[:4]}-{code[4:8]}-{code[8:]}" in response.content.decode()


# --- Open Graph -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/", "/to-giac/", "/to-giac/theo-doi/", "/khieu-nai/", "/kiem-tra/", "/hoc/", "/staff/login/"],
)
def test_every_public_page_has_open_graph_tags(client, world, settings, path):
    settings.SITE_URL = "https://canhgiac.example.vn"
    html = client.get(path).content.decode()
    tags = dict(re.findall(r'<meta property="(og:[a-z_]+)" content="([^"]*)"', html))
    assert tags["og:url"] == "https://canhgiac.example.vn" + path
    assert tags["og:title"] and tags["og:description"] and tags["og:type"] == "website"
    assert tags["og:image"].startswith("https://canhgiac.example.vn/")
    title = first_match(r"<title>(.*?) · ", html, group=1)
    assert tags["og:title"] == title


def test_the_appeal_form_keeps_its_files_too(client, world):
    refused = client.post("/khieu-nai/", {"kind": "url", "evidence": [screenshot("giay-phep.png")]})
    html = refused.content.decode()
    assert refused.status_code == 400 and "Đã giữ lại 1 tệp" in html and "giay-phep.png" in html


def test_the_evidence_labels_follow_the_page_language():
    from django.utils import translation

    from reports.forms import AppealForm, ReportForm

    with translation.override("en"):
        assert str(ReportForm().fields["evidence"].label).startswith("Screenshots or PDF files")
        assert "tệp" not in str(AppealForm().fields["evidence"].label)
    with translation.override("vi"):
        assert "tệp PDF (tối đa 5 tệp" in str(ReportForm().fields["evidence"].label)
