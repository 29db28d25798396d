"""Quiz grading at its edges (issue 15, points 6 and 7): the mutation run of bench/mutation.py
showed that "a superset of the right choices", "a subset of them" or a pass mark of `>` instead
of `>=` went unnoticed. Each test here names the rule a changed line would break."""

from datetime import timedelta

import pytest
from django.http import QueryDict

from training.models import Attempt, AttemptStatus, Completion, Question
from training.services import (
    GRACE,
    MAX_CHOICES_PER_QUESTION,
    Graded,
    TrainingError,
    answers_from_post,
    grade,
    start_attempt,
    submit_attempt,
)

from .factories import make_assignment, make_question, make_quiz

pytestmark = pytest.mark.django_db

# The whole messages, as the person reads them.
MISMATCH = r"^Câu trả lời không khớp với đề đã phát\. Bài nộp bị từ chối\.$"
INVALID = r"^Câu trả lời không hợp lệ\.$"
LATE = r"^Đã hết thời gian làm bài\. Câu trả lời gửi sau thời hạn không được chấm\.$"
NOT_FOUND = r"^Không tìm thấy bài làm\.$"
CLOSED = r"^Bài làm này đã đóng\. Câu trả lời gửi lại không được chấm\.$"


def ids(question: Question, *, correct: bool) -> list[int]:
    return [c.pk for c in question.choices.all() if c.is_correct is correct]


@pytest.fixture
def multiple():
    # Three choices, positions 0 and 2 right (factories.make_question).
    return make_question("nhieu-dap-an", kind="multiple")


@pytest.fixture
def single():
    return make_question("mot-dap-an", kind="single")


def test_exactly_the_right_choices_score_in_any_order(multiple):
    right = ids(multiple, correct=True)
    graded = grade([multiple.pk], {str(multiple.pk): list(reversed(right))})
    assert graded == Graded(correct=1, total=1, results={str(multiple.pk): True})


def test_a_superset_of_the_right_choices_is_wrong(multiple):
    everything = [c.pk for c in multiple.choices.all()]
    graded = grade([multiple.pk], {str(multiple.pk): everything})
    assert (graded.correct, graded.results) == (0, {str(multiple.pk): False})


def test_a_subset_of_the_right_choices_is_wrong(multiple):
    one_of_two = ids(multiple, correct=True)[:1]
    graded = grade([multiple.pk], {str(multiple.pk): one_of_two})
    assert (graded.correct, graded.results) == (0, {str(multiple.pk): False})


def test_a_right_and_a_wrong_choice_on_a_single_answer_question_is_wrong(single):
    both = ids(single, correct=True) + ids(single, correct=False)[:1]
    assert grade([single.pk], {str(single.pk): both}).correct == 0
    assert grade([single.pk], {str(single.pk): ids(single, correct=True)}).correct == 1


def test_a_blank_question_is_wrong_and_still_counts_in_the_total(single, multiple):
    graded = grade([single.pk, multiple.pk], {str(single.pk): ids(single, correct=True)})
    assert graded == Graded(
        correct=1, total=2, results={str(single.pk): True, str(multiple.pk): False}
    )
    assert graded.percent == 50


def test_a_choice_of_another_question_rejects_the_whole_answer(single, multiple):
    with pytest.raises(TrainingError, match=MISMATCH):
        grade([single.pk], {str(single.pk): ids(multiple, correct=True)[:1]})


def test_percent_rounds_to_the_nearest_whole_number():
    assert Graded(correct=2, total=3, results={}).percent == 67
    assert Graded(correct=1, total=3, results={}).percent == 33
    assert Graded(correct=3, total=3, results={}).percent == 100
    assert Graded(correct=0, total=0, results={}).percent == 0


# --- Reading the form -----------------------------------------------------------------------


def post(**fields: list[str]) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, values in fields.items():
        data.setlist(key, values)
    return data


def test_answers_are_read_as_sorted_distinct_ids_and_other_fields_ignored():
    data = post(q7=["5", "3", "5"], q8=["1"], token=["x"], blank_ok=["1"], qx=["2"])
    assert answers_from_post(data, [7, 8, 9]) == {"7": [3, 5], "8": [1]}


def test_answers_from_a_plain_mapping_are_read_too():
    assert answers_from_post({"q7": ["4", "2"]}, [7]) == {"7": [2, 4]}


def test_a_field_for_a_question_not_drawn_rejects_the_post():
    with pytest.raises(TrainingError, match=MISMATCH):
        answers_from_post(post(q7=["1"], q99=["2"]), [7])


def test_at_most_eight_choices_per_question_are_read():
    most = [str(i) for i in range(MAX_CHOICES_PER_QUESTION)]
    assert answers_from_post(post(q7=most), [7]) == {"7": list(range(MAX_CHOICES_PER_QUESTION))}
    with pytest.raises(TrainingError, match=INVALID):
        answers_from_post(post(q7=[*most, "99"]), [7])


def test_a_choice_that_is_not_a_number_rejects_the_post():
    with pytest.raises(TrainingError, match=INVALID):
        answers_from_post(post(q7=["1", "hai"]), [7])


# --- Submitting: the pass mark and the time limit ---------------------------------------------


def attempt_with(world, *, pass_mark: int, grading: str = "highest", max_attempts: int = 3):
    """An assignment whose quiz has five questions; a person of the unit and their attempt."""
    quiz = make_quiz(f"moc-{pass_mark}-{grading}", count=5, pass_mark=pass_mark,
                     max_attempts=max_attempts, grading=grading)  # fmt: skip
    course = make_assignment(world, quiz=quiz)
    staff = world.person("staff_d1_c1")
    return staff, course, start_attempt(user=staff, assignment=course)


def answers(attempt: Attempt, *, right: int) -> dict[str, list[int]]:
    """The first `right` questions (in the attempt's order) answered right, the others wrong."""
    out = {}
    for index, qid in enumerate(attempt.question_ids):
        question = Question.objects.get(pk=qid)
        out[str(qid)] = (
            ids(question, correct=True) if index < right else ids(question, correct=False)[:1]
        )
    return out


@pytest.mark.parametrize(("pass_mark", "passed"), [(60, True), (61, False), (59, True)])
def test_the_pass_mark_is_reached_at_exactly_its_percent(world, pass_mark, passed):
    staff, course, attempt = attempt_with(world, pass_mark=pass_mark)
    done = submit_attempt(token=attempt.token, user=staff, answers=answers(attempt, right=3))
    assert (done.score_raw, done.score_max, done.percent) == (3, 5, 60)
    assert done.passed is passed
    assert Completion.objects.get(user=staff, assignment=course).success is passed


def test_a_submitted_attempt_keeps_what_was_answered_and_when(world):
    staff, _course, attempt = attempt_with(world, pass_mark=60)
    now = attempt.started_at + timedelta(minutes=3)
    given = answers(attempt, right=5)
    done = submit_attempt(token=attempt.token, user=staff, answers=given, now=now)
    assert (done.status, done.submitted_at, done.answers) == (AttemptStatus.SUBMITTED, now, given)
    assert done.results == {str(q): True for q in attempt.question_ids}


def test_answers_within_the_grace_after_the_deadline_count(world):
    staff, _course, attempt = attempt_with(world, pass_mark=60)
    on_the_edge = attempt.deadline + GRACE
    done = submit_attempt(token=attempt.token, user=staff, answers=answers(attempt, right=5),
                          now=on_the_edge)  # fmt: skip
    assert done.status == AttemptStatus.SUBMITTED and done.passed is True


def test_answers_a_second_past_the_grace_are_refused_and_the_attempt_expires(world):
    staff, _course, attempt = attempt_with(world, pass_mark=60)
    too_late = attempt.deadline + GRACE + timedelta(seconds=1)
    with pytest.raises(
        TrainingError,
        match=LATE,
    ):
        submit_attempt(token=attempt.token, user=staff, answers=answers(attempt, right=5),
                       now=too_late)  # fmt: skip
    attempt.refresh_from_db()
    assert (attempt.status, attempt.passed, attempt.score_raw) == (AttemptStatus.EXPIRED, False, 0)
    assert attempt.submitted_at == too_late  # closed at the time the late answers came


def test_only_the_person_who_sat_the_attempt_can_submit_it(world):
    staff, _course, attempt = attempt_with(world, pass_mark=60)
    other = world.person("staff_d1_c2")
    with pytest.raises(TrainingError, match=NOT_FOUND):
        submit_attempt(token=attempt.token, user=other, answers=answers(attempt, right=5))
    with pytest.raises(TrainingError, match=NOT_FOUND):
        submit_attempt(token=attempt.token + "x", user=staff, answers=answers(attempt, right=5))
    assert Attempt.objects.get(pk=attempt.pk).status == AttemptStatus.OPEN


def test_submitting_closes_only_that_attempt_and_dates_the_record(world):
    staff, course, attempt = attempt_with(world, pass_mark=60)
    other = world.person("staff_d1_c2")
    theirs = start_attempt(user=other, assignment=course)
    now = attempt.started_at + timedelta(minutes=2)
    submit_attempt(token=attempt.token, user=staff, answers=answers(attempt, right=5), now=now)
    assert Attempt.objects.get(pk=theirs.pk).status == AttemptStatus.OPEN
    record = Completion.objects.get(user=staff, assignment=course)
    assert (record.timestamp, record.completed_at) == (now, now)


def test_an_expired_sitting_scores_nothing_against_a_later_one(world):
    staff, course, first = attempt_with(world, pass_mark=100, grading="highest")
    later = first.deadline + GRACE + timedelta(minutes=1)
    with pytest.raises(TrainingError, match=LATE):
        submit_attempt(token=first.token, user=staff, answers=answers(first, right=5), now=later)
    sit(staff, course, right=1, at=later)
    record = Completion.objects.get(user=staff, assignment=course)
    assert (record.attempts, record.score_raw) == (2, 1)


def test_a_second_submission_is_refused_and_changes_nothing(world):
    staff, _course, attempt = attempt_with(world, pass_mark=60)
    first = submit_attempt(token=attempt.token, user=staff, answers=answers(attempt, right=1))
    with pytest.raises(TrainingError, match=CLOSED):
        submit_attempt(token=attempt.token, user=staff, answers=answers(attempt, right=5))
    again = Attempt.objects.get(pk=attempt.pk)
    assert (again.score_raw, again.passed, again.submitted_at) == (1, False, first.submitted_at)


# --- Which attempt counts ---------------------------------------------------------------------


def sit(staff, course, *, right: int, at):
    attempt = start_attempt(user=staff, assignment=course, now=at)
    return submit_attempt(token=attempt.token, user=staff, answers=answers(attempt, right=right),
                          now=at + timedelta(minutes=1))  # fmt: skip


# A pass mark nobody reaches: every sitting fails, so each person may sit all three.
def test_grading_by_the_last_attempt_takes_the_later_one_even_when_worse(world):
    staff, course, first = attempt_with(world, pass_mark=100, grading="last")
    start = first.started_at
    submit_attempt(token=first.token, user=staff, answers=answers(first, right=4),
                   now=start + timedelta(minutes=1))  # fmt: skip
    sit(staff, course, right=1, at=start + timedelta(minutes=5))
    record = Completion.objects.get(user=staff, assignment=course)
    assert (record.attempts, record.score_raw, record.score_scaled) == (2, 1, 0.2)


def test_grading_by_the_highest_attempt_keeps_the_better_one(world):
    staff, course, first = attempt_with(world, pass_mark=100, grading="highest")
    start = first.started_at
    submit_attempt(token=first.token, user=staff, answers=answers(first, right=1),
                   now=start + timedelta(minutes=1))  # fmt: skip
    sit(staff, course, right=4, at=start + timedelta(minutes=5))
    sit(staff, course, right=2, at=start + timedelta(minutes=10))
    record = Completion.objects.get(user=staff, assignment=course)
    assert (record.attempts, record.score_raw, record.success) == (3, 4, False)
    assert (record.score_max, record.score_scaled) == (5, 0.8)
