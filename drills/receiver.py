"""The report address: a small SMTP server (aiosmtpd) that takes drill mail forwarded by the
people who received it, finds the tracking id in the forwarded mail's headers or body, and
records the report (with a thank-you mail), for the person the drill was sent to only.

Run it with `manage.py drill_report_receiver`; point the report address's MX (or a forwarding
rule of the organisation's mail server) at it."""

from __future__ import annotations

import logging
import re
from email import message_from_bytes, policy
from email.message import Message
from email.utils import getaddresses
from typing import Any

from asgiref.sync import sync_to_async
from django import db
from django.conf import settings

from . import tracking
from .models import Recipient, ReportChannel

log = logging.getLogger(__name__)

_ID = r"([2-9a-zA-Z]{16})"
# The tracked link (/d/<id>, the pixel /d/<id>/o.gif) and the drill header, also when a mail
# client forwards inline and writes the original headers into the body.
_PATTERNS = (
    re.compile(r"/d/" + _ID + r"(?![0-9a-zA-Z])"),
    re.compile(r"x-canhgiac-drill:\s*id=" + _ID, re.IGNORECASE),
)
MAX_MESSAGE_BYTES = 10 * 1024 * 1024


def tracking_ids_in(text: str) -> set[str]:
    found: set[str] = set()
    for pattern in _PATTERNS:
        found.update(pattern.findall(text))
    return found


def _texts(message: Message) -> list[str]:
    """Every header and text part, walking into attached messages (forward as attachment)."""
    texts: list[str] = []
    for part in message.walk():  # the message itself, its parts, and attached messages
        texts.extend(f"{name}: {value}" for name, value in part.items())
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                texts.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
    return texts


def tracking_ids_in_mail(raw: bytes) -> set[str]:
    message = message_from_bytes(raw, policy=policy.default)
    return tracking_ids_in("\n".join(_texts(message)))


def _senders(raw: bytes, envelope_from: str) -> set[str]:
    message = message_from_bytes(raw, policy=policy.default)
    addresses = [envelope_from, *[a for _n, a in getaddresses(message.get_all("From", []))]]
    return {a.strip().lower() for a in addresses if a and "@" in a}


def record_forwarded(*, raw: bytes, envelope_from: str) -> int:
    """Record a report for each drill mail in `raw` that was sent to its sender; how many."""
    ids = tracking_ids_in_mail(raw)
    if not ids:
        return 0
    senders = _senders(raw, envelope_from)
    recorded = 0
    for recipient in Recipient.objects.filter(tracking_id__in=ids, sent_at__isnull=False):
        if recipient.email.lower() in senders:
            recorded += tracking.record_report(recipient=recipient, channel=ReportChannel.FORWARD)
    return recorded


def report_addresses() -> set[str]:
    raw = getattr(settings, "DRILLS_REPORT_ADDRESS", "")
    values = raw.split(",") if isinstance(raw, str) else list(raw)
    return {v.strip().lower() for v in values if v.strip()}


def _record_and_close(raw: bytes, envelope_from: str) -> int:
    # Runs in asgiref's worker thread, which no request cycle closes: close its connection
    # after each mail (reports are few) so none is left open on the database.
    try:
        return record_forwarded(raw=raw, envelope_from=envelope_from)
    finally:
        db.connection.close()


class ReportHandler:
    """aiosmtpd handler: accepts mail for the report address(es) only."""

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        allowed = report_addresses()
        if allowed and address.lower() not in allowed:
            return "550 5.1.1 not a report address"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "replace")
        try:
            await sync_to_async(_record_and_close)(raw, envelope.mail_from or "")
        except Exception:  # a bad mail must not stop the receiver; the sender is still told ok
            log.exception("forwarded drill report not recorded")
        return "250 OK"
