"""Citizen reports, their evidence, cases (reports grouped by indicator), listing proposals under
the four-eyes rule, appeals of listed owners, and the append-only audit log."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators.models import Category, Indicator, Risk, Status
from orgs.models import Unit

# Tracking codes: 12 characters without the easily confused 0/O, 1/I/L: about 59 bits.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12


def new_tracking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def clean_tracking_code(raw: str) -> str:
    """What people type back: lower case, spaces or dashes between groups."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())[:32]


class Channel(models.TextChoices):
    CALL = "call", _("Cuộc gọi điện thoại")
    SMS = "sms", _("Tin nhắn SMS")
    ZALO = "zalo", _("Zalo")
    FACEBOOK = "facebook", _("Facebook, Messenger")
    TELEGRAM = "telegram", _("Telegram")
    WEBSITE = "website", _("Trang web")
    EMAIL = "email", _("Email")
    IN_PERSON = "in_person", _("Gặp trực tiếp")
    OTHER = "other", _("Khác")


class ScamType(models.TextChoices):
    """The typologies the police and the press use for scams in Viet Nam."""

    IMPERSONATION_AUTHORITY = (
        "impersonation_authority",
        _("Giả danh công an, viện kiểm sát, toà án"),
    )
    FAKE_BANK_SMS = "fake_bank_sms", _("Tin nhắn giả mạo ngân hàng")
    FAKE_WEBSITE = "fake_website", _("Trang web giả mạo ngân hàng, cơ quan")
    JOB_TASK = "job_task", _("Việc nhẹ lương cao, làm nhiệm vụ")
    INVESTMENT = "investment", _("Đầu tư, tiền ảo")
    ROMANCE = "romance", _("Làm quen, hẹn hò, tình cảm")
    FAKE_SHOP = "fake_shop", _("Bán hàng giả, phí giao hàng")
    LOAN_APP = "loan_app", _("Ứng dụng cho vay")
    HIJACKED_ACCOUNT = "hijacked_account", _("Tài khoản bị chiếm, nhắn hỏi vay tiền")
    FAKE_BILL = "fake_bill", _("Báo cước, khoá SIM, cập nhật định danh giả")
    DEEPFAKE = "deepfake", _("Cuộc gọi video giả (deepfake)")
    OTHER = "other", _("Khác")


class Source(models.TextChoices):
    FORM = "form", _("Biểu mẫu trên web")
    API = "api", _("API đối tác")
    ZALO = "zalo", _("Zalo OA")
    CHAT = "chat", _("Trò chuyện qua đối tác")


class Report(models.Model):
    """One citizen's report. Contact fields and evidence are personal data: only verifiers of
    the report's unit see them, and they are blanked after the retention period."""

    tracking_code = models.CharField(_("mã theo dõi"), max_length=16, unique=True)
    channel = models.CharField(_("kênh"), max_length=16, choices=Channel.choices)
    scam_type = models.CharField(_("hình thức lừa đảo"), max_length=32, choices=ScamType.choices)
    description = models.TextField(_("sự việc"), blank=True)
    message_text = models.TextField(_("nội dung tin nhắn"), blank=True)
    indicators = models.ManyToManyField(
        Indicator, verbose_name=_("dấu hiệu"), related_name="reports", blank=True
    )
    money_lost = models.PositiveBigIntegerField(_("số tiền bị mất (đồng)"), null=True, blank=True)
    lost_on = models.DateField(_("ngày bị mất tiền"), null=True, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("nơi người tố giác sống"), on_delete=models.PROTECT, related_name="+"
    )
    contact_name = models.CharField(_("họ tên"), max_length=100, blank=True)
    contact_phone = models.CharField(_("số điện thoại liên hệ"), max_length=20, blank=True)
    contact_email = models.EmailField(_("email liên hệ"), max_length=254, blank=True)
    consent_to_contact = models.BooleanField(_("đồng ý được liên hệ"), default=False)
    source = models.CharField(_("nguồn"), max_length=8, choices=Source.choices)
    partner_key = models.ForeignKey(
        "orgs.PartnerKey", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A retried submission (same scope and key) is stored once; see submission.submit_report.
    idempotency_scope = models.CharField(max_length=80, blank=True, editable=False)
    idempotency_key = models.CharField(max_length=100, blank=True, editable=False)
    # SHA-256 of what was submitted: the same key with other content is a conflict, not a retry.
    idempotency_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    # The (kind, canonical value) pairs the reporter named. The request stores them and the
    # filing task (services.file_report) records them as indicators and files the report into
    # cases; filed_at says it did, so that a second run of the task does nothing.
    indicator_keys = models.JSONField(default=list, blank=True, editable=False)
    filed_at = models.DateTimeField(_("đã xếp vào hồ sơ lúc"), null=True, blank=True)
    created_at = models.DateTimeField(_("gửi lúc"), default=timezone.now, db_index=True)
    purged_at = models.DateTimeField(_("đã xoá dữ liệu cá nhân lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("tố giác")
        verbose_name_plural = _("tố giác")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_scope", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="report_idempotency_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} · {self.get_scam_type_display()}"

    @property
    def has_contact(self) -> bool:
        return bool(self.contact_name or self.contact_phone or self.contact_email)


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Đang mở")
    CLOSED = "closed", _("Đã đóng")
    MERGED = "merged", _("Đã gộp vào hồ sơ khác")


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, units: QuerySet[Unit]) -> CaseQuerySet:
        """Cases whose unit, or the unit of one of whose reports, lies in `units`."""
        ids = self.filter(Q(unit__in=units) | Q(reports__unit__in=units)).values("pk")
        return self.filter(pk__in=ids)


class Case(models.Model):
    """Reports about the same indicators. An indicator belongs to one case at most; a report
    belongs to every case that holds one of its indicators (or to its own case when it names
    none). The unit is the lowest unit that covers every report's unit."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("trạng thái"), max_length=8, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    indicators: models.ManyToManyField[Indicator, CaseIndicator] = models.ManyToManyField(
        Indicator, through="CaseIndicator", related_name="cases", verbose_name=_("dấu hiệu")
    )
    reports = models.ManyToManyField(Report, related_name="cases", verbose_name=_("tố giác"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("xác minh viên phụ trách"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Figures kept on the row so that the queue sorts and filters without aggregating.
    report_count = models.PositiveIntegerField(_("số tố giác"), default=0)
    money_lost = models.PositiveBigIntegerField(_("tổng tiền bị mất"), default=0)
    latest_report_at = models.DateTimeField(_("tố giác mới nhất"), null=True, blank=True)
    scam_types = models.JSONField(default=list, blank=True)
    # Set by the detection app (0..1); it adds to the priority. See services.compute_priority.
    risk_score = models.FloatField(_("điểm rủi ro tự động"), default=0.0)
    priority = models.IntegerField(_("mức ưu tiên"), default=0, db_index=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    closed_at = models.DateTimeField(_("đóng lúc"), null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        ordering = ["-priority", "-latest_report_at"]

    def __str__(self) -> str:
        return f"#{self.pk}"


class CaseIndicator(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="case_indicators")
    indicator = models.OneToOneField(Indicator, on_delete=models.PROTECT, related_name="case_link")

    class Meta:
        verbose_name = _("dấu hiệu của hồ sơ")
        verbose_name_plural = _("dấu hiệu của hồ sơ")

    def __str__(self) -> str:
        return f"#{self.case_id}: {self.indicator_id}"


class CaseNote(models.Model):
    """An internal note; never shown outside the staff pages."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("ghi chú"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("ghi chú nội bộ")
        verbose_name_plural = _("ghi chú nội bộ")

    def __str__(self) -> str:
        return f"#{self.case_id} · {self.created_at:%Y-%m-%d %H:%M}"


class ProposalAction(models.TextChoices):
    LIST = "list", _("Đưa vào danh sách cảnh báo")
    DELIST = "delist", _("Gỡ khỏi danh sách cảnh báo")


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Chờ xác nhận")
    CONFIRMED = "confirmed", _("Đã xác nhận")
    REJECTED = "rejected", _("Bị từ chối")


class ListingProposal(models.Model):
    """Four eyes: one verifier proposes a listing or delisting, another confirms it."""

    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="proposals"
    )
    appeal = models.ForeignKey(
        "Appeal", null=True, blank=True, on_delete=models.PROTECT, related_name="proposals"
    )
    action = models.CharField(_("đề xuất"), max_length=8, choices=ProposalAction.choices)
    indicators = models.ManyToManyField(Indicator, related_name="+", verbose_name=_("dấu hiệu"))
    category = models.CharField(_("phân loại"), max_length=20, choices=Category.choices, blank=True)
    risk = models.CharField(_("mức rủi ro"), max_length=10, choices=Risk.choices, blank=True)
    public_reason = models.TextField(_("lý do công bố"))
    expires_at = models.DateTimeField(_("hết hạn lúc"), null=True, blank=True)
    status = models.CharField(
        _("trạng thái"),
        max_length=10,
        choices=ProposalStatus.choices,
        default=ProposalStatus.PENDING,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-proposed_at"]
        verbose_name = _("đề xuất")
        verbose_name_plural = _("đề xuất")

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.get_status_display()})"


class AppealStatus(models.TextChoices):
    RECEIVED = "received", _("Đã tiếp nhận, đang xem xét")
    DELISTED = "delisted", _("Chấp nhận: đã gỡ khỏi danh sách cảnh báo")
    REJECTED = "rejected", _("Không chấp nhận: vẫn giữ trong danh sách cảnh báo")


class AppealQuerySet(models.QuerySet["Appeal"]):
    def open(self) -> AppealQuerySet:
        return self.filter(status=AppealStatus.RECEIVED)


class Appeal(models.Model):
    """A delisting request by the owner of a listed site, number or account."""

    tracking_code = models.CharField(_("mã theo dõi"), max_length=16, unique=True)
    kind = models.CharField(_("loại"), max_length=20)
    value = models.CharField(_("giá trị"), max_length=2048)
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("dấu hiệu")
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị xử lý"), on_delete=models.PROTECT, related_name="+"
    )
    owner_name = models.CharField(_("họ tên hoặc tên tổ chức"), max_length=200)
    owner_contact = models.CharField(_("số điện thoại hoặc email"), max_length=254)
    explanation = models.TextField(_("giải trình"))
    status = models.CharField(
        _("trạng thái"),
        max_length=10,
        choices=AppealStatus.choices,
        default=AppealStatus.RECEIVED,
    )
    deadline = models.DateTimeField(_("hạn trả lời"))
    decision_reason = models.TextField(_("kết quả (công khai cho người khiếu nại)"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    purged_at = models.DateTimeField(null=True, blank=True)

    objects = AppealQuerySet.as_manager()

    class Meta:
        ordering = ["deadline"]
        verbose_name = _("khiếu nại")
        verbose_name_plural = _("khiếu nại")

    def __str__(self) -> str:
        return self.tracking_code

    @property
    def overdue(self) -> bool:
        return self.status == AppealStatus.RECEIVED and timezone.now() > self.deadline


def evidence_path(instance: Evidence, filename: str) -> str:
    """A random name: the uploaded name may itself be personal data."""
    ext = "pdf" if instance.content_type == "application/pdf" else filename.rsplit(".", 1)[-1]
    return f"reports/evidence/{timezone.now():%Y/%m}/{secrets.token_urlsafe(24)}.{ext}"


class Evidence(models.Model):
    """A screenshot (re-encoded, metadata stripped) or a PDF. Never served publicly."""

    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence"
    )
    appeal = models.ForeignKey(
        Appeal, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(upload_to=evidence_path, max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("bằng chứng")
        verbose_name_plural = _("bằng chứng")
        constraints = [
            models.CheckConstraint(
                condition=Q(report__isnull=False, appeal__isnull=True)
                | Q(report__isnull=True, appeal__isnull=False),
                name="evidence_belongs_to_one",
            )
        ]

    def __str__(self) -> str:
        return f"{self.content_type} · {self.size} B"


class AuditAction(models.TextChoices):
    REVIEW_STARTED = "review_started", _("Bắt đầu xác minh")
    ASSIGNED = "assigned", _("Giao xác minh viên")
    PROPOSED = "proposed", _("Đề xuất")
    CONFIRMED = "confirmed", _("Xác nhận đề xuất")
    PROPOSAL_REJECTED = "proposal_rejected", _("Từ chối đề xuất")
    DECIDED = "decided", _("Kết luận dấu hiệu")
    CASE_CLOSED = "case_closed", _("Đóng hồ sơ")
    CASE_REOPENED = "case_reopened", _("Mở lại hồ sơ")
    MERGED = "merged", _("Gộp hồ sơ")
    SPLIT = "split", _("Tách hồ sơ")
    APPEAL_REJECTED = "appeal_rejected", _("Không chấp nhận khiếu nại")
    APPEAL_UPHELD = "appeal_upheld", _("Chấp nhận khiếu nại")
    IMPORTED = "imported", _("Nhập danh sách")
    PURGED = "purged", _("Xoá dữ liệu cá nhân hết hạn lưu")


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit event."""


_APPEND_ONLY = "Nhật ký kiểm tra chỉ được ghi thêm, không được sửa hay xoá."


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    # Bulk paths of the ORM (update, delete, bulk_update) go through these two.
    def update(self, **kwargs: object) -> int:
        raise AppendOnlyError(_APPEND_ONLY)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(_APPEND_ONLY)


class AuditEvent(models.Model):
    """Who changed what, when, from what to what, and why. Append-only: the model refuses
    changes and deletions, the admin is read-only, and database triggers refuse UPDATE and
    DELETE (migration 0002)."""

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
    action = models.CharField(_("thao tác"), max_length=24, choices=AuditAction.choices)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    indicator = models.ForeignKey(
        Indicator, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    appeal = models.ForeignKey(
        Appeal, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    before = models.JSONField(_("trước"), default=dict, blank=True)
    after = models.JSONField(_("sau"), default=dict, blank=True)
    reason = models.TextField(_("lý do"), blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("sự kiện kiểm tra")
        verbose_name_plural = _("nhật ký kiểm tra")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label}: {self.get_action_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:  # Any: Model.save's own arguments
        if self.pk is not None or kwargs.get("force_update"):
            raise AppendOnlyError(_APPEND_ONLY)
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(_APPEND_ONLY)


class PublicStatus(models.TextChoices):
    """What the reporter sees at the tracking page: one line, nothing else."""

    RECEIVED = "received", _("Đã tiếp nhận, đang chờ xác minh")
    UNDER_REVIEW = "under_review", _("Đang xác minh")
    LISTED = "listed", _("Đã xác minh và đưa vào danh sách cảnh báo")
    CLEARED = "cleared", _("Đã xác minh: chưa thấy dấu hiệu lừa đảo")
    INSUFFICIENT = "insufficient_evidence", _("Đã xem xét: chưa đủ bằng chứng để cảnh báo")
    CLOSED = "closed", _("Đã xử lý xong")


def public_status(report: Report) -> PublicStatus:
    statuses = set(report.indicators.values_list("status", flat=True))
    if Status.LISTED in statuses:
        return PublicStatus.LISTED
    if Status.UNDER_REVIEW in statuses:
        return PublicStatus.UNDER_REVIEW
    if statuses and statuses <= {Status.CLEARED, Status.INSUFFICIENT_EVIDENCE}:
        if Status.INSUFFICIENT_EVIDENCE in statuses:
            return PublicStatus.INSUFFICIENT
        return PublicStatus.CLEARED
    cases = list(report.cases.values_list("status", "assigned_to_id"))
    if cases and all(status != CaseStatus.OPEN for status, _assignee in cases):
        return PublicStatus.CLOSED
    if any(assignee for _status, assignee in cases):
        return PublicStatus.UNDER_REVIEW
    return PublicStatus.RECEIVED
