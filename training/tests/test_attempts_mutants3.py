"""Which sitting counts, and a submission racing another (issue 15, point 7). Found by the
mutation run of bench/mutation.py on training.services: the tie-break between two sittings of
the same best score, and the guard of the UPDATE that closes an attempt, went unnoticed.

Named here to be picked up by the training.services target's `test_attempts*.py` glob."""

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from training.models import Attempt, AttemptStatus, Completion, Question
from training.services import TrainingError, start_attempt, submit_attempt

from .factories import make_assignment, make_quiz

pytestmark = pytest.mark.django_db

CLOSED = r"^Bài làm này đã đóng\. Câu trả lời gửi lại không được chấm\.$"


def answers(attempt: Attempt, *, right: int) -> dict[str, list[int]]:
    """The first `right` questions (in the attempt's order) answered right, the others wrong."""
    out: dict[str, list[int]] = {}
    for index, qid in enumerate(attempt.question_ids):
        choices = list(Question.objects.get(pk=qid).choices.all())
        good = [c.pk for c in choices if c.is_correct]
        bad = [c.pk for c in choices if not c.is_correct][:1]
        out[str(qid)] = good if index < right else bad
    return out


def test_of_two_sittings_with_the_same_best_score_the_first_counts(world):
    # Kills _graded_attempt's `-a.number` -> `+a.number` (~377): on a tie of right answers the
    # earlier sitting is the graded one. The two differ only if the quiz changed between them:
    # here a question is retired, so 3 right is 3 of 5 the first time and 3 of 4 the second.
    quiz = make_quiz("hoa-diem", count=5, pass_mark=100, max_attempts=3, grading="highest")
    course = make_assignment(world, quiz=quiz)
    staff = world.person("staff_d1_c1")
    first = start_attempt(user=staff, assignment=course)
    submit_attempt(token=first.token, user=staff, answers=answers(first, right=3),
                   now=first.started_at + timedelta(minutes=1))  # fmt: skip
    retired = quiz.fixed_questions.first()
    assert retired is not None
    Question.objects.filter(pk=retired.pk).update(is_active=False)
    later = first.started_at + timedelta(minutes=5)
    second = start_attempt(user=staff, assignment=course, now=later)
    assert len(second.question_ids) == 4
    done = submit_attempt(token=second.token, user=staff, answers=answers(second, right=3),
                          now=later + timedelta(minutes=1))  # fmt: skip
    assert (done.score_raw, done.score_max) == (3, 4)
    record = Completion.objects.get(user=staff, assignment=course)
    assert (record.attempts, record.score_raw, record.score_max, record.score_scaled) == (
        2, 3, 5, 0.6,
    )  # fmt: skip
    assert record.success is False


@pytest.fixture
def closed_meanwhile() -> Iterator[Callable[[Attempt, int], None]]:
    """Close an attempt (as another request's submission would, scoring `right`) the moment
    grading reads its questions: between the read that found it open and the UPDATE."""
    armed: list[tuple[Attempt, int]] = []

    def wrapper(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        result = execute(sql, params, many, context)
        if armed and sql.lstrip().upper().startswith("SELECT") and Question._meta.db_table in sql:
            attempt, right = armed.pop()
            Attempt.objects.filter(pk=attempt.pk).update(
                status=AttemptStatus.SUBMITTED, score_raw=right, score_max=5, passed=False
            )
        return result

    with connection.execute_wrapper(wrapper):
        yield lambda attempt, right: armed.append((attempt, right))


def test_a_submission_that_lands_while_another_is_graded_changes_nothing(world, closed_meanwhile):
    # Kills submit_attempt's UPDATE without `status=AttemptStatus.OPEN` (~348): the guard
    # against a double click is the UPDATE of an open row only, not the read before it.
    quiz = make_quiz("dua-nop", count=5, pass_mark=100, max_attempts=3, grading="highest")
    course = make_assignment(world, quiz=quiz)
    staff = world.person("staff_d1_c1")
    attempt = start_attempt(user=staff, assignment=course)
    all_right = answers(attempt, right=5)
    closed_meanwhile(attempt, 2)
    with pytest.raises(TrainingError, match=CLOSED):
        submit_attempt(token=attempt.token, user=staff, answers=all_right)
    again = Attempt.objects.get(pk=attempt.pk)
    assert (again.status, again.score_raw, again.passed) == (AttemptStatus.SUBMITTED, 2, False)
