"""Small builders for training tests: a quiz whose right answers the test knows."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from training.models import Attempt, Choice, Lesson, Question, Quiz
from training.services import create_assignment

LESSON_BODY = "## Nhớ\n\nKhông đọc mã **OTP** cho ai.\n\n- Cúp máy\n- Gọi lại số chính thức\n"


def make_question(slug: str, *, kind: str = "single", topic: str = "banking") -> Question:
    question = Question.objects.create(
        slug=slug,
        topic=topic,
        difficulty="easy",
        kind=kind,
        text=f"Câu hỏi {slug}?",
        explanation=f"Giải thích cho {slug}.",
    )
    correct = {0} if kind == "single" else {0, 2}
    for position in range(3):
        Choice.objects.create(
            question=question,
            text=f"Phương án {slug}-{position}",
            is_correct=position in correct,
            position=position,
        )
    return question


def make_quiz(
    slug: str = "kiem-tra-thu",
    *,
    count: int = 3,
    pass_mark: int = 60,
    max_attempts: int = 3,
    grading: str = "highest",
    public: bool = False,
) -> Quiz:
    quiz = Quiz.objects.create(
        slug=slug,
        title=f"Bài kiểm tra {slug}",
        pass_mark=pass_mark,
        max_attempts=max_attempts,
        grading=grading,
        time_limit_minutes=10,
        is_public=public,
    )
    kinds = ["single", "multiple"]
    quiz.fixed_questions.set(
        [make_question(f"{slug}-q{i}", kind=kinds[i % 2]) for i in range(count)]
    )
    return quiz


def make_lesson(
    slug: str = "bai-thu", *, audience: str = "all", title: str = "Bài học thử"
) -> Lesson:
    return Lesson.objects.create(
        slug=slug, title=title, topic="banking", minutes=3, audience=audience, body=LESSON_BODY
    )


def make_assignment(world, *, unit: str = "D1", by: str = "manager_d1", lessons=(), quiz=None,
                    title: str = "Khoá nhận diện lừa đảo", days: int = 7):  # fmt: skip
    return create_assignment(
        created_by=world.person(by),
        unit=world.unit(unit),
        title=title,
        lessons=list(lessons),
        quiz=quiz,
        deadline=timezone.now() + timedelta(days=days),
    )


def answers_for(question_ids: list[int], *, right: int | None = None) -> dict[str, list[str]]:
    """Form data answering the first `right` questions correctly (all when None), the rest
    with a wrong choice."""
    data: dict[str, list[str]] = {}
    for index, question in enumerate(Question.objects.in_bulk(question_ids).values()):
        good = right is None or index < right
        choices = list(question.choices.all())
        picked = [c for c in choices if c.is_correct] if good else [choices[1]]
        data[f"q{question.pk}"] = [str(c.pk) for c in picked]
    return data


def post_answers(client, attempt: Attempt, *, right: int | None = None):
    return client.post(f"/staff/training/attempts/{attempt.token}/", answers_for(
        attempt.question_ids, right=right
    ))  # fmt: skip
