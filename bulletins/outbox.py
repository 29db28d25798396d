"""Delivery exactly once, through the outbox (see models/outbox.py and DESIGN.md).

`enqueue_deliveries` runs inside the publishing transaction: it writes one OutboxItem per
channel and recipient list, keyed so that a second call writes nothing. Workers (`manage.py
deliver_bulletins`, or `deliver_pending` in tests) claim due rows with `FOR UPDATE SKIP
LOCKED` on PostgreSQL; on SQLite every transaction is `BEGIN IMMEDIATE` (settings), which
takes the write lock first, so two claims never overlap.

Email: each claimed batch goes through one SMTP connection, and each recipient's row is marked
sent in its own commit right after the server's 250. The window left is between that 250 and
the commit: a worker killed there resends that one mail after its lease runs out (its
Message-ID is the same, so a receiving server may drop it). Posts: a timeout, or a claim found
still SENDING after its lease, makes the next attempt ask the channel (`find_existing`) first.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from lib import queue

from .models.outbox import Channel, DeliveryStatus, EmailDelivery, OutboxItem

if TYPE_CHECKING:
    from django.core.mail import EmailMessage
    from django.core.mail.backends.base import BaseEmailBackend

    from orgs.models import User

    from .models import MailingList, Revision

log = logging.getLogger(__name__)

LOCAL_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
POST_CHANNELS = (Channel.ZALO, Channel.FACEBOOK)
PENDING = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)


def lease() -> timedelta:
    return timedelta(seconds=getattr(settings, "BULLETINS_OUTBOX_LEASE_SECONDS", 120))


def max_attempts() -> int:
    return int(getattr(settings, "BULLETINS_OUTBOX_MAX_ATTEMPTS", 8))


def backoff(*, attempts: int) -> timedelta:
    """lib.queue.backoff with the outbox's settings (an SMTP server down: the rows that failed
    together do not come back together)."""
    return queue.backoff(
        attempts=attempts,
        base=float(getattr(settings, "BULLETINS_OUTBOX_BACKOFF_SECONDS", 30)),
        cap=float(getattr(settings, "BULLETINS_OUTBOX_BACKOFF_MAX_SECONDS", 3600)),
    )


def local_time(value: datetime) -> datetime:
    """A publishing time typed by an editor: naive means Asia/Ho_Chi_Minh."""
    return value.replace(tzinfo=LOCAL_ZONE) if timezone.is_naive(value) else value


# --- enqueueing (in the publishing transaction) -------------------------------------------


def _item_key(*, revision: Revision, channel: str, mailing_list: MailingList | None) -> str:
    list_part = str(mailing_list.pk) if mailing_list is not None else "-"
    return f"{revision.bulletin_id}:{revision.pk}:{channel}:{list_part}"


def _targets(*, revision: Revision) -> list[tuple[str, MailingList | None]]:
    """Where a revision goes. A correction goes to every (channel, list) that carried an
    earlier revision of the bulletin; a first revision to the bulletin's lists and the post
    channels that have an account."""
    from . import channels

    earlier = (
        OutboxItem.objects.filter(revision__bulletin_id=revision.bulletin_id)
        .exclude(revision=revision)
        .select_related("mailing_list")
    )
    if earlier.exists():
        seen: dict[tuple[str, int | None], tuple[str, MailingList | None]] = {}
        for item in earlier:
            seen.setdefault((item.channel, item.mailing_list_id), (item.channel, item.mailing_list))
        return list(seen.values())
    targets: list[tuple[str, MailingList | None]] = [
        (Channel.EMAIL, mailing_list) for mailing_list in _mailing_lists(revision=revision)
    ]
    targets += [(key, None) for key in channels.configured_channels()]
    return targets


def _mailing_lists(*, revision: Revision) -> QuerySet[MailingList]:
    """The lists of the units a bulletin concerns and of the units above them (a province list
    hears about its communes), plus the owning unit's."""
    from orgs.models import Unit

    from .models import MailingList

    bulletin = revision.bulletin
    units = [bulletin.unit, *bulletin.units.all()]
    paths = {unit.path for unit in units}
    steplen = Unit.steplen
    prefixes = {path[:end] for path in paths for end in range(steplen, len(path) + 1, steplen)}
    return MailingList.objects.filter(unit__path__in=prefixes).order_by("pk")


def enqueue_deliveries(*, revision: Revision, not_before: datetime | None = None) -> int:
    """Write the outbox items of a published revision (call inside the publishing
    transaction); return how many are new. `not_before`, or a `published_at` in the future,
    holds them until that time (naive: Asia/Ho_Chi_Minh)."""
    when = not_before or getattr(revision, "published_at", None) or timezone.now()
    when = max(local_time(when), timezone.now())
    items = [
        OutboxItem(
            key=_item_key(revision=revision, channel=channel, mailing_list=mailing_list),
            revision=revision,
            channel=channel,
            mailing_list=mailing_list,
            not_before=when,
        )
        for channel, mailing_list in _targets(revision=revision)
    ]
    keys = [item.key for item in items]
    before = OutboxItem.objects.filter(key__in=keys).count()
    OutboxItem.objects.bulk_create(items, ignore_conflicts=True)
    created = OutboxItem.objects.filter(key__in=keys).count() - before
    if created:
        transaction.on_commit(_wake_workers)
    return created


def _wake_workers() -> None:
    from .tasks import deliver_bulletins_task

    deliver_bulletins_task.enqueue()


# --- claiming -------------------------------------------------------------------------------


def _due(now: datetime) -> Q:
    """Rows to take: queued and due, or claimed by a worker whose lease has run out."""
    return Q(status=DeliveryStatus.QUEUED, not_before__lte=now) | Q(
        status=DeliveryStatus.SENDING, lease_until__lt=now
    )


def claim_post(*, now: datetime | None = None) -> OutboxItem | None:
    now = now or timezone.now()
    if not OutboxItem.objects.filter(_due(now), channel__in=POST_CHANNELS).exists():
        return None  # a plain read first: on SQLite the claim takes the only write lock
    with transaction.atomic():
        item = (
            queue.locked(OutboxItem.objects.filter(_due(now), channel__in=POST_CHANNELS))
            .order_by("not_before", "pk")
            .first()
        )
        if item is None:
            return None
        # Still SENDING: the last worker died during the post, which may have arrived.
        item.uncertain = item.uncertain or item.status == DeliveryStatus.SENDING
        item.status = DeliveryStatus.SENDING
        item.lease_until = now + lease()
        item.attempts += 1
        item.save(update_fields=["uncertain", "status", "lease_until", "attempts", "updated_at"])
    return item


def claim_emails(*, batch: int, now: datetime | None = None) -> list[EmailDelivery]:
    now = now or timezone.now()
    of_due_items = EmailDelivery.objects.filter(
        item__status=DeliveryStatus.QUEUED, item__not_before__lte=now
    )
    # Two index range scans on (status, not_before) rather than one OR sorted by pk, which
    # would walk past every row already sent (quadratic over a 100,000 list).
    queued = of_due_items.filter(status=DeliveryStatus.QUEUED, not_before__lte=now)
    stale = of_due_items.filter(status=DeliveryStatus.SENDING, lease_until__lt=now)
    if not (queued.exists() or stale.exists()):
        return []  # a plain read first, as in claim_post: an idle poll takes no write lock
    with transaction.atomic():
        ids = list(queue.locked(queued).order_by("not_before").values_list("pk", flat=True)[:batch])
        if len(ids) < batch:
            ids += list(queue.locked(stale).values_list("pk", flat=True)[: batch - len(ids)])
        if not ids:
            return []
        EmailDelivery.objects.filter(pk__in=ids).update(
            status=DeliveryStatus.SENDING, lease_until=now + lease(), attempts=F("attempts") + 1
        )
    return list(
        EmailDelivery.objects.filter(pk__in=ids).select_related("subscriber").order_by("pk")
    )


def expand_chunk() -> int:
    return int(getattr(settings, "BULLETINS_EXPAND_CHUNK", 5000))


def expand_email_items(*, now: datetime | None = None, max_chunks: int | None = None) -> int:
    """Write the deliveries of due email items, one per confirmed subscriber, a chunk per
    short transaction (a 100,000 list in one would hold SQLite's write lock past the busy
    timeout of every other worker); `expanded_through` is the last subscriber written, and
    the unique (item, subscriber) pair makes a chunk written twice harmless. With
    `max_chunks` (a worker's round writes one) the mails of the chunks written go out while
    the rest is being written."""
    from .channels import email

    now = now or timezone.now()
    chunks = 0
    pending = OutboxItem.objects.filter(
        channel=Channel.EMAIL, expanded=False, status=DeliveryStatus.QUEUED
    )
    while pending.filter(not_before__lte=now).exists():  # a read: no write lock when idle
        with transaction.atomic():
            item = (
                queue.locked(pending.filter(not_before__lte=now))
                .select_related("mailing_list")
                .order_by("pk")
                .first()
            )
            if item is None:  # another worker took the last chunk
                return chunks
            assert item.mailing_list is not None
            recipients = email.recipients(mailing_list=item.mailing_list)
            size = expand_chunk()
            ids = list(
                recipients.filter(pk__gt=item.expanded_through).values_list("pk", flat=True)[:size]
            )
            _write_deliveries(item=item, subscriber_ids=ids)
            item.expanded_through = ids[-1] if ids else item.expanded_through
            item.expanded = len(ids) < size
            item.save(update_fields=["expanded_through", "expanded", "updated_at"])
            chunks += 1
        if max_chunks is not None and chunks >= max_chunks:
            break
    return chunks


def _write_deliveries(*, item: OutboxItem, subscriber_ids: Iterable[int]) -> None:
    chunk: list[EmailDelivery] = []
    for subscriber_id in subscriber_ids:
        chunk.append(
            EmailDelivery(item=item, subscriber_id=subscriber_id, not_before=item.not_before)
        )
        if len(chunk) == 2000:
            EmailDelivery.objects.bulk_create(chunk, ignore_conflicts=True)
            chunk = []
    EmailDelivery.objects.bulk_create(chunk, ignore_conflicts=True)


# --- sending --------------------------------------------------------------------------------


def _revisions(item_ids: set[int]) -> dict[int, Revision]:
    """Each item's revision, loaded once for a whole batch of its mails."""
    items = OutboxItem.objects.filter(pk__in=item_ids).select_related(
        "revision__bulletin", "mailing_list"
    )
    return {item.pk: item.revision for item in items}


def _mark_email(delivery: EmailDelivery, *, status: str, error: str = "", **fields: object) -> None:
    now = timezone.now()
    if status == DeliveryStatus.SENT:
        fields["sent_at"] = now
    elif status == DeliveryStatus.QUEUED:
        fields["not_before"] = now + backoff(attempts=delivery.attempts)
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        status=status, lease_until=None, last_error=error[:2000], **fields
    )


def _smtp_error(exc: Exception) -> tuple[str, bool]:
    """The server's own words, and whether trying again may help (4xx, a broken connection)
    or not (5xx: the address or the message was refused)."""
    import smtplib

    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(exc.recipients.values()))
        return f"{code} {reply.decode(errors='replace')}", code < 500
    if isinstance(exc, smtplib.SMTPResponseException):
        words = exc.smtp_error
        said = words.decode(errors="replace") if isinstance(words, bytes) else str(words)
        return f"{exc.smtp_code} {said}", exc.smtp_code < 500
    return f"{type(exc).__name__}: {exc}", True


def send_emails(*, deliveries: list[EmailDelivery], deadline: float) -> tuple[int, int]:
    """Send claimed deliveries through one SMTP connection; (sent, failed). Stops before the
    lease (`deadline`, monotonic) runs out and gives the rest back to the queue."""
    from django.core.mail import get_connection

    revisions = _revisions({d.item_id for d in deliveries})
    smtp = get_connection(fail_silently=False)
    outcomes: dict[str, int] = {
        DeliveryStatus.SENT: 0,
        DeliveryStatus.FAILED: 0,
        DeliveryStatus.QUEUED: 0,
    }
    senders: dict[str, str] = {}
    try:
        for position, delivery in enumerate(deliveries):
            if time.monotonic() > deadline:
                _release(deliveries[position:])
                break
            revision = revisions[delivery.item_id]
            outcomes[_send_one(smtp, delivery, revision, senders=senders)] += 1
    finally:
        smtp.close()
    return outcomes[DeliveryStatus.SENT], outcomes[DeliveryStatus.FAILED]


def _transmit(smtp: BaseEmailBackend, message: EmailMessage, senders: dict[str, str]) -> None:
    """Hand one message to the server on the open connection. A prepared message (plain
    ASCII address, MIME bytes made from the revision's template) goes straight to smtplib's
    `sendmail` (the same bytes Django's backend would send), skipping the backend's address
    parsing and re-encoding on every mail; the sender is checked once per batch. Anything else
    goes through the backend."""
    from django.core.mail.message import sanitize_address

    from .channels import email

    smtp.open()  # once: a no-op while the connection is open
    connection_ = getattr(smtp, "connection", None)
    if not isinstance(message, email.PreparedMessage) or connection_ is None:
        smtp.send_messages([message])
        return
    sender = message.from_email
    if sender not in senders:  # the same sender for a whole batch: checked once
        senders[sender] = sanitize_address(sender, message.encoding or settings.DEFAULT_CHARSET)
    connection_.sendmail(senders[sender], message.to, message.wire_bytes())


def _send_one(
    smtp: BaseEmailBackend, delivery: EmailDelivery, revision: Revision, *, senders: dict[str, str]
) -> str:
    """Send one mail on the open connection and record the outcome: SENT, FAILED, or QUEUED
    again after a backoff."""
    from .channels import email

    try:
        message = email.build_message(revision=revision, subscriber=delivery.subscriber)
    except Exception as exc:  # a bug, not the server: retrying the same row will not help
        log.exception("outbox: cannot build the mail of delivery %s", delivery.pk)
        _mark_email(delivery, status=DeliveryStatus.FAILED, error=repr(exc))
        return DeliveryStatus.FAILED
    try:
        _transmit(smtp, message, senders)
    except Exception as exc:  # SMTP refusals and broken connections alike
        error, transient = _smtp_error(exc)
        retry = transient and delivery.attempts < max_attempts()
        status = DeliveryStatus.QUEUED if retry else DeliveryStatus.FAILED
        _mark_email(delivery, status=status, error=error)
        smtp.close()  # a fresh connection for the next one
        return status
    # Committed at once (autocommit): the window for a duplicate is this one UPDATE.
    _mark_sent(delivery.pk, message_id=str(message.extra_headers.get("Message-ID", "")))
    return DeliveryStatus.SENT


def _mark_sent(delivery_id: int, *, message_id: str) -> None:
    """The UPDATE after each 250, by primary key, as plain SQL rather than a queryset compiled
    for every mail. The statement text is the same every time, so sqlite3's statement cache
    and psycopg's automatic prepared statements reuse its plan."""
    sql = _MARK_SENT_SQL.get(connection.vendor)
    if sql is None:
        quote = connection.ops.quote_name
        meta = EmailDelivery._meta
        columns = {field.name: field.column for field in meta.concrete_fields}
        column = {name: quote(columns[name]) for name in _MARKED}
        sql = _MARK_SENT_SQL[connection.vendor] = (
            f"UPDATE {quote(meta.db_table)} SET {column['status']} = %s, "  # noqa: S608 (names, not input)
            f"{column['lease_until']} = NULL, {column['last_error']} = '', "
            f"{column['sent_at']} = %s, {column['message_id']} = %s "
            f"WHERE {quote(meta.pk.column)} = %s"
        )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [DeliveryStatus.SENT.value, now, message_id[:250], delivery_id])


_MARK_SENT_SQL: dict[str, str] = {}
_MARKED = ("status", "lease_until", "last_error", "sent_at", "message_id")


def _release(deliveries: list[EmailDelivery]) -> None:
    EmailDelivery.objects.filter(
        pk__in=[d.pk for d in deliveries], status=DeliveryStatus.SENDING
    ).update(status=DeliveryStatus.QUEUED, lease_until=None, attempts=F("attempts") - 1)


def finish_email_items() -> int:
    """Close the email items whose every delivery is done: sent, or failed if any failed."""
    open_items = OutboxItem.objects.filter(
        channel=Channel.EMAIL, expanded=True, status=DeliveryStatus.QUEUED
    )
    finished = 0
    for item in open_items:
        if item.deliveries.filter(status__in=PENDING).exists():  # the (item, status) index
            continue
        failures = item.deliveries.filter(status=DeliveryStatus.FAILED)
        first_failure = failures.order_by("pk").first()
        if first_failure is None:
            fields = {"status": DeliveryStatus.SENT, "sent_at": timezone.now(), "last_error": ""}
        else:
            note = f"{failures.count()} × {first_failure.last_error}"
            fields = {"status": DeliveryStatus.FAILED, "last_error": note}
        finished += OutboxItem.objects.filter(pk=item.pk, status=DeliveryStatus.QUEUED).update(
            **fields
        )
    return finished


def send_post(*, item: OutboxItem) -> bool:
    """One attempt at a claimed Zalo or Facebook item; True when it is now sent."""
    from . import channels
    from .channels.base import ChannelError, NeedsNewToken, Permanent, RetryLater

    revision = item.revision
    try:
        channel = channels.get_post_channel(item.channel)
        remote_id = channel.find_existing(revision=revision) if item.uncertain else None
        remote_id = remote_id or channel.post(revision=revision)
    except RetryLater as exc:
        after = timedelta(seconds=exc.after_seconds)
        _requeue_post(item, error=str(exc), after=after, uncertain=exc.maybe_delivered)
    except NeedsNewToken as exc:
        _settle_post(item, status=DeliveryStatus.WAITING, last_error=str(exc))
    except Permanent as exc:
        _settle_post(item, status=DeliveryStatus.FAILED, last_error=str(exc))
    except ChannelError as exc:
        _requeue_post(item, error=str(exc))
    except Exception as exc:  # a timeout or a broken connection: the post may have arrived
        log.warning("outbox %s: %s", item.key, exc)
        _requeue_post(item, error=f"{type(exc).__name__}: {exc}", uncertain=True)
    else:
        _settle_post(
            item,
            status=DeliveryStatus.SENT,
            remote_id=remote_id[:200],
            sent_at=timezone.now(),
            last_error="",
            uncertain=False,
        )
        return True
    return False


def _settle_post(item: OutboxItem, **fields: object) -> None:
    # Guarded by our own lease: a worker that overran it no longer owns the row.
    OutboxItem.objects.filter(pk=item.pk, lease_until=item.lease_until).update(
        lease_until=None, updated_at=timezone.now(), **fields
    )


def _requeue_post(
    item: OutboxItem, *, error: str, after: timedelta | None = None, uncertain: bool = False
) -> None:
    if item.attempts >= max_attempts():
        _settle_post(item, status=DeliveryStatus.FAILED, last_error=error[:2000])
        return
    wait = max(after or timedelta(0), backoff(attempts=item.attempts))
    _settle_post(
        item,
        status=DeliveryStatus.QUEUED,
        not_before=timezone.now() + wait,
        last_error=error[:2000],
        uncertain=item.uncertain or uncertain,
    )


# --- the worker's loop ----------------------------------------------------------------------


@dataclass
class Progress:
    emails_sent: int = 0
    emails_failed: int = 0
    posts_sent: int = 0
    posts_tried: int = 0
    other: int = 0  # items expanded or finished

    def __bool__(self) -> bool:
        return bool(self.emails_sent + self.emails_failed + self.posts_tried + self.other)

    def add(self, other: Progress) -> None:
        self.emails_sent += other.emails_sent
        self.emails_failed += other.emails_failed
        self.posts_sent += other.posts_sent
        self.posts_tried += other.posts_tried
        self.other += other.other


def email_batch() -> int:
    return int(getattr(settings, "BULLETINS_EMAIL_BATCH", 500))


def warm_up() -> None:
    """Load what the first mail needs before the first bulletin is due: the URLconf behind
    every link (importing every app's views took seconds of the first batch) and the mail
    templates. A worker calls it once at start."""
    from django.template.loader import get_template
    from django.urls import get_resolver

    get_resolver().reverse_dict  # noqa: B018  # the property builds the URL map
    for name in ("mail_subject.txt", "mail_bulletin.txt", "mail_bulletin.html"):
        get_template(f"bulletins/subscriptions/{name}")


def deliver_once(*, batch: int | None = None) -> Progress:
    """One round: write one chunk of due email deliveries, try every due post, send one
    batch of mails."""
    progress = Progress(other=expand_email_items(max_chunks=1))
    while (item := claim_post()) is not None:
        progress.posts_tried += 1
        progress.posts_sent += send_post(item=item)
    started = time.monotonic()
    deliveries = claim_emails(batch=batch or email_batch())
    if deliveries:
        # Leave a quarter of the lease as margin: past it another worker may take the rows.
        deadline = started + lease().total_seconds() * 0.75
        progress.emails_sent, progress.emails_failed = send_emails(
            deliveries=deliveries, deadline=deadline
        )
        if progress.emails_sent + progress.emails_failed == 0:
            progress.other += 1  # retries were queued: work was done
    progress.other += finish_email_items()
    return progress


def deliver_pending(*, max_seconds: float | None = None) -> Progress:
    """Deliver until nothing is due (tests, the periodic task, the browser test)."""
    total = Progress()
    stop = time.monotonic() + max_seconds if max_seconds else None
    while progress := deliver_once():
        total.add(progress)
        if stop is not None and time.monotonic() > stop:
            break
    return total


# --- what editors and admins do -------------------------------------------------------------


def retry_item(*, item: OutboxItem, user: User) -> int:
    """Queue a failed (or waiting) item again at once, with its failed mails; how many rows
    were queued. The caller has checked that `user` may act on the bulletin's unit."""
    now = timezone.now()
    with transaction.atomic():
        queued = OutboxItem.objects.filter(
            pk=item.pk, status__in=(DeliveryStatus.FAILED, DeliveryStatus.WAITING)
        ).update(
            status=DeliveryStatus.QUEUED,
            not_before=now,
            attempts=0,
            retries=F("retries") + 1,
            lease_until=None,
            updated_at=now,
        )
        if queued and item.channel == Channel.EMAIL:
            queued += item.deliveries.filter(status=DeliveryStatus.FAILED).update(
                status=DeliveryStatus.QUEUED,
                not_before=now,
                attempts=0,
                retries=F("retries") + 1,
            )
    log.info("outbox %s retried by %s (%d rows)", item.key, user.pk, queued)
    if queued:
        transaction.on_commit(_wake_workers)
    return queued


def resume_waiting(*, channel: str) -> int:
    """After an admin entered a new token (or switched the channel on again): the items that
    waited for it go out again, and a worker is woken for them."""
    resumed = OutboxItem.objects.filter(channel=channel, status=DeliveryStatus.WAITING).update(
        status=DeliveryStatus.QUEUED, not_before=timezone.now(), attempts=0
    )
    if resumed:
        transaction.on_commit(_wake_workers)
    return resumed
