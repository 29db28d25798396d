"""followup.check_outcomes(): one message with the outcome of a chat report, within the window."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from indicators.models import Indicator, Status
from indicators.services import list_indicator
from reports.models import Case, CaseStatus, Report
from reports.services import file_report
from tipline.followup import check_outcomes
from tipline.models import Conversation, OutboundKind, OutboundMessage, OutboundStatus, TipReport
from tipline.tests.chat_world import (  # noqa: F401 (fixtures)
    Chat,
    chat_fixture,
    long_ago,
    matcher_fixture,
    media_fixture,
    new_chat,
)

pytestmark = pytest.mark.django_db

LISTED_WORDS = "đã được xác minh và đưa vào danh sách cảnh báo"


def _asked_staff(chat: Chat, value: str) -> Report:
    """A chat report of one value ("Hỏi cán bộ"), filed into cases as the worker would."""
    chat.say(value)
    chat.say("#hoi_can_bo")
    report = Report.objects.get(tip__conversation=chat.conversation, message_text=value)
    file_report(report_id=report.pk)
    return report


def _follow_ups(conversation: Conversation | None = None) -> list[OutboundMessage]:
    found = OutboundMessage.objects.filter(kind=OutboundKind.FOLLOW_UP).order_by("pk")
    return list(found.filter(conversation=conversation) if conversation else found)


def test_a_listed_report_gets_one_queued_follow_up_with_its_code(chat: Chat) -> None:
    report = _asked_staff(chat, "lua-dao-mot.com")
    assert check_outcomes() == 0  # filed, not decided: nothing to tell
    list_indicator(kind="domain", value="lua-dao-mot.com", category="scam")
    assert check_outcomes() == 1
    (message,) = _follow_ups()
    assert message.status == OutboundStatus.QUEUED and message.event is None
    assert LISTED_WORDS in message.text and report.tracking_code in message.text
    tip = TipReport.objects.get(report=report)
    assert tip.told_status == "listed" and tip.told_at is not None
    # No follow-up twice.
    assert check_outcomes() == 0 and len(_follow_ups()) == 1


def test_outside_the_window_the_follow_up_waits_for_the_next_message(chat: Chat) -> None:
    _asked_staff(chat, "lua-dao-hai.com")
    list_indicator(kind="domain", value="lua-dao-hai.com")
    Conversation.objects.filter(pk=chat.conversation.pk).update(last_inbound_at=long_ago(49))
    assert check_outcomes() == 1
    assert [m.status for m in _follow_ups()] == [OutboundStatus.WAITING]


def test_the_window_is_judged_at_now_and_by_the_messages_already_sent(chat: Chat) -> None:
    _asked_staff(chat, "lua-dao-ba.com")
    list_indicator(kind="domain", value="lua-dao-ba.com")
    Conversation.objects.filter(pk=chat.conversation.pk).update(sent_since_inbound=8)
    assert check_outcomes() == 1
    assert _follow_ups()[0].status == OutboundStatus.WAITING
    other = new_chat(chat.world, external_id="zalo-user-2")
    _asked_staff(other, "lua-dao-bon.com")
    list_indicator(kind="domain", value="lua-dao-bon.com")
    assert check_outcomes(now=timezone.now() + timedelta(hours=47)) == 1
    assert _follow_ups(other.conversation)[0].status == OutboundStatus.QUEUED


def test_a_person_who_said_dung_gets_no_follow_up_until_tiep_tuc(chat: Chat) -> None:
    report = _asked_staff(chat, "lua-dao-nam.com")
    chat.say("dừng")
    list_indicator(kind="domain", value="lua-dao-nam.com")
    assert check_outcomes() == 0 and _follow_ups() == []
    assert TipReport.objects.get(report=report).told_status == ""
    chat.say("tiếp tục")
    assert check_outcomes() == 1
    assert _follow_ups()[0].status == OutboundStatus.QUEUED


def test_several_reports_each_get_their_own_outcome_once(chat: Chat) -> None:
    listed = _asked_staff(chat, "lua-dao-sau.com")
    cleared = _asked_staff(new_chat(chat.world, "zalo-user-3"), "trang-that-bay.com")
    thin = _asked_staff(new_chat(chat.world, "zalo-user-4"), "chua-ro-tam.com")
    closed = _asked_staff(new_chat(chat.world, "zalo-user-5"), "0987 000 111")
    waiting = _asked_staff(new_chat(chat.world, "zalo-user-6"), "chua-xet-chin.com")
    unfiled_chat = new_chat(chat.world, "zalo-user-7")
    unfiled_chat.say("lua-dao-muoi.com")
    unfiled_chat.say("#hoi_can_bo")
    list_indicator(kind="domain", value="lua-dao-sau.com")
    Indicator.objects.filter(value="trang-that-bay.com").update(status=Status.CLEARED)
    Indicator.objects.filter(value="chua-ro-tam.com").update(status=Status.INSUFFICIENT_EVIDENCE)
    Case.objects.filter(reports=closed).update(status=CaseStatus.CLOSED)
    assert check_outcomes() == 4
    by_code = {m.text.split(":")[0].rsplit(" ", 1)[1]: m.text for m in _follow_ups()}
    assert set(by_code) == {r.tracking_code for r in (listed, cleared, thin, closed)}
    assert LISTED_WORDS in by_code[listed.tracking_code]
    assert "chưa thấy dấu hiệu lừa đảo" in by_code[cleared.tracking_code]
    assert "chưa đủ bằng chứng" in by_code[thin.tracking_code]
    assert "đã được xử lý xong" in by_code[closed.tracking_code]
    assert TipReport.objects.get(report=waiting).told_status == ""
    assert check_outcomes() == 0 and len(_follow_ups()) == 4


def test_reports_still_waiting_for_verifiers_cost_one_query(
    chat: Chat, django_assert_max_num_queries: Any
) -> None:
    for n in range(6):
        _asked_staff(new_chat(chat.world, f"zalo-cho-{n}"), f"cho-xac-minh-{n}.com")
    # One indicator decided, the other still waiting: the report is not decided yet.
    half = _asked_staff(new_chat(chat.world, "zalo-nua"), _two_sites("nua-da-xet", "nua-cho"))
    assert sorted(half.indicators.values_list("value", flat=True)) == [
        "nua-cho.com",
        "nua-da-xet.com",
    ]
    Indicator.objects.filter(value="nua-da-xet.com").update(status=Status.CLEARED)
    with django_assert_max_num_queries(1):
        assert check_outcomes() == 0
    # One of them listed is an outcome at once, whatever the other's status.
    Indicator.objects.filter(value="nua-cho.com").update(status=Status.UNDER_REVIEW)
    list_indicator(kind="domain", value="nua-da-xet.com")
    assert check_outcomes() == 1
    (message,) = _follow_ups()
    assert LISTED_WORDS in message.text and half.tracking_code in message.text


def _two_sites(first: str, second: str) -> str:
    return f"Vao trang {first}.com hoac {second}.com de nhan qua tri an ngay hom nay nhe"
