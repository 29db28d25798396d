"""Completion records map onto xAPI statements field by field."""

from datetime import timedelta

import pytest
from django.urls import reverse

from training.services import mark_lesson_read, start_attempt, submit_attempt
from training.xapi import iso_duration, statement_for

from .factories import answers_for, make_assignment, make_lesson, make_quiz

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(0), "PT0S"),
        (timedelta(seconds=125), "PT2M5S"),
        (timedelta(hours=1, seconds=3.5), "PT1H3.5S"),
        (timedelta(days=1, minutes=1), "PT24H1M"),
    ],
)
def test_durations_are_iso_8601(value, text):
    assert iso_duration(value) == text


def test_a_passed_record_becomes_a_passed_statement(world):
    staff = world.person("staff_d1_c1")
    lesson = make_lesson()
    course = make_assignment(world, lessons=[lesson], quiz=make_quiz(count=4, pass_mark=70))
    mark_lesson_read(user=staff, lesson=lesson)
    attempt = start_attempt(user=staff, assignment=course)
    data = answers_for(attempt.question_ids, right=3)
    submit_attempt(
        token=attempt.token,
        user=staff,
        answers={k[1:]: [int(v) for v in vs] for k, vs in data.items()},
        now=attempt.started_at + timedelta(minutes=2, seconds=5),
    )
    record = staff.training_completions.get()
    statement = statement_for(record, base_iri="https://canhgiac.example.vn/")

    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/passed"
    assert statement["actor"]["account"] == {
        "homePage": "https://canhgiac.example.vn",
        "name": "staff_d1_c1",
    }
    assert statement["object"]["id"] == (
        f"https://canhgiac.example.vn/xapi/activities/assignment/{course.pk}"
    )
    assert statement["object"]["definition"]["name"] == {"vi-VN": course.title}
    assert statement["result"] == {
        "completion": True,
        "success": True,
        "duration": "PT2M5S",
        "score": {"scaled": 0.75, "raw": 3, "min": 0, "max": 4},
    }
    assert statement["context"]["registration"] == str(record.registration)
    assert statement["timestamp"] == record.timestamp.isoformat()
    assert statement["id"] == statement_for(record, base_iri="https://canhgiac.example.vn")["id"]


def test_a_record_without_a_result_yet_is_launched(world):
    staff = world.person("staff_d1_c2")
    first, second = make_lesson("mot"), make_lesson("hai")
    make_assignment(world, lessons=[first, second])
    mark_lesson_read(user=staff, lesson=first)
    statement = statement_for(staff.training_completions.get(), base_iri="https://x.example")
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/launched"
    assert statement["result"] == {"completion": False, "duration": "PT0S"}


def test_statement_export_covers_only_the_managers_people(client, world):
    lesson = make_lesson()
    make_assignment(world, unit="P", by="admin", lessons=[lesson])
    for name in ("staff_d1_c1", "staff_d2_c1"):
        mark_lesson_read(user=world.person(name), lesson=lesson)
    client.force_login(world.person("manager_d2"))
    response = client.get(reverse("training-statements"))
    names = [s["actor"]["account"]["name"] for s in response.json()]
    assert names == ["staff_d2_c1"]
