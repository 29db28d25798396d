"""The senders: the shape of Zalo's customer-service message, and what each refusal means."""

from __future__ import annotations

from typing import Any

import pytest

from tipline import senders
from tipline.models import ZALO, Conversation, OutboundKind, OutboundMessage
from tipline.testing.fake_zalo_chat import FakeZaloChat

pytestmark = pytest.mark.django_db


def _message(conversation: Conversation, text: str, replies: int = 0) -> OutboundMessage:
    quick = [{"title": f"Nút {n}", "payload": f"#p{n}"} for n in range(replies)]
    return OutboundMessage.objects.create(
        conversation=conversation, kind=OutboundKind.ANSWER, text=text, quick_replies=quick
    )


@pytest.fixture
def person(zalo_account: Any, fake_chat: FakeZaloChat) -> Conversation:
    fake_chat.user_wrote("u-1")
    return Conversation.objects.create(channel=ZALO, external_id="u-1")


def test_plain_text_has_no_attachment(person: Conversation) -> None:
    assert senders.zalo_message(_message(person, "Chào bạn")) == {"text": "Chào bạn"}


def test_quick_replies_become_at_most_five_hidden_query_buttons(person: Conversation) -> None:
    body = senders.zalo_message(_message(person, "Chọn", replies=7))
    buttons = body["attachment"]["payload"]["buttons"]
    assert len(buttons) == 5
    assert buttons[0] == {"title": "Nút 0", "type": "oa.query.hide", "payload": "#p0"}


def test_text_is_cut_to_zalos_limit(person: Conversation) -> None:
    assert len(senders.zalo_message(_message(person, "a" * 2500))["text"]) == 2000


def test_the_zalo_sender_returns_zalos_message_id(
    person: Conversation, fake_chat: FakeZaloChat
) -> None:
    remote = senders.sender_for(ZALO).send(conversation=person, message=_message(person, "Chào", 2))
    assert remote == fake_chat.cs_messages[0]["message_id"]
    assert fake_chat.cs_messages[0]["user_id"] == "u-1"


def test_outside_zalos_window_is_window_closed(
    person: Conversation, fake_chat: FakeZaloChat
) -> None:
    fake_chat.window_closed("u-1")
    with pytest.raises(senders.WindowClosed):
        senders.sender_for(ZALO).send(conversation=person, message=_message(person, "Chào"))


def test_a_quota_error_is_send_later_without_counting(
    person: Conversation, fake_chat: FakeZaloChat
) -> None:
    fake_chat.fail_next("message/cs", -211)
    with pytest.raises(senders.SendLater) as caught:
        senders.sender_for(ZALO).send(conversation=person, message=_message(person, "Chào"))
    assert caught.value.counts is False
    assert caught.value.after_seconds > 0


def test_a_malformed_message_is_refused_for_good(
    person: Conversation, fake_chat: FakeZaloChat
) -> None:
    fake_chat.fail_next("message/cs", -201)
    with pytest.raises(senders.SendRefused):
        senders.sender_for(ZALO).send(conversation=person, message=_message(person, "Chào"))


def test_unknown_channels_have_no_sender() -> None:
    with pytest.raises(ValueError):
        senders.sender_for("telegram")
