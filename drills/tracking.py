"""What the tracking endpoints record, one function per event. Every function takes a recipient
(found by its tracking id) and nothing a person typed: no function here has a parameter for it.

A machine sees a drill mail before its person does: mail gateways fetch links to scan them and
image proxies fetch the pixel on delivery. A hit from a known scanner agent, or within
DRILLS_SCANNER_SECONDS of the mail being sent, is kept with source "scanner". A link hit counts
as a person's click only when the landing page's own script fires its beacon, which a scanner
that does not run scripts never does."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lib.links import absolute_url
from training.models import Lesson

from .models import Event, EventKind, EventSource, FollowUp, Recipient, ReportChannel

log = logging.getLogger(__name__)

# Lower-case pieces of the User-Agent of mail gateways, link scanners, preview bots and scripts.
SCANNER_AGENT_PIECES = (
    "bot",
    "crawler",
    "spider",
    "preview",
    "scan",
    "safelinks",
    "proofpoint",
    "mimecast",
    "barracuda",
    "fortiguard",
    "trendmicro",
    "googleimageproxy",
    "yahoomailproxy",
    "facebookexternalhit",
    "python-requests",
    "python-urllib",
    "aiohttp",
    "curl/",
    "wget/",
    "go-http-client",
    "java/",
    "okhttp",
    "libwww",
    "headlesschrome",
)
DEFAULT_SCANNER_SECONDS = 20
DEFAULT_LESSON_DAYS = 14

_TRACKING_ID = re.compile(r"^[2-9a-zA-Z]{8,32}$")


def find_recipient(tracking_id: str) -> Recipient | None:
    if not _TRACKING_ID.match(tracking_id):
        return None
    return (
        Recipient.objects.select_related("campaign__template", "campaign__landing_page", "person")
        .filter(tracking_id=tracking_id)
        .first()
    )


def is_scanner(*, recipient: Recipient, user_agent: str, now: datetime | None = None) -> bool:
    """A known scanner agent, no agent at all, or a hit within seconds of delivery."""
    agent = user_agent.lower()
    if not agent or any(piece in agent for piece in SCANNER_AGENT_PIECES):
        return True
    seconds = int(getattr(settings, "DRILLS_SCANNER_SECONDS", DEFAULT_SCANNER_SECONDS))
    sent = recipient.sent_at
    return sent is not None and (now or timezone.now()) - sent < timedelta(seconds=seconds)


def _source(recipient: Recipient, user_agent: str) -> str:
    return EventSource.SCANNER if is_scanner(recipient=recipient, user_agent=user_agent) else ""


def record_open(*, recipient: Recipient, user_agent: str) -> Event:
    """The pixel was fetched: a person's open unless it looks like a scanner or proxy."""
    source = _source(recipient, user_agent) or EventSource.PERSON
    return Event.objects.create(recipient=recipient, kind=EventKind.OPENED, source=source)


def record_link_hit(*, recipient: Recipient, user_agent: str) -> Event:
    """The link was followed: a scanner's, or unconfirmed until the landing page's beacon."""
    source = _source(recipient, user_agent) or EventSource.UNCONFIRMED
    return Event.objects.create(recipient=recipient, kind=EventKind.CLICKED, source=source)


def confirm_click(*, recipient: Recipient) -> bool:
    """The landing page's beacon: a person clicked. Counted once, and gives the lesson then;
    True the first time. The unique follow-up row makes two beacons at once count once."""
    with transaction.atomic():
        follow_up, created = FollowUp.objects.get_or_create(
            recipient=recipient,
            defaults={"lesson": lesson_for(recipient), "deadline": _lesson_deadline()},
        )
        if created:
            Event.objects.create(
                recipient=recipient, kind=EventKind.CLICKED, source=EventSource.PERSON
            )
    return created


def record_submitted(*, recipient: Recipient) -> bool:
    """The landing page's form was sent (its values never leave the browser); once each."""
    confirm_click(recipient=recipient)
    with transaction.atomic():
        locked = Recipient.objects.select_for_update().get(pk=recipient.pk)
        if locked.events.filter(kind=EventKind.SUBMITTED).exists():
            return False
        Event.objects.create(recipient=locked, kind=EventKind.SUBMITTED)
    return True


def record_report(*, recipient: Recipient, channel: str) -> bool:
    """The person reported the drill mail; once each, thanked by mail. True the first time."""
    if channel not in ReportChannel.values:
        raise ValueError(channel)
    with transaction.atomic():
        locked = Recipient.objects.select_for_update().get(pk=recipient.pk)
        if locked.events.filter(kind=EventKind.REPORTED).exists():
            return False
        Event.objects.create(recipient=locked, kind=EventKind.REPORTED, channel=channel)
        transaction.on_commit(lambda: _send_thanks(recipient))
    return True


def lesson_for(recipient: Recipient) -> Lesson | None:
    """The template's lesson, else the first published lesson on the template's topic."""
    template = recipient.campaign.template
    if template.lesson_id is not None and template.lesson is not None:
        return template.lesson
    return (
        Lesson.objects.filter(topic=template.lesson_topic, is_published=True)
        .order_by("position", "pk")
        .first()
    )


def _lesson_deadline() -> datetime:
    days = int(getattr(settings, "DRILLS_LESSON_DAYS", DEFAULT_LESSON_DAYS))
    return timezone.now() + timedelta(days=days)


def _send_thanks(recipient: Recipient) -> None:
    url = absolute_url(reverse("drill-thanks", args=[recipient.tracking_id]))
    body = _(
        "Cảm ơn bạn đã báo cáo thư đáng ngờ. Thư bạn báo cáo là thư diễn tập của đơn vị: "
        "bạn đã làm đúng. Hãy tiếp tục báo cáo mọi thư đáng ngờ như vậy.\n\n{url}\n"
    ).format(url=url)
    try:
        send_mail(
            _("Cảm ơn bạn đã báo cáo thư đáng ngờ"),
            body,
            None,
            [recipient.email],
            fail_silently=False,
        )
    except OSError:  # the report is recorded; a lost thank-you mail is not worth a 500
        log.warning("thank-you mail to recipient %s not sent", recipient.pk)
