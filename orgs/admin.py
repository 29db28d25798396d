from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin

from . import lockout
from .forms import UnitAdminForm
from .models import PartnerKey, RoleAssignment, SignInThrottle, Unit, User


@admin.action(description=_("Mở khoá đăng nhập (mọi địa chỉ)"))
def unlock_sign_in(
    modeladmin: PersonAdmin | SignInThrottleAdmin,
    request: HttpRequest,
    queryset: QuerySet[User] | QuerySet[SignInThrottle],
) -> None:
    names = [obj.get_username() if isinstance(obj, User) else obj.username for obj in queryset]
    for name in names:
        lockout.unlock_account(username=name)
    modeladmin.message_user(request, _("Đã mở khoá: %(names)s") % {"names": ", ".join(names)})


@admin.register(Unit)
class UnitAdmin(TreeAdmin[Unit]):
    form = UnitAdminForm
    list_display = ["name", "code", "kind", "successor"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]


class RoleAssignmentInline(admin.TabularInline[RoleAssignment, User]):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["unit"]


@admin.register(User)
class PersonAdmin(UserAdmin[User]):
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Cảnh Giác", {"fields": ["home_unit"]}))
    autocomplete_fields = ["home_unit"]
    inlines = [RoleAssignmentInline]
    actions = [unlock_sign_in]


@admin.register(PartnerKey)
class PartnerKeyAdmin(admin.ModelAdmin[PartnerKey]):
    list_display = ["name", "prefix", "unit", "rate_per_minute", "created_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at"]
    autocomplete_fields = ["unit"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # keys are issued by PartnerKey.issue, which shows the raw key once


@admin.register(SignInThrottle)
class SignInThrottleAdmin(admin.ModelAdmin[SignInThrottle]):
    """Accounts guessed at from many addresses; 'unlock' lifts the delay and axes' locks."""

    list_display = ["username", "failures", "last_failure_at", "blocked_until"]
    search_fields = ["username"]
    readonly_fields = ["username", "failures", "last_failure_at", "blocked_until"]
    actions = [unlock_sign_in]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # rows are written by failed sign-ins only
