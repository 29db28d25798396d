"""The outbox: items written once per (revision, channel, list), every confirmed subscriber
mailed once over real SMTP (aiosmtpd on loopback) through one connection per batch, refusals
recorded in the server's words, retries with backoff, scheduled publishing in Vietnam's time."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from bulletins import outbox
from bulletins.models import (
    Channel,
    DeliveryStatus,
    EmailDelivery,
    OutboxItem,
    Subscriber,
    SubscriberStatus,
)

from .outbox_support import Sink, correction_of, published_revision, subscribers


@pytest.fixture
def sink(settings):
    server = Sink()
    controller = server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.SITE_URL = "https://canhgiac.example.vn"
    try:
        yield server
    finally:
        controller.stop()


def test_publishing_twice_writes_one_item_per_list(world):
    subscribers(world.unit("P"), 2)
    subscribers(world.unit("D1"), 2, prefix="d1-")
    subscribers(world.unit("D2"), 2, prefix="d2-")
    revision = published_revision(world, unit_code="D1")
    assert outbox.enqueue_deliveries(revision=revision) == 2  # D1's list and the province's
    assert outbox.enqueue_deliveries(revision=revision) == 0
    lists = OutboxItem.objects.filter(revision=revision).values_list(
        "mailing_list__unit__code", flat=True
    )
    assert sorted(lists) == ["D1", "P"]


def test_a_correction_goes_to_every_list_of_the_first_publication(world):
    subscribers(world.unit("D2"), 1)
    first = published_revision(world, unit_code="D2")
    outbox.enqueue_deliveries(revision=first)
    subscribers(world.unit("P"), 1, prefix="late-")  # a list made later is not "carried"
    second = correction_of(first)
    assert outbox.enqueue_deliveries(revision=second) == 1
    item = OutboxItem.objects.get(revision=second)
    assert item.mailing_list is not None
    assert (item.channel, item.mailing_list.unit.code) == (Channel.EMAIL, "D2")


def test_every_confirmed_subscriber_gets_one_mail_through_one_connection(world, sink, settings):
    settings.BULLETINS_EMAIL_BATCH = 500
    confirmed = subscribers(world.unit("P"), 40)
    pending = Subscriber.objects.create(
        mailing_list=confirmed[0].mailing_list, email="chua@vi-du.vn"
    )
    Subscriber.objects.filter(pk=confirmed[-1].pk).update(status=SubscriberStatus.UNSUBSCRIBED)
    revision = published_revision(world)
    outbox.enqueue_deliveries(revision=revision)
    progress = outbox.deliver_pending()
    assert progress.emails_sent == 39
    addresses = sink.addresses()
    assert sorted(addresses) == sorted(s.email for s in confirmed[:-1])
    assert pending.email not in addresses
    assert len({r.peer for r in sink.received}) == 1  # one SMTP connection for the batch
    item = OutboxItem.objects.get(revision=revision)
    assert item.status == DeliveryStatus.SENT and item.sent_at is not None
    ids = set(EmailDelivery.objects.filter(item=item).values_list("message_id", flat=True))
    assert ids == {r.message_id for r in sink.received}  # the Message-ID of each is kept
    assert outbox.deliver_pending().emails_sent == 0  # nothing twice


def test_a_refused_address_fails_with_the_servers_words_and_the_rest_go_out(world, sink):
    people = subscribers(world.unit("P"), 5)
    sink.refuse[people[2].email] = "550 5.1.1 Hộp thư không tồn tại"
    revision = published_revision(world)
    outbox.enqueue_deliveries(revision=revision)
    progress = outbox.deliver_pending()
    assert (progress.emails_sent, progress.emails_failed) == (4, 1)
    failed = EmailDelivery.objects.get(subscriber=people[2])
    assert failed.status == DeliveryStatus.FAILED
    assert failed.last_error.startswith("550 5.1.1 Hộp thư không tồn tại")
    item = OutboxItem.objects.get(revision=revision)
    assert item.status == DeliveryStatus.FAILED and "550 5.1.1" in item.last_error


def test_a_temporary_refusal_is_retried_after_a_backoff(world, sink, settings):
    settings.BULLETINS_OUTBOX_BACKOFF_SECONDS = 60
    people = subscribers(world.unit("P"), 3)
    sink.refuse[people[0].email] = "451 4.7.1 Thử lại sau"
    revision = published_revision(world)
    outbox.enqueue_deliveries(revision=revision)
    outbox.deliver_pending()
    waiting = EmailDelivery.objects.get(subscriber=people[0])
    assert waiting.status == DeliveryStatus.QUEUED and waiting.attempts == 1
    assert waiting.last_error.startswith("451")
    wait = waiting.not_before - timezone.now()
    assert timedelta(seconds=25) < wait <= timedelta(seconds=60)  # 60 s · a jitter of ½ to 1
    del sink.refuse[people[0].email]
    assert outbox.deliver_pending().emails_sent == 0  # not before its time
    EmailDelivery.objects.filter(pk=waiting.pk).update(not_before=timezone.now())
    assert outbox.deliver_pending().emails_sent == 1
    assert sink.addresses().count(people[0].email) == 1
    assert OutboxItem.objects.get(revision=revision).status == DeliveryStatus.SENT


def test_backoff_doubles_up_to_its_cap_with_jitter(settings):
    settings.BULLETINS_OUTBOX_BACKOFF_SECONDS = 10
    settings.BULLETINS_OUTBOX_BACKOFF_MAX_SECONDS = 100
    for attempts, full in [(1, 10), (2, 20), (3, 40), (4, 80), (5, 100), (9, 100)]:
        waits = {outbox.backoff(attempts=attempts).total_seconds() for _ in range(50)}
        assert all(full / 2 <= w <= full for w in waits)
        assert len(waits) > 1  # jitter: not every row comes back at the same second


def test_a_scheduled_bulletin_waits_until_its_time_in_vietnam(world, sink):
    subscribers(world.unit("P"), 2)
    revision = published_revision(world)
    tomorrow = (timezone.localtime() + timedelta(days=1)).date()
    local_eight = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 8, 0)  # as typed
    outbox.enqueue_deliveries(revision=revision, not_before=local_eight)
    item = OutboxItem.objects.get(revision=revision)
    assert item.not_before.astimezone(outbox.LOCAL_ZONE).hour == 8
    assert item.not_before == datetime(*tomorrow.timetuple()[:3], 1, 0, tzinfo=UTC)  # UTC+7
    assert outbox.deliver_pending().emails_sent == 0 and sink.received == []
    OutboxItem.objects.filter(pk=item.pk).update(not_before=timezone.now())
    assert outbox.deliver_pending().emails_sent == 2


def test_a_future_publication_time_holds_the_items(world):
    subscribers(world.unit("P"), 1)
    later = timezone.now() + timedelta(hours=3)
    revision = published_revision(world, when=later)
    outbox.enqueue_deliveries(revision=revision)
    assert OutboxItem.objects.get(revision=revision).not_before == later


def test_rows_of_a_dead_worker_are_taken_again_after_the_lease(world, settings):
    subscribers(world.unit("P"), 3)
    revision = published_revision(world)
    outbox.enqueue_deliveries(revision=revision)
    outbox.expand_email_items()
    claimed = outbox.claim_emails(batch=10)
    assert len(claimed) == 3
    assert outbox.claim_emails(batch=10) == []  # leased: nobody else takes them
    later = timezone.now() + outbox.lease() + timedelta(seconds=1)
    again = outbox.claim_emails(batch=10, now=later)
    assert sorted(d.pk for d in again) == sorted(d.pk for d in claimed)
    assert {d.attempts for d in again} == {2}


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_never_claim_the_same_mail():
    """Two threads claim side by side with FOR UPDATE SKIP LOCKED. (On SQLite the claim is
    the IMMEDIATE transaction; the tests' shared-cache memory database answers "table is
    locked" instead of waiting, so bench/bulletins.py shows it there, two worker processes on
    one database file.)"""
    from orgs.testing import build_world

    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED claims: PostgreSQL only (set DATABASE_URL)")

    world = build_world()
    subscribers(world.unit("P"), 300)
    revision = published_revision(world)
    outbox.enqueue_deliveries(revision=revision)
    outbox.expand_email_items()
    taken: list[list[int]] = [[], []]

    def work(slot: int) -> None:
        try:
            while batch := outbox.claim_emails(batch=7):
                taken[slot].extend(d.pk for d in batch)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not set(taken[0]) & set(taken[1])
    assert len(taken[0]) + len(taken[1]) == 300
    assert taken[0] and taken[1]  # SKIP LOCKED: both made progress side by side


def test_the_periodic_task_delivers_what_has_come_due(world, sink, immediate_tasks):
    from bulletins.tasks import deliver_bulletins_task
    from lib.periodic import registered

    assert "bulletins.tasks.deliver_bulletins_task" in [p.task_path for p in registered()]
    subscribers(world.unit("P"), 2)
    revision = published_revision(world)
    outbox.enqueue_deliveries(revision=revision)
    result = deliver_bulletins_task.enqueue()
    assert result.return_value is not None
    assert result.return_value["emails_sent"] == 2 and len(sink.received) == 2


def test_a_long_list_is_written_in_short_chunks_and_mailed_once(world, sink, settings):
    settings.BULLETINS_EXPAND_CHUNK = 3
    people = subscribers(world.unit("P"), 7)
    revision = published_revision(world)
    outbox.enqueue_deliveries(revision=revision)
    assert outbox.expand_email_items() == 3  # 3 + 3 + 1
    item = OutboxItem.objects.get(revision=revision)
    assert item.expanded and item.expanded_through == people[-1].pk
    assert outbox.deliver_pending().emails_sent == 7
    assert sorted(sink.addresses()) == sorted(p.email for p in people)


def test_an_idle_poll_opens_no_write_transaction(world, sink):
    from django.test.utils import CaptureQueriesContext

    subscribers(world.unit("P"), 2)
    revision = published_revision(world)
    outbox.enqueue_deliveries(revision=revision)
    assert outbox.deliver_pending().emails_sent == 2
    with CaptureQueriesContext(connection) as queries:
        assert outbox.claim_emails(batch=10) == []
        assert outbox.claim_post() is None
    # Every poll of every worker would otherwise take SQLite's only write lock (IMMEDIATE).
    statements = [q["sql"].upper() for q in queries.captured_queries]
    assert statements and all(s.startswith("SELECT") for s in statements)
