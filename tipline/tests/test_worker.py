"""The worker: a message stored by the webhook is answered through the fake Zalo, once, within
the interaction window and the OA's quotas; failures retry and end."""

from __future__ import annotations

import io
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from PIL import Image

from bulletins.models import ChannelAccount, ChannelKey
from lib.periodic import registered
from tipline import worker
from tipline.models import (
    ZALO,
    Conversation,
    EventStatus,
    InboundEvent,
    OutboundKind,
    OutboundMessage,
    OutboundStatus,
)
from tipline.testing.fake_zalo_chat import FakeZaloChat, zalo_event

from .conftest import ZALO_USER as USER
from .conftest import post_zalo

pytestmark = pytest.mark.django_db

SCAM_SMS = (
    "[VCB] Tai khoan cua quy khach bi tam khoa do chua cap nhat sinh trac hoc. Vui long truy "
    "cap https://vietcombank-xacthuc.com/login de xac thuc ngay truoc 24h."
)


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (10, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def test_a_text_in_gives_answers_out_with_quick_replies_as_zalo_buttons(zalo: Any) -> None:
    zalo.say(SCAM_SMS)
    assert worker.process_pending(max_seconds=30) == 1
    event = InboundEvent.objects.get()
    assert event.status == EventStatus.DONE and event.answered_at is not None
    rows = list(OutboundMessage.objects.order_by("position"))
    assert rows and all(r.status == OutboundStatus.SENT for r in rows)
    sent = zalo.fake.messages_to(USER)
    assert [m["message"]["text"] for m in sent] == [r.text for r in rows]
    assert [m["message_id"] for m in sent] == [r.external_id for r in rows]
    with_buttons = [(r, m) for r, m in zip(rows, sent, strict=True) if r.quick_replies]
    assert with_buttons, "the analysis offers Tố giác, Hỏi cán bộ, Hướng dẫn"
    for row, message in with_buttons:
        buttons = message["message"]["attachment"]["payload"]["buttons"]
        assert message["message"]["attachment"]["type"] == "template"
        assert [(b["title"], b["payload"]) for b in buttons] == [
            (q["title"], q["payload"]) for q in row.quick_replies
        ]
        assert {b["type"] for b in buttons} == {"oa.query.hide"}
    conversation = zalo.conversation()
    assert conversation.sent_since_inbound == len(rows)
    assert conversation.last_inbound_at is not None


def test_a_pressed_quick_reply_comes_back_as_text_and_is_answered(zalo: Any) -> None:
    zalo.say(SCAM_SMS)
    worker.process_pending(max_seconds=30)
    payload = next(q["payload"] for r in OutboundMessage.objects.all() for q in r.quick_replies)
    before = len(zalo.fake.cs_messages)
    zalo.say(payload)
    assert worker.process_pending(max_seconds=30) == 1
    assert len(zalo.fake.cs_messages) > before


def test_rerunning_an_answered_event_sends_nothing_twice(zalo: Any) -> None:
    zalo.say(SCAM_SMS)
    worker.process_pending(max_seconds=30)
    made, sent = OutboundMessage.objects.count(), len(zalo.fake.cs_messages)
    # As if the worker died after storing and sending the answers, before marking the event.
    InboundEvent.objects.update(status=EventStatus.PENDING, claimed_until=None)
    assert worker.process_pending(max_seconds=30) == 1
    assert worker.send_due() == 0
    assert OutboundMessage.objects.count() == made
    assert len(zalo.fake.cs_messages) == sent
    assert InboundEvent.objects.get().status == EventStatus.DONE


def test_answers_stored_but_not_sent_are_sent_once_by_the_rerun(zalo: Any) -> None:
    zalo.say(SCAM_SMS)
    worker.pause_channel(ZALO, 300)  # the first run stores the answers, cannot send them
    worker.process_pending(max_seconds=30)
    assert zalo.fake.cs_messages == []
    made = OutboundMessage.objects.count()
    InboundEvent.objects.update(status=EventStatus.PENDING, claimed_until=None)
    worker.resume_channel(ZALO)
    worker.process_pending(max_seconds=30)
    worker.send_due()
    assert OutboundMessage.objects.count() == made
    assert len(zalo.fake.cs_messages) == made


def test_an_expired_token_is_refreshed_mid_way_and_the_answer_sent(zalo: Any) -> None:
    zalo.say(SCAM_SMS)
    zalo.fake.expire_token()
    worker.process_pending(max_seconds=30)
    assert len(zalo.fake.refreshes) == 1
    assert OutboundMessage.objects.exclude(status=OutboundStatus.SENT).count() == 0
    stored = ChannelAccount.objects.get(key=ChannelKey.ZALO).credentials()
    assert stored["access_token"] == zalo.fake.access_token
    assert stored["refresh_token"] == zalo.fake.refresh_token


@pytest.mark.parametrize("code", [-211, -32])
def test_a_quota_error_keeps_the_answers_queued_until_later(zalo: Any, code: int) -> None:
    zalo.say(SCAM_SMS)
    zalo.fake.fail_next("message/cs", code)
    worker.process_pending(max_seconds=30)
    assert InboundEvent.objects.get().status == EventStatus.DONE
    rows = list(OutboundMessage.objects.order_by("position"))
    assert {r.status for r in rows} == {OutboundStatus.QUEUED}
    assert str(code) in rows[0].error
    assert rows[0].attempts == 0  # waiting for quota is no failure of the message
    assert worker.channel_paused(ZALO)
    assert worker.send_due() == 0  # the pause holds
    worker.resume_channel(ZALO)
    assert worker.send_due() == len(rows)
    assert [m["message"]["text"] for m in zalo.fake.messages_to(USER)] == [r.text for r in rows]


def test_outside_the_window_a_follow_up_waits_then_goes_after_the_next_answers(
    zalo: Any,
) -> None:
    zalo.say(SCAM_SMS)
    worker.process_pending(max_seconds=30)
    conversation = zalo.conversation()
    Conversation.objects.filter(pk=conversation.pk).update(
        last_inbound_at=timezone.now() - timedelta(hours=49)
    )
    follow_up = OutboundMessage.objects.create(
        conversation=conversation, kind=OutboundKind.FOLLOW_UP, text="Kết quả: đã xác minh."
    )
    before = len(zalo.fake.cs_messages)
    assert worker.send_due() == 0
    follow_up.refresh_from_db()
    assert follow_up.status == OutboundStatus.WAITING
    assert len(zalo.fake.cs_messages) == before
    zalo.say("xin chào")
    worker.process_pending(max_seconds=30)
    follow_up.refresh_from_db()
    assert follow_up.status == OutboundStatus.SENT
    texts = [m["message"]["text"] for m in zalo.fake.messages_to(USER)][before:]
    assert texts[-1] == "Kết quả: đã xác minh."  # after the answers to the new message
    assert len(texts) >= 2


def test_after_eight_messages_the_rest_wait(zalo: Any, settings: Any) -> None:
    zalo.say(SCAM_SMS)
    worker.pause_channel(ZALO, 300)
    worker.process_pending(max_seconds=30)
    conversation = zalo.conversation()
    Conversation.objects.filter(pk=conversation.pk).update(sent_since_inbound=8)
    worker.resume_channel(ZALO)
    assert worker.send_due() == 0
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {OutboundStatus.WAITING}
    assert zalo.fake.cs_messages == []


def test_zalo_refusing_for_the_window_makes_the_answers_wait(zalo: Any) -> None:
    zalo.say(SCAM_SMS)
    zalo.fake.window_closed(USER)  # Zalo's own count says the person is outside the window
    worker.process_pending(max_seconds=30)
    rows = list(OutboundMessage.objects.all())
    assert rows and {r.status for r in rows} == {OutboundStatus.WAITING}
    assert "-230" in rows[0].error
    zalo.say("xin chào")
    worker.process_pending(max_seconds=30)
    assert OutboundMessage.objects.exclude(status=OutboundStatus.SENT).count() == 0
    # The old answers first, in their order, then the new ones.
    texts = [m["message"]["text"] for m in zalo.fake.messages_to(USER)]
    assert texts[: len(rows)] == [r.text for r in sorted(rows, key=lambda r: r.position)]


def test_the_answer_to_stop_is_sent_but_follow_ups_are_not(zalo: Any) -> None:
    zalo.say("dừng")
    worker.process_pending(max_seconds=30)
    conversation = zalo.conversation()
    assert conversation.stopped_at is not None
    assert OutboundMessage.objects.filter(status=OutboundStatus.SENT).exists()
    follow_up = OutboundMessage.objects.create(
        conversation=conversation, kind=OutboundKind.FOLLOW_UP, text="Kết quả."
    )
    worker.send_due()
    follow_up.refresh_from_db()
    assert follow_up.status == OutboundStatus.WAITING


def test_an_image_is_downloaded_and_kept_as_evidence(zalo: Any) -> None:
    url = zalo.fake.add_image("screenshot.jpg", jpeg())
    zalo.say("ảnh tin nhắn lừa", kind="image", image_url=url)
    assert worker.process_pending(max_seconds=30) == 1
    assert any(r.path == "/images/screenshot.jpg" for r in zalo.fake.requests)
    assert zalo.conversation().draft.get("evidence")


def test_an_image_over_the_limit_is_not_taken(zalo: Any, settings: Any) -> None:
    settings.TIPLINE_IMAGE_MAX_BYTES = 200
    url = zalo.fake.add_image("big.jpg", jpeg() + b"\0" * 500)
    zalo.say(kind="image", image_url=url)
    assert worker.process_pending(max_seconds=30) == 1
    assert not zalo.conversation().draft.get("evidence")
    assert OutboundMessage.objects.filter(status=OutboundStatus.SENT).exists()


def test_download_refuses_hosts_types_sizes_and_redirects(
    fake_chat: FakeZaloChat, settings: Any
) -> None:
    with pytest.raises(worker.ImageRefused):
        worker.download_image("https://evil.example/a.jpg")
    page = fake_chat.add_image("page.html", b"<html>", content_type="text/html")
    with pytest.raises(worker.ImageRefused):
        worker.download_image(page)
    settings.TIPLINE_IMAGE_MAX_BYTES = 10
    big = fake_chat.add_image("big.jpg", b"x" * 11)
    with pytest.raises(worker.ImageRefused):
        worker.download_image(big)
    exact = fake_chat.add_image("exact.jpg", b"x" * 10)
    assert worker.download_image(exact) == b"x" * 10
    with pytest.raises(worker.ImageRefused):
        worker.download_image(f"{fake_chat.base_url}/images/missing.jpg")  # 404


def test_download_times_out(fake_chat: FakeZaloChat, settings: Any) -> None:
    settings.TIPLINE_IMAGE_TIMEOUT = 0.3
    url = fake_chat.add_image("slow.jpg", b"x")
    fake_chat.delay_next("/images/slow.jpg", 2)
    with pytest.raises(OSError):
        worker.download_image(url)


def test_a_failing_event_retries_with_backoff_then_fails(zalo: Any, settings: Any) -> None:
    settings.TIPLINE_IMAGE_TIMEOUT = 0.3
    settings.TIPLINE_EVENT_MAX_ATTEMPTS = 2
    url = zalo.fake.add_image("slow.jpg", jpeg())
    zalo.say(kind="image", image_url=url)
    zalo.fake.delay_next("/images/slow.jpg", 2)
    assert worker.process_pending(max_seconds=30) == 0
    event = InboundEvent.objects.get()
    assert (event.status, event.attempts) == (EventStatus.PENDING, 1)
    assert event.claimed_until is not None and event.claimed_until > timezone.now()
    assert event.error
    assert worker.process_pending(max_seconds=30) == 0  # backing off: not taken again yet
    assert InboundEvent.objects.get().attempts == 1
    InboundEvent.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    zalo.fake.delay_next("/images/slow.jpg", 2)
    worker.process_pending(max_seconds=30)
    event.refresh_from_db()
    assert (event.status, event.attempts) == (EventStatus.FAILED, 2)
    assert event.error
    assert not OutboundMessage.objects.exists()


def test_one_persons_messages_are_answered_in_order_one_at_a_time(zalo: Any) -> None:
    zalo.say("một")
    zalo.say("hai")
    first, second = InboundEvent.objects.order_by("pk")
    claimed = worker.claim_events(batch=10)
    assert [e.pk for e in claimed] == [first.pk]
    assert worker.claim_events(batch=10) == []  # the second waits for the first
    worker.answer_event(claimed[0])
    assert [e.pk for e in worker.claim_events(batch=10)] == [second.pk]


def test_run_tipline_once_answers_what_is_pending(zalo: Any) -> None:
    zalo.say(SCAM_SMS)
    call_command("run_tipline", "--once")
    assert InboundEvent.objects.get().status == EventStatus.DONE
    assert zalo.fake.messages_to(USER)


def test_the_periodic_task_is_registered_and_runs(zalo: Any) -> None:
    from tipline.tasks import run_tipline_task

    assert "tipline.tasks.run_tipline_task" in [p.task_path for p in registered()]
    zalo.say(SCAM_SMS)
    result = run_tipline_task.call()
    assert result["answered"] == 1
    assert zalo.fake.messages_to(USER)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_three_workers_answer_every_message_once_and_in_order(
    fake_chat: FakeZaloChat, settings: Any, tmp_path: Any
) -> None:
    """Three threads claim side by side (FOR UPDATE SKIP LOCKED; on SQLite the tests' memory
    database answers "table is locked" instead of waiting: bench/tipline.py shows it there)."""
    from django.db import connection, connections

    from indicators.matcher import reset_matcher
    from orgs.testing import build_world

    from .conftest import save_chat_account

    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED claims: PostgreSQL only (set DATABASE_URL)")
    build_world()
    settings.MEDIA_ROOT = tmp_path / "media"
    reset_matcher()
    save_chat_account(fake_chat)
    fake_chat.replies_per_window = 100
    client = Client()
    people = [f"person-{n}" for n in range(8)]
    for person in people:
        fake_chat.user_wrote(person)
    for round_ in range(3):
        for person in people:
            event = zalo_event("text", person, f"{person}-{round_}", text=f"xin chào {round_}")
            assert post_zalo(client, event).status_code == 200
    errors: list[BaseException] = []

    def work() -> None:
        try:
            while worker.process_pending(max_seconds=20):
                pass
        except BaseException as exc:  # noqa: BLE001 (reported by the test)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    worker.send_due()
    assert errors == []
    assert set(InboundEvent.objects.values_list("status", flat=True)) == {EventStatus.DONE}
    rows = OutboundMessage.objects.order_by("event_id", "position")
    assert set(rows.values_list("status", flat=True)) == {OutboundStatus.SENT}
    assert len(fake_chat.cs_messages) == rows.count()  # none lost, none doubled
    for person in people:
        expected = [r.text for r in rows.filter(conversation__external_id=person)]
        assert [m["message"]["text"] for m in fake_chat.messages_to(person)] == expected
        # The events were answered in the person's order.
        answered = InboundEvent.objects.filter(conversation__external_id=person)
        times = [e.answered_at for e in answered.order_by("pk") if e.answered_at]
        assert len(times) == 3 and times == sorted(times)


def test_a_message_another_worker_is_sending_holds_back_the_rest_until_its_lease_ends(
    zalo: Any, settings: Any
) -> None:
    zalo.say(SCAM_SMS)
    worker.pause_channel(ZALO, 300)  # the answers are stored, not sent
    worker.process_pending(max_seconds=30)
    worker.resume_channel(ZALO)
    OutboundMessage.objects.create(
        conversation=zalo.conversation(), kind=OutboundKind.FOLLOW_UP, text="Kết quả: đã xác minh."
    )
    rows = list(OutboundMessage.objects.order_by("pk"))  # the answer, then the follow-up
    # Another worker leased the first answer a moment ago (it is sending it).
    OutboundMessage.objects.filter(pk=rows[0].pk).update(sent_at=timezone.now())
    assert worker.send_due() == 0  # neither the first nor, out of order, the next ones
    assert zalo.fake.cs_messages == []
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {OutboundStatus.QUEUED}
    # That worker died: once its lease is over, the messages go, in order, once each.
    settings.TIPLINE_SEND_LEASE_SECONDS = 60
    OutboundMessage.objects.filter(pk=rows[0].pk).update(
        sent_at=timezone.now() - timedelta(seconds=61)
    )
    assert worker.send_due() == len(rows)
    assert [m["message"]["text"] for m in zalo.fake.messages_to(USER)] == [r.text for r in rows]
    assert worker.send_due() == 0


def test_a_message_that_waits_for_the_window_carries_no_lease(zalo: Any) -> None:
    zalo.say(SCAM_SMS)
    zalo.fake.window_closed(USER)
    worker.process_pending(max_seconds=30)
    assert set(OutboundMessage.objects.values_list("status", "sent_at")) == {
        (OutboundStatus.WAITING, None)
    }


def test_a_pause_set_in_this_process_is_seen_at_once(zalo: Any) -> None:
    assert not worker.channel_paused(ZALO)  # remembered as not paused for a second
    worker.pause_channel(ZALO, 300)
    assert worker.channel_paused(ZALO)
    worker.resume_channel(ZALO)
    assert not worker.channel_paused(ZALO)


def test_after_stop_the_window_is_open_to_an_answer_only(db: None) -> None:
    now = timezone.now()
    conversation = Conversation.objects.create(
        channel=ZALO, external_id="u-stop", last_inbound_at=now, stopped_at=now
    )
    assert not conversation.window_open(now)
    assert conversation.window_open(now, answer=True)
    # The rest of the window's rules hold for an answer too.
    conversation.sent_since_inbound = 8
    assert not conversation.window_open(now, answer=True)
    conversation.sent_since_inbound, conversation.last_inbound_at = 0, now - timedelta(hours=49)
    assert not conversation.window_open(now, answer=True)
