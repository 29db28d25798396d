"""The statements one message costs (issue 19, point 7: CPU per message is mostly the ORM's):
accepting a webhook event, and answering a text and sending its answer. A new statement on
either path fails here; if it is worth its cost, change the count and say why."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from detection import classifier
from indicators import matcher
from tipline import worker
from tipline.models import (
    ZALO,
    Conversation,
    EventStatus,
    InboundEvent,
    OutboundMessage,
    OutboundStatus,
)
from tipline.testing.fake_zalo_chat import zalo_event
from tipline.webhooks import Message, _new_conversation

from .conftest import ZALO_USER, post_zalo

pytestmark = pytest.mark.django_db

SCAM_SMS = (
    "[VCB] Tai khoan cua quy khach bi tam khoa do chua cap nhat sinh trac hoc. Vui long truy "
    "cap https://vietcombank-xacthuc.com/login de xac thuc ngay truoc 24h."
)


@pytest.fixture
def warm(zalo: Any, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A conversation that has had a message analysed and answered: the classifier, the matcher, the
    Zalo client and the webhook's keys are loaded. What is checked once a second (the list's
    version, the active classifier, the channel's pause) is not checked again in the test."""
    monkeypatch.setattr(matcher, "CHECK_INTERVAL_S", 3600.0)
    monkeypatch.setattr(classifier, "CHECK_INTERVAL_S", 3600.0)
    settings.TIPLINE_PAUSE_CHECK_SECONDS = 3600
    zalo.say(SCAM_SMS)
    assert worker.process_pending(max_seconds=30) == 1
    yield zalo


def _statements(queries: CaptureQueriesContext) -> list[str]:
    """The statements run, without the savepoints of the test's transaction (outside a test
    each of those pairs is a transaction of its own: BEGIN and COMMIT)."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]


def _transactions(queries: CaptureQueriesContext) -> int:
    return sum(q["sql"].startswith("SAVEPOINT") for q in queries.captured_queries)


def test_accepting_an_event_of_a_known_person_is_one_read_and_one_insert(warm: Any) -> None:
    with CaptureQueriesContext(connection) as queries:
        warm.say(SCAM_SMS)
    statements = _statements(queries)
    # The person's conversation with their count of the last minute and whether the message
    # is stored already; then the event.
    assert len(statements) == 2, "\n".join(statements)
    assert statements[0].startswith("SELECT") and statements[1].startswith("INSERT")
    assert _transactions(queries) == 1


def test_answering_a_text_and_sending_its_answer_takes_ten_statements(warm: Any) -> None:
    warm.say(SCAM_SMS)
    before = len(warm.fake.cs_messages)
    with CaptureQueriesContext(connection) as queries:
        assert worker.process_pending(max_seconds=30) == 1
    statements = _statements(queries)
    # Claim: a plain read, then the events with their conversations and the lease (one
    # transaction). Answer: the answers, the event done, the conversation's queue read and
    # leased, the conversation (step, draft, window) (one transaction). Sent: the row. Then
    # the plain read that finds nothing more.
    assert len(statements) == 10, "\n".join(statements)
    assert _transactions(queries) == 2
    assert [s.split()[0] for s in statements] == [
        "SELECT", "SELECT", "UPDATE",
        "INSERT", "UPDATE", "SELECT", "UPDATE", "UPDATE",
        "UPDATE",
        "SELECT",
    ]  # fmt: skip
    assert len(warm.fake.messages_to(ZALO_USER)) == before + 1
    answer = OutboundMessage.objects.get(event=InboundEvent.objects.latest("pk"))
    assert answer.status == OutboundStatus.SENT and answer.attempts == 1
    assert InboundEvent.objects.latest("pk").status == EventStatus.DONE
    assert warm.conversation().sent_since_inbound == 1


def test_a_persons_first_event_adds_only_their_conversation(zalo_account: Any, client: Any) -> None:
    first = zalo_event("text", "someone-else", "m-0", text="alo")
    assert post_zalo(client, first).status_code == 200  # the webhook's keys are loaded
    with CaptureQueriesContext(connection) as queries:
        assert (
            post_zalo(client, zalo_event("text", "new-person", "m-1", text="alo")).status_code
            == 200
        )
    statements = _statements(queries)
    # The lookup finds no conversation; then the conversation and the event, no second read.
    assert [s.split()[0] for s in statements] == ["SELECT", "INSERT", "INSERT"], statements
    assert Conversation.objects.filter(external_id="new-person").count() == 1


def test_a_conversation_made_meanwhile_by_another_request_is_the_one_used(db: None) -> None:
    made = Conversation.objects.create(channel=ZALO, external_id="u-race")
    message = Message(ZALO, "u-race", "m-1", "text", "alo")
    assert _new_conversation(message) == made.pk
    assert Conversation.objects.filter(external_id="u-race").count() == 1
