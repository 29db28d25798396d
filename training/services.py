"""Writes of the training app: assignments, reading, quiz attempts and their grading, completion
records, certificates and deadline reminders."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lib.links import absolute_url
from orgs.access import require_unit, roles_granting
from orgs.models import Permission, RoleAssignment, Unit, User

from .models import (
    Assignment,
    Attempt,
    AttemptStatus,
    Certificate,
    Choice,
    Completion,
    Grading,
    Lesson,
    LessonRead,
    Question,
    Quiz,
    ReminderSent,
    Verb,
)

log = logging.getLogger(__name__)

# Answers that arrive a few seconds after the time limit (a slow phone, a slow network) still
# count; anything later is refused.
GRACE = timedelta(seconds=20)
MAX_CHOICES_PER_QUESTION = 8
MAX_LESSONS_PER_ASSIGNMENT = 30
MAX_DEADLINE_AHEAD = timedelta(days=366)


class TrainingError(Exception):
    """A request the rules refuse; the message is shown to the person as is (Vietnamese)."""


# --- Assignments -----------------------------------------------------------------------------


def create_assignment(
    *,
    created_by: User,
    unit: Unit,
    title: str,
    lessons: Iterable[Lesson],
    quiz: Quiz | None,
    deadline: datetime,
    note: str = "",
) -> Assignment:
    require_unit(created_by, Permission.MANAGE_TRAINING, unit)
    lessons = list(lessons)
    if not lessons and quiz is None:
        raise TrainingError(_("Hãy chọn ít nhất một bài học hoặc một bài kiểm tra."))
    if len(lessons) > MAX_LESSONS_PER_ASSIGNMENT:
        raise TrainingError(_("Mỗi lần giao tối đa 30 bài học."))
    now = timezone.now()
    if not now < deadline <= now + MAX_DEADLINE_AHEAD:
        raise TrainingError(_("Hạn hoàn thành phải ở tương lai và trong vòng một năm."))
    with transaction.atomic():
        assignment = Assignment.objects.create(
            created_by=created_by,
            unit=unit,
            title=title.strip()[:200],
            quiz=quiz,
            deadline=deadline,
            note=note.strip()[:1000],
        )
        assignment.lessons.set(lessons)
    return assignment


def assign_to_person(
    *,
    person: User,
    lesson: Lesson,
    deadline: datetime,
    title: str,
    quiz: Quiz | None = None,
    note: str = "",
    created_by: User | None = None,
) -> Assignment:
    """Give one lesson (and a quiz, if any) to one person, with a deadline: it is on their own
    list and counts in their unit's progress as any assignment does. `created_by` None means
    the platform gave it (a drill's follow-up); a person giving it must manage training of the
    person's unit. The caller makes sure it is given once (drills: one per drill recipient)."""
    if person.home_unit_id is None:
        raise TrainingError(_("Người này chưa thuộc đơn vị nào nên chưa giao bài được."))
    if created_by is not None and person.home_unit is not None:  # None: refused just above
        require_unit(created_by, Permission.MANAGE_TRAINING, person.home_unit)
    now = timezone.now()
    if not now < deadline <= now + MAX_DEADLINE_AHEAD:
        raise TrainingError(_("Hạn hoàn thành phải ở tương lai và trong vòng một năm."))
    # Two inserts and nothing read: this runs in a drill's beacon, on a person's first click.
    with transaction.atomic():
        assignment = Assignment.objects.create(
            created_by=created_by,
            unit_id=person.home_unit_id,
            person=person,
            title=title.strip()[:200],
            quiz=quiz,
            deadline=deadline,
            note=note.strip()[:1000],
        )
        assignment.lessons.add(lesson)
    return assignment


def assignments_for(user: User) -> list[Assignment]:
    """What a staff member has to learn: assignments given to their unit or any unit above,
    and those given to them alone."""
    return list(
        Assignment.objects.reaching(user)
        .select_related("unit", "quiz")
        .prefetch_related("lessons")
        .order_by("deadline")
    )


def get_own_assignment(user: User, pk: int) -> Assignment | None:
    """The assignment if it reaches `user` (their home unit lies within its unit, or it was
    given to them alone), else None."""
    return Assignment.objects.reaching(user).select_related("unit", "quiz").filter(pk=pk).first()


# --- Lessons ---------------------------------------------------------------------------------


def mark_lesson_read(*, user: User, lesson: Lesson) -> None:
    LessonRead.objects.get_or_create(user=user, lesson=lesson)
    for assignment in Assignment.objects.reaching(user).filter(lessons=lesson):
        refresh_completion(user=user, assignment=assignment)


# --- Attempts --------------------------------------------------------------------------------


def expire_overdue_attempts(
    *, user: User, assignment: Assignment, now: datetime | None = None
) -> None:
    """Close open attempts whose time ran out (conditional update: closed exactly once)."""
    now = now or timezone.now()
    overdue = Attempt.objects.filter(
        user=user, assignment=assignment, status=AttemptStatus.OPEN, deadline__lt=now - GRACE
    )
    for attempt in overdue:
        expire_attempt(attempt=attempt, now=now)


def expire_attempt(*, attempt: Attempt, now: datetime | None = None) -> bool:
    """Close an open attempt with no score; False if it was already closed."""
    now = now or timezone.now()
    with transaction.atomic():
        changed = Attempt.objects.filter(pk=attempt.pk, status=AttemptStatus.OPEN).update(
            status=AttemptStatus.EXPIRED,
            submitted_at=now,
            score_raw=0,
            score_max=len(attempt.question_ids),
            passed=False,
        )
        if changed and attempt.assignment is not None:
            refresh_completion(user=attempt.user, assignment=attempt.assignment, now=now)
    return bool(changed)


def attempts_left(*, user: User, assignment: Assignment) -> int:
    if assignment.quiz is None:
        return 0
    used = Attempt.objects.filter(user=user, assignment=assignment, quiz=assignment.quiz).count()
    return max(assignment.quiz.max_attempts - used, 0)


def start_attempt(*, user: User, assignment: Assignment, now: datetime | None = None) -> Attempt:
    """Open a new attempt with a freshly drawn question set, or return the one still open."""
    now = now or timezone.now()
    quiz = assignment.quiz
    if quiz is None:
        raise TrainingError(_("Khoá học này không có bài kiểm tra."))
    expire_overdue_attempts(user=user, assignment=assignment, now=now)
    with transaction.atomic():
        # Lock the person's row so two clicks cannot both open an attempt past the limit.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        open_attempt = Attempt.objects.filter(
            user=user, assignment=assignment, status=AttemptStatus.OPEN
        ).first()
        if open_attempt is not None:
            return open_attempt
        used = Attempt.objects.filter(user=user, assignment=assignment, quiz=quiz).count()
        if used >= quiz.max_attempts:
            raise TrainingError(_("Bạn đã dùng hết số lần làm bài cho phép."))
        record = completion_of(user, assignment)
        if record is not None and record.satisfied:
            raise TrainingError(_("Bạn đã đạt bài kiểm tra này."))
        question_ids = quiz.draw_question_ids()
        if not question_ids:
            raise TrainingError(_("Bài kiểm tra chưa có câu hỏi."))
        attempt = Attempt.objects.create(
            quiz=quiz,
            user=user,
            assignment=assignment,
            number=used + 1,
            question_ids=question_ids,
            started_at=now,
            deadline=now + quiz.time_limit,
        )
        refresh_completion(user=user, assignment=assignment, now=now)
    return attempt


def questions_in_order(question_ids: list[int]) -> list[Question]:
    by_id = Question.objects.prefetch_related("choices").in_bulk(question_ids)
    return [by_id[i] for i in question_ids if i in by_id]


def questions_answered(
    question_ids: list[int], answers: Mapping[str, list[int]]
) -> tuple[list[Question], list[tuple[int, Question]]]:
    """The questions in order, each with `.chosen` (its chosen choice ids), and those left blank
    with their number: a quiz sent with blanks is shown again to ask first (the views)."""
    questions = questions_in_order(question_ids)
    for question in questions:
        question.chosen = answers.get(str(question.pk), [])
    blanks = [(n, q) for n, q in enumerate(questions, 1) if not q.chosen]
    return questions, blanks


def answers_from_post(
    data: QueryDict | Mapping[str, Iterable[str]], question_ids: list[int]
) -> dict[str, list[int]]:
    """The chosen choice ids per question from a form (`q<question id>` fields). A field for a
    question not in the attempt, or a choice of another question, rejects the whole post."""
    allowed = {f"q{qid}" for qid in question_ids}
    posted = [key for key in data if key.startswith("q") and key[1:].isdigit()]
    if any(key not in allowed for key in posted):
        raise TrainingError(_("Câu trả lời không khớp với đề đã phát. Bài nộp bị từ chối."))
    answers: dict[str, list[int]] = {}
    for key in posted:
        values = data.getlist(key) if isinstance(data, QueryDict) else list(data[key])
        if len(values) > MAX_CHOICES_PER_QUESTION:
            raise TrainingError(_("Câu trả lời không hợp lệ."))
        try:
            answers[key[1:]] = sorted({int(v) for v in values})
        except (TypeError, ValueError):
            raise TrainingError(_("Câu trả lời không hợp lệ.")) from None
    return answers


class ReviewChoice(TypedDict):
    choice: Choice
    chosen: bool
    correct: bool


class ReviewItem(TypedDict):
    """One question of the review after submitting (training/_review.html)."""

    question: Question
    right: bool
    choices: list[ReviewChoice]


def review_items(
    question_ids: list[int], answers: Mapping[str, list[int]], results: Mapping[str, bool]
) -> list[ReviewItem]:
    """What the review after submitting shows: each question, what was chosen, the right
    choices and the explanation."""
    items: list[ReviewItem] = []
    for question in questions_in_order(question_ids):
        chosen = set(answers.get(str(question.pk), []))
        choices: list[ReviewChoice] = [
            {"choice": c, "chosen": c.pk in chosen, "correct": c.is_correct}
            for c in question.choices.all()
        ]
        items.append(
            {
                "question": question,
                "right": results.get(str(question.pk), False),
                "choices": choices,
            }
        )
    return items


@dataclass(frozen=True)
class Graded:
    correct: int
    total: int
    results: dict[str, bool]

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.total) if self.total else 0


def grade(question_ids: list[int], answers: Mapping[str, list[int]]) -> Graded:
    """All or nothing per question: the chosen set must equal the right set."""
    questions = questions_in_order(question_ids)
    results: dict[str, bool] = {}
    for question in questions:
        valid = {c.pk for c in question.choices.all()}
        chosen = set(answers.get(str(question.pk), []))
        if not chosen <= valid:
            raise TrainingError(_("Câu trả lời không khớp với đề đã phát. Bài nộp bị từ chối."))
        results[str(question.pk)] = bool(chosen) and chosen == question.correct_choice_ids()
    return Graded(correct=sum(results.values()), total=len(questions), results=results)


def submit_attempt(
    *, token: str, user: User, answers: Mapping[str, list[int]], now: datetime | None = None
) -> Attempt:
    """Grade and close an attempt exactly once. A replay, a second submit, or answers after
    the time limit change nothing and raise TrainingError."""
    now = now or timezone.now()
    attempt = (
        Attempt.objects.select_related("quiz", "assignment").filter(token=token, user=user).first()
    )
    if attempt is None:
        raise TrainingError(_("Không tìm thấy bài làm."))
    if attempt.status != AttemptStatus.OPEN:
        raise TrainingError(_("Bài làm này đã đóng. Câu trả lời gửi lại không được chấm."))
    if now > attempt.deadline + GRACE:
        expire_attempt(attempt=attempt, now=now)
        raise TrainingError(
            _("Đã hết thời gian làm bài. Câu trả lời gửi sau thời hạn không được chấm.")
        )
    graded = grade(attempt.question_ids, answers)
    passed = graded.percent >= attempt.quiz.pass_mark
    with transaction.atomic():
        # The one guard against replays and double clicks: only an open attempt turns into a
        # submitted one; a second UPDATE finds no open row and changes nothing.
        changed = Attempt.objects.filter(pk=attempt.pk, status=AttemptStatus.OPEN).update(
            status=AttemptStatus.SUBMITTED,
            submitted_at=now,
            answers=dict(answers),
            results=graded.results,
            score_raw=graded.correct,
            score_max=graded.total,
            passed=passed,
        )
        if not changed:
            raise TrainingError(_("Bài làm này đã đóng. Câu trả lời gửi lại không được chấm."))
        if attempt.assignment is not None:
            refresh_completion(user=user, assignment=attempt.assignment, now=now)
    attempt.refresh_from_db()
    return attempt


# --- Completion records ----------------------------------------------------------------------


def completion_of(user: User, assignment: Assignment) -> Completion | None:
    return Completion.objects.filter(user=user, assignment=assignment).first()


def _graded_attempt(attempts: list[Attempt], grading: str) -> Attempt | None:
    if not attempts:
        return None
    if grading == Grading.LAST:
        return max(attempts, key=lambda a: (a.submitted_at, a.number))
    return max(attempts, key=lambda a: (a.score_raw or 0, -a.number))


def refresh_completion(
    *, user: User, assignment: Assignment, now: datetime | None = None
) -> Completion:
    """Recompute the person's record for the assignment from what they read and their closed
    attempts; issue the certificate the first time the move-on criterion is met."""
    now = now or timezone.now()
    lesson_ids = set(assignment.lessons.values_list("pk", flat=True))
    read = set(
        LessonRead.objects.filter(user=user, lesson_id__in=lesson_ids).values_list(
            "lesson_id", flat=True
        )
    )
    closed = []
    if assignment.quiz_id:
        closed = list(
            Attempt.objects.closed().filter(
                user=user, assignment=assignment, quiz_id=assignment.quiz_id
            )
        )
    graded = _graded_attempt(closed, assignment.quiz.grading if assignment.quiz else "")
    lessons_done = read >= lesson_ids
    record, _created = Completion.objects.get_or_create(
        user=user, assignment=assignment, defaults={"verb": Verb.LAUNCHED, "launched_at": now}
    )
    record.completion = lessons_done and (assignment.quiz_id is None or bool(closed))
    record.success = graded.passed if graded else None
    record.satisfied = lessons_done and (assignment.quiz_id is None or bool(record.success))
    record.attempts = len(closed)
    record.score_raw = graded.score_raw if graded else None
    record.score_max = graded.score_max if graded else None
    record.score_scaled = graded.score_scaled if graded else None
    record.duration = sum((a.duration() for a in closed), timedelta(0))
    if record.success is True:
        record.verb = Verb.PASSED
    elif record.success is False:
        record.verb = Verb.FAILED
    elif record.completion:
        record.verb = Verb.COMPLETED
    else:
        record.verb = Verb.LAUNCHED
    if record.satisfied and record.completed_at is None:
        record.completed_at = now
    record.timestamp = now
    record.save()
    # One person's lesson after a drill is no course: a certificate is shown to others, and
    # would tell them of the slip.
    if record.satisfied and assignment.person_id is None:
        issue_certificate(user=user, assignment=assignment)
    return record


# --- Certificates ----------------------------------------------------------------------------


class CertificateSignature(TypedDict):
    """Who issues a certificate: copied onto it (Certificate fields of the same names)."""

    issuer_name: str
    signer_name: str
    signer_title: str


def certificate_signature(assignment: Assignment) -> CertificateSignature:
    """Who issues the certificate, copied on the day: the unit the course was given to, and the
    person who gave it with the title of the role by which they may (the lowest such unit)."""
    signature: CertificateSignature = {
        "issuer_name": assignment.unit.name[:200],
        "signer_name": "",
        "signer_title": "",
    }
    signer = assignment.created_by
    if signer is None:
        return signature
    roles = [
        r
        for r in RoleAssignment.objects.filter(
            user=signer, role__in=roles_granting(Permission.MANAGE_TRAINING)
        ).select_related("unit")
        if r.unit.covers(assignment.unit)
    ]
    signature["signer_name"] = (signer.get_full_name() or signer.get_username())[:200]
    if roles:
        role = max(roles, key=lambda r: r.unit.depth)
        signature["signer_title"] = f"{role.get_role_display()}, {role.unit.name}"[:200]
    return signature


def issue_certificate(*, user: User, assignment: Assignment) -> Certificate:
    existing = Certificate.objects.filter(user=user, assignment=assignment).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Certificate.objects.create(
                user=user,
                assignment=assignment,
                holder_name=(user.get_full_name() or user.username)[:200],
                course_title=assignment.title,
                **certificate_signature(assignment),
            )
    except IntegrityError:  # issued at the same moment by another request
        return Certificate.objects.get(user=user, assignment=assignment)


def revoke_certificate(*, certificate: Certificate, now: datetime | None = None) -> None:
    Certificate.objects.filter(pk=certificate.pk, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now()
    )


# --- Reminders -------------------------------------------------------------------------------


def _reminder_text(user: User, assignment: Assignment) -> tuple[str, str]:
    link = absolute_url(reverse("training-assignment", args=[assignment.pk]))
    deadline = timezone.localtime(assignment.deadline).strftime("%H:%M ngày %d/%m/%Y")
    subject = _("Nhắc hạn tập huấn: %(title)s") % {"title": assignment.title}
    body = _(
        "Chào %(name)s,\n\n"
        'Khoá tập huấn "%(title)s" cần hoàn thành trước %(deadline)s.\n'
        "Bạn chưa hoàn thành. Mời bạn vào học và làm bài kiểm tra tại:\n%(link)s\n\n"
        "Đây là thư tự động của Cảnh Giác. Cảnh Giác không bao giờ hỏi mật khẩu hay mã OTP "
        "của bạn qua thư."
    ) % {
        "name": user.get_full_name() or user.username,
        "title": assignment.title,
        "deadline": deadline,
        "link": link,
    }
    return subject, body


def send_deadline_reminders(*, within_days: int = 3, now: datetime | None = None) -> int:
    """Mail everyone who has not finished an assignment due within `within_days`; once per
    person and assignment. Returns how many mails went out."""
    now = now or timezone.now()
    due = Assignment.objects.filter(
        deadline__gt=now, deadline__lte=now + timedelta(days=within_days)
    ).select_related("unit")
    sent = 0
    for assignment in due:
        done = Completion.objects.filter(assignment=assignment, satisfied=True).values("user_id")
        reminded = ReminderSent.objects.filter(assignment=assignment).values("user_id")
        people = (
            assignment.people()
            .exclude(Q(email="") | Q(pk__in=done) | Q(pk__in=reminded))
            .order_by("pk")
        )
        for person in people:
            sent += _remind_once(person, assignment)
    return sent


def _remind_once(person: User, assignment: Assignment) -> int:
    # Claim first (the unique row stops a second worker), mail, and give the claim back if the
    # mail could not be sent so the next run tries again.
    try:
        with transaction.atomic():
            claim = ReminderSent.objects.create(assignment=assignment, user=person)
    except IntegrityError:
        return 0
    subject, body = _reminder_text(person, assignment)
    try:
        send_mail(subject, body, None, [person.email])
    except OSError:
        log.warning("reminder to user %s for assignment %s failed", person.pk, assignment.pk)
        claim.delete()
        return 0
    return 1
