"""The lessons, question bank and quizzes shipped in training/content, their loader and the
sanitiser that stands between editors' Markdown and the page."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from orgs.testing import sign_in_verified
from training.content import CONTENT_DIR, ContentError, load_content, parse_lesson
from training.markup import render_markdown
from training.models import Lesson, Question, QuestionKind, Quiz, Topic

CONTENT = CONTENT_DIR


def lesson_sources():
    return [
        parse_lesson(p.read_text(encoding="utf-8"), p.name) for p in CONTENT.glob("lessons/*.md")
    ]


def test_lessons_cover_every_topic_in_vietnamese_at_useful_length():
    sources = lesson_sources()
    assert len(sources) >= 12
    assert {s.topic for s in sources} == set(Topic.values)
    for source in sources:
        words = len(re.findall(r"\w+", source.body))
        assert 300 <= words <= 750, (source.slug, words)
        assert re.search(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", source.body)
    text = " ".join(s.body for s in sources)
    for fact in ("91/2025/QH15", "1 tháng 1 năm 2026", "13/2023/NĐ-CP", "874/QĐ-BTTTT"):
        assert fact in text


@pytest.mark.django_db
def test_load_training_is_idempotent_and_complete():
    call_command("load_training")
    counts = (Lesson.objects.count(), Question.objects.count(), Quiz.objects.count())
    assert counts[0] >= 12 and counts[1] >= 40 and counts[2] >= 2
    call_command("load_training")
    assert (Lesson.objects.count(), Question.objects.count(), Quiz.objects.count()) == counts
    for question in Question.objects.prefetch_related("choices"):
        right = sum(c.is_correct for c in question.choices.all())
        assert question.explanation and right >= 1
        assert right == 1 or question.kind == QuestionKind.MULTIPLE
    assert {q.kind for q in Question.objects.all()} == set(QuestionKind.values)
    assert {q.difficulty for q in Question.objects.all()} == {"easy", "medium", "hard"}
    assert Quiz.objects.filter(is_public=True).exists()
    for quiz in Quiz.objects.all():
        assert len(quiz.draw_question_ids()) >= 8


@pytest.mark.django_db
def test_a_reload_reports_rows_as_unchanged_and_keeps_edited_questions_and_quizzes():
    first = load_content()
    assert first.created["question"] >= 40 and first.created["quiz"] >= 2
    second = load_content()
    assert second.created == {"lesson": 0, "question": 0, "quiz": 0}
    assert second.updated == {"lesson": 0, "question": 0, "quiz": 0}
    assert second.unchanged == first.created
    question = Question.objects.order_by("slug")[0]
    question.text = "Câu hỏi biên tập viên sửa?"
    question.save()
    quiz = Quiz.objects.order_by("slug")[0]
    quiz.pass_mark = 99
    quiz.save()
    report = load_content()
    assert report.kept_edits == [f"question:{question.slug}", f"quiz:{quiz.slug}"]
    forced = load_content(force=True)
    assert (forced.updated["question"], forced.updated["quiz"]) == (1, 1)
    assert Question.objects.get(pk=question.pk).text != "Câu hỏi biên tập viên sửa?"


@pytest.mark.django_db
def test_an_editors_change_survives_a_reload_unless_forced():
    load_content()
    lesson = Lesson.objects.get(slug="mat-khau-an-toan")
    lesson.title = "Mật khẩu (bản biên tập viên sửa)"
    lesson.save()
    report = load_content()
    assert report.kept_edits == ["lesson:mat-khau-an-toan"]
    assert Lesson.objects.get(pk=lesson.pk).title == "Mật khẩu (bản biên tập viên sửa)"
    load_content(force=True)
    assert Lesson.objects.get(pk=lesson.pk).title.startswith("Mật khẩu an toàn")


@pytest.mark.django_db
def test_bad_front_matter_is_refused_naming_the_file(tmp_path: Path):
    (tmp_path / "lessons").mkdir()
    (tmp_path / "lessons" / "hong.md").write_text(
        "---\nslug: Bai Hong\ntitle: Hỏng\ntopic: banking\nminutes: 3\naudience: all\n---\nNội dung\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError, match=r"hong\.md: mã \(slug\) không hợp lệ"):
        load_content(tmp_path)


def test_markdown_is_sanitised():
    html = render_markdown(
        "## Tiêu đề\n\n<script>alert(1)</script>\n\n"
        '<p style="color:red" onclick="steal()">chữ</p>\n\n'
        "[bấm](javascript:alert(1)) [trang](https://example.vn) "
        '<img src="x" onerror="alert(1)"> <iframe src="https://evil.example"></iframe>'
    )
    assert "<h2>Tiêu đề</h2>" in html
    for bad in ("<script", "alert(1)</", "style=", "onclick", "javascript:", "<img", "<iframe"):
        assert bad not in html
    assert 'href="https://example.vn"' in html and 'rel="noopener noreferrer nofollow"' in html


@pytest.mark.django_db
def test_admin_shows_a_sanitised_preview(client, world):
    admin = world.person("admin")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    sign_in_verified(client, admin)
    lesson = Lesson.objects.create(
        slug="xem-truoc",
        title="Xem trước",
        topic="banking",
        minutes=2,
        audience="all",
        body="## Mục một\n\n<script>alert('x')</script>**đậm**",
    )
    page = client.get(reverse("admin:training_lesson_change", args=[lesson.pk])).content.decode()
    preview = page[page.index('class="lesson-preview"') :]
    assert "<h2>Mục một</h2>" in preview and "<strong>đậm</strong>" in preview
    assert "<script>alert" not in page
