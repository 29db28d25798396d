"""The fast way of sending: a campaign's mail serialised once with marks (the mould), each
recipient's bytes made by putting their values in. Whatever it sends must read exactly as the
mail Django builds for that person, and what does not fit the mould goes the long way."""

from __future__ import annotations

import asyncio
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from drills.models import CampaignStatus, Recipient
from drills.sending import build_message, make_mould, send_due, wire_for

from .test_tracking_world import drill_fixture  # noqa: F401 (fixture)

# Names that test the mould's edges: Vietnamese letters, HTML's special characters (escaped in
# the HTML part only), a line break (never a second header), a plain ASCII name.
NAMES = {
    "staff_d1_c1": ("Nguyễn Thị", "Hoà"),
    "staff_d1_c2": ('<b>Lê & "Văn"', "O'Brien</b>"),
    "staff_d2_c1": ("Trần\r\nBcc: ai-do@example.invalid", "Minh"),
    "manager_d1": ("Pham", "Van An"),
}


def _recipients(world, campaign) -> list[Recipient]:
    rows = []
    for name, (first, last) in NAMES.items():
        person = world.person(name)
        person.first_name, person.last_name = first, last
        person.save(update_fields=["first_name", "last_name"])
        rows.append(
            Recipient.objects.create(
                campaign=campaign, person=person, email=person.email, due_at=timezone.now()
            )
        )
    # In the order of NAMES: without an ORDER BY, PostgreSQL may answer in any order.
    return list(
        Recipient.objects.filter(pk__in=[r.pk for r in rows])
        .select_related("person__home_unit")
        .order_by("pk")
    )


def _parsed(data: bytes) -> EmailMessage:
    message = message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _body(message: EmailMessage, kind: str) -> str:
    part = message.get_body((kind,))
    assert part is not None, f"no {kind} part"
    return str(part.get_content())


def _reading(message: EmailMessage) -> dict[str, object]:
    """What a mail client shows of a mail (the Subject without the folding's blanks)."""
    return {
        "subject": " ".join(str(message["Subject"]).split()),
        "from": str(message["From"]),
        "to": str(message["To"]),
        "drill": str(message["X-Canhgiac-Drill"]),
        "text": _body(message, "plain"),
        "html": _body(message, "html"),
        "parts": [p.get_content_type() for p in message.iter_parts()],
    }


def test_moulded_mail_reads_as_the_mail_django_builds(world, drill):
    recipients = _recipients(world, drill)
    mould = make_mould(drill)
    assert mould is not None
    for recipient in recipients:
        wire = mould.fill(recipient)
        assert wire is not None
        moulded = _parsed(wire.data)
        django = _parsed(build_message(recipient, drill).message().as_bytes(linesep="\r\n"))
        assert _reading(moulded) == _reading(django)
        assert wire.to == recipient.email
        assert recipient.tracking_id in moulded["X-Canhgiac-Drill"]
        assert moulded["Message-ID"] and moulded["Date"]
        assert b"\r\n" in wire.data and b"\n" not in wire.data.replace(b"\r\n", b"")
    # Every mail its own Message-ID; a name's line break never became a header.
    ids = {_parsed(mould.fill(r).data)["Message-ID"] for r in recipients}  # type: ignore[union-attr]
    assert len(ids) == len(recipients)
    assert all("Bcc" not in _parsed(mould.fill(r).data) for r in recipients)  # type: ignore[union-attr]
    html = _reading(_parsed(mould.fill(recipients[1]).data))["html"]  # type: ignore[union-attr]
    assert "&lt;b&gt;Lê &amp; &quot;Văn&quot;" in str(html) and "<b>Lê" not in str(html)


def test_a_template_that_needs_quoted_printable_goes_the_long_way(world, drill):
    """A line longer than SMTP allows makes Django quote the part: no mould, and each mail is
    then Django's own."""
    drill.template.text_body = "Chào {{name}}, " + "rất dài " * 200 + "{{link}}"
    drill.template.save()
    (recipient, *_) = _recipients(world, drill)
    assert make_mould(drill) is None
    wire = wire_for(recipient, drill, None)
    text = _body(_parsed(wire.data), "plain")
    assert text.startswith("Chào Nguyễn Thị Hoà, rất dài") and recipient.tracking_id in text


class _Sessions:
    """An SMTP server's handler that keeps each message and the connection it came on."""

    def __init__(self) -> None:
        self.peers: list[object] = []
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.peers.append(session.peer)  # type: ignore[attr-defined]
        self.messages.append(_parsed(envelope.content))  # type: ignore[attr-defined]
        await asyncio.sleep(0)
        return "250 OK"


@pytest.fixture
def counting_server():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = _Sessions()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def test_a_batch_goes_over_the_batchs_few_connections(world, drill, counting_server, settings):
    handler, port = counting_server
    settings.DRILLS_SMTP_CONNECTIONS = 2
    drill.sending_profile.smtp_port = port
    drill.sending_profile.save()
    drill.status = CampaignStatus.SENDING
    drill.save()
    recipients = _recipients(world, drill)
    assert send_due() == len(recipients)
    assert len(handler.messages) == len(recipients)
    assert len(set(handler.peers)) <= 2  # not one connection per mail
    received = {m["X-Canhgiac-Drill"].split(";")[0].removeprefix("id=") for m in handler.messages}
    assert received == {r.tracking_id for r in recipients}
    for message in handler.messages:
        assert "Hộp thư của" in message["Subject"]
