"""Reporting by forwarding: the platform's own SMTP receiver (aiosmtpd) finds the tracking id in
a forwarded drill mail's headers or body and thanks the person it was sent to."""

from __future__ import annotations

import smtplib
import socket
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from drills.models import EventKind
from drills.receiver import ReportHandler, record_forwarded, tracking_ids_in_mail
from drills.sending import build_message

from .test_tracking_world import drill_fixture, sent_recipient  # noqa: F401 (fixture)

PORTS = range(19850, 19870)
REPORT_ADDRESS = "bao-cao@so-thu-nghiem.gov.vn"


def _drill_mail(recipient) -> bytes:
    return build_message(recipient, recipient.campaign).message().as_bytes()


def _forward_as_attachment(original: bytes, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"] = sender, REPORT_ADDRESS
    message["Subject"] = "Fwd: thư đáng ngờ"
    message.set_content("Thư này đáng ngờ.")
    message.add_attachment(message_from_bytes(original, policy=policy.default))
    return message


def _forward_inline(recipient, sender: str) -> EmailMessage:
    original = build_message(recipient, recipient.campaign)
    message = EmailMessage()
    message["From"], message["To"] = sender, REPORT_ADDRESS
    message["Subject"] = "Fwd: " + original.subject
    message.set_content("---------- Forwarded message ---------\n" + original.body)
    return message


def test_tracking_id_is_found_in_headers_and_bodies(world, drill):
    recipient = sent_recipient(world, drill)
    original = _drill_mail(recipient)
    attached = _forward_as_attachment(original, recipient.email).as_bytes()
    inline = _forward_inline(recipient, recipient.email).as_bytes()
    headers_only = original.split(b"\n\n", 1)[0] + b"\n\nx\n"
    for raw in (original, attached, inline, headers_only):
        assert tracking_ids_in_mail(raw) == {recipient.tracking_id}
    assert tracking_ids_in_mail(b"Subject: hi\n\nhttp://x/d/short\n") == set()


def test_only_the_person_it_was_sent_to_reports_it(world, drill, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    recipient = sent_recipient(world, drill)
    raw = _forward_as_attachment(_drill_mail(recipient), "ai-do@example.com").as_bytes()
    assert record_forwarded(raw=raw, envelope_from="ai-do@example.com") == 0
    assert not recipient.events.exists()


@pytest.fixture
def receiver(settings):
    settings.DRILLS_REPORT_ADDRESS = REPORT_ADDRESS
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        controller = Controller(ReportHandler(), hostname="127.0.0.1", port=port)
        controller.start()
        yield port
        controller.stop()
        return
    pytest.skip(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def _wait_for(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_forwarded_drill_mail_is_reported_and_thanked(
    transactional_db, world, drill, receiver, smtp_server
):
    recipient = sent_recipient(world, drill)
    forwarded = _forward_as_attachment(_drill_mail(recipient), recipient.email)
    with smtplib.SMTP("127.0.0.1", receiver, timeout=10) as smtp:
        refused = smtp.send_message(forwarded, recipient.email, [REPORT_ADDRESS])
        assert refused == {}
        smtp.mail(recipient.email)
        code, _ = smtp.rcpt("someone-else@so-thu-nghiem.gov.vn")
        assert code == 550
    reported = recipient.events.filter(kind=EventKind.REPORTED, channel="forward")
    assert _wait_for(reported.exists)
    assert _wait_for(lambda: len(smtp_server) == 1)
    assert smtp_server[0]["X-Envelope-To"] == recipient.email
    assert "Cảm ơn" in smtp_server[0]["Subject"]
    with smtplib.SMTP("127.0.0.1", receiver, timeout=10) as smtp:
        smtp.send_message(forwarded, recipient.email, [REPORT_ADDRESS])
    time.sleep(0.3)
    assert reported.count() == 1 and len(smtp_server) == 1
