"""Quiz attempts: drawn and kept server-side, closed exactly once, graded by the quiz's rule."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from training.models import Attempt, AttemptStatus, Certificate, Completion, Verb
from training.services import TrainingError, start_attempt, submit_attempt

from .factories import answers_for, make_assignment, make_lesson, make_quiz, post_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(world):
    return make_assignment(world, lessons=[make_lesson()], quiz=make_quiz(max_attempts=2))


def start(client, course) -> Attempt:
    response = client.post(reverse("training-quiz-start", args=[course.pk]))
    assert response.status_code == 302
    return Attempt.objects.get(token=response["Location"].rstrip("/").split("/")[-1])


def test_passing_attempt_shows_review_and_records_completion_in_xapi_terms(client, world, course):
    staff = world.person("staff_d1_c1")
    client.force_login(staff)
    client.post(reverse("training-lesson", args=[course.pk, "bai-thu"]))
    attempt = start(client, course)
    assert len(attempt.question_ids) == 3 and attempt.status == AttemptStatus.OPEN
    page = client.get(reverse("training-attempt", args=[attempt.token])).content.decode()
    assert 'type="radio"' in page and 'type="checkbox"' in page

    response = post_answers(client, attempt)
    assert response.status_code == 302
    result = client.get(response["Location"]).content.decode()
    assert "3/3 câu đúng (100%)" in result and "Đạt" in result
    assert "đáp án đúng" in result and "Giải thích cho kiem-tra-thu-q0." in result

    record = Completion.objects.get(user=staff, assignment=course)
    assert (record.verb, record.completion, record.success, record.satisfied) == (
        Verb.PASSED, True, True, True,
    )  # fmt: skip
    assert (record.score_raw, record.score_max, record.score_scaled) == (3, 3, 1.0)
    assert record.attempts == 1 and record.completed_at is not None
    assert Certificate.objects.filter(user=staff, assignment=course).exists()


def test_replayed_submission_changes_nothing(client, world, course):
    client.force_login(world.person("staff_d1_c1"))
    attempt = start(client, course)
    assert post_answers(client, attempt, right=0).status_code == 302  # all wrong: failed
    replay = post_answers(client, attempt)  # now with the right answers, same token
    assert replay.status_code == 409
    assert "Bài làm này đã đóng" in replay.content.decode()
    attempt.refresh_from_db()
    assert (attempt.status, attempt.score_raw, attempt.passed) == (
        AttemptStatus.SUBMITTED,
        0,
        False,
    )
    assert Completion.objects.get(assignment=course).verb == Verb.FAILED
    assert not Certificate.objects.exists()


def test_double_submit_in_the_service_is_refused_the_second_time(world, course):
    staff = world.person("staff_d1_c1")
    attempt = start_attempt(user=staff, assignment=course)
    answers = {k[1:]: [int(v) for v in vs] for k, vs in answers_for(attempt.question_ids).items()}
    submit_attempt(token=attempt.token, user=staff, answers=answers)
    with pytest.raises(TrainingError):
        submit_attempt(token=attempt.token, user=staff, answers=answers)
    assert Attempt.objects.get(pk=attempt.pk).submitted_at is not None
    assert Completion.objects.get(user=staff).attempts == 1


def test_answers_posted_after_the_time_limit_are_rejected(client, world, course):
    client.force_login(world.person("staff_d1_c1"))
    attempt = start(client, course)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=5))
    response = post_answers(client, attempt)
    assert response.status_code == 409
    assert "Đã hết thời gian làm bài" in response.content.decode()
    attempt.refresh_from_db()
    assert (attempt.status, attempt.passed, attempt.score_raw) == (AttemptStatus.EXPIRED, False, 0)
    assert not Certificate.objects.exists()


def test_a_forged_question_or_choice_is_rejected(client, world, course):
    client.force_login(world.person("staff_d1_c1"))
    attempt = start(client, course)
    other = make_quiz("khac", count=1).fixed_questions.get()
    forged = {**answers_for(attempt.question_ids), f"q{other.pk}": [str(other.choices.all()[0].pk)]}
    response = client.post(reverse("training-attempt", args=[attempt.token]), forged)
    assert response.status_code == 409
    assert "không khớp với đề đã phát" in response.content.decode()
    # A choice of another question under a real question's field: refused as well.
    data = answers_for(attempt.question_ids)
    data[f"q{attempt.question_ids[0]}"] = [str(other.choices.all()[0].pk)]
    assert client.post(reverse("training-attempt", args=[attempt.token]), data).status_code == 409
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.OPEN and attempt.score_raw is None


def test_attempt_limit_is_enforced(client, world, course):
    client.force_login(world.person("staff_d1_c1"))
    for _ in range(2):
        post_answers(client, start(client, course), right=0)
    response = client.post(reverse("training-quiz-start", args=[course.pk]), follow=True)
    assert "Bạn đã dùng hết số lần làm bài cho phép." in response.content.decode()
    assert Attempt.objects.count() == 2


def test_starting_twice_returns_the_open_attempt(world, course):
    staff = world.person("staff_d1_c1")
    first = start_attempt(user=staff, assignment=course)
    assert start_attempt(user=staff, assignment=course).pk == first.pk


@pytest.mark.parametrize(("grading", "kept"), [("highest", 2), ("last", 1)])
def test_grading_keeps_the_highest_or_the_last_attempt(world, grading, kept):
    staff = world.person("staff_d1_c1")
    quiz = make_quiz(pass_mark=90, max_attempts=3, grading=grading)
    course = make_assignment(world, quiz=quiz)
    for right in (2, 1):
        attempt = start_attempt(user=staff, assignment=course)
        data = answers_for(attempt.question_ids, right=right)
        answers = {k[1:]: [int(v) for v in vs] for k, vs in data.items()}
        submit_attempt(token=attempt.token, user=staff, answers=answers)
    record = Completion.objects.get(user=staff, assignment=course)
    assert (record.score_raw, record.attempts, record.verb) == (kept, 2, Verb.FAILED)


def test_another_persons_attempt_is_not_found(client, world, course):
    attempt = start_attempt(user=world.person("staff_d1_c1"), assignment=course)
    client.force_login(world.person("staff_d1_c2"))
    assert client.get(reverse("training-attempt", args=[attempt.token])).status_code == 404
    assert post_answers(client, attempt).status_code == 404
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.OPEN


def test_reopening_an_attempt_after_its_time_ran_out_closes_it(client, world, course):
    client.force_login(world.person("staff_d1_c1"))
    attempt = start(client, course)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    response = client.get(reverse("training-attempt", args=[attempt.token]))
    assert response["Location"] == reverse("training-attempt-result", args=[attempt.token])
    page = client.get(response["Location"]).content.decode()
    assert "hết giờ trước khi nộp" in page
    assert Completion.objects.get(assignment=course).attempts == 1
