from typing import Any, cast

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from orgs.models import User

from .models import (
    Assignment,
    Certificate,
    Choice,
    Completion,
    Lesson,
    PublicQuizStat,
    Question,
    Quiz,
)
from .services import revoke_certificate


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin[Lesson]):
    list_display = ["title", "slug", "topic", "audience", "minutes", "is_published", "updated_at"]
    list_filter = ["topic", "audience", "is_published"]
    search_fields = ["title", "slug", "body"]
    readonly_fields = ["preview", "updated_at"]
    fields = [
        "title", "slug", "topic", "audience", "minutes", "position", "is_published", "body",
        "preview", "updated_at",
    ]  # fmt: skip

    @admin.display(description=_("Xem trước (đã lọc an toàn, theo nội dung đã lưu)"))
    def preview(self, obj: Lesson) -> str:
        if obj.pk is None:
            return _("Lưu bài để xem trước.")
        # body_html is Markdown run through the nh3 sanitiser: the same HTML the site shows.
        return format_html('<div class="lesson-preview">{}</div>', obj.body_html())


class ChoiceInline(admin.TabularInline[Choice, Question]):
    model = Choice
    extra = 0
    min_num = 2
    max_num = 8


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin[Question]):
    list_display = ["slug", "topic", "difficulty", "kind", "is_active"]
    list_filter = ["topic", "difficulty", "kind", "is_active"]
    search_fields = ["slug", "text"]
    inlines = [ChoiceInline]


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin[Quiz]):
    list_display = ["title", "slug", "pass_mark", "max_attempts", "grading", "is_public"]
    filter_horizontal = ["fixed_questions"]
    search_fields = ["title", "slug"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin[Assignment]):
    list_display = ["title", "unit", "quiz", "deadline", "created_by"]
    autocomplete_fields = ["unit"]
    raw_id_fields = ["person"]  # a drill follow-up's one person: no list of every user
    filter_horizontal = ["lessons"]
    readonly_fields = ["created_by", "created_at"]

    # `form` as Django's admin passes it (a ModelForm class made at run time).
    def save_model(self, request: HttpRequest, obj: Assignment, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = cast(User, request.user)  # the admin lets only staff in
        super().save_model(request, obj, form, change)


@admin.register(Completion)
class CompletionAdmin(admin.ModelAdmin[Completion]):
    list_display = ["user", "assignment", "verb", "satisfied", "score_scaled", "attempts"]
    list_filter = ["verb", "satisfied"]
    search_fields = ["user__username", "assignment__title"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # records follow from what people do, never typed in

    def has_change_permission(self, request: HttpRequest, obj: Completion | None = None) -> bool:
        return False


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin[Certificate]):
    list_display = ["code", "holder_name", "course_title", "issued_at", "revoked_at"]
    search_fields = ["code", "holder_name", "course_title"]
    readonly_fields = ["code", "user", "assignment", "holder_name", "course_title", "issued_at"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Thu hồi các chứng nhận đã chọn"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[Certificate]) -> None:
        for certificate in queryset:
            revoke_certificate(certificate=certificate)
        self.message_user(request, _("Đã thu hồi."), messages.SUCCESS)


@admin.register(PublicQuizStat)
class PublicQuizStatAdmin(admin.ModelAdmin[PublicQuizStat]):
    list_display = ["quiz", "day", "attempts", "passes", "percent_sum"]
    list_filter = ["quiz"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: PublicQuizStat | None = None
    ) -> bool:
        return False
