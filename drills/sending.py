"""Drill mail out: when each recipient's mail is due (spread at random over the weekdays and
working hours of the send window, Asia/Ho_Chi_Minh), and sending what is due through the
campaign's sending profile over SMTP.

Every mail says what it is to a mail administrator: the X-Canhgiac-Drill header names the
platform, the tracking id and a contact address, and the id followed by "+" in the link opens
the transparency page. The status is read again before each chunk of 50 messages, so a pause or a
stop takes effect within one chunk.

A campaign's mail is the same for everyone but for a few values (name, unit, tracking id,
address), and Python's MIME serialisation costs more than the SMTP exchange: each batch
serialises the campaign's message once through Django with marks where those values go (a
MailMould), and each recipient's bytes are the mould with the marks replaced, sent on the
batch's open connections. A mould that does not come out whole (a part that had to be
quoted-printable, a mark cut by folding) and a recipient whose values do not fit one go the
long way, one Django message each (build_message)."""

from __future__ import annotations

import base64
import logging
import random
import re
import secrets
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.header import Header
from email.utils import formatdate, make_msgid
from html import escape
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import RFC5322_EMAIL_LINE_LENGTH_LIMIT, sanitize_address
from django.core.mail.utils import DNS_NAME
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape as escape_html

from lib import queue
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
    Template,
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
    return list(
        queue.locked(due).select_related("person__home_unit").order_by("due_at", "pk")[:limit]
    )


def _connection(profile: SendingProfile) -> BaseEmailBackend:
    backend: BaseEmailBackend = get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host=profile.smtp_host,
        port=profile.smtp_port,
        username=profile.smtp_username or None,
        # Decrypted here only, at the moment of logging in (stored encrypted, lib/crypto.py).
        password=profile.smtp_password() or None,
        use_tls=profile.use_tls,
        timeout=int(getattr(settings, "DRILLS_SMTP_TIMEOUT", 20)),
    )
    return backend


def contact_address() -> str:
    return str(getattr(settings, "DRILLS_CONTACT_ADDRESS", settings.DEFAULT_FROM_EMAIL))


def _one_line(text: str) -> str:
    # A name or unit goes into the Subject header: a line break there would start a header.
    return " ".join(text.split())


def _person_values(recipient: Recipient) -> tuple[str, str]:
    person = recipient.person
    name = person.get_full_name() or person.get_username()
    unit = str(person.home_unit) if person.home_unit else ""
    return _one_line(name), _one_line(unit)


def _drill_header(tracking_id: str) -> str:
    return f"id={tracking_id}; platform={PLATFORM}; contact={contact_address()}"


def _message(
    campaign: Campaign,
    *,
    tracking_id: str,
    name: str,
    unit: str,
    to: str,
    subject: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMultiAlternatives:
    """The drill mail with these values, built by Django (the mould is this with marks)."""
    template, profile = campaign.template, campaign.sending_profile
    link = absolute_url(reverse("drill-click", args=[tracking_id]))
    pixel = absolute_url(reverse("drill-pixel", args=[tracking_id]))
    mail = template.render(name=name, unit=unit, link=link)
    sender = f"{template.sender_name} <{template.sender_local_part}@{profile.sender_domain}>"
    message = EmailMultiAlternatives(
        subject=mail.subject if subject is None else subject,
        body=mail.text,
        from_email=sender,
        to=[to],
        headers={DRILL_HEADER: _drill_header(tracking_id), **(headers or {})},
    )
    html = mail.html + f'<img src="{escape(pixel)}" width="1" height="1" alt="">'
    message.attach_alternative(html, "text/html")
    return message


def build_message(recipient: Recipient, campaign: Campaign) -> EmailMultiAlternatives:
    """One recipient's drill mail, built the long way (the reference the mould must match)."""
    name, unit = _person_values(recipient)
    return _message(
        campaign, tracking_id=recipient.tracking_id, name=name, unit=unit, to=recipient.email
    )


@dataclass(frozen=True)
class Wire:
    """One mail as SMTP carries it: envelope sender and recipient, and the bytes (CRLF)."""

    sender: str
    to: str
    data: bytes


def _wire_of(message: EmailMultiAlternatives) -> Wire:
    encoding = message.encoding or settings.DEFAULT_CHARSET
    return Wire(
        sender=sanitize_address(message.from_email, encoding),
        to=sanitize_address(message.to[0], encoding),
        data=message.message().as_bytes(linesep="\r\n"),
    )


# A dot-atom address in ASCII, which Django's sanitize_address gives back unchanged; any other
# goes through it (it parses every address with the email package: slow for 10,000).
_PLAIN_ADDRESS = re.compile(r"(?a)[\w+-]+(?:\.[\w+-]+)*@[\w-]+(?:\.[\w-]+)+")
# UTF-8 bytes per RFC 2047 encoded word: 39 make 52 base64 characters, a line under 78.
_WORD_BYTES = 39


def _envelope_address(address: str) -> str:
    return address if _PLAIN_ADDRESS.fullmatch(address) else sanitize_address(address, "utf-8")


def _subject_header(subject: str) -> str:
    """The Subject's value: ASCII folded by the email package, anything else as RFC 2047
    base64 words of whole characters, one per line (the email package's own encoder measures
    every character and cost more than the rest of a mail)."""
    if subject.isascii():
        return Header(subject, "us-ascii", header_name="Subject").encode()
    words, word = [], b""
    for char in subject:
        piece = char.encode()
        if len(word) + len(piece) > _WORD_BYTES:
            words.append(word)
            word = b""
        word += piece
    words.append(word)
    return "\n ".join(f"=?utf-8?b?{base64.b64encode(w).decode()}?=" for w in words)


@dataclass(frozen=True)
class MailMould:
    """A campaign's mail serialised once, with marks where each recipient's values go. `raw`
    uses "\n" line ends; the HTML part starts at `html_at` (its values are escaped)."""

    raw: bytes
    html_at: int
    marks: dict[str, str]
    boundary: bytes
    sender: str
    template: Template
    link: str

    def fill(self, recipient: Recipient) -> Wire | None:
        """The recipient's mail, or None when their values do not fit the mould (a line too
        long for an 8-bit part, a value holding the MIME boundary)."""
        name, unit = _person_values(recipient)
        tid, marks = recipient.tracking_id, self.marks
        if self.boundary in f"{name}{unit}{recipient.email}".encode():
            return None
        to = _envelope_address(recipient.email)
        link = self.link.replace(marks["id"], tid)
        subject = self.template.render(name=name, unit=unit, link=link).subject
        head = (
            self.raw[: self.html_at]
            .replace(marks["name"].encode(), name.encode())
            .replace(marks["unit"].encode(), unit.encode())
        )
        html = (
            self.raw[self.html_at :]
            .replace(marks["name"].encode(), escape_html(name).encode())
            .replace(marks["unit"].encode(), escape_html(unit).encode())
        )
        raw = (
            (head + html)
            .replace(marks["id"].encode(), tid.encode())
            .replace(marks["to"].encode(), to.encode())
            .replace(marks["subject"].encode(), _subject_header(subject).encode())
            .replace(marks["msgid"].encode(), make_msgid(domain=DNS_NAME).encode())
            .replace(
                marks["date"].encode(), formatdate(localtime=settings.EMAIL_USE_LOCALTIME).encode()
            )
        )
        if max(map(len, raw.split(b"\n"))) > RFC5322_EMAIL_LINE_LENGTH_LIMIT:
            return None
        return Wire(sender=self.sender, to=to, data=raw.replace(b"\n", b"\r\n"))


def make_mould(campaign: Campaign) -> MailMould | None:
    """The campaign's mould, or None when Django's serialisation did not keep every mark
    whole. The name and unit marks hold a letter outside ASCII, so that a part holding one is
    sent as 8-bit text (as it will be once a Vietnamese name is in it), never 7-bit."""
    nonce = secrets.token_hex(8)
    marks = {key: f"cg{key}{nonce}" for key in ("id", "to", "subject", "msgid", "date")}
    marks |= {key: f"cg{key}\u0110{nonce}" for key in ("name", "unit")}
    marks["to"] += "@mould.invalid"
    message = _message(
        campaign,
        tracking_id=marks["id"],
        name=marks["name"],
        unit=marks["unit"],
        to=marks["to"],
        subject=marks["subject"],
        headers={"Message-ID": marks["msgid"], "Date": marks["date"]},
    )
    mime = message.message()
    raw = mime.as_bytes(linesep="\n")
    html_at = raw.find(b"Content-Type: text/html")
    template = campaign.template
    expected = {
        "id": 2 + template.text_body.count("{{link}}") + template.html_body.count("{{link}}"),
        "name": template.text_body.count("{{name}}") + template.html_body.count("{{name}}"),
        "unit": template.text_body.count("{{unit}}") + template.html_body.count("{{unit}}"),
    }
    whole = html_at > 0 and all(
        raw.count(marks[key].encode()) == expected.get(key, 1) for key in marks
    )
    if not whole or b"Content-Transfer-Encoding: quoted-printable" in raw:
        return None
    encoding = message.encoding or settings.DEFAULT_CHARSET
    return MailMould(
        raw=raw,
        html_at=html_at,
        marks=marks,
        boundary=str(mime.get_boundary()).encode(),
        sender=sanitize_address(message.from_email, encoding),
        template=template,
        link=absolute_url(reverse("drill-click", args=[marks["id"]])),
    )


def wire_for(recipient: Recipient, campaign: Campaign, mould: MailMould | None) -> Wire:
    """The recipient's mail from the mould, or built the long way when it does not fit."""
    wire = mould.fill(recipient) if mould is not None else None
    return wire or _wire_of(build_message(recipient, campaign))


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
    pool: ThreadPoolExecutor, backends: list[BaseEmailBackend], wires: Sequence[Wire | Exception]
) -> list[Exception | None]:
    """Each mail over one of the batch's open SMTP connections, all connections at once (an
    SMTP round trip waits on the network, not on Python); the error of each mail, or None. A
    connection that failed while sending is closed, so that the next mail opens a fresh one;
    one that cannot be opened (refused, a wrong password) is not tried again in this batch."""
    share = len(backends)

    def work(index: int) -> dict[int, Exception | None]:
        backend, unusable = backends[index], None
        results: dict[int, Exception | None] = {}
        for n in range(index, len(wires), share):
            wire = wires[n]
            if isinstance(wire, Exception):
                results[n] = wire
                continue
            if unusable is not None:
                results[n] = unusable
                continue
            try:
                backend.open()  # a no-op while the connection is open
            except OSError as error:  # SMTP errors are OSErrors; the next run tries again
                results[n] = unusable = error
                continue
            try:
                smtp = backend.connection  # type: ignore[attr-defined]  # the SMTP backend's
                smtp.sendmail(wire.sender, [wire.to], wire.data)
                results[n] = None
            except OSError as error:
                results[n] = error
                backend.close()
        return results

    merged: dict[int, Exception | None] = {}
    for part in pool.map(work, range(share)):
        merged.update(part)
    return [merged[n] for n in range(len(wires))]


def _wires(
    campaign: Campaign, chunk: list[Recipient], mould: MailMould | None
) -> list[Wire | Exception]:
    wires: list[Wire | Exception] = []
    for recipient in chunk:
        try:
            wires.append(wire_for(recipient, campaign, mould))
        except ValueError as error:  # an address Django cannot put in a header
            wires.append(error)
    return wires


def _send_chunk(
    campaign: Campaign,
    chunk: list[Recipient],
    pool: ThreadPoolExecutor,
    backends: list[BaseEmailBackend],
    mould: MailMould | None,
) -> int:
    wires = _wires(campaign, chunk, mould)
    sent = []
    for recipient, error in zip(chunk, _send_parallel(pool, backends, wires), strict=True):
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
            mould = make_mould(campaign) if claimed else None
            for start in range(0, len(claimed), MARK_CHUNK):
                if not _still_sendable(campaign):  # paused or stopped: within one chunk
                    break
                chunk = claimed[start : start + MARK_CHUNK]
                count += _send_chunk(campaign, chunk, pool, backends, mould)
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
