"""Assignments reach a unit and everything below it; managers act only inside their scope."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from training.models import Assignment, Certificate, Completion, Verb

from .factories import make_assignment, make_lesson, make_quiz

pytestmark = pytest.mark.django_db


def deadline_field(days: int = 7) -> str:
    return timezone.localtime(timezone.now() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def test_assignment_to_a_district_reaches_the_staff_of_its_communes(client, world):
    lesson = make_lesson()
    client.force_login(world.person("manager_d1"))
    response = client.post(
        reverse("training-assign"),
        {
            "title": "Nhận diện lừa đảo qua điện thoại",
            "unit": world.unit("D1").code,
            "lessons": [lesson.pk],
            "quiz": make_quiz().pk,
            "deadline": deadline_field(),
        },
    )
    assert response.status_code == 302
    assignment = Assignment.objects.get()
    assert assignment.created_by == world.person("manager_d1")
    assert set(assignment.people().values_list("username", flat=True)) >= {
        "staff_d1_c1", "staff_d1_c2",
    }  # fmt: skip

    for name in ("staff_d1_c1", "staff_d1_c2"):
        client.force_login(world.person(name))
        page = client.get(reverse("training-mine")).content.decode()
        assert "Nhận diện lừa đảo qua điện thoại" in page
        assert client.get(reverse("training-assignment", args=[assignment.pk])).status_code == 200

    client.force_login(world.person("staff_d2_c1"))
    assert "Nhận diện lừa đảo" not in client.get(reverse("training-mine")).content.decode()
    assert client.get(reverse("training-assignment", args=[assignment.pk])).status_code == 404
    lesson_url = reverse("training-lesson", args=[assignment.pk, lesson.slug])
    assert client.post(lesson_url).status_code == 404


def test_manager_cannot_assign_to_another_district(client, world):
    client.force_login(world.person("manager_d1"))
    page = client.get(reverse("training-assign")).content.decode()
    assert "Xã Một Hai" in page and "Huyện Hai" not in page
    response = client.post(
        reverse("training-assign"),
        {
            "title": "Khoá học",
            "unit": world.unit("D2").code,
            "lessons": [make_lesson().pk],
            "deadline": deadline_field(),
        },
    )
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not Assignment.objects.exists()


def test_assignment_needs_content_and_a_future_deadline(client, world):
    client.force_login(world.person("manager_d1"))
    response = client.post(
        reverse("training-assign"),
        {"title": "Trống", "unit": world.unit("D1").code, "deadline": deadline_field(-1)},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Hạn hoàn thành phải ở tương lai." in body
    assert not Assignment.objects.exists()


def test_staff_cannot_open_manager_pages(client, world):
    client.force_login(world.person("staff_d1_c1"))
    for name in ("training-manage", "training-assign", "training-progress"):
        assert client.get(reverse(name)).status_code == 403


def test_reading_every_lesson_of_a_course_without_quiz_completes_it(client, world):
    first, second = make_lesson("bai-mot"), make_lesson("bai-hai")
    course = make_assignment(world, lessons=[first, second])
    staff = world.person("staff_d1_c2")
    client.force_login(staff)
    page = client.get(reverse("training-lesson", args=[course.pk, "bai-mot"])).content.decode()
    assert "<strong>OTP</strong>" in page and "Tôi đã học xong bài này" in page
    client.post(reverse("training-lesson", args=[course.pk, "bai-mot"]))
    assert Completion.objects.get(user=staff).verb == Verb.LAUNCHED
    client.post(reverse("training-lesson", args=[course.pk, "bai-hai"]))
    record = Completion.objects.get(user=staff)
    assert (record.verb, record.completion, record.satisfied, record.success) == (
        Verb.COMPLETED, True, True, None,
    )  # fmt: skip
    assert Certificate.objects.filter(user=staff, assignment=course).count() == 1
    page = client.get(reverse("training-mine")).content.decode()
    assert "Đã hoàn thành" in page
