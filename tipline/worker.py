"""The tipline's worker: it answers the messages the webhooks stored, and sends the answers.

process_pending claims the pending InboundEvents (FOR UPDATE SKIP LOCKED on PostgreSQL; on
SQLite the IMMEDIATE transaction holds the only write lock, after a plain read so that an idle
poll takes none), only the oldest pending event of each conversation, so that a person's
messages are answered one after the other in their order even with many workers. The events
are read with their conversations in the claim itself. For each: the image is downloaded
(size limit, timeout, allowed hosts only, no redirects), respond() gives the answers (never
called again for an event that has answers stored), and in one transaction the answers are
stored (unique per event and position), the event marked done, the conversation's queue read
once and the messages that may go now leased (_take: its WAITING ones go again, the person
wrote), and the conversation saved in one UPDATE: its step and draft, and its window opened
(last_inbound_at, sent_since_inbound = the messages just leased). Those are then sent, each
marked SENT by one UPDATE; whatever does not go gives its lease and its count back. A queue
_take cannot send whole (another worker is sending its first message, the window is full, a
long queue) is left to the same loop as send_due.

CPU per message is mostly the ORM's (building and compiling each statement): the path above
is ten statements in two transactions per text and its answer, the webhook's two in one
(tipline/tests/test_query_counts.py keeps them so).

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

import functools
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
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
from .senders import Sender, SendLater, SendRefused, WindowClosed, sender_for

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


@functools.cache
def _first_pending() -> QuerySet[InboundEvent]:
    """The PENDING events that are the oldest pending one of their conversation. Built once
    per process (its subquery is most of what a claim costs to build) and only ever filtered
    further, never evaluated itself."""
    earlier = InboundEvent.objects.filter(
        conversation=OuterRef("conversation"), status=EventStatus.PENDING, pk__lt=OuterRef("pk")
    )
    return InboundEvent.objects.filter(~Exists(earlier), status=EventStatus.PENDING)


def _claimable(now: datetime) -> QuerySet[InboundEvent]:
    return _first_pending().filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))


def claim_events(
    *, batch: int, now: datetime | None = None, look_first: bool = True
) -> list[InboundEvent]:
    """Up to `batch` due events, each the oldest pending one of its conversation, leased; read
    with their conversations in the claim itself (FOR UPDATE of the events only). With
    `look_first`, a plain read first: on SQLite the claim takes the only write lock, which an
    idle poll had better not (process_pending skips it right after a full batch)."""
    now = now or timezone.now()
    if look_first and not _claimable(now).exists():
        return []
    until = now + lease()
    with transaction.atomic():
        queryset = _claimable(now).select_related("conversation").order_by("pk")
        events = list(queue.locked(queryset)[:batch])
        if not events:
            return []
        InboundEvent.objects.filter(pk__in=[e.pk for e in events]).update(
            claimed_until=until, attempts=F("attempts") + 1
        )
    for event in events:
        event.claimed_until, event.attempts = until, event.attempts + 1
    return events


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


def _answer_rows(event: InboundEvent, replies: list[Any]) -> list[OutboundMessage]:
    return [
        OutboundMessage(
            conversation=event.conversation,
            event=event,
            position=index,
            kind=OutboundKind.ANSWER,
            text=reply.text,
            quick_replies=[{"title": q.title, "payload": q.payload} for q in reply.quick_replies],
        )
        for index, reply in enumerate(replies)
    ]


@dataclass
class Answered:
    """What answer_event leaves to send: the conversation (its window fields as stored when
    `fresh`), the messages it leased to send now, in order (`taken`: already counted in
    sent_since_inbound), and whether the queue may hold others (`more`)."""

    conversation: Conversation
    fresh: bool
    taken: list[OutboundMessage] = field(default_factory=list)
    more: bool = True


def answer_event(event: InboundEvent, *, take: bool = False) -> Answered:
    """Answer one claimed event: respond (unless its answers are stored), then in one
    transaction store the answers, mark the event done and save the conversation (its step,
    draft and window: last_inbound_at, sent_since_inbound = 0). With `take`, the same
    transaction reads the conversation's queue and leases what may go now (send_answered sends
    it); without, the WAITING messages are only queued again."""
    from .conversation import respond

    conversation = event.conversation
    rows: list[OutboundMessage] = []
    # On its first claim an event has no answers stored (only a claim stores them).
    if event.attempts <= 1 or not OutboundMessage.objects.filter(event=event).exists():
        incoming = _incoming(event)
        replies = respond(conversation=conversation, incoming=incoming, event=event, save=False)
        rows = _answer_rows(event, replies)
    moment = _inbound_moment(event)
    # Only the worker holding this conversation's oldest event moves last_inbound_at, so the
    # value read with the claim tells whether this message opens the window again.
    opened = conversation.last_inbound_at is None or conversation.last_inbound_at < moment
    now = timezone.now()
    answered = Answered(conversation, fresh=opened)
    with transaction.atomic():
        if rows:
            OutboundMessage.objects.bulk_create(rows, ignore_conflicts=True)
        InboundEvent.objects.filter(pk=event.pk).update(
            status=EventStatus.DONE, answered_at=now, claimed_until=None, error=""
        )
        if opened:
            conversation.last_inbound_at, conversation.sent_since_inbound = moment, 0
        if take and opened:
            answered.taken, answered.more = _take(conversation, event, now)
        else:
            _requeue_waiting(conversation.pk)
        counted = len(answered.taken)
        answered.fresh = _save_conversation(conversation, moment, opened=opened, counted=counted)
    return answered


def _save_conversation(
    conversation: Conversation, moment: datetime, *, opened: bool, counted: int
) -> bool:
    """What respond() changed (step, draft, stopped_at) and, when this message opened the
    window again, the window: one UPDATE. `counted`: the messages _take leased to go now.
    True when the conversation's window fields are as stored."""
    fields = {
        "state": conversation.state,
        "draft": conversation.draft,
        "stopped_at": conversation.stopped_at,
    }
    rows = Conversation.objects.filter(pk=conversation.pk)
    if opened:
        newer = Q(last_inbound_at__isnull=True) | Q(last_inbound_at__lt=moment)
        if rows.filter(newer).update(last_inbound_at=moment, sent_since_inbound=counted, **fields):
            return True
        # A newer message is stored already (a second worker took this event when its lease
        # ran out): its window stands, and counts what this one leased.
        rows.update(sent_since_inbound=F("sent_since_inbound") + counted, **fields)
        return False
    rows.update(**fields)
    return False


def _requeue_waiting(conversation_id: int) -> None:
    """The person wrote: their WAITING messages may go again."""
    OutboundMessage.objects.filter(
        conversation_id=conversation_id, status=OutboundStatus.WAITING
    ).update(status=OutboundStatus.QUEUED)


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
    full = False
    while time.monotonic() < deadline:
        events = claim_events(batch=batch, look_first=not full)
        if not events:
            break
        full = len(events) == batch
        for event in events:
            try:
                answered = answer_event(event, take=True)
            except Exception as exc:  # any failure of one event: retried, the others go on
                _failed(event, exc)
                continue
            done += 1
            try:
                send_answered(answered)
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


def _in_order(queryset: QuerySet[OutboundMessage]) -> QuerySet[OutboundMessage]:
    """A conversation's messages in the order they go: answers before follow-ups, oldest
    first."""
    later = Case(
        When(kind=OutboundKind.FOLLOW_UP, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return queryset.annotate(later=later).order_by(
        "later", "created_at", "event_id", "position", "pk"
    )


def _queued(conversation_id: int) -> QuerySet[OutboundMessage]:
    return _in_order(
        OutboundMessage.objects.filter(
            conversation_id=conversation_id, status=OutboundStatus.QUEUED
        ).select_related("event")
    )


def send_lease() -> timedelta:
    return timedelta(seconds=_setting("TIPLINE_SEND_LEASE_SECONDS", 60))


def _free(now: datetime) -> Q:
    """A QUEUED row no worker is sending: never leased, or its lease is over."""
    return Q(sent_at__isnull=True) | Q(sent_at__lt=now - send_lease())


def _take(
    conversation: Conversation, event: InboundEvent, now: datetime
) -> tuple[list[OutboundMessage], bool]:
    """Inside answer_event's transaction, the window just opened (conversation's window
    fields as they will be stored): the conversation's QUEUED and WAITING messages read once,
    locked (FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transaction holds the only write
    lock), and the leading ones that may go now leased in one statement and counted in
    sent_since_inbound (a send that fails gives its count back). The WAITING ones left are
    queued again. Returns the leased messages, in order, and whether others are left (a
    queue of SEND_CHUNK or more is left whole to _send_conversation)."""
    pending = OutboundMessage.objects.filter(
        conversation_id=conversation.pk,
        status__in=[OutboundStatus.QUEUED, OutboundStatus.WAITING],
    ).order_by("created_at", "pk")
    if connection.features.has_select_for_update:
        pending = pending.select_for_update(of=("self",))
    rows = list(pending[:SEND_CHUNK])
    if len(rows) == SEND_CHUNK:
        _requeue_waiting(conversation.pk)
        return [], True
    rows.sort(key=_sending_order)  # the whole queue: ordered here, as _queued orders it
    taken: list[OutboundMessage] = []
    expired = now - send_lease()
    if rows and not channel_paused(conversation.channel):
        for row in rows:
            free = row.sent_at is None or row.sent_at < expired
            answer = row.kind == OutboundKind.ANSWER
            # As _send_conversation: the first one held by another worker stops the rest.
            if not free or not conversation.window_open(now, answer=answer):
                break
            taken.append(row)
            conversation.sent_since_inbound += 1
    if taken:
        OutboundMessage.objects.filter(pk__in=[row.pk for row in taken]).update(
            status=OutboundStatus.QUEUED, sent_at=now
        )
    left = rows[len(taken) :]
    if any(row.status == OutboundStatus.WAITING for row in left):
        _requeue_waiting(conversation.pk)
    for row in taken:
        row.status, row.sent_at = OutboundStatus.QUEUED, now
        if row.event_id == event.pk:
            row.event = event  # what a bridge's reply_to reads: no query for it
    return taken, bool(left)


def _sending_order(message: OutboundMessage) -> tuple[bool, datetime, int, int, int]:
    """The order of _queued: answers before follow-ups, oldest first."""
    return (
        message.kind == OutboundKind.FOLLOW_UP,
        message.created_at,
        message.event_id or 0,
        message.position,
        message.pk,
    )


def send_answered(answered: Answered) -> int:
    """Send what answer_event leased, in order; then, when the queue may hold more, the rest as
    send_due does. Returns how many were sent."""
    conversation = answered.conversation
    sent, stopped = _send_taken(conversation, answered.taken)
    if answered.more and not stopped:
        # Fresh, and nothing sent: the conversation as stored; else read again.
        known = conversation if answered.fresh and not answered.taken else None
        sent += _send_conversation(conversation.pk, known)
    return sent


def _send_taken(conversation: Conversation, taken: list[OutboundMessage]) -> tuple[int, bool]:
    """Send messages leased and counted by _take; (how many were sent, whether the channel
    stopped the rest: their leases and counts are given back)."""
    if not taken:
        return 0, False
    sender = sender_for(conversation.channel)
    max_attempts = int(_setting("TIPLINE_SEND_MAX_ATTEMPTS", 8))
    sent = 0
    for index, message in enumerate(taken):
        outcome = _send_one(sender, conversation, message, max_attempts, counted=True)
        if outcome == STOP:
            rest = taken[index + 1 :]
            if rest:
                OutboundMessage.objects.filter(
                    pk__in=[m.pk for m in rest], status=OutboundStatus.QUEUED
                ).update(sent_at=None)
                _uncount(conversation, len(rest))
            return sent, True
        sent += outcome == SENT
    return sent, False


SENT, SKIPPED, STOP = "sent", "skipped", "stop"


def _send_one(
    sender: Sender,
    conversation: Conversation,
    message: OutboundMessage,
    max_attempts: int,
    *,
    counted: bool,
) -> str:
    """Send one leased message and record what became of it: SENT, SKIPPED (it waits for the
    window, or failed for good: the next may go) or STOP (the channel pauses). `counted`: the
    message is counted in sent_since_inbound already (taken by _take), and gives its count
    back unless sent."""
    try:
        remote_id = sender.send(conversation=conversation, message=message)
    except WindowClosed as exc:
        _wait(message, error=str(exc))
        outcome = SKIPPED
    except SendLater as exc:
        _later(message, exc, max_attempts)
        pause_channel(conversation.channel, exc.after_seconds)
        outcome = STOP
    except SendRefused as exc:
        OutboundMessage.objects.filter(pk=message.pk).update(
            attempts=F("attempts") + 1,
            error=str(exc)[:300],
            status=OutboundStatus.FAILED,
            sent_at=None,
        )
        outcome = SKIPPED
    except Exception as exc:  # a bug or a broken secret: counted, the channel rests
        log.warning("tipline message %s not sent: %s", message.pk, type(exc))
        _later(message, SendLater(type(exc).__name__, after_seconds=30), max_attempts)
        pause_channel(conversation.channel, 30)
        outcome = STOP
    else:
        if counted:
            _mark_sent(message, remote_id)
        else:
            _sent(conversation, message, remote_id)
        return SENT
    if counted:
        _uncount(conversation, 1)
    return outcome


def _uncount(conversation: Conversation, count: int) -> None:
    """Give back the count of messages _take counted but that did not go: in the window they
    were counted in only (a newer message has started a new count)."""
    Conversation.objects.filter(
        pk=conversation.pk,
        last_inbound_at=conversation.last_inbound_at,
        sent_since_inbound__gte=count,
    ).update(sent_since_inbound=F("sent_since_inbound") - count)
    conversation.sent_since_inbound = max(0, conversation.sent_since_inbound - count)


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
            outcome = _send_one(sender, conversation, message, max_attempts, counted=False)
            if outcome == STOP:
                return sent
            sent += outcome == SENT
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


def _mark_sent(message: OutboundMessage, remote_id: str) -> None:
    # The caller holds the row's lease: its attempts are as read.
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=OutboundStatus.SENT,
        sent_at=timezone.now(),
        external_id=remote_id[:128],
        attempts=message.attempts + 1,
        error="",
    )


def _sent(conversation: Conversation, message: OutboundMessage, remote_id: str) -> None:
    with transaction.atomic():
        _mark_sent(message, remote_id)
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
