"""The conversation tests' world: the shared units plus two places both called "An Phú", a
conversation on Zalo, and a way to play one message through respond() as the worker would
(an InboundEvent stored, then answered). Import the fixtures (named chat, chat_media and fresh_matcher) into a test module:

    from tipline.tests.chat_world import chat_fixture, matcher_fixture, media_fixture  # noqa: F401
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image

from indicators.matcher import reset_matcher
from orgs.models import Unit
from orgs.services import import_units_csv
from orgs.testing import World
from reports.models import PublicStatus, Report, public_status
from reports.workflow import confirm_proposal, propose_listing
from tipline.conversation import Incoming, Reply, respond
from tipline.models import ZALO, Conversation, InboundEvent

# Two units named "An Phú" (a ward of the province, a commune of district 2) and a unique one.
EXTRA_UNITS = """code,parent_code,kind,name
W-AP,P,ward,Phường An Phú
D2-AP,D2,commune,Xã An Phú
W-BT,P,ward,Phường Bình Thạnh
"""

SCAM_SMS = (
    "[VCB] Tai khoan cua quy khach bi tam khoa do chua cap nhat sinh trac hoc. Vui long truy "
    "cap https://vietcombank-xacthuc.com/login de xac thuc ngay truoc 24h."
)
LOOKALIKE_LINK = "vietcombank-xacthuc.com/login"
VCB_HOTLINE = "1900 545413"

_ids = itertools.count(1)


@dataclass
class Chat:
    """One person chatting on Zalo: say() plays a message as the worker would."""

    world: World
    conversation: Conversation
    events: list[InboundEvent] = field(default_factory=list)

    def event(self, kind: str = "text", text: str = "") -> InboundEvent:
        event = InboundEvent.objects.create(
            conversation=self.conversation,
            channel=self.conversation.channel,
            message_id=f"msg-{next(_ids)}",
            kind=kind,
            text=text,
        )
        self.events.append(event)
        return event

    def say(self, text: str) -> list[Reply]:
        return self.play(Incoming(kind="text", text=text), self.event("text", text))

    def send_image(self, data: bytes | None, caption: str = "") -> list[Reply]:
        return self.play(Incoming(kind="image", text=caption, image=data), self.event("image"))

    def play(self, incoming: Incoming, event: InboundEvent) -> list[Reply]:
        # As the worker does: a new message opens the window again.
        Conversation.objects.filter(pk=self.conversation.pk).update(
            last_inbound_at=timezone.now(), sent_since_inbound=0
        )
        self.conversation.refresh_from_db()
        return respond(conversation=self.conversation, incoming=incoming, event=event)

    def reload(self) -> Conversation:
        self.conversation.refresh_from_db()
        return self.conversation


def new_chat(world: World, external_id: str = "zalo-user-1", channel: str = ZALO) -> Chat:
    conversation = Conversation.objects.create(
        channel=channel, external_id=external_id, last_inbound_at=timezone.now()
    )
    return Chat(world=world, conversation=conversation)


def texts(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


def payloads(reply: Reply) -> list[str]:
    return [q.payload for q in reply.quick_replies]


def jpeg(size: tuple[int, int] = (60, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def long_ago(hours: int) -> datetime:
    return timezone.now() - timedelta(hours=hours)


@pytest.fixture(name="fresh_matcher")
def matcher_fixture() -> Iterator[None]:
    """The in-memory matcher outlives a test's rolled-back transaction: start afresh."""
    reset_matcher()
    yield
    reset_matcher()


@pytest.fixture(name="chat_media")
def media_fixture(settings: Any, tmp_path: Path) -> Path:
    """Evidence and kept drafts of each test in a folder of their own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture(name="chat")
def chat_fixture(world: World, chat_media: Path, fresh_matcher: None) -> Chat:
    import_units_csv(text=EXTRA_UNITS)
    world.units.update({u.code: u for u in Unit.objects.filter(code__in=["W-AP", "D2-AP", "W-BT"])})
    return new_chat(world)


def media_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def list_by_two_verifiers(world: World, report: Report) -> None:
    """The report's case listed under four eyes: proposed by one verifier, confirmed by another."""
    case = report.cases.get()
    proposal = propose_listing(
        case=case,
        verifier=world.person("verifier_d1"),
        category="phishing",
        risk="high",
        public_reason="Trang giả mạo Vietcombank để lấy mật khẩu và mã OTP.",
    )
    confirm_proposal(proposal=proposal, verifier=world.person("verifier_province"))
    assert public_status(report) == PublicStatus.LISTED
