"""Pages without an account: citizens' self-learning and certificate verification."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from lib.gates import rate_limited

from .forms import clean_certificate_code
from .models import Certificate, Lesson, Quiz
from .selfstudy import issue_token, read_token, submit_public, token_deadline
from .services import (
    TrainingError,
    answers_from_post,
    questions_answered,
    questions_in_order,
    review_items,
)


def learn_index(request: HttpRequest) -> HttpResponse:
    context = {
        "lessons": Lesson.objects.for_citizens(),
        "quizzes": Quiz.objects.filter(is_public=True),
    }
    return render(request, "training/learn_index.html", context)


def learn_lesson(request: HttpRequest, slug: str) -> HttpResponse:
    lesson = get_object_or_404(Lesson.objects.for_citizens(), slug=slug)
    quizzes = Quiz.objects.filter(is_public=True)
    return render(request, "training/lesson.html", {"lesson": lesson, "public_quizzes": quizzes})


def _too_fast(request: HttpRequest, slug: str) -> HttpResponse:
    quiz = get_object_or_404(Quiz, slug=slug, is_public=True)
    error = _("Bạn nộp bài quá nhanh. Hãy đợi một phút rồi thử lại.")
    return render(request, "training/refused.html", {"quiz": quiz, "error": error}, status=429)


@never_cache
@require_http_methods(["GET", "POST"])
# The anonymous counters are only worth something if a script cannot flood them; the limiter
# keeps a keyed hash of the address for a minute, never the address.
@rate_limited(
    "learn-quiz",
    setting="TRAINING_PUBLIC_SUBMITS_PER_MINUTE",
    default=10,
    refuse=_too_fast,
    methods=("POST",),
)
def learn_quiz(request: HttpRequest, slug: str) -> HttpResponse:
    quiz = get_object_or_404(Quiz, slug=slug, is_public=True)
    if request.method == "POST":
        token = request.POST.get("token", "")
        try:
            if not request.POST.get("blank_ok") and (asked := _ask_blanks(request, quiz, token)):
                return asked
            result = submit_public(quiz=quiz, token=token, data=request.POST)
        except TrainingError as exc:
            context = {"quiz": quiz, "error": str(exc)}
            return render(request, "training/refused.html", context, status=409)
        context = {
            "quiz": quiz,
            "result": result,
            "review": review_items(result.question_ids, result.answers, result.graded.results),
        }
        return render(request, "training/learn_result.html", context)
    token, question_ids = issue_token(quiz)
    context = {
        "quiz": quiz,
        "token": token,
        "questions": questions_in_order(question_ids),
        "ends_at": timezone.now() + quiz.time_limit,
    }
    return render(request, "training/learn_quiz.html", context)


def _ask_blanks(request: HttpRequest, quiz: Quiz, token: str) -> HttpResponse | None:
    """Questions left blank: the quiz again, answers kept, asking before it is graded (no
    script needed); None when every question has an answer."""
    question_ids = read_token(quiz, token)["ids"]
    answers = answers_from_post(request.POST, question_ids)
    questions, blanks = questions_answered(question_ids, answers)
    if not blanks:
        return None
    context = {
        "quiz": quiz,
        "token": token,
        "questions": questions,
        "blanks": blanks,
        "ends_at": token_deadline(quiz, token),
    }
    return render(request, "training/learn_quiz.html", context)


def certificate_verify(request: HttpRequest, code: str) -> HttpResponse:
    """Only what the paper already says: name, course, date, and whether it is still valid."""
    code = clean_certificate_code(code)
    certificate = Certificate.objects.filter(code=code).first() if code else None
    if certificate is None:
        response = render(request, "training/certificate_unknown.html", status=404)
    else:
        context = {
            "holder_name": certificate.holder_name,
            "course_title": certificate.course_title,
            "issued_on": timezone.localtime(certificate.issued_at).date(),
            "is_valid": certificate.is_valid,
            "code": certificate.code,
        }
        response = render(request, "training/certificate_verify.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
