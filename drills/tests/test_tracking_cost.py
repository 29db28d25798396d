"""The tracking endpoints' hot path: the pixel and the link are one SQL statement each (find the
recipient by its indexed id and insert the event, scanner rule included), a beacon after the
first reads one row, and "once each" holds without the ORM's round trips."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from drills.models import Event, EventKind, EventSource, FollowUp, Recipient

from .test_tracking_world import drill_fixture, sent_recipient  # noqa: F401 (fixture)

BROWSER = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36"


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    # The per-address limit counts in the cache (its own statements, in chunks): what is
    # counted here is the event's own work.
    settings.DRILLS_TRACK_RATE_PER_IP = 0


def test_pixel_and_link_are_one_statement_each(client, world, drill, django_assert_num_queries):
    recipient = sent_recipient(world, drill)
    tid = recipient.tracking_id
    with django_assert_num_queries(1):
        pixel = client.get(reverse("drill-pixel", args=[tid]), HTTP_USER_AGENT=BROWSER)
    with django_assert_num_queries(1):
        link = client.get(reverse("drill-click", args=[tid]), HTTP_USER_AGENT=BROWSER)
    with django_assert_num_queries(1):
        unknown = client.get(reverse("drill-click", args=["abcdefghijkmnpqr"]))
    assert pixel.status_code == 200 and pixel["Content-Type"] == "image/gif"
    assert link.status_code == 302 and unknown.status_code == 404
    kinds = sorted(recipient.events.values_list("kind", "source"))
    assert kinds == [("clicked", "unconfirmed"), ("opened", "person")]


def test_the_statement_applies_the_scanner_rules(client, world, drill, settings):
    """Seconds after delivery, or from a scanner's agent, a hit is a scanner's; the same hit
    later from a phone is a person's (the database compares the sent time)."""
    settings.DRILLS_SCANNER_SECONDS = 30
    fresh = sent_recipient(world, drill, name="staff_d1_c1", ago=10)
    older = sent_recipient(world, drill, name="staff_d1_c2", ago=60)
    unsent = Recipient.objects.create(
        campaign=drill, person=world.person("manager_d1"), email="m@so-thu-nghiem.gov.vn",
        due_at=timezone.now() + timedelta(hours=1),
    )  # fmt: skip
    for recipient in (fresh, older, unsent):
        client.get(reverse("drill-pixel", args=[recipient.tracking_id]), HTTP_USER_AGENT=BROWSER)
        client.get(reverse("drill-click", args=[recipient.tracking_id]), HTTP_USER_AGENT=BROWSER)
    client.get(reverse("drill-click", args=[older.tracking_id]), HTTP_USER_AGENT="curl/8.5.0")
    client.get(reverse("drill-pixel", args=[older.tracking_id]), HTTP_USER_AGENT="")

    def sources(recipient: Recipient) -> list[tuple[str, str]]:
        return sorted(recipient.events.values_list("kind", "source"))

    assert sources(fresh) == [("clicked", "scanner"), ("opened", "scanner")]
    assert sources(older) == [
        ("clicked", "scanner"),
        ("clicked", "unconfirmed"),
        ("opened", "person"),
        ("opened", "scanner"),
    ]
    assert sources(unsent) == [("clicked", "unconfirmed"), ("opened", "person")]
    settings.DRILLS_SCANNER_SECONDS = 5
    client.get(reverse("drill-pixel", args=[fresh.tracking_id]), HTTP_USER_AGENT=BROWSER)
    assert fresh.events.filter(kind=EventKind.OPENED, source=EventSource.PERSON).count() == 1


def test_a_later_beacon_reads_one_row(client, world, drill, django_assert_num_queries):
    recipient = sent_recipient(world, drill)
    beacon = reverse("drill-beacon", args=[recipient.tracking_id])
    assert client.post(beacon).status_code == 204
    with django_assert_num_queries(1):
        assert client.post(beacon).status_code == 204
    assert client.post(reverse("drill-beacon", args=["abcdefghijkmnpqr"])).status_code == 204
    people = recipient.events.filter(kind=EventKind.CLICKED, source=EventSource.PERSON)
    assert people.count() == 1 and FollowUp.objects.filter(recipient=recipient).count() == 1


def test_submitted_without_a_beacon_counts_the_click_and_itself_once(client, world, drill):
    recipient = sent_recipient(world, drill)
    submitted = reverse("drill-submitted", args=[recipient.tracking_id])
    for _ in range(3):
        response = client.post(submitted, {"password": "x"})
        assert response.status_code == 302
        assert response["Location"] == reverse("drill-teach", args=[recipient.tracking_id])
    assert recipient.events.filter(kind=EventKind.SUBMITTED).count() == 1
    assert recipient.events.filter(kind=EventKind.CLICKED, source=EventSource.PERSON).count() == 1
    assert FollowUp.objects.filter(recipient=recipient).exists()
    other = sent_recipient(world, drill, name="staff_d1_c2")
    client.post(reverse("drill-submitted", args=[other.tracking_id]))
    assert Event.objects.filter(kind=EventKind.SUBMITTED).count() == 2
    assert client.post(reverse("drill-submitted", args=["abcdefghijkmnpqr"])).status_code == 404
