"""A conversation played end to end (issue 19, point 6): a person forwards a scam SMS to the
OA; Zalo (the local fake) POSTs the signed event to the live server's webhook; the worker
answers through the fake's customer-service API; the person presses "Tố giác", answers three
questions and gets a tracking code; two verifiers list the case under four eyes; the person is
told the outcome once. The same again through a partner's bridge and its callback."""

from __future__ import annotations

import itertools
import json
import re
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import pytest

from indicators.matcher import reset_matcher
from orgs.testing import World
from reports.models import Report, Source
from tipline import followup, signature, worker
from tipline.models import Conversation, EventStatus, InboundEvent, OutboundMessage, TipReport
from tipline.testing.fake_zalo_chat import FakeZaloChat, post_event, zalo_event

from .chat_world import list_by_two_verifiers
from .conftest import BRIDGE_URL, ZALO_URL, Bridge

pytestmark = pytest.mark.django_db(transaction=True)

SCAM_SMS = (
    "[VCB] Tai khoan cua quy khach bi tam khoa do chua cap nhat sinh trac hoc. Vui long truy "
    "cap https://vietcombank-xacthuc.com/login de xac thuc ngay truoc 24h."
)
USER = "5512736648101927364"  # a Zalo user id: digits, as Zalo's are
WHAT = "Tôi bấm vào link, nhập mật khẩu và mã OTP, sau đó bị trừ tiền"
TRACKING = re.compile(r"Mã theo dõi của bạn: ([A-Z0-9-]+)")
_ids = itertools.count(1)


@dataclass(frozen=True)
class Answer:
    text: str
    buttons: list[tuple[str, str]]  # (title, payload)


class Person(Protocol):
    def say(self, text: str) -> list[Answer]: ...
    def received(self) -> list[Answer]: ...


@dataclass
class ZaloPerson:
    """A person writing to the OA: Zalo POSTs each message to the webhook, the worker answers,
    the answers are what the fake's cs API accepted for this user."""

    fake: FakeZaloChat
    webhook: str
    user: str = USER

    def say(self, text: str) -> list[Answer]:
        before = len(self.received())
        self.fake.user_wrote(self.user)  # Zalo opens the window when the person writes
        event = zalo_event("text", self.user, f"zmsg-{next(_ids)}", text=text)
        status, body = post_event(self.webhook, event, secret=self.fake.oa_secret_key)
        assert status == 200 and json.loads(body)["status"] == "accepted", body
        assert worker.process_pending(max_seconds=30) == 1
        return self.received()[before:]

    def received(self) -> list[Answer]:
        answers = []
        for sent in self.fake.messages_to(self.user):
            message = sent["message"]
            buttons = (message.get("attachment") or {}).get("payload", {}).get("buttons", [])
            answers.append(Answer(message["text"], [(b["title"], b["payload"]) for b in buttons]))
        return answers


@dataclass
class BridgePerson:
    """A person on a partner's bot: the bot POSTs signed events, our answers reach its callback."""

    bridge: Bridge
    events_url: str
    user: str = "partner-user-42"

    def say(self, text: str) -> list[Answer]:
        before = len(self.received())
        body = json.dumps(
            {"user_id": self.user, "message_id": f"b-{next(_ids)}", "text": text}
        ).encode()
        request = urllib.request.Request(  # noqa: S310 (the live server on loopback)
            self.events_url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-CanhGiac-Bridge": str(self.bridge.bridge.pk),
                "X-CanhGiac-Signature": signature.bridge_signature(
                    body=body, secret=self.bridge.secret
                ),
            },
        )
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            assert json.loads(answer.read())["status"] == "accepted"
        assert worker.process_pending(max_seconds=30) == 1
        return self.received()[before:]

    def received(self) -> list[Answer]:
        answers = []
        for request in self.bridge.receiver.received:
            assert signature.bridge_signature_ok(  # the partner can trust what it gets
                header=request.headers.get("x-canhgiac-signature", ""),
                body=request.body,
                secret=self.bridge.secret,
            )
            data: dict[str, Any] = json.loads(request.body)
            assert data["user_id"] == self.user
            buttons = [(q["title"], q["payload"]) for q in data["quick_replies"]]
            answers.append(Answer(data["text"], buttons))
        return answers


def play_report(person: Person) -> str:
    """The forwarded SMS, its answer, "Tố giác" and three answers; returns the tracking code."""
    [answer] = person.say(SCAM_SMS)
    assert "RỦI RO CAO" in answer.text
    assert ("Tố giác", "#to_giac") in answer.buttons
    assert {"#hoi_can_bo", "#huong_dan"} <= {payload for _title, payload in answer.buttons}
    press = dict((title, payload) for title, payload in answer.buttons)["Tố giác"]
    [question] = person.say(press)  # pressing the button sends its payload back
    assert "bước 1/3" in question.text
    [money] = person.say(WHAT)
    assert "Bước 2/3" in money.text
    [commune] = person.say("5 triệu")
    assert "Bước 3/3" in commune.text
    [done] = person.say("Xã Một Một")
    found = TRACKING.search(done.text)
    assert found, done.text
    return found.group(1)


def follow_up_once(person: Person, code: str) -> None:
    before = len(person.received())
    assert followup.check_outcomes() == 1
    assert worker.send_due() == 1
    [told] = person.received()[before:]
    assert code in told.text and "danh sách cảnh báo" in told.text
    # Run again: nothing new is made or sent.
    assert followup.check_outcomes() == 0
    assert worker.send_due() == 0
    assert len(person.received()) == before + 1


def nothing_public(base: str, code: str, *, secrets: tuple[str, ...]) -> None:
    """The public pages that speak of the listed link or the report: no id, no chat text."""
    from indicators.matcher import get_matcher

    get_matcher(refresh=True)  # the index is re-read at most once a second
    pages = {
        "tracking": f"/to-giac/theo-doi/{code}/",
        "check": "/kiem-tra/?q=https://vietcombank-xacthuc.com/login",
        "warnings": "/canh-bao/rss/",
        "statistics": "/thong-ke/",
    }
    bodies = {}
    for name, path in pages.items():
        with urllib.request.urlopen(base + path, timeout=10) as page:  # noqa: S310 (loopback)
            bodies[name] = page.read().decode()
        for secret in secrets:
            assert secret not in bodies[name], (name, secret)
    # The pages do speak of it: the outcome on the tracking page, the reason on the check page.
    assert "đưa vào danh sách cảnh báo" in bodies["tracking"]
    assert "Trang giả mạo Vietcombank" in bodies["check"]


@pytest.fixture
def tipline_world(
    world: World, audit_flushable: None, immediate_tasks: None, settings: Any, tmp_path: Any
) -> Iterator[World]:
    """The shared world; tasks run at once; evidence in the test's folder; a fresh matcher (it
    lives in the process and outlives the test's data)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    reset_matcher()
    yield world
    reset_matcher()


def test_a_zalo_conversation_from_forwarded_sms_to_the_follow_up(
    live_server: Any, tipline_world: World, fake_chat: FakeZaloChat, zalo_account: object
) -> None:
    person = ZaloPerson(fake_chat, live_server.url + ZALO_URL)
    code = play_report(person)

    report = Report.objects.get(tracking_code=code)
    assert report.source == Source.ZALO and report.unit.code == "D1-C1"
    assert report.money_lost == 5_000_000 and report.description == WHAT
    assert "vietcombank-xacthuc.com" in " ".join(report.indicators.values_list("value", flat=True))
    assert TipReport.objects.get(report=report).conversation.external_id == USER
    assert report.filed_at is not None  # the filing task ran
    assert set(InboundEvent.objects.values_list("status", flat=True)) == {EventStatus.DONE}

    list_by_two_verifiers(tipline_world, report)
    follow_up_once(person, code)
    nothing_public(live_server.url, code, secrets=(USER, WHAT, "5512736648"))
    # Every message went to the one person, each answer exactly once.
    assert {m["user_id"] for m in fake_chat.cs_messages} == {USER}
    assert len(fake_chat.cs_messages) == OutboundMessage.objects.filter(status="sent").count()
    assert Conversation.objects.count() == 1


def test_the_same_conversation_through_a_partner_bridge(
    live_server: Any, tipline_world: World, bridge: Bridge
) -> None:
    person = BridgePerson(bridge, live_server.url + BRIDGE_URL)
    code = play_report(person)

    report = Report.objects.get(tracking_code=code)
    assert report.source == Source.CHAT and report.partner_key_id == bridge.bridge.partner_id
    assert TipReport.objects.get(report=report).conversation.channel == bridge.bridge.channel

    list_by_two_verifiers(tipline_world, report)
    follow_up_once(person, code)
