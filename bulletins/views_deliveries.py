"""Point 6: an editor sees where each revision of a bulletin went (per channel: queued, sent,
failed with the channel's own words, retried) and queues a failed delivery again."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orgs.access import AuthenticatedHttpRequest, require_unit, staff_required, units_for
from orgs.models import Permission

from . import outbox
from .models import Bulletin, DeliveryStatus, EmailDelivery, OutboxItem

PUBLISH = Permission.PUBLISH_BULLETINS
RETRYABLE = (DeliveryStatus.FAILED, DeliveryStatus.WAITING)
FAILED_SHOWN = 20  # failed addresses listed under an email item (the count says the rest)


@dataclass
class ItemRow:
    item: OutboxItem
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (masked address, error)

    @property
    def pending(self) -> int:
        return self.counts.get(DeliveryStatus.QUEUED, 0) + self.counts.get(
            DeliveryStatus.SENDING, 0
        )

    @property
    def can_retry(self) -> bool:
        return self.item.status in RETRYABLE


def masked(address: str) -> str:
    """Enough of a subscriber's address for an editor to tell which one failed: n***@host."""
    local, _at, host = address.partition("@")
    return f"{local[:1]}***@{host}"


def _rows(bulletin: Bulletin) -> list[ItemRow]:
    items = (
        OutboxItem.objects.filter(revision__bulletin=bulletin)
        .select_related("revision", "mailing_list__unit")
        .order_by("-revision__number", "channel", "pk")
    )
    rows = [ItemRow(item) for item in items]
    by_pk = {row.item.pk: row for row in rows}
    counted = (
        EmailDelivery.objects.filter(item__in=list(by_pk))
        .values("item_id", "status")
        .annotate(n=Count("pk"))
    )
    for entry in counted:
        by_pk[entry["item_id"]].counts[entry["status"]] = entry["n"]
    for row in rows:
        if row.counts.get(DeliveryStatus.FAILED):
            failed = row.item.deliveries.filter(status=DeliveryStatus.FAILED)
            shown = failed.select_related("subscriber").order_by("pk")[:FAILED_SHOWN]
            row.failures = [(masked(d.subscriber.email), d.last_error) for d in shown]
    return rows


@staff_required(PUBLISH)
def bulletin_deliveries(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    scoped = Bulletin.objects.for_units(units_for(request.user, PUBLISH)).select_related("unit")
    bulletin = get_object_or_404(scoped, pk=pk)
    context = {
        "bulletin": bulletin,
        "rows": _rows(bulletin),
        "statuses": DeliveryStatus,
        "failed_shown": FAILED_SHOWN,
    }
    return render(request, "bulletins/deliveries/bulletin.html", context)


@require_POST
@staff_required(PUBLISH)
def retry_delivery(request: AuthenticatedHttpRequest, item_pk: int) -> HttpResponse:
    scoped = OutboxItem.objects.filter(
        revision__bulletin__unit__in=units_for(request.user, PUBLISH)
    ).select_related("revision__bulletin__unit")
    item = get_object_or_404(scoped, pk=item_pk)
    bulletin = item.revision.bulletin
    require_unit(request.user, PUBLISH, bulletin.unit)
    if outbox.retry_item(item=item, user=request.user):
        messages.success(request, _("Đã đưa lại vào hàng đợi gửi."))
    else:
        messages.error(request, _("Chỉ gửi lại được một lượt gửi bị lỗi hoặc đang chờ mã mới."))
    return redirect("bulletins:deliveries", pk=bulletin.pk)
