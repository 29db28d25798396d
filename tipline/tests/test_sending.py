"""The answers leased in the transaction that stores them (tipline/worker.py, _take): they go
at once, in order, counted in the interaction window while they are being sent; what does not
go gives its lease and its count back; what another worker is sending holds them back; and a
worker that dies between storing and sending leaves them to send_due, sent once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tipline import worker
from tipline.models import (
    ZALO,
    Conversation,
    InboundEvent,
    OutboundMessage,
    OutboundStatus,
)

from .conftest import ZALO_USER

pytestmark = pytest.mark.django_db


def _texts(zalo: Any) -> list[str]:
    return [m["message"]["text"] for m in zalo.fake.messages_to(ZALO_USER)]


def _in_report(zalo: Any) -> int:
    """The person has pressed "Tố giác": "#huong_dan" now gets two answers (the help, then
    the question again). Returns how many messages the person has got."""
    zalo.say("#to_giac")
    assert worker.process_pending(max_seconds=30) == 1
    return len(zalo.fake.cs_messages)


def test_two_answers_go_at_once_in_order_and_count_in_the_window(zalo: Any) -> None:
    before = _in_report(zalo)
    zalo.say("#huong_dan")
    assert worker.process_pending(max_seconds=30) == 1
    rows = list(OutboundMessage.objects.filter(event=InboundEvent.objects.latest("pk")))
    rows.sort(key=lambda r: r.position)
    assert len(rows) == 2
    assert {(r.status, r.attempts) for r in rows} == {(OutboundStatus.SENT, 1)}
    assert _texts(zalo)[before:] == [r.text for r in rows]
    assert [r.external_id for r in rows] == [m["message_id"] for m in zalo.fake.cs_messages[-2:]]
    assert zalo.conversation().sent_since_inbound == 2


def test_a_refusal_for_the_window_gives_the_count_back(zalo: Any) -> None:
    zalo.say("0912345678")
    zalo.fake.window_closed(ZALO_USER)
    worker.process_pending(max_seconds=30)
    assert set(OutboundMessage.objects.values_list("status", "sent_at")) == {
        (OutboundStatus.WAITING, None)
    }
    assert zalo.conversation().sent_since_inbound == 0


def test_a_quota_error_gives_back_the_leases_and_counts_of_the_rest(zalo: Any) -> None:
    before = _in_report(zalo)
    zalo.say("#huong_dan")
    zalo.fake.fail_next("message/cs", -211)
    worker.process_pending(max_seconds=30)
    rows = list(OutboundMessage.objects.filter(event=InboundEvent.objects.latest("pk")))
    assert len(rows) == 2
    assert {(r.status, r.sent_at) for r in rows} == {(OutboundStatus.QUEUED, None)}
    assert zalo.conversation().sent_since_inbound == 0
    assert worker.channel_paused(ZALO)
    worker.resume_channel(ZALO)
    assert worker.send_due() == 2
    assert _texts(zalo)[before:] == [r.text for r in sorted(rows, key=lambda r: r.position)]
    assert zalo.conversation().sent_since_inbound == 2


def test_new_answers_wait_behind_an_answer_another_worker_is_sending(
    zalo: Any, settings: Any
) -> None:
    zalo.say("xin chào")
    worker.pause_channel(ZALO, 300)  # its answer is stored, not sent
    worker.process_pending(max_seconds=30)
    worker.resume_channel(ZALO)
    # Another worker leased that answer a moment ago and is sending it.
    held = OutboundMessage.objects.get()
    OutboundMessage.objects.filter(pk=held.pk).update(sent_at=timezone.now())
    zalo.say("0912345678")
    assert worker.process_pending(max_seconds=30) == 1
    assert zalo.fake.cs_messages == []
    new = OutboundMessage.objects.get(event=InboundEvent.objects.latest("pk"))
    assert (new.status, new.sent_at) == (OutboundStatus.QUEUED, None)  # not leased
    assert zalo.conversation().sent_since_inbound == 0
    # That worker died: once its lease is over, both go, in the person's order.
    settings.TIPLINE_SEND_LEASE_SECONDS = 60
    OutboundMessage.objects.filter(pk=held.pk).update(
        sent_at=timezone.now() - timedelta(seconds=61)
    )
    assert worker.send_due() == 2
    assert _texts(zalo) == [held.text, new.text]


def test_a_worker_that_dies_before_sending_leaves_its_answers_to_send_due_once(
    zalo: Any, settings: Any
) -> None:
    zalo.say("0912345678")
    (event,) = worker.claim_events(batch=10)
    answered = worker.answer_event(event, take=True)  # stored and leased; then the worker dies
    assert [m.status for m in answered.taken] == [OutboundStatus.QUEUED]
    assert worker.send_due() == 0  # the lease holds
    assert zalo.fake.cs_messages == []
    settings.TIPLINE_SEND_LEASE_SECONDS = 60
    OutboundMessage.objects.update(sent_at=timezone.now() - timedelta(seconds=61))
    assert worker.send_due() == 1
    assert worker.send_due() == 0
    assert len(zalo.fake.cs_messages) == 1
    assert OutboundMessage.objects.get().status == OutboundStatus.SENT
    # Counted when leased and again when sent: the window errs on the side of fewer messages.
    assert zalo.conversation().sent_since_inbound >= 1


def test_answering_without_taking_leases_nothing(zalo: Any) -> None:
    zalo.say("0912345678")
    (event,) = worker.claim_events(batch=10)
    answered = worker.answer_event(event)
    assert answered.taken == []
    assert OutboundMessage.objects.get().sent_at is None
    assert Conversation.objects.get().sent_since_inbound == 0
    assert worker.send_answered(answered) == 1
    assert Conversation.objects.get().sent_since_inbound == 1
