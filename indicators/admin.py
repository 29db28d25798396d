from django import forms
from django.contrib import admin

from lib.admin import ReadOnlyAdmin

from .models import AllowedName, Indicator, ListChange
from .normalise import normalise_domain


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyAdmin[Indicator]):
    """Read-only: listing and delisting go through the reports workflow (two verifiers, audit
    log), never through the admin."""

    list_display = ["value", "kind", "status", "category", "risk", "listed_at", "expires_at"]
    list_filter = ["status", "kind", "category", "risk"]
    search_fields = ["value"]


@admin.register(ListChange)
class ListChangeAdmin(ReadOnlyAdmin[ListChange]):
    list_display = ["id", "action", "indicator", "at"]
    list_filter = ["action"]
    raw_id_fields = ["indicator"]


class AllowedNameForm(forms.ModelForm[AllowedName]):
    class Meta:
        model = AllowedName
        fields = ["name", "include_subdomains", "note"]

    def clean_name(self) -> str:
        try:
            return normalise_domain(self.cleaned_data["name"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error


@admin.register(AllowedName)
class AllowedNameAdmin(admin.ModelAdmin[AllowedName]):
    form = AllowedNameForm
    list_display = ["name", "include_subdomains", "updated_at"]
    search_fields = ["name"]
