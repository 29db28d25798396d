"""What an editor writes: a bulletin of one of four kinds, its revisions (the text people read,
each approved by a second editor), the sources of a fact-check and the images.

A bulletin's public text is always its latest published revision; a correction is a new
revision with a visible note, and every earlier revision stays readable at its own address.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators.models import Indicator
from lib.links import absolute_url
from orgs.models import Unit
from reports.models import Case, ScamType


class Kind(models.TextChoices):
    WARNING = "warning", _("Cảnh báo")
    FACT_CHECK = "fact_check", _("Kiểm chứng thông tin")
    STORY = "story", _("Gương điển hình, cách làm hay")
    CASE_NOTICE = "case_notice", _("Thông báo vụ việc đã xử lý")


# The public address of each kind (/canh-bao/loai/<slug>/ and its feeds).
KIND_SLUGS = {
    Kind.WARNING: "canh-bao",
    Kind.FACT_CHECK: "kiem-chung",
    Kind.STORY: "guong-dien-hinh",
    Kind.CASE_NOTICE: "vu-viec-da-xu-ly",
}
SLUG_KINDS = {slug: kind for kind, slug in KIND_SLUGS.items()}


class BulletinStatus(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    IN_REVIEW = "in_review", _("Chờ duyệt")
    PUBLISHED = "published", _("Đã đăng")
    WITHDRAWN = "withdrawn", _("Đã gỡ")


class RevisionState(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    IN_REVIEW = "in_review", _("Chờ duyệt")
    PUBLISHED = "published", _("Đã đăng")


class Rating(models.TextChoices):
    """The fixed scale of a fact-check, best (1) to worst (5): ClaimReview's ratingValue."""

    TRUE = "true", _("Đúng")
    MOSTLY_TRUE = "mostly_true", _("Phần lớn đúng")
    MIXED = "mixed", _("Đúng một phần, sai một phần")
    MISLEADING = "misleading", _("Gây hiểu lầm")
    FALSE = "false", _("Sai sự thật")


RATING_VALUES = {
    Rating.TRUE: 5,
    Rating.MOSTLY_TRUE: 4,
    Rating.MIXED: 3,
    Rating.MISLEADING: 2,
    Rating.FALSE: 1,
}
RATING_BEST, RATING_WORST = 5, 1


class BulletinQuerySet(models.QuerySet["Bulletin"]):
    def public(self) -> BulletinQuerySet:
        return self.filter(status=BulletinStatus.PUBLISHED, published_at__lte=timezone.now())

    def for_units(self, units: models.QuerySet[Unit]) -> BulletinQuerySet:
        return self.filter(unit__in=units)

    def with_public_revisions(self) -> BulletinQuerySet:
        """Prefetch what published_revision() reads: one query for a whole page or feed."""
        published = Revision.objects.filter(
            state=RevisionState.PUBLISHED, published_at__lte=timezone.now()
        ).order_by("-number")
        return self.prefetch_related(
            models.Prefetch("revisions", queryset=published, to_attr="public_revisions")
        )

    def with_revision_heads(self) -> BulletinQuerySet:
        """Prefetch what current_revision() and pending_revision() read (titles and states, not
        the bodies): one query for a staff list page instead of three per row."""
        heads = Revision.objects.order_by("-number").only("bulletin", "number", "state", "title")
        return self.prefetch_related(
            models.Prefetch("revisions", queryset=heads, to_attr="revision_heads")
        )


class Bulletin(models.Model):
    """One bulletin. `unit` owns it (editors of that unit and the units above write and approve
    it); `units` are the units it concerns, shown and filtered on the public pages."""

    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    slug = models.SlugField(_("đường dẫn"), max_length=120, unique=True, allow_unicode=False)
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị đăng"), on_delete=models.PROTECT, related_name="+"
    )
    units = models.ManyToManyField(
        Unit, verbose_name=_("đơn vị liên quan"), related_name="bulletins", blank=True
    )
    tags = models.JSONField(_("thẻ"), default=list, blank=True)
    scam_type = models.CharField(
        _("hình thức lừa đảo"), max_length=32, choices=ScamType.choices, blank=True
    )
    status = models.CharField(
        _("trạng thái"),
        max_length=12,
        choices=BulletinStatus.choices,
        default=BulletinStatus.DRAFT,
        db_index=True,
    )
    case = models.ForeignKey(
        Case,
        verbose_name=_("hồ sơ"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    indicators = models.ManyToManyField(
        Indicator, verbose_name=_("dấu hiệu"), related_name="+", blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # First publication (the public list's order) and the latest one (feeds' "updated").
    published_at = models.DateTimeField(_("đăng lúc"), null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), null=True, blank=True)

    objects = BulletinQuerySet.as_manager()

    class Meta:
        verbose_name = _("bản tin")
        verbose_name_plural = _("bản tin")
        ordering = ["-published_at", "-created_at"]
        indexes = [
            models.Index(fields=["status", "kind", "-published_at"], name="bulletins_public_order")
        ]

    def __str__(self) -> str:
        revision = self.current_revision()
        return revision.title if revision else self.slug

    def get_absolute_url(self) -> str:
        return reverse("bulletins:detail", kwargs={"slug": self.slug})

    def current_revision(self) -> Revision | None:
        """The latest published revision (what the public reads), else the latest one."""
        heads: list[Revision] | None = getattr(self, "revision_heads", None)
        if heads is not None:
            published_heads = (r for r in heads if r.state == RevisionState.PUBLISHED)
            return next(published_heads, heads[0] if heads else None)
        published = self.revisions.filter(state=RevisionState.PUBLISHED).order_by("-number")
        return published.first() or self.revisions.order_by("-number").first()

    def published_revision(self) -> Revision | None:
        """The latest revision the public may read now."""
        prefetched: list[Revision] | None = getattr(self, "public_revisions", None)
        if prefetched is not None:
            return prefetched[0] if prefetched else None
        return (
            self.revisions.filter(state=RevisionState.PUBLISHED, published_at__lte=timezone.now())
            .order_by("-number")
            .first()
        )

    def pending_revision(self) -> Revision | None:
        """The draft or the revision waiting for review, if any (at most one at a time)."""
        heads: list[Revision] | None = getattr(self, "revision_heads", None)
        if heads is not None:
            return next((r for r in heads if r.state != RevisionState.PUBLISHED), None)
        return self.revisions.exclude(state=RevisionState.PUBLISHED).order_by("-number").first()


class Revision(models.Model):
    """One version of a bulletin's text. Number 1 is the first publication; a later published
    revision is a correction and carries `correction_note`, shown on the page."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("lần"))
    state = models.CharField(
        _("trạng thái"), max_length=12, choices=RevisionState.choices, default=RevisionState.DRAFT
    )
    title = models.CharField(_("tiêu đề"), max_length=200)
    summary = models.CharField(_("tóm tắt"), max_length=400)
    body_markdown = models.TextField(_("nội dung (Markdown)"))
    body_html = models.TextField(editable=False, blank=True)
    correction_note = models.TextField(_("ghi chú đính chính"), blank=True)
    # Fact-checks only: the one claim checked, where and when it appeared, and the rating.
    claim = models.TextField(_("thông tin được kiểm chứng"), blank=True)
    appeared_where = models.CharField(_("xuất hiện ở đâu"), max_length=300, blank=True)
    appeared_when = models.DateField(_("xuất hiện ngày"), null=True, blank=True)
    rating = models.CharField(_("kết luận"), max_length=16, choices=Rating.choices, blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người viết"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    written_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người duyệt"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # When the public sees it and the channels send it (a scheduled publication: later).
    published_at = models.DateTimeField(_("đăng lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("phiên bản")
        verbose_name_plural = _("phiên bản")
        ordering = ["bulletin", "number"]
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "number"], name="bulletin_revision_number"),
            # Four eyes, in the database too: nobody approves their own text.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("written_by")),
                name="revision_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.number})"

    def get_absolute_url(self) -> str:
        return reverse(
            "bulletins:revision", kwargs={"slug": self.bulletin.slug, "number": self.number}
        )

    @property
    def is_correction(self) -> bool:
        return self.number > 1

    @property
    def public_url(self) -> str:
        """This revision's own address on SITE_URL: every post of it carries this link, so a
        channel can tell a post of revision 2 from one of revision 1."""
        return absolute_url(self.get_absolute_url())

    @property
    def rating_value(self) -> int | None:
        return RATING_VALUES.get(Rating(self.rating)) if self.rating else None


class Source(models.Model):
    """A public source that supports a fact-check's rating."""

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="sources")
    url = models.URLField(_("địa chỉ"), max_length=500)
    title = models.CharField(_("tên nguồn"), max_length=300, blank=True)
    published_on = models.DateField(_("ngày đăng"))

    class Meta:
        verbose_name = _("nguồn")
        verbose_name_plural = _("nguồn")
        ordering = ["revision", "pk"]

    def __str__(self) -> str:
        return self.url


def image_path(instance: Image, filename: str) -> str:
    # The name is ours, never the uploader's: a re-encoded file under a random name.
    return f"bulletins/{filename}"


class Image(models.Model):
    """An image of a bulletin, re-encoded on upload (bulletins.images): no metadata of the
    original file (GPS position, camera owner) survives."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="images")
    file = models.ImageField(
        upload_to=image_path, max_length=200, width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    alt = models.CharField(_("mô tả ảnh"), max_length=300)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ảnh")
        verbose_name_plural = _("ảnh")
        ordering = ["bulletin", "position", "pk"]

    def __str__(self) -> str:
        return self.alt

    def get_absolute_url(self) -> str:
        """The public address (media files are private: evidence lives there too)."""
        return reverse("bulletins:image", kwargs={"pk": self.pk})

    @property
    def content_type(self) -> str:
        return "image/png" if self.file.name.endswith(".png") else "image/jpeg"
