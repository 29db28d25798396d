"""A partner's bot on the generic JSON webhook: signed events in, signed answers POSTed out to
its callback, with the same limits, dedupe and conversation as Zalo."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from lib.crypto import decrypt_text
from orgs.models import PartnerKey
from tipline import signature, worker
from tipline.models import Conversation, EventStatus, InboundEvent, OutboundMessage, OutboundStatus

from .conftest import BRIDGE_URL, Bridge

pytestmark = pytest.mark.django_db

SCAM_SMS = (
    "[VCB] Tai khoan cua quy khach bi tam khoa do chua cap nhat sinh trac hoc. Vui long truy "
    "cap https://vietcombank-xacthuc.com/login de xac thuc ngay truoc 24h."
)


def test_bridge_secret_is_stored_encrypted_and_shown_once(bridge: Bridge) -> None:
    stored = bridge.bridge.secret_encrypted
    assert bridge.secret not in stored
    assert decrypt_text(stored, purpose=signature.BRIDGE_PURPOSE) == bridge.secret


def test_a_callback_must_use_https(world: Any) -> None:
    partner, _raw = PartnerKey.issue(name="Bot", unit=world.unit("P"))
    with pytest.raises(ValidationError):
        signature.create_bridge(partner=partner, callback_url="http://bot.example/cb")
    with pytest.raises(ValidationError):
        signature.create_bridge(partner=partner, callback_url="not a url")


def test_the_command_creates_a_bridge_and_prints_its_secret(world: Any) -> None:
    partner, _raw = PartnerKey.issue(name="Bot", unit=world.unit("P"))
    out = StringIO()
    call_command(
        "create_tipline_bridge",
        "--partner",
        str(partner.pk),
        "--callback",
        "https://b.vn/cb",
        stdout=out,
    )
    lines = dict(line.split("=", 1) for line in out.getvalue().splitlines() if "=" in line)
    made = partner.bridge
    assert lines["bridge"] == str(made.pk)
    assert signature.bridge_secret(made) == lines["secret"]


def test_a_signed_event_is_stored_once(client: Client, bridge: Bridge) -> None:
    payload = {"message_id": "b-1", "user_id": "bot-user-1", "text": SCAM_SMS}
    answer = bridge.post(client, payload)
    assert answer.status_code == 200 and answer.json()["status"] == "accepted"
    assert bridge.post(client, payload).json()["status"] == "duplicate"
    event = InboundEvent.objects.get()
    assert (event.channel, event.kind, event.status) == (bridge.bridge.channel, "text", "pending")
    assert Conversation.objects.get().external_id == "bot-user-1"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-CanhGiac-Signature": "t=1,v1=00"},
        {"X-CanhGiac-Bridge": "999999"},
    ],
    ids=["nothing", "no-bridge-id", "unknown-bridge"],
)
def test_an_event_without_a_valid_bridge_is_refused(
    client: Client, bridge: Bridge, headers: dict[str, str]
) -> None:
    body = json.dumps({"message_id": "b-2", "user_id": "u", "text": "x"}).encode()
    if "X-CanhGiac-Bridge" in headers:
        headers["X-CanhGiac-Signature"] = signature.bridge_signature(
            body=body, secret=bridge.secret
        )
    answer = client.post(BRIDGE_URL, data=body, content_type="application/json", headers=headers)
    assert answer.status_code == 401
    assert not InboundEvent.objects.exists()


def test_an_event_signed_with_another_secret_is_refused(client: Client, bridge: Bridge) -> None:
    payload = {"message_id": "b-3", "user_id": "u", "text": "x"}
    assert bridge.post(client, payload, secret="cgb_wrong").status_code == 401
    assert not InboundEvent.objects.exists()


def test_a_stale_signature_is_refused(client: Client, bridge: Bridge) -> None:
    body = json.dumps({"message_id": "b-4", "user_id": "u", "text": "x"}).encode()
    old = signature.bridge_signature(
        body=body, secret=bridge.secret, timestamp=int(time.time()) - 3600
    )
    headers = {"X-CanhGiac-Bridge": str(bridge.bridge.pk), "X-CanhGiac-Signature": old}
    answer = client.post(BRIDGE_URL, data=body, content_type="application/json", headers=headers)
    assert answer.status_code == 401


def test_a_disabled_bridge_is_refused(client: Client, bridge: Bridge) -> None:
    type(bridge.bridge).objects.filter(pk=bridge.bridge.pk).update(enabled=False)
    assert (
        bridge.post(client, {"message_id": "b-5", "user_id": "u", "text": "x"}).status_code == 401
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"user_id": "u", "text": "x"},
        {"message_id": "b-6", "text": "x"},
        {"message_id": "b-6", "user_id": "u", "text": 5},
    ],
    ids=["no-message-id", "no-user", "text-not-string"],
)
def test_a_malformed_event_is_refused(
    client: Client, bridge: Bridge, payload: dict[str, Any]
) -> None:
    assert bridge.post(client, payload).status_code == 400
    assert not InboundEvent.objects.exists()


def test_an_image_from_a_host_not_allowed_is_dropped(client: Client, bridge: Bridge) -> None:
    payload = {"message_id": "b-7", "user_id": "u", "image_url": "http://10.0.0.1/a.jpg"}
    assert bridge.post(client, payload).status_code == 200
    event = InboundEvent.objects.get()
    assert (event.kind, event.attachment_url) == ("other", "")


def _verify(request: Any, secret: str) -> bool:
    header = request.headers["x-canhgiac-signature"]
    parts = dict(p.split("=", 1) for p in header.split(","))
    mac = hmac.new(secret.encode(), f"{parts['t']}.".encode() + request.body, hashlib.sha256)
    return hmac.compare_digest(mac.hexdigest(), parts["v1"])


def test_the_callback_receives_signed_answers(
    client: Client, bridge: Bridge, chat_ready: Any
) -> None:
    bridge.post(client, {"message_id": "b-8", "user_id": "bot-user-2", "text": SCAM_SMS})
    assert worker.process_pending(max_seconds=30) == 1
    rows = list(OutboundMessage.objects.order_by("position"))
    received = bridge.receiver.received
    assert rows and len(received) == len(rows)
    for row, request in zip(rows, received, strict=True):
        assert _verify(request, bridge.secret)
        assert request.headers["x-canhgiac-bridge"] == str(bridge.bridge.pk)
        body = request.json
        assert body["user_id"] == "bot-user-2"
        assert body["reply_to"] == "b-8"
        assert body["text"] == row.text
        assert body["quick_replies"] == row.quick_replies
        assert row.status == OutboundStatus.SENT
    assert InboundEvent.objects.get().status == EventStatus.DONE


def test_a_callback_answering_an_error_is_tried_again_later(
    client: Client, bridge: Bridge, chat_ready: Any
) -> None:
    bridge.receiver.status = 503
    bridge.post(client, {"message_id": "b-9", "user_id": "bot-user-3", "text": SCAM_SMS})
    worker.process_pending(max_seconds=30)
    rows = list(OutboundMessage.objects.all())
    assert {r.status for r in rows} == {OutboundStatus.QUEUED}
    assert "503" in rows[0].error
    assert worker.channel_paused(bridge.bridge.channel)
    bridge.receiver.status = 200
    worker.resume_channel(bridge.bridge.channel)
    assert worker.send_due() == len(rows)
    assert len(bridge.receiver.received) == len(rows)


def test_a_callback_down_for_good_fails_the_message_after_the_attempts(
    client: Client, bridge: Bridge, chat_ready: Any, settings: Any
) -> None:
    settings.TIPLINE_SEND_MAX_ATTEMPTS = 2
    bridge.receiver.status = 500
    bridge.post(client, {"message_id": "b-10", "user_id": "bot-user-4", "text": "xin chào"})
    worker.process_pending(max_seconds=30)
    worker.resume_channel(bridge.bridge.channel)
    worker.send_due()
    first = OutboundMessage.objects.order_by("position").first()
    assert first is not None
    assert (first.status, first.attempts) == (OutboundStatus.FAILED, 2)


def test_a_partner_over_its_rate_is_told_to_wait(client: Client, bridge: Bridge) -> None:
    PartnerKey.objects.filter(pk=bridge.bridge.partner_id).update(rate_per_minute=1)
    first = bridge.post(client, {"message_id": "r-1", "user_id": "u", "text": "x"})
    second = bridge.post(client, {"message_id": "r-2", "user_id": "u2", "text": "x"})
    assert (first.status_code, second.status_code) == (200, 429)
    assert InboundEvent.objects.count() == 1


def test_a_revoked_partner_receives_no_more_answers(
    client: Client, bridge: Bridge, chat_ready: Any
) -> None:
    bridge.post(client, {"message_id": "v-1", "user_id": "bot-user-5", "text": SCAM_SMS})
    # Revoked after the event came in, before the worker answers it.
    PartnerKey.objects.filter(pk=bridge.bridge.partner_id).update(revoked_at=timezone.now())
    assert worker.process_pending(max_seconds=30) == 1
    assert bridge.receiver.received == []
    rows = list(OutboundMessage.objects.all())
    assert rows and {r.status for r in rows} == {OutboundStatus.FAILED}
    assert not worker.channel_paused(bridge.bridge.channel)


def test_the_bridge_reads_its_row_once_per_sender(bridge: Bridge, db: None) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tipline import senders
    from tipline.models import OutboundKind

    conversation = Conversation.objects.create(channel=bridge.bridge.channel, external_id="u")
    rows = [
        OutboundMessage.objects.create(
            conversation=conversation, kind=OutboundKind.ANSWER, text=f"{n}", position=n
        )
        for n in range(3)
    ]
    sender = senders.sender_for(bridge.bridge.channel)
    with CaptureQueriesContext(connection) as queries:
        for row in rows:
            sender.send(conversation=conversation, message=row)
    assert not any("tipline_tiplinebridge" in q["sql"] for q in queries.captured_queries)
    assert len(bridge.receiver.received) == 3


@pytest.mark.parametrize(
    ("payload", "headers", "status"),
    [
        ({"message_id": "d-1", "user_id": "u", "text": "x"}, {"X-CanhGiac-Bridge": "1"}, 401),
        ({"message_id": "d-2", "text": "x"}, None, 400),
    ],
    ids=["unsigned", "malformed"],
)
def test_a_refusal_answers_a_vietnamese_detail(
    client: Client,
    bridge: Bridge,
    caplog: pytest.LogCaptureFixture,
    payload: dict[str, Any],
    headers: dict[str, str] | None,
    status: int,
) -> None:
    import logging

    with caplog.at_level(logging.WARNING, logger="tipline.webhooks"):
        if headers is None:
            answer = bridge.post(client, payload)
        else:
            answer = client.post(
                BRIDGE_URL,
                data=json.dumps(payload),
                content_type="application/json",
                headers=headers,
            )
    assert answer.status_code == status
    body = answer.json()
    assert set(body) == {"detail"}
    assert any(c in body["detail"] for c in "ýịốạữấ")  # Vietnamese, not the logged reason
    assert "refused" in caplog.text  # the English reason stays in the log


def test_a_person_over_the_rate_is_told_in_vietnamese(
    client: Client, bridge: Bridge, settings: Any
) -> None:
    settings.TIPLINE_PERSON_PER_MINUTE = 1
    bridge.post(client, {"message_id": "p-1", "user_id": "u", "text": "x"})
    answer = bridge.post(client, {"message_id": "p-2", "user_id": "u", "text": "x"})
    assert answer.status_code == 429
    assert "quá nhiều tin" in answer.json()["detail"]


def test_an_event_with_a_nul_is_stored_cleaned(client: Client, bridge: Bridge) -> None:
    payload = {"message_id": "n-1", "user_id": "u", "text": "\u0000\ud800"}
    answer = bridge.post(client, payload)
    assert (answer.status_code, answer.json()["status"]) == (200, "accepted")
    event = InboundEvent.objects.get()
    assert (event.text, event.kind) == ("", "other")  # nothing left to check
