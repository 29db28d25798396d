"""Bulletins in the admin: read-only. Writing, approving and correcting go through the
editors' pages (bulletins.services), where the four-eyes rule and the outbox are kept; an admin
edit would publish around both."""

from django.contrib import admin
from django.http import HttpRequest

from lib.admin import ReadOnlyAdmin

from .models import Bulletin, Revision


class RevisionInline(admin.TabularInline[Revision, Bulletin]):
    model = Revision
    fields = readonly_fields = (
        "number", "state", "title", "written_by", "approved_by", "published_at",
    )  # fmt: skip
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Bulletin | None = None) -> bool:
        return False


@admin.register(Bulletin)
class BulletinAdmin(ReadOnlyAdmin[Bulletin]):
    list_display = ["slug", "kind", "status", "unit", "published_at"]
    list_filter = ["kind", "status"]
    search_fields = ["slug", "revisions__title"]
    date_hierarchy = "published_at"
    inlines = [RevisionInline]
    actions = None
