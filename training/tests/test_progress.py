"""Managers see completion and pass rates for their unit and below, never another district."""

import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from training.models import Assignment
from training.services import mark_lesson_read

from .factories import make_assignment, make_lesson, make_quiz

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue_province_course(world):
    """A province-wide course, past its deadline; staff_d1_c1 finished it, nobody else did."""
    lesson = make_lesson()
    course = make_assignment(world, unit="P", by="admin", lessons=[lesson], title="Khoá toàn tỉnh")
    mark_lesson_read(user=world.person("staff_d1_c1"), lesson=lesson)
    Assignment.objects.filter(pk=course.pk).update(deadline=timezone.now() - timedelta(days=1))
    return course


def test_manager_sees_own_district_people_and_not_another_districts(
    client, world, overdue_province_course
):
    client.force_login(world.person("manager_d1"))
    response = client.get(reverse("training-progress"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Khoá toàn tỉnh" in body
    assert "staff_d1_c2" in body  # overdue, in D1
    assert "staff_d2_c1" not in body and "Huyện Hai" not in body and "Xã Hai Một" not in body

    rows = {r.unit.code: r.counts for r in response.context["progress"].units}
    assert set(rows) == {"D1", "D1-C1", "D1-C2"}
    in_d1 = get_user_model().objects.filter(home_unit__code__startswith="D1").count()
    assert rows["D1"].assigned == in_d1 and rows["D1"].satisfied == 1
    assert rows["D1"].overdue == in_d1 - 1
    assert (rows["D1-C1"].assigned, rows["D1-C1"].completion_rate) == (1, 100)
    assert (rows["D1-C2"].satisfied, rows["D1-C2"].overdue) == (0, 1)


def test_progress_export_is_a_spreadsheet_of_the_managers_scope(
    client, world, overdue_province_course
):
    client.force_login(world.person("manager_d2"))
    response = client.get(reverse("training-progress-xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    units, late = book.worksheets
    assert [c.value for c in units[1]][:2] == ["Mã đơn vị", "Đơn vị"]
    assert {row[0] for row in units.iter_rows(min_row=2, values_only=True)} == {"D2", "D2-C1"}
    late_people = {row[1] for row in late.iter_rows(min_row=2, values_only=True)}
    assert "staff_d2_c1" in late_people
    assert not late_people & {"staff_d1_c1", "staff_d1_c2"}


def test_spreadsheet_text_is_never_a_formula(client, world, overdue_province_course):
    person = world.person("staff_d1_c2")
    person.first_name = '=HYPERLINK("http://example.invalid","bấm")'
    person.save()
    client.force_login(world.person("manager_d1"))
    book = load_workbook(io.BytesIO(client.get(reverse("training-progress-xlsx")).content))
    names = [row[0] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("http://example.invalid","bấm")' in names


def test_filtering_on_another_districts_course_is_not_found(client, world):
    course = make_assignment(world, unit="D2", by="manager_d2", lessons=[make_lesson()])
    client.force_login(world.person("manager_d1"))
    url = reverse("training-progress") + f"?assignment={course.pk}"
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("training-progress-xlsx") + f"?assignment={course.pk}").status_code
        == 404
    )
    assert client.get(reverse("training-progress") + "?assignment=abc").status_code == 404
    assert "Khoá nhận diện" not in client.get(reverse("training-manage")).content.decode()


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def _more_courses_and_people(world, start: int) -> None:
    User = get_user_model()
    for i in range(start, start + 3):
        lessons = [make_lesson(f"bai-{i}-{j}", title=f"Bài {i}-{j}") for j in range(2)]
        make_assignment(world, unit="D1", lessons=lessons, quiz=make_quiz(f"kt-{i}"), title=f"K{i}")
        make_assignment(world, unit="P", by="admin", lessons=lessons, title=f"Tỉnh {i}")
        person = User.objects.create_user(
            username=f"them-{i}", password="x", home_unit=world.unit("D1-C1")
        )
        mark_lesson_read(user=person, lesson=lessons[0])
        mark_lesson_read(user=world.person("staff_d1_c1"), lesson=lessons[1])


@pytest.mark.parametrize(
    ("who", "url_name"),
    [
        ("manager_d1", "training-progress"),
        ("manager_d1", "training-manage"),
        ("staff_d1_c1", "training-mine"),
    ],
)
def test_list_pages_make_the_same_number_of_queries_however_many_rows(client, world, who, url_name):
    """No query per course, lesson, person or record (N+1) on the list pages."""
    _more_courses_and_people(world, 0)
    client.force_login(world.person(who))
    url = reverse(url_name)
    few = _queries(client, url)
    _more_courses_and_people(world, 3)
    assert _queries(client, url) == few
