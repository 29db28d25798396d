"""The public side of a drill: the pixel, the link, the landing page and its beacon, the
teach-at-the-slip page, the transparency page (the tracking id followed by "+"), and the
staff portal's "Báo cáo thư đáng ngờ" button.

The beacon and "submitted" endpoints never read the request's body: whatever a page or a
person sends there is dropped unread (csrf_exempt, so that the CSRF check does not parse it
either; the tracking id in the path is all these endpoints act on)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lib import ratelimit
from lib.gates import rate_limited
from orgs.access import AuthenticatedHttpRequest, staff_required
from orgs.models import Permission

from . import tracking
from .models import Recipient
from .receiver import tracking_ids_in
from .sanitise import clean_landing_html

View = TypeVar("View", bound=Callable[..., HttpResponse])

# A 1×1 transparent GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
DEFAULT_TRACK_RATE = 600
DEFAULT_PAGE_RATE = 60
# Presses of the report button a minute per person (each sends a thank-you mail).
DEFAULT_REPORT_RATE = 10


def too_many(request: HttpRequest, /, *args: object, **kwargs: object) -> HttpResponse:
    return HttpResponse(_("Quá nhiều yêu cầu, hãy thử lại sau."), status=429)


def _gate(scope: str, setting: str, default: int) -> Callable[[View], View]:
    return rate_limited(scope, setting=setting, default=default, refuse=too_many, reserved=True)


def _recipient(tracking_id: str) -> Recipient:
    recipient = tracking.find_recipient(tracking_id)
    if recipient is None:
        raise Http404
    return recipient


def _tracked(tracking_id: str) -> Recipient:
    """The recipient with only what an event needs (the pages above need the campaign)."""
    recipient = tracking.find_tracked(tracking_id)
    if recipient is None:
        raise Http404
    return recipient


def _agent(request: HttpRequest) -> str:
    return request.headers.get("User-Agent", "")[:300]


@require_GET
@never_cache
@_gate("drills-track", "DRILLS_TRACK_RATE_PER_IP", DEFAULT_TRACK_RATE)
def pixel(request: HttpRequest, tracking_id: str) -> HttpResponse:
    tracking.record_open(tracking_id=tracking_id, user_agent=_agent(request))
    # The same image for any id: the answer tells nothing about which ids exist.
    return HttpResponse(PIXEL, content_type="image/gif")


@require_GET
@never_cache
@_gate("drills-track", "DRILLS_TRACK_RATE_PER_IP", DEFAULT_TRACK_RATE)
def click(request: HttpRequest, tracking_id: str) -> HttpResponse:
    if not tracking.record_link_hit(tracking_id=tracking_id, user_agent=_agent(request)):
        raise Http404
    return redirect("drill-landing", tracking_id)


@require_GET
@never_cache
@_gate("drills-page", "DRILLS_PAGE_RATE_PER_IP", DEFAULT_PAGE_RATE)
def landing(request: HttpRequest, tracking_id: str) -> HttpResponse:
    recipient = _recipient(tracking_id)
    page = recipient.campaign.landing_page
    # Cleaned again as it is served, with the sanitiser the admin and the loader use: a page
    # stored any other way (shell, fixture, an older row) still has no field names, no form
    # target and no script.
    html = clean_landing_html(page.html)
    context = {"recipient": recipient, "page": page, "html": html}
    response = render(request, "drills/landing/page.html", context)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@csrf_exempt  # the body is never read (see the module's text); the path is the whole message
@require_POST
@_gate("drills-track", "DRILLS_TRACK_RATE_PER_IP", DEFAULT_TRACK_RATE)
def beacon(request: HttpRequest, tracking_id: str) -> HttpResponse:
    tracking.count_click(tracking_id)
    # 204 for any id, as the pixel answers: a beacon cannot test which ids exist.
    return HttpResponse(status=204)


@csrf_exempt  # the body is never read (see the module's text); the path is the whole message
@require_POST
@_gate("drills-track", "DRILLS_TRACK_RATE_PER_IP", DEFAULT_TRACK_RATE)
def submitted(request: HttpRequest, tracking_id: str) -> HttpResponse:
    tracking.record_submitted(recipient=_tracked(tracking_id))
    return redirect(reverse("drill-teach", args=[tracking_id]), permanent=False)


@require_GET
@never_cache
@_gate("drills-page", "DRILLS_PAGE_RATE_PER_IP", DEFAULT_PAGE_RATE)
def teach(request: HttpRequest, tracking_id: str) -> HttpResponse:
    """What the mail's cues were, and the lesson given; no score, no blame."""
    recipient = _recipient(tracking_id)
    tracking.count_click(tracking_id)  # reached without the script: still a person
    template = recipient.campaign.template
    context = {
        "recipient": recipient,
        "template": template,
        "cues": template.cue_list(),
        "follow_up": recipient.follow_up,
    }
    return render(request, "drills/tracking/teach.html", context)


@require_GET
@_gate("drills-page", "DRILLS_PAGE_RATE_PER_IP", DEFAULT_PAGE_RATE)
def transparency(request: HttpRequest, tracking_id: str) -> HttpResponse:
    """For a mail administrator who found the id: what this is, who runs it, whom to ask."""
    recipient = _recipient(tracking_id)
    context = {
        "campaign": recipient.campaign,
        "sent_at": recipient.sent_at,
        "contact": getattr(settings, "DRILLS_CONTACT_ADDRESS", settings.DEFAULT_FROM_EMAIL),
    }
    response = render(request, "drills/tracking/transparency.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_GET
@_gate("drills-page", "DRILLS_PAGE_RATE_PER_IP", DEFAULT_PAGE_RATE)
def thanks(request: HttpRequest, tracking_id: str) -> HttpResponse:
    _recipient(tracking_id)
    return render(request, "drills/tracking/thanks.html", {"drill": True})


@require_http_methods(["GET", "POST"])
@staff_required(Permission.VIEW_UNIT)
def report(request: AuthenticatedHttpRequest) -> HttpResponse:
    """ "Báo cáo thư đáng ngờ": one press (the staff home's button posts here at once) reports
    the person's newest drill mail not yet reported; a pasted mail or link, optional, names
    which. The answer is the same page and the same mail whether or not a drill mail was
    found: the button must not tell anyone whether a drill is running. A GET records nothing."""
    if request.method == "GET":
        return render(request, "drills/tracking/report.html", {})
    limit = int(getattr(settings, "DRILLS_REPORT_RATE_PER_USER", DEFAULT_REPORT_RATE))
    if not ratelimit.allow("drills-report", str(request.user.pk), limit=limit):
        return too_many(request)
    text = request.POST.get("message", "")[:200_000]
    named = Recipient.objects.none()
    if text:
        named = Recipient.objects.filter(
            person=request.user, tracking_id__in=tracking_ids_in(text), sent_at__isnull=False
        )
    tracking.record_portal_report(person=request.user, named=list(named))
    return render(request, "drills/tracking/thanks.html", {"drill": False})
