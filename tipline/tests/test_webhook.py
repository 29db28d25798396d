"""The Zalo webhook: only signed, fresh events of our app are stored, once per message id, and
the answer is left to the worker."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest
from django.test import Client

from tipline.models import ZALO, Conversation, EventStatus, InboundEvent, OutboundMessage
from tipline.testing.fake_zalo_chat import FakeZaloChat, sign_event, zalo_event

from .conftest import ZALO_URL, post_zalo

pytestmark = pytest.mark.django_db

USER = "zalo-user-8841"
TEXT = "Tai khoan cua ban bi khoa, bam vao link de mo"


def test_signed_event_is_stored_pending_and_nothing_is_sent(
    client: Client, zalo_account: object, fake_chat: FakeZaloChat
) -> None:
    client.get(ZALO_URL)  # the process's first request imports the URL conf and middleware
    started = time.monotonic()
    answer = post_zalo(client, zalo_event("text", USER, "m-1", text=TEXT))
    assert answer.status_code == 200
    assert answer.json()["status"] == "accepted"
    assert time.monotonic() - started < 1.0
    event = InboundEvent.objects.get()
    assert (event.channel, event.message_id, event.kind, event.text) == (ZALO, "m-1", "text", TEXT)
    assert event.status == EventStatus.PENDING
    assert event.event_time is not None
    assert event.conversation.external_id == USER
    # The worker answers later: no answer made, nothing sent to Zalo.
    assert not OutboundMessage.objects.exists()
    assert fake_chat.cs_messages == []


def test_redelivered_event_is_stored_once(client: Client, zalo_account: object) -> None:
    event = zalo_event("text", USER, "m-2", text=TEXT)
    assert post_zalo(client, event).status_code == 200
    again = post_zalo(client, event)
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    assert InboundEvent.objects.count() == 1
    assert Conversation.objects.count() == 1


def test_second_message_joins_the_same_conversation(client: Client, zalo_account: object) -> None:
    post_zalo(client, zalo_event("text", USER, "m-3", text="một"))
    post_zalo(client, zalo_event("text", USER, "m-4", text="hai"))
    post_zalo(client, zalo_event("text", "someone-else", "m-5", text="ba"))
    assert Conversation.objects.count() == 2
    assert Conversation.objects.get(external_id=USER).events.count() == 2


@pytest.mark.parametrize(
    ("make_header", "status"),
    [
        (lambda body, event: "", 401),  # missing
        (lambda body, event: "mac=" + "0" * 64, 401),  # forged
        (
            lambda body, event: sign_event(
                body, app_id="2001", timestamp=event["timestamp"], secret="NOT-THE-SECRET"
            ),
            401,
        ),
        (  # signed over another body: one character changed
            lambda body, event: sign_event(
                body.replace(b"khoa", b"khoe"),
                app_id="2001",
                timestamp=event["timestamp"],
                secret="OA-SECRET",
            ),
            401,
        ),
    ],
    ids=["missing", "forged", "wrong-secret", "other-body"],
)
def test_unsigned_or_badly_signed_event_is_refused_and_logged_without_personal_data(
    client: Client, zalo_account: object, caplog: pytest.LogCaptureFixture, make_header, status
) -> None:
    event = zalo_event("text", USER, "m-6", text=TEXT)
    body = json.dumps(event).encode()
    with caplog.at_level(logging.WARNING, logger="tipline.webhooks"):
        answer = post_zalo(client, event, body=body, header=make_header(body, event))
    assert answer.status_code == status
    assert not InboundEvent.objects.exists()
    assert not Conversation.objects.exists()
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "tipline.webhooks")
    assert "refused" in logged
    assert USER not in logged and "khoa" not in logged


def test_signature_check_accepts_the_header_without_its_prefix_case(
    client: Client, zalo_account: object
) -> None:
    event = zalo_event("text", USER, "m-7", text=TEXT)
    body = json.dumps(event).encode()
    header = sign_event(body, app_id="2001", timestamp=event["timestamp"], secret="OA-SECRET")
    answer = post_zalo(client, event, body=body, header=header.upper().replace("MAC=", "mac="))
    assert answer.status_code == 200


@pytest.mark.parametrize("offset_s", [-11 * 60, 11 * 60], ids=["stale", "future"])
def test_event_outside_the_time_window_is_refused(
    client: Client, zalo_account: object, offset_s: int
) -> None:
    stamp = int((time.time() + offset_s) * 1000)
    answer = post_zalo(client, zalo_event("text", USER, "m-8", text=TEXT, timestamp_ms=stamp))
    assert answer.status_code == 401
    assert not InboundEvent.objects.exists()


def test_event_nine_minutes_old_is_taken(client: Client, zalo_account: object) -> None:
    stamp = int((time.time() - 9 * 60) * 1000)
    answer = post_zalo(client, zalo_event("text", USER, "m-9", text=TEXT, timestamp_ms=stamp))
    assert answer.status_code == 200


def test_event_of_another_app_is_refused_even_when_signed(
    client: Client, zalo_account: object
) -> None:
    event = zalo_event("text", USER, "m-10", text=TEXT, app_id="9999")
    assert post_zalo(client, event, app_id="9999").status_code == 401
    assert not InboundEvent.objects.exists()


def test_malformed_json_is_refused(
    client: Client, zalo_account: object, caplog: pytest.LogCaptureFixture
) -> None:
    body = b'{"app_id": "2001", "timestamp": '
    header = sign_event(body, app_id="2001", timestamp="", secret="OA-SECRET")
    with caplog.at_level(logging.WARNING, logger="tipline.webhooks"):
        answer = post_zalo(client, {}, body=body, header=header)
    assert answer.status_code == 400
    assert "malformed JSON" in caplog.text
    assert not InboundEvent.objects.exists()


def test_event_without_sender_is_refused(client: Client, zalo_account: object) -> None:
    event = zalo_event("text", USER, "m-11", text=TEXT)
    del event["sender"]
    assert post_zalo(client, event).status_code == 400
    assert not InboundEvent.objects.exists()


def test_webhook_is_closed_without_the_oa_secret(client: Client, db: None) -> None:
    answer = post_zalo(client, zalo_event("text", USER, "m-12", text=TEXT))
    assert answer.status_code == 401
    assert not InboundEvent.objects.exists()


def test_get_is_not_allowed(client: Client, zalo_account: object) -> None:
    assert client.get(ZALO_URL).status_code == 405


def test_body_over_64_kb_is_refused(client: Client, zalo_account: object) -> None:
    event = zalo_event("text", USER, "m-13", text="x" * (65 * 1024))
    assert post_zalo(client, event).status_code == 413
    assert not InboundEvent.objects.exists()


def test_long_text_is_cut_to_the_limit(client: Client, zalo_account: object) -> None:
    event = zalo_event("text", USER, "m-14", text="á" * 6000)
    assert post_zalo(client, event).status_code == 200
    assert len(InboundEvent.objects.get().text) == 4000


def test_follow_and_unfollow_store_nothing(client: Client, zalo_account: object) -> None:
    for kind in ("follow", "unfollow"):
        assert post_zalo(client, zalo_event(kind, USER, "")).status_code == 200
    assert not InboundEvent.objects.exists()
    assert not Conversation.objects.exists()


def test_image_from_an_allowed_host_keeps_its_address(
    client: Client, zalo_account: object, fake_chat: FakeZaloChat
) -> None:
    url = fake_chat.add_image("a.jpg", b"\xff\xd8\xff")
    event = zalo_event("image", USER, "m-15", text="ảnh tin nhắn", image_url=url)
    assert post_zalo(client, event).status_code == 200
    stored = InboundEvent.objects.get()
    assert (stored.kind, stored.attachment_url, stored.text) == ("image", url, "ảnh tin nhắn")


@pytest.mark.parametrize(
    "url",
    ["http://zdn.vn/a.jpg", "https://evil.example/a.jpg", "https://zdn.vn.evil.example/a.jpg"],
)
def test_image_from_another_host_is_stored_without_its_address(
    client: Client, zalo_account: object, url: str
) -> None:
    event = zalo_event("image", USER, "m-16", image_url=url)
    assert post_zalo(client, event).status_code == 200
    stored = InboundEvent.objects.get()
    assert (stored.kind, stored.attachment_url) == ("other", "")


def test_https_image_of_zalos_cdn_is_allowed(client: Client, zalo_account: object) -> None:
    url = "https://photo-stal-1.zdn.vn/x/y.jpg"
    assert post_zalo(client, zalo_event("image", USER, "m-17", image_url=url)).status_code == 200
    assert InboundEvent.objects.get().attachment_url == url


def test_a_link_is_stored_as_text_to_check(client: Client, zalo_account: object) -> None:
    url = "https://vietcombank-xacthuc.com/login"
    assert post_zalo(client, zalo_event("link", USER, "m-18", image_url=url)).status_code == 200
    stored = InboundEvent.objects.get()
    assert (stored.kind, stored.text, stored.attachment_url) == ("text", url, "")


def test_a_sticker_is_stored_as_other(client: Client, zalo_account: object) -> None:
    assert post_zalo(client, zalo_event("user_send_sticker", USER, "m-19")).status_code == 200
    assert InboundEvent.objects.get().kind == "other"


def test_a_flood_from_one_person_is_dropped(
    client: Client, zalo_account: object, settings: Any
) -> None:
    settings.TIPLINE_PERSON_PER_MINUTE = 2
    statuses = [
        post_zalo(client, zalo_event("text", USER, f"f-{n}", text="x")).json()["status"]
        for n in range(3)
    ]
    assert statuses == ["accepted", "accepted", "dropped"]
    assert InboundEvent.objects.count() == 2
    # Someone else is not held back.
    assert post_zalo(client, zalo_event("text", "other", "f-9", text="x")).status_code == 200
    assert InboundEvent.objects.count() == 3


def test_a_body_too_large_is_refused_in_json_before_it_is_read(
    client: Client, zalo_account: object
) -> None:
    event = zalo_event("text", USER, "m-20", text="x" * (65 * 1024))
    answer = post_zalo(client, event)
    assert answer.status_code == 413
    assert answer["Content-Type"].startswith("application/json")
    assert "64 kB" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("Tai khoan\u0000 bi khoa", "Tai khoan bi khoa"),
        ("mã \ud800OTP\udfff 123", "mã OTP 123"),
        ("dòng 1\r\ndòng 2\x07", "dòng 1\ndòng 2"),
        ("Vie\u0323\u0302t", "Việt"),  # NFC
    ],
    ids=["nul", "lone-surrogates", "controls", "nfc"],
)
def test_unstorable_characters_are_removed_and_the_event_stored(
    client: Client, zalo_account: object, text: str, stored: str
) -> None:
    # json.dumps writes "\u0000" and "\ud800" as escapes, as a client's JSON would carry them.
    answer = post_zalo(client, zalo_event("text", USER, "m-21", text=text))
    assert answer.status_code == 200
    assert answer.json()["status"] == "accepted"
    assert InboundEvent.objects.get().text == stored


def test_a_link_with_a_nul_is_stored_cleaned(client: Client, zalo_account: object) -> None:
    url = "https://vietcombank-xacthuc.com/\u0000login"
    assert post_zalo(client, zalo_event("link", USER, "m-22", image_url=url)).status_code == 200
    assert InboundEvent.objects.get().text == "https://vietcombank-xacthuc.com/login"


def test_an_image_address_with_a_nul_is_not_kept(client: Client, zalo_account: object) -> None:
    url = "https://photo-stal-1.zdn.vn/x/\u0000y.jpg"
    assert post_zalo(client, zalo_event("image", USER, "m-23", image_url=url)).status_code == 200
    stored = InboundEvent.objects.get()
    assert (stored.kind, stored.attachment_url) == ("other", "")


def test_a_sender_id_with_a_nul_is_refused(client: Client, zalo_account: object) -> None:
    assert post_zalo(client, zalo_event("text", "u\u0000", "m-24", text=TEXT)).status_code == 400
    assert not Conversation.objects.exists()


def test_the_cut_text_keeps_the_limit_after_cleaning(
    client: Client, zalo_account: object, settings: Any
) -> None:
    settings.TIPLINE_MAX_TEXT = 5
    text = "\u0000" * 10 + "abcdefgh"
    assert post_zalo(client, zalo_event("text", USER, "m-25", text=text)).status_code == 200
    assert InboundEvent.objects.get().text == "abcde"


def test_the_oa_secret_field_warns_that_each_save_replaces_it() -> None:
    from django import forms

    from bulletins.views_channels import ZaloForm

    field = ZaloForm.base_fields["oa_secret_key"]
    assert not field.required
    assert str(field.help_text) == (
        "Mỗi lần lưu phải nhập lại; để trống thì đường dây tố giác qua Zalo ngừng nhận tin."
    )
    assert isinstance(field.widget, forms.PasswordInput) and not field.widget.render_value
