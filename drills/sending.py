"""Drill mail out: when each recipient's mail is due (spread at random over the weekdays and
working hours of the send window, Asia/Ho_Chi_Minh), and sending what is due through the
campaign's sending profile over SMTP.

Every mail says what it is to a mail administrator: the X-Canhgiac-Drill header names the
platform, the tracking id and a contact address, and the id followed by "+" in the link opens
the transparency page. The status is read again before each chunk of 50 messages, so a pause or a
stop takes effect within one chunk."""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from lib.links import absolute_url

from .models import (
    Campaign,
    CampaignAction,
    CampaignLog,
    CampaignStatus,
    Event,
    EventKind,
    Recipient,
    SendingProfile,
)
from .services import recipients_for

log = logging.getLogger(__name__)

LOCAL_TIME = ZoneInfo("Asia/Ho_Chi_Minh")
DRILL_HEADER = "X-Canhgiac-Drill"
PLATFORM = "Canh Giac phishing drill"
DEFAULT_BATCH = 500
MARK_CHUNK = 50
DEFAULT_CONNECTIONS = 4


@dataclass(frozen=True)
class Span:
    start: datetime
    seconds: float


def working_spans(campaign: Campaign) -> list[Span]:
    """The send window's working hours, one span per weekday, in local time."""
    spans = []
    day = campaign.window_start
    while day <= campaign.window_end:
        if day.weekday() < 5:
            start = datetime.combine(day, campaign.day_start, LOCAL_TIME)
            end = datetime.combine(day, campaign.day_end, LOCAL_TIME)
            if end > start:
                spans.append(Span(start, (end - start).total_seconds()))
        day += timedelta(days=1)
    return spans


def due_times(campaign: Campaign, count: int, rng: random.Random) -> list[datetime]:
    """`count` moments drawn uniformly over the working time of the window (a weekday with
    more hours gets more mail); none before now (a window already begun starts now)."""
    spans = working_spans(campaign)
    total = sum(s.seconds for s in spans)
    if not spans or total <= 0:
        return []
    now = timezone.now()
    times = []
    for _ in range(count):
        offset = rng.uniform(0, total)
        for span in spans:
            if offset <= span.seconds:
                times.append(max(now, span.start + timedelta(seconds=offset)))
                break
            offset -= span.seconds
    return times


def plan_recipients(campaign: Campaign, *, rng: random.Random | None = None) -> int:
    """One Recipient per person the campaign reaches, each due at a random working moment.
    Running it again adds only people not yet planned."""
    rng = rng or random.SystemRandom()
    planned = set(campaign.recipients.values_list("person_id", flat=True))
    people = [p for p in recipients_for(campaign).only("pk", "email") if p.pk not in planned]
    times = due_times(campaign, len(people), rng)
    rows = [
        Recipient(campaign=campaign, person=p, email=p.email, due_at=t)
        for p, t in zip(people, times, strict=False)
    ]
    Recipient.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


def _claim(campaign: Campaign, now: datetime, limit: int) -> list[Recipient]:
    due = Recipient.objects.filter(campaign=campaign, sent_at__isnull=True, due_at__lte=now)
    if connection.vendor == "postgresql":
        due = due.select_for_update(skip_locked=True, of=("self",))
    return list(due.select_related("person__home_unit").order_by("due_at", "pk")[:limit])


def _connection(profile: SendingProfile) -> BaseEmailBackend:
    backend: BaseEmailBackend = get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host=profile.smtp_host,
        port=profile.smtp_port,
        username=profile.smtp_username or None,
        password=profile.smtp_password or None,
        use_tls=profile.use_tls,
        timeout=int(getattr(settings, "DRILLS_SMTP_TIMEOUT", 20)),
    )
    return backend


def contact_address() -> str:
    return str(getattr(settings, "DRILLS_CONTACT_ADDRESS", settings.DEFAULT_FROM_EMAIL))


def build_message(recipient: Recipient, campaign: Campaign) -> EmailMultiAlternatives:
    template, profile = campaign.template, campaign.sending_profile
    link = absolute_url(reverse("drill-click", args=[recipient.tracking_id]))
    pixel = absolute_url(reverse("drill-pixel", args=[recipient.tracking_id]))
    person = recipient.person
    name = person.get_full_name() or person.get_username()
    unit = str(person.home_unit) if person.home_unit else ""

    def fill(text: str, *, html: bool) -> str:
        quote = escape if html else str
        return (
            text.replace("{{name}}", quote(name))
            .replace("{{unit}}", quote(unit))
            .replace("{{link}}", quote(link))
        )

    sender = f"{template.sender_name} <{template.sender_local_part}@{profile.sender_domain}>"
    message = EmailMultiAlternatives(
        subject=fill(template.subject, html=False),
        body=fill(template.text_body, html=False),
        from_email=sender,
        to=[recipient.email],
        headers={
            DRILL_HEADER: (
                f"id={recipient.tracking_id}; platform={PLATFORM}; contact={contact_address()}"
            ),
        },
    )
    html = fill(template.html_body, html=True)
    html += f'<img src="{escape(pixel)}" width="1" height="1" alt="">'
    message.attach_alternative(html, "text/html")
    return message


def _mark_sent(sent: list[Recipient], now: datetime) -> None:
    """One transaction for a chunk of sent mail: the sent times and the "sent" events."""
    with transaction.atomic():
        Recipient.objects.filter(pk__in=[r.pk for r in sent]).update(sent_at=now, send_error="")
        Event.objects.bulk_create(
            [Event(recipient=r, kind=EventKind.SENT, at=now) for r in sent], batch_size=500
        )


def _still_sendable(campaign: Campaign) -> bool:
    return Campaign.objects.sendable().filter(pk=campaign.pk).exists()


def _send_parallel(
    pool: ThreadPoolExecutor, backends: list[BaseEmailBackend], messages: Sequence[EmailMessage]
) -> list[OSError | None]:
    """Each message over one of the open SMTP connections, all connections at once (an SMTP
    round trip waits on the network, not on Python); the error of each message, or None."""
    share = len(backends)

    def work(index: int) -> dict[int, OSError | None]:
        results: dict[int, OSError | None] = {}
        for n in range(index, len(messages), share):
            try:
                backends[index].send_messages([messages[n]])
                results[n] = None
            except OSError as error:  # SMTP errors are OSErrors; the next run tries again
                results[n] = error
        return results

    merged: dict[int, OSError | None] = {}
    for part in pool.map(work, range(share)):
        merged.update(part)
    return [merged[n] for n in range(len(messages))]


def _send_chunk(
    campaign: Campaign,
    chunk: list[Recipient],
    pool: ThreadPoolExecutor,
    backends: list[BaseEmailBackend],
) -> int:
    messages = [build_message(r, campaign) for r in chunk]
    sent = []
    for recipient, error in zip(chunk, _send_parallel(pool, backends, messages), strict=True):
        if error is None:
            sent.append(recipient)
            continue
        Recipient.objects.filter(pk=recipient.pk).update(send_error=str(error)[:200])
        log.warning("drill mail to recipient %s failed: %s", recipient.pk, error)
    if sent:
        _mark_sent(sent, timezone.now())
    return len(sent)


def send_campaign_due(
    campaign: Campaign, *, now: datetime | None = None, limit: int = DEFAULT_BATCH
) -> int:
    """Send this campaign's mail that is due, up to `limit`; the number sent. Mail goes in
    chunks of MARK_CHUNK, each recorded in one transaction after it went out: a crash between
    the two resends at most one chunk (a second drill mail), never loses a record."""
    now = now or timezone.now()
    count = 0
    # On PostgreSQL the claimed rows stay locked (SKIP LOCKED) while they are sent, so that
    # senders on several machines share the work; SQLite has one sender and must not hold
    # its single write lock over a batch of SMTP round trips.
    claiming = transaction.atomic() if connection.vendor == "postgresql" else nullcontext()
    parallel = max(1, int(getattr(settings, "DRILLS_SMTP_CONNECTIONS", DEFAULT_CONNECTIONS)))
    backends = [_connection(campaign.sending_profile) for _ in range(parallel)]
    with claiming, ThreadPoolExecutor(max_workers=parallel) as pool:
        try:
            claimed = _claim(campaign, now, limit)
            for start in range(0, len(claimed), MARK_CHUNK):
                if not _still_sendable(campaign):  # paused or stopped: within one chunk
                    break
                count += _send_chunk(campaign, claimed[start : start + MARK_CHUNK], pool, backends)
        finally:
            for backend in backends:
                backend.close()
    return count


def _start(campaign: Campaign) -> None:
    """An approved campaign's first run: plan its recipients, mark it sending."""
    if campaign.status == CampaignStatus.APPROVED:
        plan_recipients(campaign)
        Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.APPROVED).update(
            status=CampaignStatus.SENDING
        )


def _finish_if_done(campaign: Campaign) -> None:
    if campaign.recipients.filter(sent_at__isnull=True).exists():
        return
    with transaction.atomic():
        done = Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.SENDING).update(
            status=CampaignStatus.DONE
        )
        if done:
            CampaignLog.objects.create(
                campaign=campaign,
                actor=None,
                actor_label=PLATFORM,
                action=CampaignAction.DONE,
                from_status=CampaignStatus.SENDING,
                to_status=CampaignStatus.DONE,
            )


def sendable_campaigns() -> Iterator[Campaign]:
    yield from Campaign.objects.sendable().select_related("template", "sending_profile")


def send_due(*, now: datetime | None = None, limit: int = DEFAULT_BATCH) -> int:
    """Every sendable campaign's due mail, up to `limit` each (the periodic task and the
    `send_drill_mail` command call this); the number sent."""
    sent = 0
    for campaign in sendable_campaigns():
        _start(campaign)
        sent += send_campaign_due(campaign, now=now, limit=limit)
        _finish_if_done(campaign)
    return sent
