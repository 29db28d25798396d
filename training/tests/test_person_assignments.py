"""An assignment to one person (the lesson after a slip in a drill): on that person's list only,
counted in their unit's progress and spreadsheet as any assignment, done when the lesson is read
or the quiz passed, overdue after its deadline, seen only by managers of the person's unit."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from orgs.access import units_for
from orgs.models import Permission, User
from training.models import Assignment, Certificate, Completion
from training.progress import build_progress
from training.services import (
    TrainingError,
    assign_to_person,
    mark_lesson_read,
    send_deadline_reminders,
    start_attempt,
    submit_attempt,
)

from .factories import answers_for, make_assignment, make_lesson, make_quiz

pytestmark = pytest.mark.django_db

TITLE = "Bài học riêng: mật khẩu"


def give(world, name: str = "staff_d1_c1", *, days: int = 7, quiz=None, lesson=None) -> Assignment:
    return assign_to_person(
        person=world.person(name),
        lesson=lesson or make_lesson(),
        deadline=timezone.now() + timedelta(days=days),
        title=TITLE,
        quiz=quiz,
    )


def scope_of(world, manager: str):
    return units_for(world.person(manager), Permission.MANAGE_TRAINING)


def overdue(assignment: Assignment) -> None:
    Assignment.objects.filter(pk=assignment.pk).update(deadline=timezone.now() - timedelta(hours=1))


def test_one_persons_assignment_is_on_their_list_and_not_their_colleagues(client, world):
    assignment = give(world)
    assert assignment.unit == world.unit("D1-C1") and assignment.created_by is None
    client.force_login(world.person("staff_d1_c1"))
    page = client.get(reverse("training-mine")).content.decode()
    assert TITLE in page and "Giao riêng cho bạn" in page
    deadline = timezone.localtime(assignment.deadline).strftime("%H:%M %d/%m/%Y")
    assert deadline in page
    assert client.get(reverse("training-assignment", args=[assignment.pk])).status_code == 200
    # Another person of the same commune: not theirs, as if it did not exist.
    colleague = world.person("staff_d1_c2")
    colleague.home_unit = world.unit("D1-C1")
    colleague.save()
    client.force_login(colleague)
    assert TITLE not in client.get(reverse("training-mine")).content.decode()
    assert client.get(reverse("training-assignment", args=[assignment.pk])).status_code == 404
    lesson = assignment.lessons.get()
    lesson_url = reverse("training-lesson", args=[assignment.pk, lesson.slug])
    assert client.post(lesson_url).status_code == 404
    assert not Completion.objects.filter(assignment=assignment).exists()


def test_reading_the_lesson_completes_it_without_a_certificate(client, world):
    assignment = give(world)
    lesson = assignment.lessons.get()
    client.force_login(world.person("staff_d1_c1"))
    response = client.post(reverse("training-lesson", args=[assignment.pk, lesson.slug]))
    assert response.status_code == 302
    record = Completion.objects.get(assignment=assignment)
    assert record.user == world.person("staff_d1_c1") and record.satisfied
    # A certificate is shown to others; this one would tell them of the slip.
    assert not Certificate.objects.filter(assignment=assignment).exists()


def test_passing_its_quiz_completes_it(world):
    person = world.person("staff_d1_c1")
    assignment = give(world, quiz=make_quiz())
    mark_lesson_read(user=person, lesson=assignment.lessons.get())
    assert not Completion.objects.get(assignment=assignment).satisfied  # the quiz is left
    attempt = start_attempt(user=person, assignment=assignment)
    answers = {k[1:]: [int(v) for v in vs] for k, vs in answers_for(attempt.question_ids).items()}
    submit_attempt(token=attempt.token, user=person, answers=answers)
    assert Completion.objects.get(assignment=assignment).satisfied


def test_progress_counts_it_for_the_persons_unit_and_overdue_after_the_deadline(client, world):
    assignment = give(world)
    client.force_login(world.person("manager_d1"))
    rows = {
        r.unit.code: r.counts
        for r in client.get(reverse("training-progress")).context["progress"].units
    }
    assert (rows["D1-C1"].assigned, rows["D1-C1"].satisfied, rows["D1-C1"].overdue) == (1, 0, 0)
    assert rows["D1-C2"].assigned == 0 and rows["D1"].assigned == 1
    overdue(assignment)
    response = client.get(reverse("training-progress"))
    body = response.content.decode()
    assert response.context["progress"].units[0].counts.overdue == 1
    assert "staff_d1_c1" in body and TITLE in body
    book = load_workbook(io.BytesIO(client.get(reverse("training-progress-xlsx")).content))
    units, late = book.worksheets
    counts = {row[0]: row[2:7] for row in units.iter_rows(min_row=2, values_only=True)}
    assert counts["D1-C1"] == (1, 0, 0, 0, 1)  # assigned, done, passed, failed, overdue
    assert [(r[1], r[3]) for r in late.iter_rows(min_row=2, values_only=True)] == [
        ("staff_d1_c1", TITLE)
    ]


def test_a_manager_of_another_unit_does_not_see_it(client, world):
    assignment = give(world)
    overdue(assignment)
    client.force_login(world.person("manager_d2"))
    response = client.get(reverse("training-progress"))
    assert TITLE not in response.content.decode()
    assert all(r.counts.assigned == 0 for r in response.context["progress"].units)
    url = reverse("training-progress") + f"?assignment={assignment.pk}"
    assert client.get(url).status_code == 404
    book = load_workbook(io.BytesIO(client.get(reverse("training-progress-xlsx")).content))
    assert list(book.worksheets[1].iter_rows(min_row=2, values_only=True)) == []
    statements = client.get(reverse("training-statements")).json()
    assert statements == []


def test_it_follows_the_person_to_their_new_unit(world):
    """Given in D1-C1, the person moved to D2-C1: D2's manager now counts it, D1's does not."""
    assignment = give(world)
    person = world.person("staff_d1_c1")
    person.home_unit = world.unit("D2-C1")
    person.save()
    d2 = build_progress(scope=scope_of(world, "manager_d2"))
    d1 = build_progress(scope=scope_of(world, "manager_d1"))
    assert d2.total.assigned == 1 and assignment in d2.assignments
    assert d1.total.assigned == 0 and assignment not in d1.assignments


def test_unit_assignments_are_counted_as_before_next_to_one_persons(world):
    lesson = make_lesson()
    make_assignment(world, unit="D1", lessons=[lesson])
    give(world, lesson=lesson)
    scope = scope_of(world, "manager_d1")
    progress = build_progress(scope=scope)
    people = User.objects.filter(home_unit__in=scope, is_active=True).count()
    assert progress.total.assigned == people + 1
    assert progress.personal == 1


def test_the_managers_list_of_unit_assignments_leaves_it_out(client, world):
    give(world)
    client.force_login(world.person("manager_d1"))
    assert TITLE not in client.get(reverse("training-manage")).content.decode()


def test_a_deadline_reminder_goes_to_that_person_alone(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for name, person in world.people.items():
        person.email = f"{name}@example.invalid"
        person.save()
    give(world, days=1)
    assert send_deadline_reminders(within_days=3) == 1
    assert [m.to for m in mail.outbox] == [["staff_d1_c1@example.invalid"]]


def test_only_a_manager_of_the_persons_unit_may_give_it(world):
    with pytest.raises(PermissionDenied):
        assign_to_person(
            person=world.person("staff_d1_c1"),
            lesson=make_lesson(),
            deadline=timezone.now() + timedelta(days=7),
            title=TITLE,
            created_by=world.person("manager_d2"),
        )
    assert not Assignment.objects.exists()
    given = assign_to_person(
        person=world.person("staff_d1_c1"),
        lesson=make_lesson("bai-hai"),
        deadline=timezone.now() + timedelta(days=7),
        title=TITLE,
        created_by=world.person("manager_d1"),
    )
    assert given.created_by == world.person("manager_d1")


def test_a_person_without_a_unit_or_a_past_deadline_is_refused(world):
    person, lesson = world.person("staff_d1_c1"), make_lesson()
    with pytest.raises(TrainingError):
        give(world, days=-1, lesson=lesson)
    person.home_unit = None
    person.save()
    with pytest.raises(TrainingError):
        give(world, lesson=lesson)
    assert not Assignment.objects.exists()
