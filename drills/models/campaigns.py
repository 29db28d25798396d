"""What a drill is made of: the mail template, the landing page, the sending profile and the
campaign that ties them to target units or chosen people, with its approval and audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from lib.crypto import decrypt_text, encrypt_text
from orgs.models import Unit, User
from training.models import Lesson, Topic

# What the SMTP password's key is derived for (lib.crypto): also in migration 0002.
PROFILE_CRYPTO_PURPOSE = "drills.SendingProfile"

# Placeholders a template body may hold; replaced by `Template.render` (plain replacement: a
# template is text written by staff, never a Django template that could reach the context).
PLACEHOLDERS = ("{{name}}", "{{unit}}", "{{link}}")


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


class Template(models.Model):
    """A drill mail. Difficulty and cues are written down so results are read next to them."""

    slug = models.SlugField(_("mã mẫu"), max_length=80, unique=True)
    name = models.CharField(_("tên mẫu"), max_length=200)
    subject = models.CharField(_("tiêu đề thư"), max_length=200)
    sender_name = models.CharField(_("tên người gửi"), max_length=120)
    sender_local_part = models.CharField(
        _("phần trước @ của địa chỉ gửi"), max_length=64, default="thongbao"
    )
    html_body = models.TextField(_("nội dung HTML"), max_length=50_000)
    text_body = models.TextField(_("nội dung văn bản"), max_length=50_000)
    difficulty = models.PositiveSmallIntegerField(
        _("độ khó (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    # One cue a line: what a careful reader could have spotted; shown to whoever clicks.
    cues = models.TextField(_("dấu hiệu nhận biết (mỗi dòng một dấu hiệu)"), max_length=5_000)
    lesson_topic = models.CharField(
        _("chủ đề bài học bổ trợ"),
        max_length=32,
        choices=Topic.choices,
        default=Topic.WORK_SECURITY,
    )
    lesson = models.ForeignKey(
        Lesson,
        verbose_name=_("bài học bổ trợ"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(_("đang dùng"), default=True)
    loaded_digest = models.CharField(max_length=64, blank=True, editable=False)
    updated_at = models.DateTimeField(_("cập nhật"), auto_now=True)

    class Meta:
        verbose_name = _("mẫu thư diễn tập")
        verbose_name_plural = _("mẫu thư diễn tập")
        ordering = ["difficulty", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.difficulty}/5)"

    def cue_list(self) -> list[str]:
        return [line.strip() for line in self.cues.splitlines() if line.strip()]

    def follow_up_lesson(self) -> Lesson | None:
        """The lesson a person who clicked is given: the chosen one, else the first published
        lesson on the template's topic (templates may be loaded before training's content)."""
        if self.lesson is not None and self.lesson.is_published:
            return self.lesson
        return Lesson.objects.published().filter(topic=self.lesson_topic).first()

    def render(self, *, name: str, unit: str, link: str) -> RenderedMail:
        """The mail for one person; values are escaped in the HTML part."""

        def fill(body: str, quote: bool) -> str:
            values = {"{{name}}": name, "{{unit}}": unit, "{{link}}": link}
            for key, value in values.items():
                body = body.replace(key, escape(value) if quote else value)
            return body

        return RenderedMail(
            subject=fill(self.subject, False),
            text=fill(self.text_body, False),
            html=fill(self.html_body, True),
        )


class LandingPage(models.Model):
    """A look-alike page. Its HTML is sanitised when saved (services); its form never posts
    what is typed: the page's own script only reports "submitted"."""

    slug = models.SlugField(_("mã trang"), max_length=80, unique=True)
    name = models.CharField(_("tên trang"), max_length=200)
    html = models.TextField(_("nội dung HTML (đã làm sạch)"), max_length=50_000)
    is_active = models.BooleanField(_("đang dùng"), default=True)
    loaded_digest = models.CharField(max_length=64, blank=True, editable=False)
    updated_at = models.DateTimeField(_("cập nhật"), auto_now=True)

    class Meta:
        verbose_name = _("trang đích")
        verbose_name_plural = _("trang đích")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SendingProfile(models.Model):
    """Where drill mail leaves from. The unit scopes who may use it."""

    name = models.CharField(_("tên"), max_length=120)
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="+"
    )
    smtp_host = models.CharField(_("máy chủ SMTP"), max_length=255, default="127.0.0.1")
    smtp_port = models.PositiveIntegerField(_("cổng SMTP"), default=25)
    smtp_username = models.CharField(_("tài khoản SMTP"), max_length=255, blank=True)
    # Encrypted (lib/crypto.py): the database and its backups never hold the clear password.
    smtp_password_encrypted = models.TextField(_("mật khẩu SMTP (đã mã hoá)"), blank=True)
    use_tls = models.BooleanField(_("dùng STARTTLS"), default=False)
    sender_domain = models.CharField(_("tên miền gửi"), max_length=255)

    class Meta:
        verbose_name = _("cấu hình gửi thư")
        verbose_name_plural = _("cấu hình gửi thư")

    def __str__(self) -> str:
        return f"{self.name} ({self.sender_domain})"

    @property
    def has_smtp_password(self) -> bool:
        return bool(self.smtp_password_encrypted)

    def set_smtp_password(self, password: str) -> None:
        """Store `password` encrypted ("" clears it); the caller saves."""
        self.smtp_password_encrypted = (
            encrypt_text(password, purpose=PROFILE_CRYPTO_PURPOSE) if password else ""
        )

    def smtp_password(self) -> str:
        """The clear password, for the SMTP login only (raises lib.crypto.CredentialsUnreadable
        when the key it was encrypted with is gone)."""
        return decrypt_text(self.smtp_password_encrypted, purpose=PROFILE_CRYPTO_PURPOSE)


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    AWAITING_APPROVAL = "awaiting_approval", _("Chờ phê duyệt")
    APPROVED = "approved", _("Đã phê duyệt")
    SENDING = "sending", _("Đang gửi")
    PAUSED = "paused", _("Tạm dừng")
    STOPPED = "stopped", _("Đã dừng")
    DONE = "done", _("Hoàn thành")


# Statuses in which mail may go out; the sender checks this before every message.
SENDABLE_STATUSES = frozenset({CampaignStatus.APPROVED, CampaignStatus.SENDING})


class CampaignQuerySet(models.QuerySet["Campaign"]):
    def sendable(self) -> CampaignQuerySet:
        """Approved by a manager (approved_by set) and not paused, stopped or done."""
        return self.filter(status__in=SENDABLE_STATUSES, approved_by__isnull=False)

    def touching(self, units: models.QuerySet[Unit]) -> CampaignQuerySet:
        """Campaigns whose owning unit lies in `units` (a staff scope)."""
        return self.filter(unit__in=units)


def _default_start() -> time:
    return time(8, 0)


def _default_end() -> time:
    return time(16, 30)


class Campaign(models.Model):
    name = models.CharField(_("tên đợt diễn tập"), max_length=200)
    # The unit the campaign belongs to: the scope in which it is seen and managed.
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị tổ chức"), on_delete=models.PROTECT, related_name="+"
    )
    template = models.ForeignKey(
        Template, verbose_name=_("mẫu thư"), on_delete=models.PROTECT, related_name="campaigns"
    )
    landing_page = models.ForeignKey(
        LandingPage,
        verbose_name=_("trang đích"),
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    sending_profile = models.ForeignKey(
        SendingProfile,
        verbose_name=_("cấu hình gửi thư"),
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    target_units = models.ManyToManyField(
        Unit, verbose_name=_("đơn vị nhận"), blank=True, related_name="+"
    )
    chosen_people = models.ManyToManyField(
        User, verbose_name=_("người nhận được chọn"), blank=True, related_name="+"
    )
    # Send window: dates, and daily working hours in Asia/Ho_Chi_Minh, weekdays only.
    window_start = models.DateField(_("gửi từ ngày"))
    window_end = models.DateField(_("gửi đến ngày"))
    day_start = models.TimeField(_("giờ bắt đầu trong ngày"), default=_default_start)
    day_end = models.TimeField(_("giờ kết thúc trong ngày"), default=_default_end)
    status = models.CharField(
        _("trạng thái"),
        max_length=20,
        choices=CampaignStatus.choices,
        default=CampaignStatus.DRAFT,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người chuẩn bị"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    submitted_at = models.DateTimeField(_("gửi duyệt lúc"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người phê duyệt"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("phê duyệt lúc"), null=True, blank=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("đợt diễn tập")
        verbose_name_plural = _("đợt diễn tập")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_sendable(self) -> bool:
        return self.status in SENDABLE_STATUSES and self.approved_by_id is not None


class CampaignAction(models.TextChoices):
    PREPARED = "prepared", _("Chuẩn bị")
    SUBMITTED = "submitted", _("Gửi phê duyệt")
    APPROVED = "approved", _("Phê duyệt")
    REJECTED = "rejected", _("Trả lại")
    PAUSED = "paused", _("Tạm dừng")
    RESUMED = "resumed", _("Tiếp tục")
    STOPPED = "stopped", _("Dừng hẳn")
    DONE = "done", _("Hoàn thành")


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete a campaign log entry."""


class CampaignLogQuerySet(models.QuerySet["CampaignLog"]):
    def update(self, **kwargs: object) -> int:
        raise AppendOnlyError("append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("append-only")


class CampaignLog(models.Model):
    """Who did what to a campaign and when: the approval record and the audit log (append-only)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("đợt diễn tập"), on_delete=models.PROTECT, related_name="log"
    )
    at = models.DateTimeField(_("lúc"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("người thực hiện"), max_length=150)
    action = models.CharField(_("thao tác"), max_length=16, choices=CampaignAction.choices)
    from_status = models.CharField(max_length=20, choices=CampaignStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=CampaignStatus.choices)
    note = models.TextField(_("ghi chú"), max_length=2_000, blank=True)

    objects = CampaignLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("nhật ký đợt diễn tập")
        verbose_name_plural = _("nhật ký đợt diễn tập")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.get_action_display()} · {self.actor_label}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise AppendOnlyError("append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("append-only")
