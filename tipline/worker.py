"""The tipline's worker: it answers the messages the webhooks stored, and sends the answers.

process_pending claims the pending InboundEvents (FOR UPDATE SKIP LOCKED on PostgreSQL; on
SQLite the IMMEDIATE transaction holds the only write lock, after a plain read so that an idle
poll takes none), only the oldest pending event of each conversation, so that a person's
messages are answered one after the other in their order even with many workers. For each:
the image is downloaded (size limit, timeout, allowed hosts only, no redirects), respond()
gives the answers (never called again for an event that has answers stored), and in one
transaction the answers are stored (unique per event and position), the conversation's
window opened (last_inbound_at, sent_since_inbound = 0), its WAITING messages queued again
and the event marked done. Then that conversation's queue is sent, as send_due does.

A failure retries after a backoff (claimed_until doubles as "not before") and gives up after
TIPLINE_EVENT_MAX_ATTEMPTS (FAILED, the error kept on the row, never logged with the text).

send_due sends a conversation's QUEUED messages oldest first (answers before follow-ups), each
under a lease on its own row: a conditional UPDATE sets sent_at while the row is still QUEUED
("being sent since"; the real sending time once SENT). A worker that finds the next message
leased by another stops there, so one person's messages go out one at a time and in order,
without a write to the shared cache. Within the interaction window only: outside it, or when
the channel says so, the messages wait (WAITING) for the person's next message. A quota
error, a rate limit or a channel that is down pauses the channel (in the cache) for the time
it asks; the messages stay QUEUED. The model has no "not before" on OutboundMessage, so the
pause is per channel; each process remembers for TIPLINE_PAUSE_CHECK_SECONDS (1) that a
channel is not paused, so that the hot path does not read the cache for every message (a
pause set by another process is seen that much later: at worst a few more sends the channel
refuses again).
"""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from lib import queue

from . import signature
from .models import (
    Conversation,
    EventStatus,
    InboundEvent,
    OutboundKind,
    OutboundMessage,
    OutboundStatus,
)
from .senders import SendLater, SendRefused, WindowClosed, sender_for

log = logging.getLogger(__name__)
SEND_CHUNK = 20  # messages of one conversation read at a time


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def lease() -> timedelta:
    return timedelta(seconds=_setting("TIPLINE_EVENT_LEASE_SECONDS", 60))


def backoff(*, attempts: int) -> timedelta:
    """lib.queue.backoff with the tipline's settings."""
    return queue.backoff(
        attempts=attempts,
        base=_setting("TIPLINE_BACKOFF_SECONDS", 5),
        cap=_setting("TIPLINE_BACKOFF_MAX_SECONDS", 600),
    )


# --- claiming -------------------------------------------------------------------------------


def _claimable(now: datetime) -> QuerySet[InboundEvent]:
    earlier = InboundEvent.objects.filter(
        conversation=OuterRef("conversation"), status=EventStatus.PENDING, pk__lt=OuterRef("pk")
    )
    return InboundEvent.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        ~Exists(earlier),
        status=EventStatus.PENDING,
    )


def claim_events(*, batch: int, now: datetime | None = None) -> list[InboundEvent]:
    """Up to `batch` due events, each the oldest pending one of its conversation, leased."""
    now = now or timezone.now()
    if not _claimable(now).exists():
        return []  # a plain read first: on SQLite the claim takes the only write lock
    with transaction.atomic():
        queryset = queue.locked(_claimable(now).order_by("pk"))
        ids = list(queryset.values_list("pk", flat=True)[:batch])
        if not ids:
            return []
        InboundEvent.objects.filter(pk__in=ids).update(
            claimed_until=now + lease(), attempts=F("attempts") + 1
        )
    return list(InboundEvent.objects.filter(pk__in=ids).select_related("conversation"))


# --- images ---------------------------------------------------------------------------------


class ImageRefused(Exception):
    """The attachment will never be taken (too large, not an image, host not allowed)."""


class _CheckedRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        if not signature.attachment_allowed(newurl):
            raise ImageRefused("redirect to a host not allowed")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_image_opener = urllib.request.build_opener(_CheckedRedirect)


def image_limit() -> int:
    return int(_setting("TIPLINE_IMAGE_MAX_BYTES", 5 * 1024 * 1024))


def download_image(url: str) -> bytes:
    """The bytes at `url`: ImageRefused for what will never do, OSError (retry) otherwise."""
    if not signature.attachment_allowed(url):
        raise ImageRefused("host not allowed")
    limit = image_limit()
    request = urllib.request.Request(url, headers={"Accept": "image/*"})  # noqa: S310 (checked)
    try:
        with _image_opener.open(request, timeout=_setting("TIPLINE_IMAGE_TIMEOUT", 10)) as answer:
            kind = str(answer.headers.get("Content-Type", "")).split(";")[0].strip().lower()
            if kind and not kind.startswith("image/") and kind != "application/octet-stream":
                raise ImageRefused(f"not an image: {kind[:40]}")
            declared = answer.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise ImageRefused("image too large")
            data: bytes = answer.read(limit + 1)
    except urllib.error.HTTPError as exc:
        if 400 <= exc.code < 500:
            raise ImageRefused(f"HTTP {exc.code}") from exc
        raise OSError(f"HTTP {exc.code}") from exc
    if len(data) > limit:
        raise ImageRefused("image too large")
    return data


# --- answering ------------------------------------------------------------------------------


def _incoming(event: InboundEvent) -> Any:
    from .conversation import Incoming

    if event.kind == "image" and event.attachment_url:
        try:
            image: bytes | None = download_image(event.attachment_url)
        except ImageRefused as exc:
            log.warning("tipline event %s: image not taken: %s", event.pk, exc)
            image = None
        return Incoming(kind="image", text=event.text, image=image)
    if event.kind == "text":
        return Incoming(kind="text", text=event.text)
    return Incoming(kind="other", text=event.text)


def _inbound_moment(event: InboundEvent) -> datetime:
    """When the person wrote, by the earlier of the channel's clock and ours (the window is
    never thought open longer than it is)."""
    if event.event_time and event.event_time <= event.received_at:
        return event.event_time
    return event.received_at


def answer_event(event: InboundEvent) -> bool:
    """Answer one claimed event: respond (unless its answers are stored), store, mark done.
    True when event.conversation's window fields are as stored now (no need to read it again
    before sending)."""
    from .conversation import respond

    conversation = event.conversation
    # On its first claim an event has no answers stored (only a claim stores them).
    if event.attempts <= 1 or not OutboundMessage.objects.filter(event=event).exists():
        replies = respond(conversation=conversation, incoming=_incoming(event), event=event)
        rows = [
            OutboundMessage(
                conversation=conversation,
                event=event,
                position=index,
                kind=OutboundKind.ANSWER,
                text=reply.text,
                quick_replies=[
                    {"title": q.title, "payload": q.payload} for q in reply.quick_replies
                ],
            )
            for index, reply in enumerate(replies)
        ]
    else:
        rows = []
    moment = _inbound_moment(event)
    with transaction.atomic():
        # Only the window's fields: respond() saved the state and the draft itself.
        opened = Conversation.objects.filter(
            Q(last_inbound_at__isnull=True) | Q(last_inbound_at__lt=moment), pk=conversation.pk
        ).update(last_inbound_at=moment, sent_since_inbound=0)
        if rows:
            OutboundMessage.objects.bulk_create(rows, ignore_conflicts=True)
        OutboundMessage.objects.filter(
            conversation=conversation, status=OutboundStatus.WAITING
        ).update(status=OutboundStatus.QUEUED)
        InboundEvent.objects.filter(pk=event.pk).update(
            status=EventStatus.DONE, answered_at=timezone.now(), claimed_until=None, error=""
        )
    if opened:
        conversation.last_inbound_at, conversation.sent_since_inbound = moment, 0
    return bool(opened)


def _failed(event: InboundEvent, exc: Exception) -> None:
    error = f"{type(exc).__name__}: {exc}"[:300]
    # The class only: an exception's text could quote the person's message.
    log.warning("tipline event %s failed (attempt %s): %s", event.pk, event.attempts, type(exc))
    if event.attempts >= int(_setting("TIPLINE_EVENT_MAX_ATTEMPTS", 5)):
        fields: dict[str, Any] = {"status": EventStatus.FAILED, "claimed_until": None}
    else:
        fields = {"claimed_until": timezone.now() + backoff(attempts=event.attempts)}
    InboundEvent.objects.filter(pk=event.pk, status=EventStatus.PENDING).update(
        error=error, **fields
    )


def process_pending(*, max_seconds: float = 50.0) -> int:
    """Answer pending events for at most `max_seconds`; returns how many were answered. Each
    conversation's answers are sent as soon as they are stored."""
    deadline = time.monotonic() + max_seconds
    done = 0
    batch = int(_setting("TIPLINE_CLAIM_BATCH", 20))
    while time.monotonic() < deadline:
        events = claim_events(batch=batch)
        if not events:
            break
        for event in events:
            try:
                fresh = answer_event(event)
            except Exception as exc:  # any failure of one event: retried, the others go on
                _failed(event, exc)
                continue
            done += 1
            try:
                conversation = event.conversation if fresh else None
                _send_conversation(event.conversation_id, conversation)
            except Exception as exc:  # the answers are stored: the next send_due sends them
                log.warning("tipline send for event %s failed: %s", event.pk, type(exc))
    return done


# --- sending --------------------------------------------------------------------------------


def _pause_key(channel: str) -> str:
    return f"tipline:pause:{channel}"


# channel -> monotonic time until which this process takes the channel as not paused.
_not_paused: dict[str, float] = {}


def channel_paused(channel: str) -> bool:
    if _not_paused.get(channel, float("-inf")) > time.monotonic():
        return False
    until = cache.get(_pause_key(channel))
    paused = isinstance(until, (int, float)) and until > time.time()
    if not paused:
        _not_paused[channel] = time.monotonic() + _setting("TIPLINE_PAUSE_CHECK_SECONDS", 1)
    return paused


def pause_channel(channel: str, seconds: int) -> None:
    _not_paused.pop(channel, None)
    cache.set(_pause_key(channel), time.time() + seconds, timeout=max(1, seconds))


def resume_channel(channel: str) -> None:
    """End a channel's pause now (the admin fixed the credentials; tests)."""
    cache.delete(_pause_key(channel))
    _not_paused.pop(channel, None)


def forget_pauses() -> None:
    """Forget what this process remembers of the pauses (tests, after clearing the cache)."""
    _not_paused.clear()


def _queued(conversation_id: int) -> QuerySet[OutboundMessage]:
    later = Case(
        When(kind=OutboundKind.FOLLOW_UP, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return (
        OutboundMessage.objects.filter(
            conversation_id=conversation_id, status=OutboundStatus.QUEUED
        )
        .select_related("event")
        .annotate(later=later)
        .order_by("later", "created_at", "event_id", "position", "pk")
    )


def send_lease() -> timedelta:
    return timedelta(seconds=_setting("TIPLINE_SEND_LEASE_SECONDS", 60))


def _free(now: datetime) -> Q:
    """A QUEUED row no worker is sending: never leased, or its lease is over."""
    return Q(sent_at__isnull=True) | Q(sent_at__lt=now - send_lease())


def _lease_message(message: OutboundMessage, now: datetime) -> bool:
    """Take the row for sending (True), or find it taken by another worker (False)."""
    taken = OutboundMessage.objects.filter(
        _free(now), pk=message.pk, status=OutboundStatus.QUEUED
    ).update(sent_at=now)
    return taken == 1


def _send_conversation(conversation_id: int, conversation: Conversation | None = None) -> int:
    """Send the conversation's queue; `conversation`, when given, is fresh (its window fields
    as stored) and saves reading it again."""
    sent = 0
    max_attempts = int(_setting("TIPLINE_SEND_MAX_ATTEMPTS", 8))
    while True:
        if conversation is None:
            conversation = Conversation.objects.filter(pk=conversation_id).first()
        if conversation is None or channel_paused(conversation.channel):
            return sent
        batch = list(_queued(conversation_id)[:SEND_CHUNK])
        if not batch:
            return sent
        sender = sender_for(conversation.channel)
        for message in batch:
            now = timezone.now()
            # An answer to what the person just wrote goes out even after "dừng".
            answer = message.kind == OutboundKind.ANSWER
            if not conversation.window_open(now, answer=answer):
                if not _wait(message, now=now):
                    return sent  # another worker is sending this person's messages
                continue
            if not _lease_message(message, now):
                return sent  # another worker is sending this person's messages
            try:
                remote_id = sender.send(conversation=conversation, message=message)
            except WindowClosed as exc:
                _wait(message, error=str(exc))
                continue
            except SendLater as exc:
                _later(message, exc, max_attempts)
                pause_channel(conversation.channel, exc.after_seconds)
                return sent
            except SendRefused as exc:
                OutboundMessage.objects.filter(pk=message.pk).update(
                    attempts=F("attempts") + 1,
                    error=str(exc)[:300],
                    status=OutboundStatus.FAILED,
                    sent_at=None,
                )
                continue
            except Exception as exc:  # a bug or a broken secret: counted, the channel rests
                log.warning("tipline message %s not sent: %s", message.pk, type(exc))
                _later(message, SendLater(type(exc).__name__, after_seconds=30), max_attempts)
                pause_channel(conversation.channel, 30)
                return sent
            _sent(conversation, message, remote_id)
            sent += 1
        if len(batch) < SEND_CHUNK:
            # What another worker queued meanwhile goes with the next send_due() (run_tipline
            # calls it every turn): one query less for each conversation.
            return sent
        conversation = None  # read again: another worker may have sent meanwhile


def _later(message: OutboundMessage, exc: SendLater, max_attempts: int) -> None:
    attempts = message.attempts + (1 if exc.counts else 0)
    status = OutboundStatus.FAILED if attempts >= max_attempts else OutboundStatus.QUEUED
    OutboundMessage.objects.filter(pk=message.pk, status=OutboundStatus.QUEUED).update(
        attempts=attempts, error=str(exc)[:300], status=status, sent_at=None
    )


def _wait(message: OutboundMessage, *, error: str = "", now: datetime | None = None) -> bool:
    """The row waits for the person's next message. With `now`: only if no worker is sending
    it (False when one is); without: the caller holds its lease."""
    rows = OutboundMessage.objects.filter(pk=message.pk, status=OutboundStatus.QUEUED)
    if now is not None:
        rows = rows.filter(_free(now))
    return rows.update(status=OutboundStatus.WAITING, error=error[:300], sent_at=None) == 1


def _sent(conversation: Conversation, message: OutboundMessage, remote_id: str) -> None:
    with transaction.atomic():
        OutboundMessage.objects.filter(pk=message.pk).update(
            status=OutboundStatus.SENT,
            sent_at=timezone.now(),
            external_id=remote_id[:128],
            attempts=F("attempts") + 1,
            error="",
        )
        Conversation.objects.filter(pk=conversation.pk).update(
            sent_since_inbound=F("sent_since_inbound") + 1
        )
    conversation.sent_since_inbound += 1


def send_due() -> int:
    """Send the QUEUED messages of every conversation that has some (up to
    TIPLINE_SEND_BATCH conversations, by id); returns how many were sent."""
    pairs = (
        OutboundMessage.objects.filter(_free(timezone.now()), status=OutboundStatus.QUEUED)
        .order_by("conversation_id")
        .values_list("conversation_id", "conversation__channel")
        .distinct()
    )
    sent = 0
    paused: dict[str, bool] = {}
    for conversation_id, channel in list(pairs[: int(_setting("TIPLINE_SEND_BATCH", 200))]):
        if channel not in paused:
            paused[channel] = channel_paused(channel)
        if not paused[channel]:
            sent += _send_conversation(conversation_id)
    return sent
