from django.contrib import admin
from django.http import HttpRequest

from lib.admin import ReadOnlyAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin[AuditEvent]):
    """Read-only: the audit log is append-only for everyone, superusers included."""

    list_display = ["at", "actor_label", "action", "case", "indicator", "appeal"]
    list_filter = ["action"]
    search_fields = ["actor_label", "reason"]
    date_hierarchy = "at"
    actions = None

    def get_readonly_fields(self, request: HttpRequest, obj: AuditEvent | None = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]
