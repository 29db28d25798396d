"""Writing, the four-eyes review, revisions and corrections, drafts from a case, images and
Markdown (issue 16, points 1 and 2)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageCms

from bulletins import services
from bulletins.images import reencode
from bulletins.markdown import render
from bulletins.models import (
    Bulletin,
    BulletinStatus,
    Kind,
    MailingList,
    OutboxItem,
    Revision,
    RevisionState,
)
from bulletins.services import BulletinError
from orgs.testing import sign_in_verified
from reports.models import ScamType

from .content_world import (
    SECRET_EMAIL,
    SECRET_NAME,
    SECRET_PHONE,
    SECRET_STORY,
    content,
    correct,
    draft,
    editors,
    listed_case,
    published,
)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def people(world):
    return editors(world)


def test_writer_cannot_approve_own_revision(people):
    bulletin = draft(people)
    revision = services.submit_for_review(bulletin=bulletin, editor=people.person("editor"))
    with pytest.raises(BulletinError):
        services.publish(revision=revision, approver=people.person("editor"))
    revision.refresh_from_db()
    assert revision.state == RevisionState.IN_REVIEW
    assert Bulletin.objects.public().count() == 0


def test_database_refuses_a_revision_approved_by_its_writer(people):
    revision = draft(people).revisions.get()
    revision.approved_by = revision.written_by
    with pytest.raises(IntegrityError), transaction.atomic():
        revision.save()


def test_an_editor_of_a_covering_unit_approves_a_district_bulletin(people):
    bulletin = published(people, author="editor_d1", unit="D1", approver="editor")
    assert bulletin.status == BulletinStatus.PUBLISHED
    revision = bulletin.revisions.get()
    assert revision.approved_by is not None
    assert (revision.written_by.username, revision.approved_by.username) == ("editor_d1", "editor")
    assert Bulletin.objects.public().get() == bulletin


def test_an_editor_of_another_district_cannot_approve(people):
    bulletin = draft(people, author="editor_d1", unit="D1")
    revision = services.submit_for_review(bulletin=bulletin, editor=people.person("editor_d1"))
    with pytest.raises(PermissionDenied):
        services.publish(revision=revision, approver=people.person("editor_d2"))
    with pytest.raises(PermissionDenied):  # a verifier holds no publishing permission
        services.publish(revision=revision, approver=people.person("verifier_d1"))
    assert Bulletin.objects.public().count() == 0


def test_a_district_editor_cannot_write_for_the_province(people):
    with pytest.raises(PermissionDenied):
        draft(people, author="editor_d1", unit="P")


def test_a_draft_is_not_public_until_approved(people, client):
    bulletin = draft(people)
    services.submit_for_review(bulletin=bulletin, editor=people.person("editor"))
    assert client.get(bulletin.get_absolute_url()).status_code == 404
    assert client.get(reverse("bulletins:list")).content.count(b"card") == 0


def test_publishing_writes_the_outbox_in_the_same_transaction(people):
    MailingList.objects.create(unit=people.unit("P"))
    bulletin = draft(people)
    revision = services.submit_for_review(bulletin=bulletin, editor=people.person("editor"))
    services.publish(revision=revision, approver=people.person("editor_2"))
    assert list(OutboxItem.objects.values_list("revision_id", "channel")) == [
        (revision.pk, "email")
    ]


def test_outbox_rows_roll_back_with_a_failed_publication(people, monkeypatch):
    MailingList.objects.create(unit=people.unit("P"))
    bulletin = draft(people)
    revision = services.submit_for_review(bulletin=bulletin, editor=people.person("editor"))

    def broken_save(*args, **kwargs):
        raise RuntimeError("disk full")

    # The bulletin row is saved after the revision and before the outbox: break it there.
    monkeypatch.setattr(Bulletin, "save", broken_save)
    with pytest.raises(RuntimeError):
        services.publish(revision=revision, approver=people.person("editor_2"))
    monkeypatch.undo()
    revision.refresh_from_db()
    assert revision.state == RevisionState.IN_REVIEW
    assert OutboxItem.objects.count() == 0


def test_a_correction_is_a_new_revision_sent_again_to_every_channel(people):
    MailingList.objects.create(unit=people.unit("P"))
    MailingList.objects.create(unit=people.unit("D1"))
    bulletin = published(people, units=[people.unit("D1")])
    first = bulletin.revisions.get()
    first_channels = set(
        OutboxItem.objects.filter(revision=first).values_list("channel", "mailing_list")
    )
    assert len(first_channels) == 2
    second = correct(people, bulletin, note="Sửa số tài khoản bị ghi nhầm.", title="Tiêu đề đã sửa")
    assert second.number == 2 and second.is_correction
    assert (
        set(OutboxItem.objects.filter(revision=second).values_list("channel", "mailing_list"))
        == first_channels
    )
    bulletin.refresh_from_db()
    assert bulletin.published_revision() == second
    first.refresh_from_db()
    assert first.state == RevisionState.PUBLISHED  # the earlier text stays readable
    assert first.public_url != second.public_url


def test_a_correction_needs_a_note(people):
    bulletin = published(people)
    services.start_correction(bulletin=bulletin, editor=people.person("editor"))
    with pytest.raises(BulletinError):
        services.submit_for_review(bulletin=bulletin, editor=people.person("editor"))
    with pytest.raises(BulletinError):
        services.start_correction(
            bulletin=bulletin, editor=people.person("editor")
        )  # one at a time


def test_approving_twice_publishes_once(people):
    bulletin = draft(people)
    revision = services.submit_for_review(bulletin=bulletin, editor=people.person("editor"))
    services.publish(revision=revision, approver=people.person("editor_2"))
    with pytest.raises(BulletinError):
        services.publish(revision=revision, approver=people.person("admin"))
    assert Revision.objects.filter(state=RevisionState.PUBLISHED).count() == 1


def test_a_scheduled_bulletin_waits_for_its_time(people, client):
    at = timezone.now() + timedelta(hours=2)
    MailingList.objects.create(unit=people.unit("P"))
    bulletin = published(people, at=at)
    assert Bulletin.objects.public().count() == 0
    assert client.get(bulletin.get_absolute_url()).status_code == 404
    assert OutboxItem.objects.get().not_before >= at - timedelta(seconds=1)
    sign_in_verified(client, people.person("editor"))
    page = client.get(reverse("bulletins:staff-detail", args=[bulletin.pk])).content.decode()
    assert 'data-testid="scheduled"' in page


def test_a_fact_check_needs_claim_rating_and_sources(people):
    with pytest.raises(BulletinError):
        draft(people, kind=Kind.FACT_CHECK, content=content(claim="Một tuyên bố", rating="false"))
    with pytest.raises(BulletinError):
        draft(people, kind=Kind.FACT_CHECK, content=content(rating="false"))
    bulletin = draft(people, kind=Kind.FACT_CHECK)
    assert bulletin.revisions.get().sources.count() == 1


# Drafts from a case: only what is public, nothing personal.


def test_a_warning_drafted_from_a_case_takes_only_public_facts(people):
    case = listed_case(people)
    proposal = case.proposals.get()
    made = services.draft_from_case(case=case)
    assert made.scam_type == ScamType.FAKE_WEBSITE
    assert proposal.public_reason in made.body_markdown
    assert [i.pk for i in made.indicators] == list(case.indicators.values_list("pk", flat=True))
    text = " ".join([made.title, made.summary, made.body_markdown])
    for secret in (SECRET_NAME, SECRET_PHONE, SECRET_EMAIL, SECRET_STORY, "912345678"):
        assert secret not in text


@pytest.mark.parametrize("kind", [Kind.WARNING, Kind.CASE_NOTICE])
def test_contact_fields_never_reach_a_bulletin_its_page_or_its_feed(people, client, kind):
    case = listed_case(people)
    sign_in_verified(client, people.person("editor_d1"))
    form_page = client.get(reverse("bulletins:staff-from-case", args=[case.pk]) + f"?kind={kind}")
    assert form_page.status_code == 200
    form = form_page.context["form"]
    data = {
        "kind": kind,
        "unit": people.unit("D1").pk,
        "units": [people.unit("D1-C1").pk],
        "scam_type": form.initial["scam_type"],
        "title": form.initial["title"],
        "summary": form.initial["summary"],
        "body_markdown": form.initial["body_markdown"],
        "tags": "ngân hàng",
    }
    response = client.post(reverse("bulletins:staff-from-case", args=[case.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    bulletin = Bulletin.objects.get()
    assert bulletin.case == case and bulletin.kind == kind
    services.submit_for_review(bulletin=bulletin, editor=people.person("editor_d1"))
    services.publish(revision=bulletin.revisions.get(), approver=people.person("editor"))
    client.logout()
    pages = [
        client.get(bulletin.get_absolute_url()),
        client.get(reverse("bulletins:list")),
        client.get(reverse("bulletins:feed-atom")),
        client.get(reverse("bulletins:feed-rss")),
    ]
    assert all(p.status_code == 200 for p in pages)
    assert case.proposals.get().public_reason in pages[0].content.decode()
    revision = bulletin.revisions.get()
    stored = " ".join(
        [
            revision.title,
            revision.summary,
            revision.body_markdown,
            revision.body_html,
            *bulletin.tags,
        ]
    )
    for secret in (SECRET_NAME, SECRET_PHONE, SECRET_EMAIL, SECRET_STORY, "912345678"):
        assert secret not in stored
        for page in pages:
            assert secret not in page.content.decode(), (secret, page.request["PATH_INFO"])


# Markdown and images.


def test_markdown_is_sanitised():
    html = render(
        "Xin chào <script>alert(1)</script>\n\n[bấm](javascript:alert(2)) "
        '<img src="x" onerror="alert(3)"> <a href="https://a.vn" onclick="x()">a</a>'
        '\n\n<iframe src="https://evil.example"></iframe> <p style="color:red">đỏ</p>'
    )
    assert "<script" not in html and "alert(1)" not in html
    assert "javascript:" not in html and "onerror" not in html and "onclick" not in html
    assert "<iframe" not in html and "style=" not in html
    assert 'href="https://a.vn"' in html and 'rel="noopener noreferrer nofollow"' in html


def test_markdown_images_come_only_from_the_site():
    html = render("![a](https://tracker.example/p.gif) ![b](/canh-bao/anh/7/) ![c](//x.example/y)")
    assert "tracker.example" not in html and "x.example" not in html
    assert '<img alt="b" src="/canh-bao/anh/7/">' in html


def test_markdown_keeps_the_formatting_editors_use():
    html = render(
        "## Dấu hiệu\n\n- **Không** bấm link\n- *Gọi* 113\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    )
    assert "<h2>Dấu hiệu</h2>" in html and "<strong>Không</strong>" in html
    assert "<li><em>Gọi</em> 113</li>" in html and "<td>1</td>" in html


def _jpeg_with_gps() -> bytes:
    image = PILImage.new("RGB", (2400, 1200), (200, 30, 30))
    exif = PILImage.Exif()
    exif[0x010F] = "SecretPhoneMaker"
    exif[0x8825] = {2: (21.0, 1.0, 3.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_images_are_reencoded_without_metadata_and_resized():
    original = _jpeg_with_gps()
    assert b"SecretPhoneMaker" in original
    encoded = reencode(original)
    data = encoded.read()
    assert b"SecretPhoneMaker" not in data and data != original
    with PILImage.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and max(image.size) == 1600
        assert not image.getexif()
    assert str(encoded.name).endswith(".jpg") and "Secret" not in str(encoded.name)


def test_jpeg_comments_and_icc_profiles_do_not_survive():
    photo = io.BytesIO()
    PILImage.new("RGB", (40, 40), (9, 9, 9)).save(photo, format="JPEG", comment=b"SECRET-NOTE")
    assert b"SECRET-NOTE" in photo.getvalue()
    assert b"SECRET-NOTE" not in reencode(photo.getvalue()).read()
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    logo = io.BytesIO()
    PILImage.new("RGBA", (40, 40), (1, 2, 3, 100)).save(logo, format="PNG", icc_profile=profile)
    assert b"iCCP" in logo.getvalue()
    encoded = reencode(logo.getvalue())
    assert str(encoded.name).endswith(".png") and b"iCCP" not in encoded.read()


@pytest.mark.parametrize(
    "payload",
    [
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"%PDF-1.4 x",
        b"",
    ],
)
def test_what_is_not_an_image_is_refused(payload):
    with pytest.raises(ValidationError):
        reencode(payload)


def test_an_editor_uploads_an_image_stored_reencoded(people, client, settings):
    bulletin = draft(people)
    sign_in_verified(client, people.person("editor"))
    upload = io.BytesIO(_jpeg_with_gps())
    upload.name = "IMG_0001 nhà tôi.jpg"
    response = client.post(
        reverse("bulletins:staff-image"),
        {"bulletin": bulletin.pk, "image": upload, "alt": "Ảnh tin nhắn giả"},
    )
    assert response.status_code == 302
    image = bulletin.images.get()
    assert "IMG_0001" not in image.file.name
    stored = (settings.MEDIA_ROOT / image.file.name).read_bytes()
    assert b"SecretPhoneMaker" not in stored
    assert (image.width, image.height) == (1600, 800)


# Staff pages: scope and the review buttons.


def test_staff_pages_are_scoped_to_the_editors_units(people, client):
    bulletin = draft(people, author="editor_d1", unit="D1")
    url = reverse("bulletins:staff-detail", args=[bulletin.pk])
    assert client.get(url).status_code == 302  # anonymous: to sign-in
    sign_in_verified(client, people.person("verifier_d1"))
    assert client.get(url).status_code == 403  # no publishing permission
    sign_in_verified(client, people.person("editor_d2"))
    assert client.get(url).status_code == 404  # another district's bulletin
    assert (
        bulletin.revisions.get().title.encode()
        not in client.get(reverse("bulletins:staff-list")).content
    )
    response = client.post(reverse("bulletins:staff-action", args=[bulletin.pk, "submit"]))
    assert response.status_code == 404
    sign_in_verified(client, people.person("editor"))  # the province covers D1
    assert client.get(url).status_code == 200


def test_the_review_flow_through_the_pages(people, client):
    sign_in_verified(client, people.person("editor"))
    data = {
        "kind": Kind.WARNING,
        "unit": people.unit("P").pk,
        "title": "Cảnh báo tin nhắn giả ngân hàng",
        "summary": "Không bấm vào đường link trong tin nhắn.",
        "body_markdown": "Ngân hàng **không bao giờ** gửi link.",
        "scam_type": ScamType.FAKE_BANK_SMS,
        "tags": "ngân hàng, SMS, ngân hàng",
    }
    response = client.post(reverse("bulletins:staff-create"), data)
    bulletin = Bulletin.objects.get()
    assert response.url == reverse("bulletins:staff-detail", args=[bulletin.pk])
    assert bulletin.tags == ["ngân hàng", "sms"]
    client.post(reverse("bulletins:staff-action", args=[bulletin.pk, "submit"]))
    page = client.get(reverse("bulletins:staff-detail", args=[bulletin.pk])).content.decode()
    approve_url = reverse("bulletins:staff-action", args=[bulletin.pk, "approve"])
    assert approve_url not in page  # no approve button for the writer
    sign_in_verified(client, people.person("editor_2"))
    page = client.get(reverse("bulletins:staff-detail", args=[bulletin.pk])).content.decode()
    assert approve_url in page
    client.post(reverse("bulletins:staff-action", args=[bulletin.pk, "approve"]), {"at": ""})
    bulletin.refresh_from_db()
    assert bulletin.status == BulletinStatus.PUBLISHED
    assert client.get(bulletin.get_absolute_url()).status_code == 200


def test_a_correction_through_the_pages(people, client):
    MailingList.objects.create(unit=people.unit("P"))
    bulletin = published(people, content=content("Số tổng đài 1900 0001"))
    sign_in_verified(client, people.person("editor_2"))
    response = client.post(reverse("bulletins:staff-action", args=[bulletin.pk, "correct"]))
    assert response.url == reverse("bulletins:staff-edit", args=[bulletin.pk])
    form = client.get(response.url).context["form"]
    assert "correction_note" in form.fields and form.initial["title"] == "Số tổng đài 1900 0001"
    data = {
        "units": [people.unit("P").pk],
        "title": "Số tổng đài 1900 0002",
        "summary": form.initial["summary"],
        "body_markdown": form.initial["body_markdown"],
    }
    refused = client.post(response.url, data)  # a correction must say what it corrects
    assert refused.status_code == 200 and "correction_note" in refused.context["form"].errors
    client.post(response.url, {**data, "correction_note": "Số tổng đài đúng là 1900 0002."})
    client.post(reverse("bulletins:staff-action", args=[bulletin.pk, "submit"]))
    sign_in_verified(client, people.person("editor"))
    client.post(reverse("bulletins:staff-action", args=[bulletin.pk, "approve"]), {"at": ""})
    revision = bulletin.revisions.get(number=2)
    assert revision.state == RevisionState.PUBLISHED and revision.written_by.username == "editor_2"
    assert OutboxItem.objects.filter(revision=revision).count() == 1
    page = client.get(bulletin.get_absolute_url()).content.decode()
    assert "Số tổng đài đúng là 1900 0002." in page


def test_a_phone_photo_larger_than_the_default_body_limit_is_taken(people, client):
    import os

    photo = io.BytesIO()
    PILImage.frombytes("RGB", (1000, 1000), os.urandom(3_000_000)).save(photo, format="PNG")
    assert photo.tell() > 2 * 1024 * 1024  # more than the 1 MB every other URL takes
    photo.seek(0)
    photo.name = "anh.png"
    bulletin = draft(people)
    sign_in_verified(client, people.person("editor"))
    response = client.post(
        reverse("bulletins:staff-image"), {"bulletin": bulletin.pk, "image": photo, "alt": "Ảnh"}
    )
    assert response.status_code == 302
    assert bulletin.images.count() == 1


def test_an_image_for_another_districts_bulletin_is_refused(people, client):
    bulletin = draft(people, author="editor_d1", unit="D1")
    sign_in_verified(client, people.person("editor_d2"))
    upload = io.BytesIO(_jpeg_with_gps())
    upload.name = "a.jpg"
    response = client.post(
        reverse("bulletins:staff-image"), {"bulletin": bulletin.pk, "image": upload, "alt": "x"}
    )
    assert response.status_code == 404 and bulletin.images.count() == 0


def test_the_staff_list_reads_revisions_in_one_query_per_page(people, client):
    sign_in_verified(client, people.person("editor"))
    first = published(people)
    services.start_correction(bulletin=first, editor=people.person("editor"))
    draft(people)
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("bulletins:staff-list"))
    page = response.content.decode()
    assert first.revisions.get(number=1).title in page
    assert "đính chính" in page  # the pending correction is shown
    for _ in range(4):
        published(people)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("bulletins:staff-list")).status_code == 200
    assert len(many) == len(few)


def test_an_upload_that_is_not_an_image_is_refused_in_vietnamese(people, client):
    bulletin = draft(people)
    sign_in_verified(client, people.person("editor"))
    upload = io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'><script>x()</script></svg>")
    upload.name = "anh.jpg"
    response = client.post(
        reverse("bulletins:staff-image"),
        {"bulletin": bulletin.pk, "image": upload, "alt": "Ảnh"},
        follow=True,
    )
    assert "Hãy gửi ảnh JPEG, PNG, WebP hoặc GIF." in response.content.decode()
    assert bulletin.images.count() == 0
