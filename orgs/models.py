"""The unit tree, people and their roles scoped to a unit and everything below it."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet


class UnitKind(models.TextChoices):
    """Since 1 July 2025 local government has two tiers: the province, and below it communes,
    wards and special zones. Districts are gone; the kind stays so that older trees, exports
    and the rows that point at them remain valid (it is not offered for new units)."""

    PROVINCE = "province", _("Tỉnh, thành phố")
    COMMUNE = "commune", _("Xã")
    WARD = "ward", _("Phường")
    SPECIAL_ZONE = "special_zone", _("Đặc khu")
    DEPARTMENT = "department", _("Sở, ban, ngành")
    AGENCY = "agency", _("Cơ quan, đơn vị")
    ORGANISATION = "organisation", _("Tổ chức chính trị - xã hội")
    DISTRICT = "district", _("Huyện, thị xã (trước 1/7/2025)")


# The tier citizens live in: what a report names as "where I live". District stays for trees that
# were never re-parented (a report may still name one there).
CITIZEN_UNIT_KINDS = frozenset(
    {UnitKind.COMMUNE, UnitKind.WARD, UnitKind.SPECIAL_ZONE, UnitKind.DISTRICT}
)
# Kinds offered when someone creates a unit by hand (admin); a CSV may still name a district so
# that an old export imports as it is.
NEW_UNIT_KINDS = [kind for kind in UnitKind if kind != UnitKind.DISTRICT]

_LOCAL = {UnitKind.COMMUNE, UnitKind.WARD, UnitKind.SPECIAL_ZONE}

# Which kinds of unit may stand directly under which (None: at the root). The district rows are
# history: what stood under a district before 1 July 2025 may still stand there.
ALLOWED_PARENT_KINDS: dict[str, set[str | None]] = {
    UnitKind.PROVINCE: {None},
    UnitKind.DEPARTMENT: {UnitKind.PROVINCE},
    UnitKind.COMMUNE: {UnitKind.PROVINCE, UnitKind.DISTRICT},
    UnitKind.WARD: {UnitKind.PROVINCE},
    UnitKind.SPECIAL_ZONE: {UnitKind.PROVINCE},
    UnitKind.AGENCY: {UnitKind.PROVINCE, UnitKind.DEPARTMENT, UnitKind.DISTRICT, *_LOCAL},
    UnitKind.ORGANISATION: {UnitKind.PROVINCE, UnitKind.DISTRICT, *_LOCAL},
    UnitKind.DISTRICT: {UnitKind.PROVINCE},
}


# Units still in use: not merged into another by a re-parenting (orgs/reparent.py).
ACTIVE_UNITS = models.Q(merged_at__isnull=True)


class UnitQuerySet(MP_NodeQuerySet["Unit"]):
    def within(self, units: Iterable[Unit]) -> UnitQuerySet:
        """These units and every unit below them: one indexed prefix query per root."""
        return self.within_paths(u.path for u in units)

    def within_paths(self, paths: Iterable[str]) -> UnitQuerySet:
        condition = models.Q(pk__in=[])
        for path in _top_paths(paths):
            condition |= models.Q(path__startswith=path)
        return self.filter(condition)

    def active(self) -> UnitQuerySet:
        """Units still in use: not merged into another by a re-parenting (orgs/reparent.py)."""
        return self.filter(ACTIVE_UNITS)


def _top_paths(paths: Iterable[str]) -> list[str]:
    """Drop paths that lie below another path of the list (they add nothing to a prefix OR)."""
    result: list[str] = []
    for path in sorted(set(paths)):
        if not result or not path.startswith(result[-1]):
            result.append(path)
    return result


class UnitManager(MP_NodeManager["Unit"]):
    def get_queryset(self) -> UnitQuerySet:
        # Treebeard's get_queryset names its own queryset class; ours adds within/active.
        return UnitQuerySet(self.model, using=self._db).order_by("path")

    def within(self, units: Iterable[Unit]) -> UnitQuerySet:
        return self.get_queryset().within(units)

    def within_paths(self, paths: Iterable[str]) -> UnitQuerySet:
        return self.get_queryset().within_paths(paths)

    def active(self) -> UnitQuerySet:
        return self.get_queryset().active()


class Unit(MP_Node):
    code = models.CharField(_("mã"), max_length=32, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    kind = models.CharField(_("loại"), max_length=16, choices=UnitKind.choices)
    # A unit merged into another (orgs/reparent.py) stays as a record of history: what was
    # attached to it now points at its successor.
    successor = models.ForeignKey(
        "self",
        verbose_name=_("sáp nhập vào"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
    )
    merged_at = models.DateTimeField(_("ngày sáp nhập"), null=True, blank=True)

    node_order_by = ["code"]
    objects: ClassVar[UnitManager] = UnitManager()

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.merged_at is None

    def current(self) -> Unit:
        """This unit, or the unit it was merged into (following later mergers too)."""
        unit, seen = self, {self.pk}
        while unit.successor_id is not None and unit.successor_id not in seen:
            seen.add(unit.successor_id)
            successor = unit.successor
            assert successor is not None  # successor_id is set
            unit = successor
        return unit

    def covers(self, other: Unit) -> bool:
        """True when `other` is this unit or lies below it."""
        return other.path.startswith(self.path)


class Role(models.TextChoices):
    STAFF = "staff", _("Cán bộ")
    UNIT_MANAGER = "unit_manager", _("Quản lý đơn vị")
    VERIFIER = "verifier", _("Xác minh viên")
    EDITOR = "editor", _("Biên tập viên")
    DRILL_OPERATOR = "drill_operator", _("Điều hành diễn tập")
    ADMIN = "admin", _("Quản trị")


class Permission(models.TextChoices):
    """What a person does on a unit; roles grant permissions (ROLE_PERMISSIONS)."""

    VIEW_UNIT = "view_unit", _("Xem thông tin đơn vị")
    TAKE_TRAINING = "take_training", _("Học và làm bài kiểm tra")
    MANAGE_TRAINING = "manage_training", _("Giao bài học, xem tiến độ")
    VIEW_DASHBOARD = "view_dashboard", _("Xem số liệu của đơn vị")
    VERIFY_REPORTS = "verify_reports", _("Xác minh tố giác, đưa vào danh sách")
    PUBLISH_BULLETINS = "publish_bulletins", _("Đăng cảnh báo, bản tin")
    RUN_DRILLS = "run_drills", _("Tổ chức diễn tập lừa đảo")
    MANAGE_UNITS = "manage_units", _("Quản lý cây đơn vị, người dùng, khoá API")


ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.STAFF: frozenset({Permission.VIEW_UNIT, Permission.TAKE_TRAINING}),
    Role.UNIT_MANAGER: frozenset(
        {
            Permission.VIEW_UNIT,
            Permission.TAKE_TRAINING,
            Permission.MANAGE_TRAINING,
            Permission.VIEW_DASHBOARD,
        }
    ),
    Role.VERIFIER: frozenset(
        {Permission.VIEW_UNIT, Permission.TAKE_TRAINING, Permission.VERIFY_REPORTS}
    ),
    Role.EDITOR: frozenset(
        {Permission.VIEW_UNIT, Permission.TAKE_TRAINING, Permission.PUBLISH_BULLETINS}
    ),
    Role.DRILL_OPERATOR: frozenset(
        {
            Permission.VIEW_UNIT,
            Permission.TAKE_TRAINING,
            Permission.RUN_DRILLS,
            Permission.VIEW_DASHBOARD,
        }
    ),
    Role.ADMIN: frozenset(Permission.values),
}

# Roles whose holders must pass a TOTP second factor before any staff page.
OTP_ROLES = frozenset({Role.VERIFIER, Role.EDITOR, Role.DRILL_OPERATOR, Role.ADMIN})


class User(AbstractUser):
    """A staff member. Citizens never need an account."""

    home_unit = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị công tác"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")

    @property
    def needs_otp(self) -> bool:
        if self.is_superuser:
            return True
        return self.role_assignments.filter(role__in=OTP_ROLES).exists()


class RoleAssignment(models.Model):
    """A role held on a unit; it reaches the unit and all units below it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("phân quyền")
        verbose_name_plural = _("phân quyền")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="unique_role_on_unit")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"


def _hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class PartnerKeyQuerySet(models.QuerySet["PartnerKey"]):
    def find_active(self, raw: str) -> PartnerKey | None:
        if not raw or len(raw) > 128:
            return None
        return self.filter(key_hash=_hash_key(raw), revoked_at__isnull=True).first()


class PartnerKey(models.Model):
    """An API key of a partner (telecom, CERT, bot). Only its hash is stored."""

    name = models.CharField(_("đối tác"), max_length=200)
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị quản lý"), on_delete=models.PROTECT, related_name="+"
    )
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    rate_per_minute = models.PositiveIntegerField(_("giới hạn yêu cầu/phút"), default=600)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = PartnerKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("khoá API đối tác")
        verbose_name_plural = _("khoá API đối tác")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, name: str, unit: Unit, rate_per_minute: int = 600) -> tuple[PartnerKey, str]:
        """Create a key; the raw key is returned once and never stored."""
        raw = "cg_" + secrets.token_urlsafe(32)
        key = cls.objects.create(
            name=name,
            unit=unit,
            prefix=raw[:10],
            key_hash=_hash_key(raw),
            rate_per_minute=rate_per_minute,
        )
        return key, raw


class SignInThrottle(models.Model):
    """Failed sign-ins for one user name from every address (orgs/lockout.py): past a limit, the
    account is protected for a short, growing delay. One row per user name that failed lately."""

    username = models.CharField(_("tên đăng nhập"), max_length=150, unique=True)
    failures = models.PositiveIntegerField(_("số lần sai"), default=0)
    last_failure_at = models.DateTimeField(_("lần sai gần nhất"), db_index=True)
    blocked_until = models.DateTimeField(_("bảo vệ đến"), null=True, blank=True)

    class Meta:
        verbose_name = _("tài khoản bị nhập sai nhiều lần")
        verbose_name_plural = _("tài khoản bị nhập sai nhiều lần")

    def __str__(self) -> str:
        return self.username
