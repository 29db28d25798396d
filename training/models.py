"""Lessons, the question bank, quizzes, assignments to units, attempts, completion records in
cmi5/xAPI terms, certificates and the anonymous aggregates of citizens' self-learning."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models import Unit, User

from .markup import render_markdown


class Topic(models.TextChoices):
    IMPERSONATION = "impersonation", _("Giả danh công an, viện kiểm sát, toà án")
    BANKING = "banking", _("Tin nhắn ngân hàng giả, trang web mạo danh")
    JOBS = "jobs", _("Việc nhẹ lương cao, làm nhiệm vụ")
    INVESTMENT = "investment", _("Đầu tư tài chính, tiền ảo")
    ACCOUNT_HIJACK = "account_hijack", _("Tài khoản bị chiếm, nhờ chuyển tiền")
    DEEPFAKE = "deepfake", _("Cuộc gọi giả mạo bằng deepfake")
    BILLS_SIM = "bills_sim", _("Hoá đơn giả, cuộc gọi doạ khoá SIM")
    AFTER_SCAM = "after_scam", _("Xử lý khi đã bị lừa")
    PASSWORDS = "passwords", _("Mật khẩu")
    TWO_FACTOR = "two_factor", _("Xác thực hai lớp, khôi phục tài khoản")
    PERSONAL_DATA = "personal_data", _("Bảo vệ dữ liệu cá nhân")
    SOCIAL_CONDUCT = "social_conduct", _("Ứng xử trên mạng xã hội")
    WORK_SECURITY = "work_security", _("Thư điện tử, thiết bị công vụ")
    PLATFORM = "platform", _("Kiểm tra, tố giác trên Cảnh Giác")


class Audience(models.TextChoices):
    ALL = "all", _("Mọi người")
    CITIZEN = "citizen", _("Người dân")
    STAFF = "staff", _("Cán bộ")


class Difficulty(models.TextChoices):
    EASY = "easy", _("Dễ")
    MEDIUM = "medium", _("Trung bình")
    HARD = "hard", _("Khó")


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Một đáp án đúng")
    MULTIPLE = "multiple", _("Nhiều đáp án đúng")


class Grading(models.TextChoices):
    HIGHEST = "highest", _("Lấy lần điểm cao nhất")
    LAST = "last", _("Lấy lần làm cuối cùng")


def digest_of(values: Mapping[str, object]) -> str:
    """A stable fingerprint of content as loaded from files; tells later whether an editor
    changed the row in the admin since (then a reload leaves it alone)."""
    raw = json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


class LessonQuerySet(models.QuerySet["Lesson"]):
    def published(self) -> LessonQuerySet:
        return self.filter(is_published=True)

    def for_citizens(self) -> LessonQuerySet:
        return self.published().filter(audience__in=[Audience.ALL, Audience.CITIZEN])


class Lesson(models.Model):
    slug = models.SlugField(_("mã bài"), max_length=100, unique=True)
    title = models.CharField(_("tiêu đề"), max_length=200)
    topic = models.CharField(_("chủ đề"), max_length=32, choices=Topic.choices)
    minutes = models.PositiveSmallIntegerField(
        _("số phút đọc"), validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    audience = models.CharField(_("đối tượng"), max_length=16, choices=Audience.choices)
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=100)
    body = models.TextField(_("nội dung (Markdown)"), max_length=50_000)
    is_published = models.BooleanField(_("đã đăng"), default=True)
    loaded_digest = models.CharField(max_length=64, blank=True, editable=False)
    updated_at = models.DateTimeField(_("cập nhật"), auto_now=True)

    objects = LessonQuerySet.as_manager()

    class Meta:
        verbose_name = _("bài học")
        verbose_name_plural = _("bài học")
        ordering = ["position", "title"]

    def __str__(self) -> str:
        return self.title

    def body_html(self) -> str:
        return render_markdown(self.body)

    def content_digest(self) -> str:
        return digest_of(
            {
                "title": self.title,
                "topic": self.topic,
                "minutes": self.minutes,
                "audience": self.audience,
                "position": self.position,
                "body": self.body,
            }
        )


class QuestionQuerySet(models.QuerySet["Question"]):
    def active(self) -> QuestionQuerySet:
        return self.filter(is_active=True)


class Question(models.Model):
    slug = models.SlugField(_("mã câu hỏi"), max_length=100, unique=True)
    topic = models.CharField(_("chủ đề"), max_length=32, choices=Topic.choices)
    difficulty = models.CharField(_("độ khó"), max_length=8, choices=Difficulty.choices)
    kind = models.CharField(_("loại"), max_length=8, choices=QuestionKind.choices)
    text = models.TextField(_("câu hỏi"), max_length=2000)
    explanation = models.TextField(_("giải thích"), max_length=3000)
    is_active = models.BooleanField(_("đang dùng"), default=True)
    loaded_digest = models.CharField(max_length=64, blank=True, editable=False)

    objects = QuestionQuerySet.as_manager()
    # Not a field: the choice ids a person ticked, set on the questions of a quiz form by
    # services.questions_answered so the form shows them again.
    chosen: list[int]

    class Meta:
        verbose_name = _("câu hỏi")
        verbose_name_plural = _("ngân hàng câu hỏi")
        ordering = ["topic", "slug"]

    def __str__(self) -> str:
        return self.text[:80]

    def content_digest(self) -> str:
        return digest_of(
            {
                "topic": self.topic,
                "difficulty": self.difficulty,
                "kind": self.kind,
                "text": self.text,
                "explanation": self.explanation,
                "choices": [[c.text, c.is_correct] for c in self.choices.order_by("position")],
            }
        )

    def correct_choice_ids(self) -> set[int]:
        return {c.pk for c in self.choices.all() if c.is_correct}


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("phương án"), max_length=500)
    is_correct = models.BooleanField(_("đúng"), default=False)
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("phương án")
        verbose_name_plural = _("phương án")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class Quiz(models.Model):
    slug = models.SlugField(_("mã bài kiểm tra"), max_length=100, unique=True)
    title = models.CharField(_("tên bài kiểm tra"), max_length=200)
    description = models.TextField(_("mô tả"), max_length=2000, blank=True)
    fixed_questions = models.ManyToManyField(
        Question, verbose_name=_("câu hỏi cố định"), blank=True, related_name="+"
    )
    random_count = models.PositiveSmallIntegerField(
        _("số câu rút ngẫu nhiên"), default=0, validators=[MaxValueValidator(50)]
    )
    random_topics = models.JSONField(
        _("chủ đề rút ngẫu nhiên"),
        default=list,
        blank=True,
        help_text=_('Danh sách mã chủ đề, ví dụ ["banking", "jobs"]; để trống: mọi chủ đề.'),
    )
    random_difficulty = models.CharField(
        _("độ khó khi rút"), max_length=8, choices=Difficulty.choices, blank=True
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("điểm đạt (%)"), default=70, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("số lần làm tối đa"), default=3, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    grading = models.CharField(
        _("cách tính kết quả"), max_length=8, choices=Grading.choices, default=Grading.HIGHEST
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("thời gian làm bài (phút)"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(180)],
    )
    is_public = models.BooleanField(_("người dân tự kiểm tra được"), default=False)
    loaded_digest = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("bài kiểm tra")
        verbose_name_plural = _("bài kiểm tra")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def content_digest(self) -> str:
        return digest_of(
            {
                "title": self.title,
                "description": self.description,
                "fixed": sorted(self.fixed_questions.values_list("slug", flat=True)),
                "random_count": self.random_count,
                "random_topics": self.random_topics,
                "random_difficulty": self.random_difficulty,
                "pass_mark": self.pass_mark,
                "max_attempts": self.max_attempts,
                "grading": self.grading,
                "time_limit_minutes": self.time_limit_minutes,
                "is_public": self.is_public,
            }
        )

    def draw_question_ids(self) -> list[int]:
        """Fixed questions plus `random_count` drawn from the active bank, in a random order.
        Drawn with the OS's randomness so that nobody can predict the next set."""
        rng = secrets.SystemRandom()
        fixed = list(self.fixed_questions.active().values_list("pk", flat=True))
        pool = Question.objects.active().exclude(pk__in=fixed)
        if self.random_topics:
            pool = pool.filter(topic__in=self.random_topics)
        if self.random_difficulty:
            pool = pool.filter(difficulty=self.random_difficulty)
        candidates = list(pool.values_list("pk", flat=True))
        drawn = rng.sample(candidates, min(self.random_count, len(candidates)))
        ids = fixed + drawn
        rng.shuffle(ids)
        return ids

    @property
    def time_limit(self) -> timedelta:
        return timedelta(minutes=self.time_limit_minutes)


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    def to_units(self) -> AssignmentQuerySet:
        return self.filter(person__isnull=True)

    def covering(self, unit: Unit | None) -> AssignmentQuerySet:
        """Unit assignments given to `unit` or to any unit above it (one query on path
        prefixes). One person's assignments are not among them: see `reaching`."""
        if unit is None:
            return self.none()
        step = Unit.steplen
        prefixes = [unit.path[:i] for i in range(step, len(unit.path) + 1, step)]
        return self.to_units().filter(unit__path__in=prefixes)

    def reaching(self, user: User) -> AssignmentQuerySet:
        """What `user` has to learn: their units' assignments and those given to them alone."""
        return self.covering(user.home_unit) | self.filter(person=user)

    def relevant_to(self, units: QuerySet[Unit]) -> AssignmentQuerySet:
        """Assignments that reach somebody in `units` (a scope from units_for): given inside the
        scope, or given above it (a province assignment reaches a district's people); and those
        given to one person whose home unit is in the scope, wherever they were given."""
        paths = list(units.values_list("path", flat=True))
        step = Unit.steplen
        prefixes = {p[:i] for p in paths for i in range(step, len(p) + 1, step)}
        return self.filter(
            models.Q(person__isnull=True, unit__path__in=prefixes)
            | models.Q(person__home_unit__in=units)
        )


class Assignment(models.Model):
    """Lessons and a quiz given to a unit and every unit below it, with a deadline; or, when
    `person` is set, to that one person alone (the lesson after a slip in a phishing drill),
    `unit` then being their home unit on the day it was given."""

    title = models.CharField(_("tên khoá học"), max_length=200)
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("giao riêng cho"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="personal_assignments",
    )
    lessons = models.ManyToManyField(Lesson, verbose_name=_("bài học"), blank=True)
    quiz = models.ForeignKey(
        Quiz, verbose_name=_("bài kiểm tra"), null=True, blank=True, on_delete=models.PROTECT
    )
    deadline = models.DateTimeField(_("hạn hoàn thành"))
    note = models.TextField(_("ghi chú"), max_length=1000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("giao bài")
        verbose_name_plural = _("giao bài")
        ordering = ["-deadline", "-pk"]

    def __str__(self) -> str:
        return f"{self.title} · {self.unit}"

    def people(self) -> QuerySet[User]:
        """Active people whose home unit is this unit or lies below it; or the one person."""
        if self.person_id is not None:
            return User.objects.filter(is_active=True, pk=self.person_id)
        return User.objects.filter(is_active=True, home_unit__path__startswith=self.unit.path)

    def reaches(self, person: User) -> bool:
        """Whether `person` has this to learn (their home unit is within the unit, or it was
        given to them alone)."""
        if self.person_id is not None:
            return person.pk == self.person_id
        home = person.home_unit
        return home is not None and home.path.startswith(self.unit.path)

    def is_overdue(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) > self.deadline


class AttemptStatus(models.TextChoices):
    OPEN = "open", _("Đang làm")
    SUBMITTED = "submitted", _("Đã nộp")
    EXPIRED = "expired", _("Hết giờ")


def new_token() -> str:
    return secrets.token_urlsafe(24)


class AttemptQuerySet(models.QuerySet["Attempt"]):
    def closed(self) -> AttemptQuerySet:
        return self.exclude(status=AttemptStatus.OPEN)


class Attempt(models.Model):
    """One sitting of a quiz by a staff member. The question set is drawn at the start and kept
    here, so answers are graded against what was shown, never against what is posted."""

    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_attempts"
    )
    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="attempts", null=True, blank=True
    )
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    number = models.PositiveSmallIntegerField(_("lần thứ"))
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=AttemptStatus.choices, default=AttemptStatus.OPEN
    )
    question_ids = models.JSONField(default=list)
    answers = models.JSONField(default=dict, blank=True)
    results = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    score_raw = models.PositiveSmallIntegerField(null=True, blank=True)
    score_max = models.PositiveSmallIntegerField(null=True, blank=True)
    passed = models.BooleanField(null=True)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        verbose_name = _("lần làm bài")
        verbose_name_plural = _("lần làm bài")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["user", "assignment", "quiz"])]

    def __str__(self) -> str:
        return f"{self.quiz} · {self.user} · {self.number}"

    @property
    def percent(self) -> int | None:
        if self.score_raw is None or not self.score_max:
            return None if self.score_raw is None else 0
        return round(100 * self.score_raw / self.score_max)

    @property
    def score_scaled(self) -> float | None:
        if self.score_raw is None or not self.score_max:
            return None
        return round(self.score_raw / self.score_max, 4)

    def duration(self) -> timedelta:
        end = min(self.submitted_at or self.deadline, self.deadline)
        return max(end - self.started_at, timedelta(0))


class LessonRead(models.Model):
    """A staff member finished reading a lesson (counts for every assignment containing it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lessons_read"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="training_lesson_read_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.lesson}"


class Verb(models.TextChoices):
    """The last significant xAPI verb of a completion record (ADL / cmi5 vocabulary)."""

    LAUNCHED = "launched", _("Đang học")
    COMPLETED = "completed", _("Đã học xong")
    PASSED = "passed", _("Đạt")
    FAILED = "failed", _("Chưa đạt")


VERB_IRIS: dict[str, str] = {
    Verb.LAUNCHED: "http://adlnet.gov/expapi/verbs/launched",
    Verb.COMPLETED: "http://adlnet.gov/expapi/verbs/completed",
    Verb.PASSED: "http://adlnet.gov/expapi/verbs/passed",
    Verb.FAILED: "http://adlnet.gov/expapi/verbs/failed",
}


class Completion(models.Model):
    """Where one person stands on one assignment, in cmi5/xAPI terms: `registration`,
    `verb`, result.completion / result.success / result.score / result.duration and the
    `timestamp` of the last statement; `satisfied` is cmi5's move-on criterion (lessons read and
    the quiz, if any, passed)."""

    registration = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_completions"
    )
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="completions")
    verb = models.CharField(_("kết quả"), max_length=12, choices=Verb.choices)
    completion = models.BooleanField(_("đã học xong"), default=False)
    success = models.BooleanField(_("đạt"), null=True)
    satisfied = models.BooleanField(_("đã hoàn thành"), default=False)
    score_raw = models.PositiveSmallIntegerField(null=True, blank=True)
    score_min = models.PositiveSmallIntegerField(default=0)
    score_max = models.PositiveSmallIntegerField(null=True, blank=True)
    score_scaled = models.FloatField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("số lần làm"), default=0)
    duration = models.DurationField(_("thời gian làm bài"), default=timedelta)
    launched_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    timestamp = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("kết quả học tập")
        verbose_name_plural = _("kết quả học tập")
        constraints = [
            models.UniqueConstraint(fields=["user", "assignment"], name="training_completion_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.assignment} · {self.verb}"


class ReminderSent(models.Model):
    """One deadline reminder per person and assignment; the row prevents a second mail."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "user"], name="training_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.assignment}"


# No 0/O, 1/I/L: the code is read aloud and typed from paper.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12  # 31**12 ~ 2**59: not guessable by trying


def new_certificate_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class Certificate(models.Model):
    code = models.CharField(
        _("mã xác minh"), max_length=16, unique=True, default=new_certificate_code, editable=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_certificates"
    )
    assignment = models.ForeignKey(
        Assignment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Copies taken at issue: the certificate says what was true that day.
    holder_name = models.CharField(_("họ và tên"), max_length=200)
    course_title = models.CharField(_("khoá học"), max_length=200)
    issuer_name = models.CharField(_("đơn vị cấp"), max_length=200, blank=True)
    signer_name = models.CharField(_("người ký"), max_length=200, blank=True)
    signer_title = models.CharField(_("chức danh người ký"), max_length=200, blank=True)
    issued_at = models.DateTimeField(_("ngày cấp"), default=timezone.now)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("chứng nhận")
        verbose_name_plural = _("chứng nhận")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "assignment"],
                condition=models.Q(assignment__isnull=False),
                name="training_certificate_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.holder_name}"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None


class PublicQuizStat(models.Model):
    """Citizens' self-tests, counted per quiz and day. Never a row per person, no address."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="public_stats")
    day = models.DateField()
    attempts = models.PositiveIntegerField(default=0)
    passes = models.PositiveIntegerField(default=0)
    percent_sum = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("thống kê tự học của người dân")
        verbose_name_plural = _("thống kê tự học của người dân")
        constraints = [
            models.UniqueConstraint(fields=["quiz", "day"], name="training_public_stat_day")
        ]

    def __str__(self) -> str:
        return f"{self.quiz} · {self.day}"
