"""Staff learners: their assignments, lessons, quiz attempts, results and certificates."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lib.links import absolute_url
from orgs.access import AuthenticatedHttpRequest, permissions_of, staff_required
from orgs.models import Permission

from .certificates import certificate_pdf
from .models import Assignment, Attempt, AttemptStatus, Certificate, Completion, LessonRead
from .services import (
    GRACE,
    TrainingError,
    answers_from_post,
    assignments_for,
    attempts_left,
    completion_of,
    expire_attempt,
    expire_overdue_attempts,
    get_own_assignment,
    mark_lesson_read,
    questions_answered,
    questions_in_order,
    review_items,
    start_attempt,
    submit_attempt,
)


def _own_assignment(request: AuthenticatedHttpRequest, pk: int) -> Assignment:
    assignment = get_own_assignment(request.user, pk)
    if assignment is None:  # not given to this person's unit: as if it did not exist
        raise Http404
    return assignment


@staff_required(Permission.TAKE_TRAINING)
def my_training(request: AuthenticatedHttpRequest) -> HttpResponse:
    assignments = assignments_for(request.user)
    records = {
        c.assignment_id: c
        for c in Completion.objects.filter(user=request.user, assignment__in=assignments)
    }
    context = {
        "rows": [(a, records.get(a.pk)) for a in assignments],
        "certificates": request.user.training_certificates.filter(revoked_at__isnull=True),
        "can_manage": Permission.MANAGE_TRAINING in permissions_of(request.user),
        "now": timezone.now(),
    }
    return render(request, "training/my_training.html", context)


@staff_required(Permission.TAKE_TRAINING)
def assignment_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment = _own_assignment(request, pk)
    expire_overdue_attempts(user=request.user, assignment=assignment)
    lessons = list(assignment.lessons.published())
    read = set(
        LessonRead.objects.filter(user=request.user, lesson__in=lessons).values_list(
            "lesson_id", flat=True
        )
    )
    attempts = Attempt.objects.filter(user=request.user, assignment=assignment).order_by("number")
    context = {
        "assignment": assignment,
        "lessons": [(lesson, lesson.pk in read) for lesson in lessons],
        "attempts": attempts,
        "open_attempt": next((a for a in attempts if a.status == AttemptStatus.OPEN), None),
        "attempts_left": attempts_left(user=request.user, assignment=assignment),
        "record": completion_of(request.user, assignment),
        "certificate": request.user.training_certificates.filter(
            assignment=assignment, revoked_at__isnull=True
        ).first(),
        "now": timezone.now(),
    }
    return render(request, "training/assignment.html", context)


@staff_required(Permission.TAKE_TRAINING)
@require_http_methods(["GET", "POST"])
def assignment_lesson(request: AuthenticatedHttpRequest, pk: int, slug: str) -> HttpResponse:
    assignment = _own_assignment(request, pk)
    lesson = get_object_or_404(assignment.lessons.published(), slug=slug)
    if request.method == "POST":
        mark_lesson_read(user=request.user, lesson=lesson)
        messages.success(request, _("Đã ghi nhận bạn học xong bài “%s”.") % lesson.title)
        return redirect("training-assignment", pk=assignment.pk)
    done = LessonRead.objects.filter(user=request.user, lesson=lesson).exists()
    context = {"lesson": lesson, "assignment": assignment, "done": done}
    return render(request, "training/lesson.html", context)


@staff_required(Permission.TAKE_TRAINING)
@require_POST
def quiz_start(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment = _own_assignment(request, pk)
    try:
        attempt = start_attempt(user=request.user, assignment=assignment)
    except TrainingError as exc:
        messages.error(request, str(exc))
        return redirect("training-assignment", pk=assignment.pk)
    return redirect("training-attempt", token=attempt.token)


def _own_attempt(request: AuthenticatedHttpRequest, token: str) -> Attempt:
    attempt = (
        Attempt.objects.select_related("quiz", "assignment")
        .filter(token=token[:64], user=request.user)
        .first()
    )
    if attempt is None:
        raise Http404
    return attempt


def _ask_blanks(
    request: HttpRequest, attempt: Attempt, answers: dict[str, list[int]]
) -> HttpResponse | None:
    """Questions left blank, with time left: the quiz again, answers kept, asking before it is
    graded (no script needed). Past the deadline the attempt is sent as it is."""
    if request.POST.get("blank_ok") or attempt.status != AttemptStatus.OPEN:
        return None
    if timezone.now() > attempt.deadline:
        return None
    questions, blanks = questions_answered(attempt.question_ids, answers)
    if not blanks:
        return None
    context = {
        "attempt": attempt,
        "quiz": attempt.quiz,
        "questions": questions,
        "blanks": blanks,
        "action": reverse("training-attempt", args=[attempt.token]),
    }
    return render(request, "training/attempt.html", context)


@never_cache
@staff_required(Permission.TAKE_TRAINING)
@require_http_methods(["GET", "POST"])
def attempt_take(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    attempt = _own_attempt(request, token)
    if request.method == "POST":
        try:
            answers = answers_from_post(request.POST, attempt.question_ids)
            if asked := _ask_blanks(request, attempt, answers):
                return asked
            submit_attempt(token=attempt.token, user=request.user, answers=answers)
        except TrainingError as exc:
            attempt.refresh_from_db()
            context = {"attempt": attempt, "error": str(exc)}
            return render(request, "training/refused.html", context, status=409)
        return redirect("training-attempt-result", token=attempt.token)
    if attempt.status == AttemptStatus.OPEN and timezone.now() > attempt.deadline + GRACE:
        expire_attempt(attempt=attempt)  # the time ran out while the page was away
        attempt.refresh_from_db()
    if attempt.status != AttemptStatus.OPEN:
        return redirect("training-attempt-result", token=attempt.token)
    context = {
        "attempt": attempt,
        "quiz": attempt.quiz,
        "questions": questions_in_order(attempt.question_ids),
        "action": reverse("training-attempt", args=[attempt.token]),
    }
    return render(request, "training/attempt.html", context)


@staff_required(Permission.TAKE_TRAINING)
def attempt_result(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    attempt = _own_attempt(request, token)
    if attempt.status == AttemptStatus.OPEN:
        return redirect("training-attempt", token=attempt.token)
    context = {
        "attempt": attempt,
        "quiz": attempt.quiz,
        "assignment": attempt.assignment,
        "review": review_items(attempt.question_ids, attempt.answers, attempt.results),
        "attempts_left": (
            attempts_left(user=request.user, assignment=attempt.assignment)
            if attempt.assignment
            else 0
        ),
    }
    return render(request, "training/attempt_result.html", context)


@staff_required(Permission.TAKE_TRAINING)
def certificate_download(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    certificate = get_object_or_404(
        Certificate, code=code.upper()[:16], user=request.user, revoked_at__isnull=True
    )
    # The QR code and the printed link must reach the public site, not the proxy in front.
    verify_url = absolute_url(reverse("certificate-verify", args=[certificate.code]))
    pdf = certificate_pdf(certificate, verify_url=verify_url)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="chung-nhan-{certificate.code}.pdf"'
    return response
