"""Bulletins by email: one message per (revision, subscriber), sent by the outbox through
Django's SMTP backend.

Each message carries RFC 8058 one-click unsubscribe (`List-Unsubscribe` with the subscriber's
https link and `List-Unsubscribe-Post: List-Unsubscribe=One-Click`: the mail client POSTs,
nobody has to open a page) and a Message-ID made from the revision and the subscriber, so that
the same delivery always has the same id (a receiver can drop a copy it already has). The
parts that are the same for every subscriber are built once per revision (the bench sends
100,000).
"""

from __future__ import annotations

from email.utils import formatdate
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from lib.links import absolute_url

from ..models import MailingList, Subscriber

if TYPE_CHECKING:
    from ..models import Revision

UNSUBSCRIBE_MARK = "__UNSUBSCRIBE_URL__"


def recipients(*, mailing_list: MailingList) -> QuerySet[Subscriber]:
    """The confirmed subscribers of a list (pending and unsubscribed ones get nothing)."""
    return Subscriber.objects.confirmed().filter(mailing_list=mailing_list).order_by("pk")


def unsubscribe_url(subscriber: Subscriber) -> str:
    return absolute_url(reverse("bulletins:unsubscribe", kwargs={"token": subscriber.token}))


def mail_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def message_id(*, revision: Revision, subscriber: Subscriber) -> str:
    return f"<bulletin-{revision.bulletin_id}.{revision.number}.{subscriber.pk}@{mail_domain()}>"


def _parts(revision: Revision) -> tuple[str, str, str]:
    """Subject, text and HTML of a revision, with UNSUBSCRIBE_MARK where each subscriber's own
    link goes; kept on the revision object, which the outbox reuses for a whole batch."""
    cached: tuple[str, str, str] | None = getattr(revision, "_mail_parts", None)
    if cached is not None:
        return cached
    context = {"revision": revision, "unsubscribe_url": UNSUBSCRIBE_MARK}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("bulletins/subscriptions/mail_subject.txt", context)
        text = render_to_string("bulletins/subscriptions/mail_bulletin.txt", context)
        html = render_to_string("bulletins/subscriptions/mail_bulletin.html", context)
    parts = (" ".join(subject.split()), text, html)
    revision._mail_parts = parts  # type: ignore[attr-defined]  # a per-object cache
    return parts


def build_message(*, revision: Revision, subscriber: Subscriber) -> EmailMultiAlternatives:
    """The mail of `revision` for `subscriber`. Its MIME bytes come from a template serialised
    once per revision, with the subscriber's address, Message-ID, date and unsubscribe link put
    in: Python's header folding costs more than the SMTP exchange (about 300 messages/s built
    one by one against thousands this way). An address that is not plain ASCII goes the long
    way (Django encodes it)."""
    subject, text, html = _parts(revision)
    link = unsubscribe_url(subscriber)
    headers = _headers(revision=revision, subscriber=subscriber, link=link)
    template = _template(revision, subscriber.mailing_list_id)
    # (A link with "=" would need quoting in a quoted-printable part; ours never has one.)
    if template is None or not subscriber.email.isascii() or "=" in link:
        return _message(subject, text, html, to=subscriber.email, link=link, headers=headers)
    raw = (
        template.replace(_TO, subscriber.email.encode())
        .replace(_MESSAGE_ID, headers["Message-ID"].encode())
        .replace(_DATE, formatdate(localtime=settings.EMAIL_USE_LOCALTIME).encode())
        .replace(UNSUBSCRIBE_MARK.encode(), link.encode())
    )
    message = PreparedMessage(
        raw=raw,
        subject=subject,
        body=text.replace(UNSUBSCRIBE_MARK, link),
        from_email=getattr(settings, "BULLETINS_FROM_EMAIL", None),
        to=[subscriber.email],
        headers=headers,
    )
    message.attach_alternative(html.replace(UNSUBSCRIBE_MARK, link), "text/html")
    return message


_TO = b"recipient@placeholder.invalid"
_MESSAGE_ID = b"<message-id@placeholder.invalid>"
_DATE = b"Thu, 01 Jan 1970 00:00:00 -0000"


def _headers(*, revision: Revision, subscriber: Subscriber, link: str) -> dict[str, str]:
    return {
        "Message-ID": message_id(revision=revision, subscriber=subscriber),
        "List-Id": f"<list-{subscriber.mailing_list_id}.bulletins.{mail_domain()}>",
        "List-Unsubscribe": f"<{link}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
        "Precedence": "bulk",
    }


def _message(
    subject: str, text: str, html: str, *, to: str, link: str, headers: dict[str, str]
) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=subject,
        body=text.replace(UNSUBSCRIBE_MARK, link),
        from_email=getattr(settings, "BULLETINS_FROM_EMAIL", None),
        to=[to],
        headers=headers,
    )
    message.attach_alternative(html.replace(UNSUBSCRIBE_MARK, link), "text/html")
    return message


def _template(revision: Revision, list_id: int) -> bytes | None:
    """The revision's message for list `list_id`, serialised by Django with placeholders; None
    if a placeholder did not come out whole (a part encoded quoted-printable, whose soft line
    breaks may cut it): then each message is built the long way."""
    cache: dict[int, bytes | None] = revision.__dict__.setdefault("_mail_templates", {})
    if list_id not in cache:
        subject, text, html = _parts(revision)
        headers = {
            "Message-ID": _MESSAGE_ID.decode(),
            "Date": _DATE.decode(),
            "List-Id": f"<list-{list_id}.bulletins.{mail_domain()}>",
            "List-Unsubscribe": f"<{UNSUBSCRIBE_MARK}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            "Precedence": "bulk",
        }
        message = _message(
            subject, text, html, to=_TO.decode(), link=UNSUBSCRIBE_MARK, headers=headers
        )
        raw = message.message().as_bytes(linesep="\n")
        whole = raw.count(UNSUBSCRIBE_MARK.encode()) == 3 and all(
            raw.count(mark) == 1 for mark in (_TO, _MESSAGE_ID, _DATE)
        )
        cache[list_id] = raw if whole else None
    return cache[list_id]


class _RawMessage:
    """What PreparedMessage.message() answers: the bytes the SMTP backend sends."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        return self.raw if linesep == "\n" else self.raw.replace(b"\n", linesep.encode())

    def as_string(self, unixfrom: bool = False, linesep: str = "\n") -> str:
        return self.as_bytes(linesep=linesep).decode()

    def __bytes__(self) -> bytes:
        return self.raw


class PreparedMessage(EmailMultiAlternatives):
    """A Django mail whose MIME form is already made (see build_message); the other attributes
    (subject, body, alternatives, extra_headers) say the same for whoever reads them."""

    def __init__(self, *, raw: bytes, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.raw = raw

    def message(self) -> Any:  # the backends call only as_bytes / as_string on it
        return _RawMessage(self.raw)

    def wire_bytes(self) -> bytes:
        """The bytes as SMTP carries them (CRLF line ends), for smtplib's `sendmail`."""
        return _RawMessage(self.raw).as_bytes(linesep="\r\n")
