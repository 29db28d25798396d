"""Teach at the moment of the slip: a person's click in a drill gives them the matching lesson as
training's assignment to them alone, with a deadline. It is on their own training list and in
their unit's training progress and spreadsheet as any assignment, done when they read it, seen
only by managers of their unit, and given once per recipient however often they click."""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from drills import tracking
from drills.models import EventKind, EventSource, FollowUp
from training.models import Assignment, Completion

from .test_tracking_world import drill_fixture, make_campaign, sent_recipient  # noqa: F401

pytestmark = pytest.mark.django_db

TITLE = "Bài học sau diễn tập: Mật khẩu an toàn"


def clicked(client, world, drill, name: str = "staff_d1_c1"):
    recipient = sent_recipient(world, drill, name=name)
    assert client.post(reverse("drill-beacon", args=[recipient.tracking_id])).status_code == 204
    return recipient


def progress_rows(client) -> dict[str, tuple[int, int, int]]:
    page = client.get(reverse("training-progress"))
    return {
        r.unit.code: (r.counts.assigned, r.counts.satisfied, r.counts.overdue)
        for r in page.context["progress"].units
    }


def xlsx(client):
    return load_workbook(io.BytesIO(client.get(reverse("training-progress-xlsx")).content))


def test_a_click_makes_the_persons_assignment_with_the_deadline(client, world, drill):
    recipient = clicked(client, world, drill)
    follow_up = FollowUp.objects.select_related("assignment").get(recipient=recipient)
    assignment = follow_up.assignment
    assert assignment is not None
    assert assignment.person == recipient.person and assignment.unit == world.unit("D1-C1")
    assert list(assignment.lessons.all()) == [drill.template.lesson]
    assert assignment.deadline == follow_up.deadline
    assert timedelta(days=13) < assignment.deadline - timezone.now() <= timedelta(days=14)
    assert assignment.title == TITLE

    client.force_login(recipient.person)
    mine = client.get(reverse("training-mine")).content.decode()
    assert TITLE in mine
    assert timezone.localtime(assignment.deadline).strftime("%H:%M %d/%m/%Y") in mine
    # On nobody else's list.
    client.force_login(world.person("staff_d1_c2"))
    assert TITLE not in client.get(reverse("training-mine")).content.decode()


def test_reading_the_lesson_from_the_teach_page_completes_it(client, world, drill):
    recipient = clicked(client, world, drill)
    assignment = FollowUp.objects.get(recipient=recipient).assignment
    assert assignment is not None
    lesson_url = reverse("training-lesson", args=[assignment.pk, drill.template.lesson.slug])
    teach = client.get(reverse("drill-teach", args=[recipient.tracking_id])).content.decode()
    assert lesson_url in teach

    client.force_login(world.person("manager_d1"))
    assert progress_rows(client)["D1-C1"] == (1, 0, 0)

    client.force_login(recipient.person)
    assert client.post(lesson_url).status_code == 302
    assert Completion.objects.get(assignment=assignment, user=recipient.person).satisfied

    client.force_login(world.person("manager_d1"))
    assert progress_rows(client)["D1-C1"] == (1, 1, 0)
    units = {row[0]: row[2:4] for row in xlsx(client).worksheets[0].iter_rows(values_only=True)}
    assert units["D1-C1"] == (1, 1)  # assigned, done


def test_an_unread_lesson_is_overdue_after_its_deadline(client, world, drill):
    recipient = clicked(client, world, drill)
    Assignment.objects.filter(person=recipient.person).update(
        deadline=timezone.now() - timedelta(minutes=1)
    )
    client.force_login(world.person("manager_d1"))
    assert progress_rows(client)["D1-C1"] == (1, 0, 1)
    late = xlsx(client).worksheets[1]
    assert [(r[1], r[3]) for r in late.iter_rows(min_row=2, values_only=True)] == [
        ("staff_d1_c1", TITLE)
    ]


def test_a_manager_of_another_unit_does_not_see_it(client, world, drill):
    recipient = clicked(client, world, drill)
    Assignment.objects.filter(person=recipient.person).update(
        deadline=timezone.now() - timedelta(minutes=1)
    )
    client.force_login(world.person("manager_d2"))
    page = client.get(reverse("training-progress"))
    assert TITLE not in page.content.decode() and "staff_d1_c1" not in page.content.decode()
    assert sum(r.counts.assigned for r in page.context["progress"].units) == 0
    late = xlsx(client).worksheets[1]
    assert "staff_d1_c1" not in {r[1] for r in late.iter_rows(min_row=2, values_only=True)}


def test_a_second_click_does_not_make_a_second_assignment(client, world, drill):
    recipient = clicked(client, world, drill)
    tid = recipient.tracking_id
    client.post(reverse("drill-beacon", args=[tid]))
    client.post(reverse("drill-submitted", args=[tid]))
    client.get(reverse("drill-teach", args=[tid]))
    assert Assignment.objects.filter(person=recipient.person).count() == 1
    assert FollowUp.objects.filter(recipient=recipient).count() == 1
    # Another person's click is their own assignment.
    other = clicked(client, world, drill, name="staff_d1_c2")
    assert Assignment.objects.filter(person=other.person).count() == 1
    assert Assignment.objects.count() == 2


def test_a_scanners_hit_gives_no_assignment(client, world, drill):
    recipient = sent_recipient(world, drill)
    client.get(reverse("drill-click", args=[recipient.tracking_id]), HTTP_USER_AGENT="curl/8.5")
    assert not Assignment.objects.exists()


def test_without_a_lesson_the_click_still_counts_and_nothing_is_assigned(client, world, drill):
    template = drill.template
    template.lesson.is_published = False
    template.lesson.save()
    template.lesson_topic = "deepfake"  # no lesson on that topic either
    template.save()
    recipient = clicked(client, world, drill)
    assert FollowUp.objects.get(recipient=recipient).assignment is None
    assert not Assignment.objects.exists()
    assert recipient.events.filter(kind=EventKind.CLICKED, source=EventSource.PERSON).count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_beacons_at_the_same_moment_make_one_assignment(settings):
    """Eight beacons of one recipient at once (a page reloaded, a double tap, a retry)."""
    from orgs.testing import build_world

    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions: PostgreSQL only (set DATABASE_URL)")
    world = build_world()
    recipient = sent_recipient(world, make_campaign(world))
    start = threading.Barrier(8)
    firsts: list[bool] = []

    def beacon() -> None:
        try:
            start.wait()
            firsts.append(tracking.count_click(recipient.tracking_id))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=beacon) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(firsts) == [False] * 7 + [True]
    assert Assignment.objects.filter(person=recipient.person).count() == 1
    assert FollowUp.objects.get(recipient=recipient).assignment is not None
    clicks = recipient.events.filter(kind=EventKind.CLICKED, source=EventSource.PERSON)
    assert clicks.count() == 1


def test_an_unpublished_lesson_gives_way_to_a_published_one_on_the_template_topic(
    client, world, drill
):
    from training.models import Lesson

    template = drill.template
    template.lesson.is_published = False
    template.lesson.save()
    stand_in = Lesson.objects.create(
        slug="thay-the", title="Bài thay thế", topic="deepfake", minutes=3, audience="all",
        body="Nội dung.", is_published=True,
    )  # fmt: skip
    template.lesson_topic = "deepfake"
    template.save()
    recipient = clicked(client, world, drill)
    assert FollowUp.objects.get(recipient=recipient).lesson == stand_in
    assignment = Assignment.objects.get(person=recipient.person)
    assert list(assignment.lessons.all()) == [stand_in]
    assert assignment.unit_id == recipient.person.home_unit_id


def test_a_form_sent_before_the_beacon_counts_the_click_and_gives_the_lesson(client, world, drill):
    recipient = sent_recipient(world, drill)
    tid = recipient.tracking_id
    client.get(reverse("drill-click", args=[tid]))
    client.post(reverse("drill-submitted", args=[tid]))  # the beacon never came
    assert Assignment.objects.filter(person=recipient.person).count() == 1
    assert FollowUp.objects.get(recipient=recipient).assignment is not None
    kinds = set(recipient.events.filter(source=EventSource.PERSON).values_list("kind", flat=True))
    assert {EventKind.CLICKED, EventKind.SUBMITTED} <= kinds
    client.post(reverse("drill-beacon", args=[tid]))  # late: counts nothing more
    assert Assignment.objects.filter(person=recipient.person).count() == 1
