"""The verification workflow as the audit log and the queue show it (issue 15, point 7): what
merging and splitting move and record, which messages a confirmed case teaches the detector,
delisting from a case or an appeal, single-verifier decisions and appeal deadlines. Found by
the mutation run of bench/mutation.py (merge_cases, split_case, _teach_detector survived it)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from detection.models import LabelledMessage
from indicators.models import Indicator
from indicators.services import list_indicator
from reports.models import (
    Appeal,
    AppealStatus,
    AuditAction,
    AuditEvent,
    Case,
    CaseNote,
    CaseStatus,
    ListingProposal,
    ProposalStatus,
)
from reports.services import WorkflowError
from reports.tests.factories import make_report
from reports.workflow import (
    confirm_listing,
    confirm_proposal,
    decide_indicators,
    file_appeal,
    merge_cases,
    propose_delisting,
    propose_listing,
    reject_appeal,
    reject_proposal,
    split_case,
)

pytestmark = pytest.mark.django_db

REASON = "Trang giả mạo Vietcombank để lấy mật khẩu."


def propose(case, verifier, **extra):
    return propose_listing(
        case=case, verifier=verifier, category="phishing", risk="high", public_reason=REASON,
        **extra,
    )  # fmt: skip


def listed_case(world, value="0912345678"):
    case = make_report(world.unit("D1-C1"), value).cases.get()
    propose(case, world.person("verifier_d1"))
    confirm_listing(case=case, verifier=world.person("verifier_province"))
    case.refresh_from_db()
    return case


# --- merge -----------------------------------------------------------------------------------


def test_a_merge_moves_everything_and_records_it_on_both_cases(world):
    verifier = world.person("verifier_d1")
    # Listed without a case: indicator ids run ahead of the case links' own ids.
    list_indicator(kind="domain", value="khong-thuoc-ho-so.vn", category="scam")
    a_report = make_report(world.unit("D1-C1"), "0912345678", money=100)
    a = a_report.cases.get()
    b_report = make_report(world.unit("D1-C2"), "http://lua.com/a", money=50)
    b = b_report.cases.get()
    b_ind = b.indicators.get()
    CaseNote.objects.create(case=b, author=verifier, text="Ghi chú của hồ sơ B.")
    pending = propose(b, verifier)
    before = timezone.now()
    got = merge_cases(target=a, source=b, verifier=verifier, reason="  Cùng một nhóm.  ")
    assert got == a
    a.refresh_from_db()
    b.refresh_from_db()
    assert (b.status, b.merged_into, b.report_count, b.money_lost) == (
        CaseStatus.MERGED, a, 0, 0,
    )  # fmt: skip
    assert b.closed_at is not None and b.closed_at >= before
    assert (a.status, a.report_count, a.money_lost) == (CaseStatus.OPEN, 2, 150)
    assert set(a.indicators.all()) == {a_report.indicators.get(), b_ind}
    assert not b.indicators.exists() and not b.reports.exists()
    assert list(CaseNote.objects.values_list("case", flat=True)) == [a.pk]
    pending.refresh_from_db()
    assert pending.case == a and pending.status == ProposalStatus.PENDING
    events = AuditEvent.objects.filter(action=AuditAction.MERGED).order_by("pk")
    assert [e.case for e in events] == [a, b]
    for event in events:
        assert (event.actor, event.reason) == (verifier, "Cùng một nhóm.")
        assert event.after == {
            "target": a.pk, "source": b.pk, "indicators": [b_ind.pk], "reports": [b_report.pk],
        }  # fmt: skip
    assert not AuditEvent.objects.filter(action=AuditAction.CASE_CLOSED, case=b).exists()


def test_merging_into_a_closed_case_reopens_it_with_the_reason(world):
    verifier = world.person("verifier_d1")
    closed = make_report(world.unit("D1"), "0912345678").cases.get()
    decide_indicators(case=closed, verifier=verifier, status="cleared", reason="Không phải.")
    closed.refresh_from_db()
    assert (closed.status, closed.report_count) == (CaseStatus.CLOSED, 1)
    source = make_report(world.unit("D1"), "0987654321", money=7).cases.get()
    merge_cases(target=closed, source=source, verifier=verifier, reason="Cùng nhóm.")
    closed.refresh_from_db()
    assert (closed.status, closed.closed_at, closed.report_count, closed.money_lost) == (
        CaseStatus.OPEN, None, 2, 7,
    )  # fmt: skip
    reopened = AuditEvent.objects.get(action=AuditAction.CASE_REOPENED, case=closed)
    assert (reopened.actor, reopened.reason) == (verifier, "Cùng nhóm.")
    assert (reopened.before, reopened.after) == ({"status": "closed"}, {"status": "open"})


def test_a_merge_needs_a_reason_open_cases_and_a_verifier_of_both_units(world):
    a = make_report(world.unit("D1-C1"), "0912345678").cases.get()
    b = make_report(world.unit("D2-C1"), "0987654321").cases.get()
    with pytest.raises(PermissionDenied):
        merge_cases(target=a, source=b, verifier=world.person("verifier_d1"), reason="x")
    with pytest.raises(PermissionDenied):
        merge_cases(target=b, source=a, verifier=world.person("verifier_d1"), reason="x")
    with pytest.raises(WorkflowError):
        merge_cases(target=a, source=b, verifier=world.person("verifier_province"), reason="  ")
    merged = make_report(world.unit("D1"), "0911111111").cases.get()
    merge_cases(target=a, source=merged, verifier=world.person("verifier_d1"), reason="Gộp.")
    with pytest.raises(WorkflowError):
        merge_cases(target=merged, source=b, verifier=world.person("verifier_province"), reason="x")
    with pytest.raises(WorkflowError):
        merge_cases(target=b, source=merged, verifier=world.person("verifier_province"), reason="x")
    assert AuditEvent.objects.filter(action=AuditAction.MERGED).count() == 2


# --- split -----------------------------------------------------------------------------------


def test_a_split_records_what_moved_on_both_cases(world):
    verifier = world.person("verifier_d1")
    both = make_report(world.unit("D1"), "0912345678", "http://lua.com/a", money=5)
    only_url = make_report(world.unit("D1"), "http://lua.com/a", money=10)
    case = both.cases.get()
    url = Indicator.objects.get(value="http://lua.com/a")
    new = split_case(case=case, verifier=verifier, reason=" Hai vụ. ", indicators=[url.pk])
    assert new.unit == case.unit and new.status == CaseStatus.OPEN
    new.refresh_from_db()
    case.refresh_from_db()
    assert (new.report_count, new.money_lost) == (2, 15)
    assert (case.report_count, case.money_lost) == (1, 5)
    events = AuditEvent.objects.filter(action=AuditAction.SPLIT).order_by("pk")
    assert [e.case for e in events] == [case, new]
    expected = {
        "source": case.pk, "new_case": new.pk, "indicators": [url.pk],
        "reports": sorted([both.pk, only_url.pk]),
    }  # fmt: skip
    for event in events:
        assert (event.after, event.reason, event.actor) == (expected, "Hai vụ.", verifier)


def test_a_chosen_report_stays_while_it_names_an_indicator_that_stays(world):
    verifier = world.person("verifier_d1")
    a = make_report(world.unit("D1"), "0912345678")
    case = a.cases.get()
    b = make_report(world.unit("D1"), "0912345678", "http://lua.com/b")
    assert b.cases.get() == case
    url = Indicator.objects.get(value="http://lua.com/b")
    # The report names the phone that stays: it is in both cases.
    new = split_case(case=case, verifier=verifier, reason="Tách.", reports=[b])
    assert set(new.reports.all()) == {b} and set(case.reports.all()) == {a, b}
    assert set(new.indicators.all()) == set() and url in case.indicators.all()
    # With the URL it names moved too, it still names the phone that stays: in both again.
    other = split_case(case=case, verifier=verifier, reason="Tách.", indicators=[url], reports=[b])
    assert set(other.reports.all()) == {b} and set(case.reports.all()) == {a, b}
    assert list(other.indicators.all()) == [url] and url not in case.indicators.all()


def test_a_split_is_refused_without_a_choice_a_reason_or_with_anothers_parts(world):
    verifier = world.person("verifier_d1")
    case = make_report(world.unit("D1"), "0912345678", "http://lua.com/a").cases.get()
    other = make_report(world.unit("D1"), "0987654321").cases.get()
    phone = Indicator.objects.get(value="+84912345678")
    foreign = other.indicators.get()
    foreign_report = other.reports.get()
    with pytest.raises(WorkflowError, match="Hãy chọn"):
        split_case(case=case, verifier=verifier, reason="x")
    with pytest.raises(WorkflowError, match="chính hồ sơ"):
        split_case(case=case, verifier=verifier, reason="x", indicators=[foreign])
    with pytest.raises(WorkflowError, match="chính hồ sơ"):
        split_case(case=case, verifier=verifier, reason="x", reports=[foreign_report.pk])
    with pytest.raises(WorkflowError):
        split_case(case=case, verifier=verifier, reason=" ", indicators=[phone])
    with pytest.raises(PermissionDenied):
        split_case(case=case, verifier=world.person("verifier_d2"), reason="x", indicators=[phone])
    propose(case, verifier, indicators=[phone])
    with pytest.raises(WorkflowError, match="đề xuất đang chờ"):
        split_case(case=case, verifier=verifier, reason="x", indicators=[phone])
    url = Indicator.objects.get(value="http://lua.com/a")
    new = split_case(case=case, verifier=verifier, reason="x", indicators=[url])
    assert list(new.indicators.all()) == [url]
    assert Case.objects.count() == 3


def test_a_proposal_turned_down_does_not_hold_a_split_back(world):
    verifier = world.person("verifier_d1")
    case = make_report(world.unit("D1"), "0912345678", "http://lua.com/a").cases.get()
    phone = Indicator.objects.get(value="+84912345678")
    turned_down = propose(case, verifier, indicators=[phone])
    reject_proposal(proposal=turned_down, verifier=verifier, reason="Chưa đủ.")
    new = split_case(case=case, verifier=verifier, reason="Tách.", indicators=[phone])
    assert list(new.indicators.all()) == [phone]


def test_the_whole_of_a_case_cannot_be_split_off(world):
    verifier = world.person("verifier_d1")
    a = make_report(world.unit("D1"), "0912345678")
    case = a.cases.get()
    phone = case.indicators.get()
    with pytest.raises(WorkflowError, match="toàn bộ"):
        split_case(case=case, verifier=verifier, reason="x", indicators=[phone])
    with pytest.raises(WorkflowError, match="toàn bộ"):
        split_case(case=case, verifier=verifier, reason="x", indicators=[phone], reports=[a])
    assert Case.objects.count() == 1
    # A report without indicators may go if the indicator stays.
    b = make_report(world.unit("D1"), description="vụ khác")
    case.reports.add(b)
    new = split_case(case=case, verifier=verifier, reason="x", reports=[b])
    assert list(new.reports.all()) == [b] and list(case.reports.all()) == [a]


# --- the detector learns from confirmed cases --------------------------------------------------


def test_a_confirmed_case_teaches_the_detector_each_message_once(world):
    text = "Vietcombank: tai khoan cua quy khach bi khoa, xac thuc tai http://vcb-gia.com/login"
    first = make_report(world.unit("D1-C1"), "http://vcb-gia.com/login")
    first.message_text = text
    first.save(update_fields=["message_text"])
    make_report(world.unit("D1-C1"), "http://vcb-gia.com/login")  # no message: nothing to learn
    case = first.cases.get()
    assert case.reports.count() == 2
    propose(case, world.person("verifier_d1"))
    confirm_listing(case=case, verifier=world.person("verifier_province"))
    [example] = LabelledMessage.objects.all()
    assert (example.content, example.label, example.source, example.scam_type) == (
        text, 1, f"report:{first.pk}", first.scam_type,
    )  # fmt: skip
    assert example.labelled_by == world.person("verifier_province")
    # A second listing of the same case teaches nothing new.
    new = make_report(world.unit("D1-C1"), "http://vcb-gia.com/login", "0912345678")
    assert new.cases.get() == case
    propose(case, world.person("verifier_d1"))
    confirm_listing(case=case, verifier=world.person("verifier_province"))
    assert LabelledMessage.objects.count() == 1


def test_a_long_message_is_learnt_cut_at_5000_characters(world):
    report = make_report(world.unit("D1-C1"), "http://vcb-gia.com/login")
    report.message_text = "a" * 4999 + "bc" + "d" * 100
    report.save(update_fields=["message_text"])
    case = report.cases.get()
    propose(case, world.person("verifier_d1"))
    confirm_listing(case=case, verifier=world.person("verifier_province"))
    assert LabelledMessage.objects.get().content == "a" * 4999 + "b"


def test_a_delisting_teaches_the_detector_nothing(world):
    case = listed_case(world)
    LabelledMessage.objects.all().delete()
    report = case.reports.get()
    report.message_text = "Tin nhắn lừa đảo"
    report.save(update_fields=["message_text"])
    proposal = propose_delisting(
        case=case, verifier=world.person("verifier_d1"), public_reason="Số đã được trả lại."
    )
    confirm_proposal(proposal=proposal, verifier=world.person("verifier_province"))
    assert not LabelledMessage.objects.exists()


# --- delisting and decisions -----------------------------------------------------------------


def test_delisting_from_a_case_records_the_proposal_and_the_change(world):
    case = listed_case(world)
    indicator = case.indicators.get()
    proposer, confirmer = world.person("verifier_d1"), world.person("verifier_province")
    proposal = propose_delisting(case=case, verifier=proposer, public_reason=" Số đã đổi chủ. ")
    assert (proposal.action, proposal.case, proposal.appeal, proposal.public_reason) == (
        "delist", case, None, "Số đã đổi chủ.",
    )  # fmt: skip
    assert list(proposal.indicators.all()) == [indicator]
    proposed = AuditEvent.objects.filter(action=AuditAction.PROPOSED).latest("pk")
    assert (proposed.actor, proposed.case, proposed.reason) == (proposer, case, "Số đã đổi chủ.")
    assert proposed.after == {
        "proposal": proposal.pk,
        "action": "delist",
        "indicators": [indicator.pk],
    }
    confirm_proposal(proposal=proposal, verifier=confirmer)
    indicator.refresh_from_db()
    assert indicator.status == "cleared"
    confirmed = AuditEvent.objects.filter(action=AuditAction.CONFIRMED).latest("pk")
    assert (confirmed.actor, confirmed.indicator, confirmed.case) == (confirmer, indicator, case)
    assert confirmed.before["status"] == "listed"
    assert confirmed.after["status"] == "cleared" and confirmed.after["proposal"] == proposal.pk
    assert "level" not in confirmed.after
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_delisting_takes_only_the_chosen_listed_indicators(world):
    case = make_report(world.unit("D1-C1"), "0912345678", "http://lua.com/a").cases.get()
    propose(case, world.person("verifier_d1"))
    confirm_listing(case=case, verifier=world.person("verifier_province"))
    phone = Indicator.objects.get(value="+84912345678")
    proposal = propose_delisting(
        case=case,
        verifier=world.person("verifier_d1"),
        public_reason="Đổi chủ.",
        indicators=[phone],
    )
    assert list(proposal.indicators.all()) == [phone]
    everything = propose_delisting(
        case=case, verifier=world.person("verifier_d1"), public_reason="Gỡ hết."
    )
    assert everything.indicators.filter(status="listed").count() == everything.indicators.count()
    assert everything.indicators.count() >= 2


def test_delisting_needs_a_listed_indicator_and_a_case_or_an_appeal(world):
    verifier = world.person("verifier_d1")
    case = make_report(world.unit("D1-C1"), "0912345678").cases.get()
    with pytest.raises(WorkflowError, match="đang nằm trong danh sách"):
        propose_delisting(case=case, verifier=verifier, public_reason="x")
    with pytest.raises(WorkflowError, match="đang nằm trong danh sách"):
        propose_delisting(
            case=case, verifier=verifier, public_reason="x", indicators=list(case.indicators.all())
        )
    with pytest.raises(WorkflowError, match="hồ sơ hoặc một khiếu nại"):
        propose_delisting(verifier=verifier, public_reason="x")
    listed = listed_case(world, "0987654321")
    with pytest.raises(PermissionDenied):
        propose_delisting(case=listed, verifier=world.person("verifier_d2"), public_reason="x")
    with pytest.raises(WorkflowError, match="lý do công bố"):
        propose_delisting(case=listed, verifier=verifier, public_reason="  ")
    assert not ListingProposal.objects.filter(action="delist").exists()


def test_a_decision_records_each_indicator_and_closes_the_case(world):
    verifier = world.person("verifier_d1")
    case = make_report(world.unit("D1"), "0912345678", "http://lua.com/a").cases.get()
    done = decide_indicators(
        case=case, verifier=verifier, status="insufficient_evidence", reason=" Chưa đủ. "
    )
    assert sorted(i.status for i in done) == ["insufficient_evidence"] * 2
    events = AuditEvent.objects.filter(action=AuditAction.DECIDED).order_by("pk")
    assert len(events) == 2
    for event, indicator in zip(events, done, strict=True):
        assert (event.actor, event.case, event.indicator, event.reason) == (
            verifier, case, indicator, "Chưa đủ.",
        )  # fmt: skip
        assert event.before["status"] == "new"
        assert event.after["status"] == "insufficient_evidence"
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    closed = AuditEvent.objects.get(action=AuditAction.CASE_CLOSED, case=case)
    assert (closed.actor, closed.reason) == (verifier, "Mọi dấu hiệu đã có kết luận.")
    with pytest.raises(WorkflowError):
        decide_indicators(case=case, verifier=verifier, status="cleared", reason="x")


def test_a_listed_indicator_is_not_decided_by_one_verifier(world):
    case = listed_case(world)
    with pytest.raises(WorkflowError) as refused:
        decide_indicators(
            case=case, verifier=world.person("verifier_d1"), status="cleared", reason="x",
            indicators=list(case.indicators.all()),
        )  # fmt: skip
    assert str(refused.value) == (
        "Dấu hiệu đang nằm trong danh sách: gỡ xuống cần đề xuất và một xác minh viên khác "
        "xác nhận."
    )


def test_a_decision_needs_a_known_conclusion_and_something_left_to_decide(world):
    verifier = world.person("verifier_d1")
    case = make_report(world.unit("D1"), "0912345678", "http://lua.com/a").cases.get()
    phone = Indicator.objects.get(value="+84912345678")
    with pytest.raises(WorkflowError, match="Kết luận phải là"):
        decide_indicators(case=case, verifier=verifier, status="listed", reason="x")
    with pytest.raises(WorkflowError):
        decide_indicators(case=case, verifier=verifier, status="cleared", reason=" ")
    decide_indicators(
        case=case, verifier=verifier, status="cleared", reason="x", indicators=[phone]
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN  # the URL has no conclusion yet
    [rest] = decide_indicators(case=case, verifier=verifier, status="cleared", reason="x")
    assert rest.value == "http://lua.com/a"


# --- appeals ---------------------------------------------------------------------------------


def appeal_for(value):
    return file_appeal(
        kind="phone", value=value, owner_name="Chủ số", owner_contact="chu@so.vn",
        explanation="Số của tôi, tôi không lừa ai.", files=[],
    )  # fmt: skip


def test_an_appeal_goes_to_the_listing_cases_unit_with_its_deadline(world, settings):
    case = listed_case(world)
    before = timezone.now()
    appeal = appeal_for("0912 345 678")
    assert (appeal.unit, appeal.indicator, appeal.status) == (
        case.unit, case.indicators.get(), AppealStatus.RECEIVED,
    )  # fmt: skip
    assert appeal.value == "0912 345 678" and appeal.kind == "phone"
    assert (appeal.owner_name, appeal.owner_contact, appeal.explanation) == (
        "Chủ số", "chu@so.vn", "Số của tôi, tôi không lừa ai.",
    )  # fmt: skip
    from reports.services import appeal_days

    days = appeal_days()
    assert before + timedelta(days=days) <= appeal.deadline <= timezone.now() + timedelta(days=days)
    with pytest.raises(WorkflowError, match="không cần khiếu nại"):
        appeal_for("0987 654 321")


def test_an_upheld_appeal_records_its_decision(world):
    listed_case(world)
    appeal = appeal_for("0912345678")
    proposer, confirmer = world.person("verifier_d1"), world.person("verifier_province")
    proposal = propose_delisting(verifier=proposer, public_reason="Đúng chủ số.", appeal=appeal)
    assert (proposal.appeal, proposal.case) == (appeal, appeal.indicator.case_link.case)
    proposed = AuditEvent.objects.filter(action=AuditAction.PROPOSED).latest("pk")
    assert (proposed.appeal, proposed.case) == (appeal, proposal.case)
    with pytest.raises(WorkflowError, match="bốn mắt"):
        confirm_proposal(proposal=proposal, verifier=proposer)
    confirm_proposal(proposal=proposal, verifier=confirmer)
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decided_by, appeal.decision_reason) == (
        AppealStatus.DELISTED, confirmer, "Đúng chủ số.",
    )  # fmt: skip
    assert appeal.decided_at is not None
    event = AuditEvent.objects.get(action=AuditAction.APPEAL_UPHELD)
    assert (event.actor, event.appeal, event.indicator, event.reason) == (
        confirmer, appeal, appeal.indicator, "Đúng chủ số.",
    )  # fmt: skip
    assert (event.before, event.after) == ({"status": "received"}, {"status": "delisted"})
    with pytest.raises(WorkflowError, match="đã có kết quả"):
        propose_delisting(verifier=proposer, public_reason="Lại.", appeal=appeal)
    with pytest.raises(WorkflowError, match="đã có kết quả"):
        reject_appeal(appeal=appeal, verifier=proposer, reason="Lại.")


def test_a_rejected_appeal_keeps_the_listing_and_says_why(world):
    case = listed_case(world)
    appeal = appeal_for("0912345678")
    verifier = world.person("verifier_d1")
    with pytest.raises(PermissionDenied):
        reject_appeal(appeal=appeal, verifier=world.person("verifier_d2"), reason="x")
    with pytest.raises(WorkflowError, match="lý do công bố"):
        reject_appeal(appeal=appeal, verifier=verifier, reason=" ")
    pending = propose_delisting(verifier=verifier, public_reason="Có thể đúng.", appeal=appeal)
    reject_appeal(appeal=appeal, verifier=verifier, reason=" Có bằng chứng lừa đảo. ")
    appeal.refresh_from_db()
    pending.refresh_from_db()
    assert (appeal.status, appeal.decided_by, appeal.decision_reason) == (
        AppealStatus.REJECTED, verifier, "Có bằng chứng lừa đảo.",
    )  # fmt: skip
    assert pending.status == ProposalStatus.REJECTED
    event = AuditEvent.objects.get(action=AuditAction.APPEAL_REJECTED)
    assert (event.before, event.after, event.appeal) == (
        {"status": "received"}, {"status": "rejected"}, appeal,
    )  # fmt: skip
    assert case.indicators.get().status == "listed"
    assert Appeal.objects.get().status == "rejected"
