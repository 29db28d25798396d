"""What the outbox tests share: a real SMTP sink on loopback (aiosmtpd) that can refuse an
address or act before it accepts a message, and published revisions with subscribers."""

from __future__ import annotations

import itertools
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller
from django.utils import timezone

from bulletins.models import (
    Bulletin,
    BulletinStatus,
    Kind,
    MailingList,
    Revision,
    RevisionState,
    Subscriber,
    SubscriberStatus,
)

_slugs = itertools.count(1)


@dataclass
class Received:
    to: str
    message_id: str
    peer: str  # "host:port" of the client: one per SMTP connection
    unsubscribe: str


@dataclass
class Sink:
    """aiosmtpd on 127.0.0.1. `refuse[address] = "550 ..."` answers that reply to RCPT;
    `before_accept(n)` runs before the n-th message (1-based) is accepted; a reply it returns
    is given instead of accepting (the SIGKILL test kills the worker there, so that message
    never got its 250)."""

    refuse: dict[str, str] = field(default_factory=dict)
    before_accept: Callable[[int], str | None] | None = None
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    offered: int = 0
    port: int = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001
        with self.lock:
            self.offered += 1
            n = self.offered
        if self.before_accept is not None and (reply := self.before_accept(n)) is not None:
            return reply  # not accepted, not recorded
        message = message_from_bytes(envelope.content, policy=policy.default)
        host, port = session.peer[:2]
        with self.lock:
            for address in envelope.rcpt_tos:
                self.received.append(
                    Received(
                        to=address,
                        message_id=str(message["Message-ID"]),
                        peer=f"{host}:{port}",
                        unsubscribe=str(message["List-Unsubscribe"]),
                    )
                )
        return "250 OK"

    def start(self) -> Controller:
        if not self.port:
            with socket.socket() as probe:  # aiosmtpd checks itself on a real port, not 0
                probe.bind(("127.0.0.1", 0))
                self.port = probe.getsockname()[1]
        controller = Controller(self, hostname="127.0.0.1", port=self.port)
        controller.start()
        return controller

    def addresses(self) -> list[str]:
        with self.lock:
            return [r.to for r in self.received]


def published_revision(world, *, unit_code: str = "P", when=None) -> Revision:
    editor = world.person("editor")
    now = timezone.now()
    n = next(_slugs)
    bulletin = Bulletin.objects.create(
        kind=Kind.WARNING,
        slug=f"canh-bao-thu-{n}",
        unit=world.unit(unit_code),
        created_by=editor,
        status=BulletinStatus.PUBLISHED,
        published_at=when or now,
    )
    return Revision.objects.create(
        bulletin=bulletin,
        number=1,
        state=RevisionState.PUBLISHED,
        title=f"Cảnh báo thử {n}: tin nhắn giả mạo ngân hàng",
        summary="Không bấm vào đường dẫn trong tin nhắn.",
        body_markdown="Ngân hàng không bao giờ gửi đường dẫn đăng nhập qua tin nhắn.",
        body_html="<p>Ngân hàng không bao giờ gửi đường dẫn đăng nhập qua tin nhắn.</p>",
        written_by=editor,
        published_at=when or now,
    )


def correction_of(revision: Revision) -> Revision:
    return Revision.objects.create(
        bulletin=revision.bulletin,
        number=revision.number + 1,
        state=RevisionState.PUBLISHED,
        title=revision.title,
        summary=revision.summary,
        body_markdown=revision.body_markdown + " (đính chính)",
        body_html=revision.body_html,
        correction_note="Sửa tên ngân hàng.",
        written_by=revision.written_by,
        published_at=timezone.now(),
    )


def subscribers(unit, count: int, *, prefix: str = "nguoi") -> list[Subscriber]:
    mailing_list, _created = MailingList.objects.get_or_create(unit=unit)
    rows = [
        Subscriber(
            mailing_list=mailing_list,
            email=f"{prefix}{i}@vi-du.vn",
            status=SubscriberStatus.CONFIRMED,
            confirmed_at=timezone.now(),
        )
        for i in range(count)
    ]
    return Subscriber.objects.bulk_create(rows)


def seed_kill_site(*, recipients: int, zalo: dict, facebook: dict) -> int:
    """In a fresh site (run in a subprocess): the test world, `recipients` confirmed
    subscribers of the province's list, both channel accounts, one published warning with its
    outbox items; returns the revision's id."""
    from django.db import transaction

    from bulletins import outbox
    from bulletins.models import ChannelAccount
    from orgs.testing import build_world

    world = build_world()
    subscribers(world.unit("P"), recipients)
    for key, credentials in (("zalo", zalo), ("facebook", facebook)):
        account = ChannelAccount(key=key, saved_at=timezone.now())
        account.set_credentials(credentials)
        account.save()
    with transaction.atomic():
        revision = published_revision(world)
        outbox.enqueue_deliveries(revision=revision)
    return revision.pk
