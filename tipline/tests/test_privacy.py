"""The Zalo user id and what people wrote in a chat are personal data: only superusers see them
(in the admin), no staff page, public page or feed carries them, and they are blanked after the
reports' retention period unless a report made in the chat is still in an open case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from indicators.matcher import get_matcher, reset_matcher
from orgs.models import User
from orgs.testing import sign_in_verified
from reports.models import AuditEvent, Report, Source
from reports.tasks import file_report_task
from reports.workflow import decide_indicators
from tipline.conversation import Incoming, respond
from tipline.followup import check_outcomes
from tipline.models import (
    Conversation,
    InboundEvent,
    OutboundKind,
    OutboundMessage,
    OutboundStatus,
    TipReport,
)
from tipline.privacy import purge_personal_data
from tipline.tasks import purge_personal_data_task

from .chat_world import list_by_two_verifiers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_matcher():
    """The in-memory matcher outlives a test's rolled-back transaction: start afresh."""
    reset_matcher()
    yield
    reset_matcher()


ZALO_USER = "8472615390012345678"
SCAM_SMS = "Vietcombank: tai khoan cua quy khach bi khoa, xac minh tai http://vcb-xacminh-tk.com/dn"
WHAT_HAPPENED = "Tôi bấm vào đường link rồi nhập mã OTP, bà Trần Thị Riêng Tư ở tổ 7"
SECRETS = (ZALO_USER, WHAT_HAPPENED, "Trần Thị Riêng Tư", "tổ 7")


def chat_report(world, *, external_id: str = ZALO_USER):
    """A conversation that forwarded a scam SMS and made a report through respond(), as the
    worker plays it: the events keep what the person wrote, the report is source "zalo"."""
    conversation = Conversation.objects.create(
        channel="zalo", external_id=external_id, last_inbound_at=timezone.now()
    )
    for n, text in enumerate([SCAM_SMS, "#to_giac", WHAT_HAPPENED, "5 triệu", "Xã Một Một"]):
        event = InboundEvent.objects.create(
            conversation=conversation,
            channel="zalo",
            message_id=f"{external_id}-{n}",
            kind="text",
            text=text,
            status="done",
        )
        respond(conversation=conversation, incoming=Incoming(kind="text", text=text), event=event)
    tip = TipReport.objects.select_related("report").get(conversation=conversation)
    report = tip.report
    assert report.source == Source.ZALO and report.description == WHAT_HAPPENED
    file_report_task.call(report.pk)  # what the task worker runs
    OutboundMessage.objects.create(
        conversation=conversation,
        kind=OutboundKind.ANSWER,
        text=f"Đã nhận tố giác, mã theo dõi {report.tracking_code}",
        status=OutboundStatus.SENT,
    )
    conversation.refresh_from_db()
    return conversation, report


def age(conversation: Conversation, report: Report, days: int) -> None:
    long_ago = timezone.now() - timedelta(days=days)
    Conversation.objects.filter(pk=conversation.pk).update(
        created_at=long_ago, last_inbound_at=long_ago
    )
    Report.objects.filter(pk=report.pk).update(created_at=long_ago)


def assert_no_secrets(body: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in body, f"{secret!r} on {where}"


# --- retention --------------------------------------------------------------------------------


def test_purge_blanks_old_conversations_of_closed_cases_and_follow_ups_stop(world, settings):
    settings.REPORTS_RETENTION_DAYS = 30
    conversation, report = chat_report(world)
    decide_indicators(
        case=report.cases.get(), verifier=world.person("verifier_d1"), status="cleared", reason="x"
    )
    waiting = OutboundMessage.objects.create(
        conversation=conversation,
        kind=OutboundKind.FOLLOW_UP,
        text="Kết quả: đã xác minh",
        status=OutboundStatus.WAITING,
    )
    assert conversation.draft["last"]["text"]  # the analysed SMS, kept for "Tố giác"
    age(conversation, report, 31)

    result = purge_personal_data()

    conversation.refresh_from_db()
    waiting.refresh_from_db()
    assert (result.conversations, result.events) == (1, 5)
    assert conversation.external_id == "" and conversation.draft == {}
    assert conversation.purged_at is not None
    assert set(conversation.events.values_list("text", "attachment_url")) == {("", "")}
    assert set(conversation.outbound.values_list("text", flat=True)) == {""}
    assert waiting.status == OutboundStatus.FAILED
    conversation.last_inbound_at = timezone.now()  # even if the person wrote again meanwhile
    assert not conversation.window_open()
    assert check_outcomes() == 0  # the cleared outcome is never told: nobody to tell
    assert AuditEvent.objects.filter(action="purged", actor=None).exists()
    assert purge_personal_data().conversations == 0  # nothing left
    # The same person writing again starts a new conversation (the unique id is free).
    Conversation.objects.create(channel="zalo", external_id=ZALO_USER)


def test_a_report_in_an_open_case_keeps_its_conversation(world, settings):
    settings.REPORTS_RETENTION_DAYS = 30
    conversation, report = chat_report(world)
    age(conversation, report, 31)
    assert purge_personal_data().conversations == 0
    conversation.refresh_from_db()
    assert conversation.external_id == ZALO_USER and conversation.purged_at is None
    assert WHAT_HAPPENED in conversation.events.values_list("text", flat=True)


def test_recent_activity_keeps_a_conversation_and_old_chats_without_reports_go(world, settings):
    settings.REPORTS_RETENTION_DAYS = 30
    recent = Conversation.objects.create(
        channel="zalo",
        external_id="111",
        created_at=timezone.now() - timedelta(days=90),
        last_inbound_at=timezone.now() - timedelta(days=29),
    )
    idle_old = Conversation.objects.create(
        channel="bridge:1", external_id="222", created_at=timezone.now() - timedelta(days=31)
    )
    InboundEvent.objects.create(
        conversation=idle_old, channel="bridge:1", message_id="m1", kind="text", text="xin chào"
    )
    assert purge_personal_data().conversations == 1
    recent.refresh_from_db()
    idle_old.refresh_from_db()
    assert recent.external_id == "111" and recent.purged_at is None
    assert idle_old.external_id == "" and not idle_old.events.get().text


def test_old_messages_of_an_active_conversation_go_and_recent_ones_stay(world, settings):
    """Retention runs per message: someone writing once a year does not keep every old one."""
    settings.REPORTS_RETENTION_DAYS = 30
    long_ago = timezone.now() - timedelta(days=40)
    active = Conversation.objects.create(
        channel="zalo", external_id="444", created_at=long_ago, last_inbound_at=timezone.now()
    )

    def event(conversation, message_id, *, at, **fields):
        return InboundEvent.objects.create(
            conversation=conversation,
            channel="zalo",
            message_id=message_id,
            received_at=at,
            **{"kind": "text", **fields},
        )

    def message(conversation, text, *, at, status=OutboundStatus.SENT):
        return OutboundMessage.objects.create(
            conversation=conversation,
            kind=OutboundKind.ANSWER,
            text=text,
            status=status,
            created_at=at,
        )

    old_event = event(active, "old", at=long_ago, text=WHAT_HAPPENED, status="done")
    old_image = event(
        active, "img", at=long_ago, kind="image", attachment_url="https://x.vn/a.jpg"
    )  # still pending: it is never answered now
    new_event = event(active, "new", at=timezone.now(), text="xin chào", status="done")
    old_answer = message(active, "Đã nhận tố giác", at=long_ago)
    old_waiting = message(active, "Kết quả", at=long_ago, status=OutboundStatus.WAITING)
    new_answer = message(active, "Chào bạn", at=timezone.now())
    # A conversation with a report in an open case keeps its old messages too.
    kept, report = chat_report(world, external_id="555")
    InboundEvent.objects.filter(conversation=kept).update(received_at=long_ago)
    OutboundMessage.objects.filter(conversation=kept).update(created_at=long_ago)

    result = purge_personal_data()

    assert (result.conversations, result.events, result.messages) == (0, 2, 2)
    for row in (old_event, old_image, new_event, old_answer, old_waiting, new_answer, active):
        row.refresh_from_db()
    assert active.external_id == "444" and active.purged_at is None
    assert (old_event.text, old_image.attachment_url) == ("", "")
    assert old_image.status == "failed"
    assert new_event.text == "xin chào"
    assert old_answer.text == "" and old_waiting.text == ""
    assert old_waiting.status == OutboundStatus.FAILED
    assert new_answer.text == "Chào bạn"
    assert WHAT_HAPPENED in kept.events.values_list("text", flat=True)
    assert "" not in kept.outbound.values_list("text", flat=True)
    assert AuditEvent.objects.filter(action="purged", actor=None).exists()
    assert purge_personal_data().events == 0  # nothing left


def test_a_case_reopened_after_the_listing_keeps_its_conversation(world, settings):
    """The check inside each batch's transaction is the listing's, open cases included."""
    from tipline import privacy

    settings.REPORTS_RETENTION_DAYS = 30
    conversation, report = chat_report(world)  # its case is open
    age(conversation, report, 31)
    now = timezone.now()
    result = privacy._purge_conversations([conversation.pk], now - timedelta(days=30), now)
    assert result.conversations == 0
    conversation.refresh_from_db()
    assert conversation.external_id == ZALO_USER and conversation.purged_at is None


def test_the_purge_task_runs_the_purge(world, settings, immediate_tasks):
    settings.REPORTS_RETENTION_DAYS = 30
    old = Conversation.objects.create(
        channel="zalo", external_id="333", created_at=timezone.now() - timedelta(days=40)
    )
    result = purge_personal_data_task.enqueue()
    assert result.return_value == {"conversations": 1, "events": 0, "messages": 0}
    old.refresh_from_db()
    assert old.external_id == ""


# --- who sees it ------------------------------------------------------------------------------


@pytest.fixture
def listed_chat_report(world):
    conversation, report = chat_report(world)
    list_by_two_verifiers(world, report)
    return conversation, report


def test_staff_pages_never_show_the_user_id_and_others_see_no_chat_text(
    client, world, listed_chat_report
):
    _conversation, report = listed_chat_report
    case = report.cases.get()
    url = reverse("reports:case", args=[case.pk])
    # The unit's own verifiers read the report (its description) but not the Zalo user id.
    sign_in_verified(client, world.person("verifier_d1"))
    page = client.get(url).content.decode()
    assert WHAT_HAPPENED in page and ZALO_USER not in page
    assert ZALO_USER not in client.get(reverse("reports:queue")).content.decode()
    # A verifier of another unit, staff without the permission, anonymous: nothing.
    for name, status in (("verifier_d2", 404), ("staff_d1_c1", 403), ("editor", 403)):
        client.logout()
        sign_in_verified(client, world.person(name))
        response = client.get(url)
        assert response.status_code == status, name
        assert_no_secrets(response.content.decode(), f"case page as {name}")
        queue = client.get(reverse("reports:queue"))
        assert_no_secrets(queue.content.decode(), f"queue as {name}")
    client.logout()
    response = client.get(url)
    assert response.status_code == 302
    assert_no_secrets(response.content.decode(), "case page as anonymous")


def test_public_pages_and_feeds_carry_no_chat_text_or_user_id(client, world, listed_chat_report):
    from dashboard.rollup import roll_up_recent
    from lookup import feeds
    from orgs.models import PartnerKey

    _conversation, report = listed_chat_report
    get_matcher(refresh=True)  # the index is re-read at most once a second
    roll_up_recent()
    feeds.reset()
    _key, raw = PartnerKey.issue(name="Nhà mạng", unit=world.unit("P"), rate_per_minute=1000)
    pages = {
        "check": client.get("/kiem-tra/", {"q": "http://vcb-xacminh-tk.com/dn"}),
        "tracking": client.get(reverse("reports:track-code", args=[report.tracking_code])),
        "dashboard": client.get("/thong-ke/"),
        "bulletins": client.get("/canh-bao/"),
        "bulletins rss": client.get("/canh-bao/rss/"),
        "bulletins atom": client.get("/canh-bao/atom/"),
    }
    for name in ("rpz.zone", "hosts.txt", "abp.txt", "dnsmasq.conf", "indicators.json"):
        pages[name] = client.get(f"/feeds/{name}", headers={"X-Api-Key": raw})
    bodies = {}
    for where, response in pages.items():
        assert response.status_code == 200, where
        data = b"".join(response.streaming_content) if response.streaming else response.content
        bodies[where] = data.decode()
        assert_no_secrets(bodies[where], where)
    # The listing did reach the feeds and the check page: the test looks where it should.
    assert "vcb-xacminh-tk.com" in bodies["indicators.json"]
    assert "Trang giả mạo Vietcombank" in bodies["check"]


def _admin_user(world, *, superuser: bool) -> User:
    user = world.person("admin")
    user.is_staff = True
    user.is_superuser = superuser
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


def test_only_superusers_see_conversations_in_the_admin(client, world, listed_chat_report):
    from django.contrib.auth.models import Permission

    conversation, _report = listed_chat_report
    changelist = reverse("admin:tipline_conversation_changelist")
    change = reverse("admin:tipline_conversation_change", args=[conversation.pk])
    staff = _admin_user(world, superuser=False)
    # Even holding Django's view permission, a staff member who is not a superuser gets nothing.
    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="tipline"))
    sign_in_verified(client, staff)
    for url in (changelist, change):
        response = client.get(url)
        assert response.status_code == 403, url
        assert_no_secrets(response.content.decode(), url)
    index = client.get(reverse("admin:index")).content.decode()
    assert "tipline" not in index
    _admin_user(world, superuser=True)
    page = client.get(changelist).content.decode()
    assert ZALO_USER in page
    detail = client.get(change).content.decode()
    assert WHAT_HAPPENED in detail


def test_the_admin_shows_only_the_newest_messages_of_a_long_chat(client, world, listed_chat_report):
    from tipline.admin import NEWEST

    conversation, _report = listed_chat_report
    start = timezone.now() + timedelta(minutes=1)  # after the chat's own messages
    InboundEvent.objects.bulk_create(
        InboundEvent(
            conversation=conversation,
            channel="zalo",
            message_id=f"long-{n}",
            kind="text",
            text=f"tin-số-{n:03d}",
            received_at=start + timedelta(seconds=n),
        )
        for n in range(NEWEST + 20)
    )
    sign_in_verified(client, _admin_user(world, superuser=True))
    page = client.get(reverse("admin:tipline_conversation_change", args=[conversation.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    shown = {n for n in range(NEWEST + 20) if f"tin-số-{n:03d}" in html}
    assert shown == set(range(20, NEWEST + 20))  # the newest NEWEST, none of the oldest


# --- logs -------------------------------------------------------------------------------------


def test_webhook_and_worker_logs_carry_no_user_id_or_text(
    client, world, caplog, settings, tmp_path
):
    """Refused, accepted and answered events leave log lines (INFO and up) without the id."""
    import json as _json

    from tipline import worker
    from tipline.testing.fake_zalo_chat import FakeZaloChat, zalo_event

    from .conftest import BRIDGE_URL, ZALO_URL, post_zalo, save_chat_account

    settings.MEDIA_ROOT = tmp_path / "media"
    with FakeZaloChat() as fake:
        assert isinstance(fake, FakeZaloChat)
        settings.ZALO_API_BASE = settings.ZALO_OAUTH_BASE = fake.base_url
        settings.TIPLINE_ATTACHMENT_HOSTS = [fake.base_url]
        save_chat_account(fake)
        caplog.set_level("INFO")
        good = zalo_event("text", ZALO_USER, "log-1", text=WHAT_HAPPENED)
        assert post_zalo(client, good).status_code == 200
        assert post_zalo(client, good).json()["status"] == "duplicate"
        forged = zalo_event("text", ZALO_USER, "log-2", text=WHAT_HAPPENED)
        assert post_zalo(client, forged, secret="SAI").status_code == 401
        raw = _json.dumps({**good, "sender": {}}).encode()
        assert post_zalo(client, good, body=raw).status_code in (400, 401)
        image = zalo_event(
            "image", ZALO_USER, "log-3", text=WHAT_HAPPENED, image_url="https://evil.example/a.jpg"
        )
        assert post_zalo(client, image).status_code == 200
        unsigned = client.post(
            BRIDGE_URL, data=_json.dumps({"user_id": ZALO_USER}), content_type="application/json"
        )
        assert unsigned.status_code == 401
        assert client.post(ZALO_URL, data=b"{", content_type="application/json").status_code == 401
        # Not following the OA (outside the window): the answer is refused and waits.
        worker.process_pending(max_seconds=20)
        fake.user_wrote(ZALO_USER)
        fake.fail_next("message/cs", -211)
        post_zalo(client, zalo_event("text", ZALO_USER, "log-4", text="xin chào"))
        worker.process_pending(max_seconds=20)
    records = [r for r in caplog.records if r.levelno >= 20]
    assert any("refused" in r.getMessage() for r in records)  # the refusals were logged
    for record in records:
        line = record.getMessage() + (record.exc_text or "")
        assert ZALO_USER not in line, line
        assert WHAT_HAPPENED not in line, line


def _tip(world, n: int) -> TipReport:
    conversation = Conversation.objects.create(channel="zalo", external_id=f"tip-{n}")
    report = Report.objects.create(
        tracking_code=f"TIP{n:04d}",
        channel="sms",
        scam_type="other",
        unit=world.unit("P"),
        source=Source.ZALO,
    )
    return TipReport.objects.create(conversation=conversation, report=report)


def test_the_tip_report_list_reads_its_reports_and_conversations_and_nothing_more(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sign_in_verified(client, _admin_user(world, superuser=True))
    changelist = reverse("admin:tipline_tipreport_changelist")
    _tip(world, 0)
    with CaptureQueriesContext(connection) as one:
        assert client.get(changelist).status_code == 200
    for n in range(1, 6):
        _tip(world, n)
    with CaptureQueriesContext(connection) as six:
        page = client.get(changelist).content.decode()
    assert "TIP0005" in page and "TIP0000" in page
    assert len(six) == len(one)  # one query for the rows, however many
    rows = [q["sql"] for q in six if q["sql"].startswith('SELECT "tipline_tipreport"."id"')]
    assert rows and all('"tipline_conversation"' in sql for sql in rows)
    assert not any('"orgs_unit"' in sql for sql in rows)  # Django's default joins every FK


def test_a_long_chat_shows_its_newest_messages_in_the_admin(client, world):
    conversation = Conversation.objects.create(channel="zalo", external_id="666")
    start = timezone.now() + timedelta(minutes=1)  # after the chat's own messages
    InboundEvent.objects.bulk_create(
        InboundEvent(
            conversation=conversation,
            channel="zalo",
            message_id=f"in-{n:03d}",
            kind="text",
            text=f"tin thứ {n:03d}",
            received_at=start + timedelta(seconds=n),
        )
        for n in range(60)
    )
    OutboundMessage.objects.bulk_create(
        OutboundMessage(
            conversation=conversation,
            kind=OutboundKind.ANSWER,
            text=f"trả lời {n:03d}",
            created_at=start + timedelta(seconds=n),
        )
        for n in range(60)
    )
    sign_in_verified(client, _admin_user(world, superuser=True))
    page = client.get(reverse("admin:tipline_conversation_change", args=[conversation.pk]))
    body = page.content.decode()
    assert "tin thứ 059" in body and "tin thứ 010" in body and "tin thứ 009" not in body
    assert "trả lời 059" in body and "trả lời 010" in body and "trả lời 009" not in body
    assert "<textarea" not in body and 'name="events-0-text"' not in body  # read-only
