"""Lesson and quiz content: the loader that reads training/content/ (lessons/*.md with YAML
front matter, questions.yaml, quizzes.yaml). Markdown is rendered in training/markup.py."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn, TypeVar

import yaml
from django.db import transaction

from .markup import MAX_MARKDOWN_CHARS
from .models import (
    Audience,
    Choice,
    Difficulty,
    Grading,
    Lesson,
    Question,
    QuestionKind,
    Quiz,
    Topic,
)

CONTENT_DIR = Path(__file__).resolve().parent / "content"
MAX_FILE_BYTES = 200_000


class ContentError(Exception):
    """A content file is wrong; the message says which file and what."""


SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FRONT_MATTER_RE = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.DOTALL)


@dataclass
class LessonSource:
    slug: str
    title: str
    topic: str
    minutes: int
    audience: str
    position: int
    body: str


# What YAML gives for one item: checked field by field below before anything is stored.
YamlItem = dict[str, object]
_Row = TypeVar("_Row", Question, Quiz)


def _fail(where: str, message: str) -> NoReturn:
    raise ContentError(f"{where}: {message}")


def _require(cond: object, where: str, message: str) -> None:
    if not cond:
        _fail(where, message)


def _slug(value: object, where: str) -> str:
    if not (isinstance(value, str) and len(value) <= 100 and SLUG_RE.match(value)):
        _fail(where, f"mã (slug) không hợp lệ: {value!r}")
    return value


def _text(value: object, where: str, name: str, limit: int) -> str:
    if not (isinstance(value, str) and value.strip() != ""):
        _fail(where, f"thiếu {name}")
    _require(len(value) <= limit, where, f"{name} dài quá {limit} ký tự")
    return value.strip()


def _int(value: object, where: str, name: str, low: int, high: int) -> int:
    if not (isinstance(value, int) and not isinstance(value, bool) and low <= value <= high):
        _fail(where, f"{name} phải là số nguyên từ {low} đến {high}")
    return value


def _choice(value: object, where: str, name: str, allowed: Collection[str]) -> str:
    if not (isinstance(value, str) and value in allowed):
        _fail(where, f"{name} {value!r} không thuộc {sorted(allowed)}")
    return value


def _read(path: Path) -> str:
    _require(path.stat().st_size <= MAX_FILE_BYTES, path.name, "tệp quá lớn")
    return path.read_text(encoding="utf-8")


def parse_lesson(text: str, where: str = "bài học") -> LessonSource:
    match = FRONT_MATTER_RE.match(text.replace("\r\n", "\n"))
    if match is None:
        _fail(where, "thiếu phần đầu YAML giữa hai dòng ---")
    meta = yaml.safe_load(match.group(1)) or {}
    if not isinstance(meta, dict):
        _fail(where, "phần đầu YAML phải là một bảng khoá: giá trị")
    body = match.group(2).strip()
    _require(0 < len(body) <= MAX_MARKDOWN_CHARS, where, "nội dung trống hoặc quá dài")
    return LessonSource(
        slug=_slug(meta.get("slug"), where),
        title=_text(meta.get("title"), where, "title", 200),
        topic=_choice(meta.get("topic"), where, "topic", set(Topic.values)),
        minutes=_int(meta.get("minutes"), where, "minutes", 1, 120),
        audience=_choice(meta.get("audience"), where, "audience", set(Audience.values)),
        position=_int(meta.get("order", 100), where, "order", 0, 10_000),
        body=body,
    )


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=lambda: {"lesson": 0, "question": 0, "quiz": 0})
    updated: dict[str, int] = field(default_factory=lambda: {"lesson": 0, "question": 0, "quiz": 0})
    unchanged: dict[str, int] = field(
        default_factory=lambda: {"lesson": 0, "question": 0, "quiz": 0}
    )
    kept_edits: list[str] = field(default_factory=list)


def _edited_in_admin(obj: Lesson | Question | Quiz) -> bool:
    """True when the row differs from what the loader last wrote (an editor changed it)."""
    return bool(obj.loaded_digest) and obj.content_digest() != obj.loaded_digest


def _load_lesson(src: LessonSource, report: LoadReport, force: bool) -> None:
    values = {
        "title": src.title,
        "topic": src.topic,
        "minutes": src.minutes,
        "audience": src.audience,
        "position": src.position,
        "body": src.body,
    }
    lesson = Lesson.objects.filter(slug=src.slug).first()
    if lesson is None:
        lesson = Lesson(slug=src.slug, **values)
        lesson.loaded_digest = lesson.content_digest()
        lesson.save()
        report.created["lesson"] += 1
        return
    if _edited_in_admin(lesson) and not force:
        report.kept_edits.append(f"lesson:{src.slug}")
        return
    before = lesson.content_digest()
    for key, value in values.items():
        setattr(lesson, key, value)
    digest = lesson.content_digest()
    if digest == before == lesson.loaded_digest:
        report.unchanged["lesson"] += 1
        return
    lesson.loaded_digest = digest
    lesson.save()
    report.updated["lesson"] += 1


def _load_row(
    model: type[_Row],
    kind: str,
    slug: str,
    values: dict[str, object],
    *,
    write_related: Callable[[_Row], object],
    report: LoadReport,
    force: bool,
) -> None:
    """Create or update the question or quiz `slug`: its fields from `values`, then its related
    rows through `write_related(row)` (they are part of its digest, so written before it)."""
    row = model.objects.filter(slug=slug).first()
    if row is None:
        row = model.objects.create(slug=slug, **values)
        before = None
    elif _edited_in_admin(row) and not force:
        report.kept_edits.append(f"{kind}:{slug}")
        return
    else:
        before = row.content_digest()
        for key, value in values.items():
            setattr(row, key, value)
        row.save()
    write_related(row)
    row.loaded_digest = row.content_digest()
    row.save(update_fields=["loaded_digest"])
    if before is None:
        report.created[kind] += 1
    elif row.loaded_digest == before:
        report.unchanged[kind] += 1
    else:
        report.updated[kind] += 1


def _question_values(
    item: YamlItem, where: str
) -> tuple[dict[str, object], list[tuple[str, bool]]]:
    kind = _choice(item.get("kind"), where, "kind", set(QuestionKind.values))
    raw_choices = item.get("choices")
    if not (isinstance(raw_choices, list) and 2 <= len(raw_choices) <= 8):
        _fail(where, "cần 2 đến 8 phương án")
    choices = []
    for choice in raw_choices:
        if not isinstance(choice, dict):
            _fail(where, "phương án phải có text và correct")
        choices.append(
            (_text(choice.get("text"), where, "text", 500), choice.get("correct") is True)
        )
    correct = sum(1 for _, ok in choices if ok)
    if kind == QuestionKind.SINGLE:
        _require(correct == 1, where, "câu một đáp án phải có đúng một phương án đúng")
    else:
        _require(1 <= correct < len(choices), where, "câu nhiều đáp án cần 1 đến n-1 đáp án đúng")
    values: dict[str, object] = {
        "topic": _choice(item.get("topic"), where, "topic", set(Topic.values)),
        "difficulty": _choice(item.get("difficulty"), where, "difficulty", set(Difficulty.values)),
        "kind": kind,
        "text": _text(item.get("text"), where, "text", 2000),
        "explanation": _text(item.get("explanation"), where, "explanation", 3000),
    }
    return values, choices


def _load_question(raw: object, report: LoadReport, force: bool) -> None:
    # Not a mapping: no slug either, which is what the error names.
    item: YamlItem = raw if isinstance(raw, dict) else {}
    slug = _slug(item.get("slug"), "questions.yaml")
    values, choices = _question_values(item, f"questions.yaml: {slug}")

    def write_choices(question: Question) -> None:
        # Choices keep their identity by position, so answers in past attempts still point at
        # them.
        existing = {c.position: c for c in question.choices.all()}
        for position, (text, is_correct) in enumerate(choices):
            choice = existing.pop(position, None) or Choice(question=question, position=position)
            if choice.pk is None or (choice.text, choice.is_correct) != (text, is_correct):
                choice.text, choice.is_correct = text, is_correct
                choice.save()
        for extra in existing.values():
            extra.delete()

    _load_row(
        Question, "question", slug, values, write_related=write_choices, report=report, force=force
    )


def _load_quiz(raw: object, report: LoadReport, force: bool) -> None:
    item: YamlItem = raw if isinstance(raw, dict) else {}
    slug = _slug(item.get("slug"), "quizzes.yaml")
    where = f"quizzes.yaml: {slug}"
    fixed_slugs = item.get("fixed") or []
    if not (isinstance(fixed_slugs, list) and len(fixed_slugs) <= 50):
        _fail(where, "fixed: danh sách")
    fixed = list(Question.objects.filter(slug__in=fixed_slugs))
    missing = set(fixed_slugs) - {q.slug for q in fixed}
    _require(not missing, where, f"không có câu hỏi {sorted(missing)}")
    topics = item.get("random_topics") or []
    if not isinstance(topics, list):
        _fail(where, "random_topics: danh sách")
    for topic in topics:
        _choice(topic, where, "random_topics", set(Topic.values))
    description = item.get("description") or ""
    random_count = _int(item.get("random_count", 0), where, "random_count", 0, 50)
    values: dict[str, object] = {
        "title": _text(item.get("title"), where, "title", 200),
        "description": str(description).strip()[:2000],
        "random_count": random_count,
        "random_topics": topics,
        "random_difficulty": _choice(
            item.get("random_difficulty", ""), where, "random_difficulty", {"", *Difficulty.values}
        ),
        "pass_mark": _int(item.get("pass_mark"), where, "pass_mark", 1, 100),
        "max_attempts": _int(item.get("max_attempts"), where, "max_attempts", 1, 20),
        "grading": _choice(item.get("grading"), where, "grading", set(Grading.values)),
        "time_limit_minutes": _int(
            item.get("time_limit_minutes"), where, "time_limit_minutes", 1, 180
        ),
        "is_public": item.get("public") is True,
    }
    _require(fixed or random_count, where, "bài kiểm tra không có câu hỏi nào")
    _load_row(
        Quiz,
        "quiz",
        slug,
        values,
        write_related=lambda quiz: quiz.fixed_questions.set(fixed),
        report=report,
        force=force,
    )


def _yaml_list(path: Path, key: str) -> list[object]:
    if not path.exists():
        return []
    data = yaml.safe_load(_read(path)) or {}
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list):
        _fail(path.name, f"cần {key}:")
    return items


@transaction.atomic
def load_content(directory: Path = CONTENT_DIR, *, force: bool = False) -> LoadReport:
    """Create or update lessons, questions and quizzes by slug. Rows an editor changed in the
    admin since the last load are kept unless `force`. Any error rolls everything back."""
    report = LoadReport()
    sources = []
    for path in sorted((directory / "lessons").glob("*.md")):
        sources.append(parse_lesson(_read(path), where=path.name))
    slugs = [s.slug for s in sources]
    duplicated = {s for s in slugs if slugs.count(s) > 1}
    _require(not duplicated, "lessons", f"trùng mã {sorted(duplicated)}")
    for src in sources:
        _load_lesson(src, report, force)
    for item in _yaml_list(directory / "questions.yaml", "questions"):
        _load_question(item, report, force)
    for item in _yaml_list(directory / "quizzes.yaml", "quizzes"):
        _load_quiz(item, report, force)
    return report
