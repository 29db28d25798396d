from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from .models import PartnerKey, RoleAssignment, Unit, User


@admin.register(Unit)
class UnitAdmin(TreeAdmin):
    form = movenodeform_factory(Unit)
    list_display = ["name", "code", "kind"]
    search_fields = ["name", "code"]


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["unit"]


@admin.register(User)
class PersonAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Cảnh Giác", {"fields": ["home_unit"]}))
    autocomplete_fields = ["home_unit"]
    inlines = [RoleAssignmentInline]


@admin.register(PartnerKey)
class PartnerKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "unit", "rate_per_minute", "created_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at"]
    autocomplete_fields = ["unit"]

    def has_add_permission(self, request) -> bool:
        return False  # keys are issued by PartnerKey.issue, which shows the raw key once
