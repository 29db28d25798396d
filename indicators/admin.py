from django import forms
from django.contrib import admin
from django.http import HttpRequest

from .models import AllowedName, Indicator, ListChange
from .normalise import normalise_domain


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    """Read-only: listing and delisting go through the reports workflow (two verifiers, audit
    log), never through the admin."""

    list_display = ["value", "kind", "status", "category", "risk", "listed_at", "expires_at"]
    list_filter = ["status", "kind", "category", "risk"]
    search_fields = ["value"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ListChange)
class ListChangeAdmin(admin.ModelAdmin):
    list_display = ["id", "action", "indicator", "at"]
    list_filter = ["action"]
    raw_id_fields = ["indicator"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class AllowedNameForm(forms.ModelForm):
    class Meta:
        model = AllowedName
        fields = ["name", "include_subdomains", "note"]

    def clean_name(self) -> str:
        try:
            return normalise_domain(self.cleaned_data["name"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error


@admin.register(AllowedName)
class AllowedNameAdmin(admin.ModelAdmin):
    form = AllowedNameForm
    list_display = ["name", "include_subdomains", "updated_at"]
    search_fields = ["name"]
