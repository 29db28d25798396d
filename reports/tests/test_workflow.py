"""The verification workflow: four eyes, decisions, merge and split, closing."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from indicators.matcher import get_matcher
from indicators.models import Indicator, ListChange
from reports.models import AuditEvent, Case, CaseStatus, ProposalStatus, public_status
from reports.services import WorkflowError, assign_case
from reports.tests.factories import make_report
from reports.workflow import (
    confirm_listing,
    confirm_proposal,
    decide_indicators,
    merge_cases,
    propose_delisting,
    propose_listing,
    reject_proposal,
    split_case,
)

pytestmark = pytest.mark.django_db


def propose(case, verifier, **extra):
    args: dict[str, Any] = {
        "category": "phishing",
        "risk": "high",
        "public_reason": "Trang giả mạo Vietcombank để lấy mật khẩu.",
    }
    args.update(extra)
    return propose_listing(case=case, verifier=verifier, **args)


def test_one_verifier_cannot_both_propose_and_confirm(world):
    report = make_report(world.unit("D1-C1"), "http://vcb-gia.com/login")
    case = report.cases.get()
    verifier = world.person("verifier_d1")
    proposal = propose(case, verifier)
    with pytest.raises(WorkflowError, match="bốn mắt"):
        confirm_listing(case=case, verifier=verifier)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING
    assert Indicator.objects.get().status == "under_review"
    assert not ListChange.objects.exists()


def test_a_second_verifier_confirms_and_the_list_version_moves(world):
    report = make_report(world.unit("D1-C1"), "http://vcb-gia.com/login")
    case = report.cases.get()
    expires = timezone.now() + timedelta(days=90)
    propose(case, world.person("verifier_d1"), expires_at=expires)
    versions_before = ListChange.objects.count()
    confirm_listing(case=case, verifier=world.person("verifier_province"))
    indicator = Indicator.objects.get()
    assert indicator.status == "listed" and indicator.category == "phishing"
    assert indicator.risk == "high" and indicator.public_reason.startswith("Trang giả mạo")
    assert indicator.expires_at == expires
    assert ListChange.objects.count() == versions_before + 1
    assert get_matcher(refresh=True).check("url", "http://vcb-gia.com/login").listed
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED  # every indicator has a conclusion
    assert public_status(report) == "listed"
    actions = list(AuditEvent.objects.filter(case=case).values_list("action", flat=True))
    assert {"proposed", "confirmed", "review_started", "case_closed"} <= set(actions)
    confirmed = AuditEvent.objects.get(action="confirmed")
    assert confirmed.actor == world.person("verifier_province")
    assert confirmed.before["status"] == "under_review" and confirmed.after["status"] == "listed"


def test_verifier_outside_the_case_unit_cannot_confirm(world):
    case = make_report(world.unit("D1-C1"), "0912345678").cases.get()
    propose(case, world.person("verifier_d1"))
    with pytest.raises(PermissionDenied):
        confirm_listing(case=case, verifier=world.person("verifier_d2"))
    with pytest.raises(PermissionDenied):
        propose(case, world.person("manager_d1"))


def test_rejected_proposal_changes_nothing(world):
    case = make_report(world.unit("D1"), "0912345678").cases.get()
    proposal = propose(case, world.person("verifier_d1"))
    with pytest.raises(WorkflowError):
        reject_proposal(proposal=proposal, verifier=world.person("verifier_province"), reason="")
    reject_proposal(
        proposal=proposal, verifier=world.person("verifier_province"), reason="Chưa đủ căn cứ."
    )
    with pytest.raises(WorkflowError, match="đã được xử lý"):
        confirm_proposal(proposal=proposal, verifier=world.person("verifier_province"))
    assert Indicator.objects.get().status == "under_review"


def test_listing_needs_a_public_reason_and_a_future_expiry(world):
    case = make_report(world.unit("D1"), "0912345678").cases.get()
    with pytest.raises(WorkflowError, match="lý do công bố"):
        propose(case, world.person("verifier_d1"), public_reason="  ")
    with pytest.raises(WorkflowError, match="tương lai"):
        propose(case, world.person("verifier_d1"), expires_at=timezone.now() - timedelta(days=1))


def test_one_verifier_may_clear_an_unlisted_indicator(world):
    report = make_report(world.unit("D2-C1"), "0912345678", "0977123456")
    case = report.cases.get()
    phone = Indicator.objects.get(value="+84912345678")
    decide_indicators(
        case=case,
        verifier=world.person("verifier_d2"),
        status="insufficient_evidence",
        reason="Không liên lạc được.",
        indicators=[phone],
    )
    phone.refresh_from_db()
    assert phone.status == "insufficient_evidence"
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN  # the other number is still open
    decide_indicators(
        case=case,
        verifier=world.person("verifier_d2"),
        status="cleared",
        reason="Số của shop thật.",
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert public_status(report) == "insufficient_evidence"
    assert not ListChange.objects.exists()


def test_listed_indicator_cannot_be_cleared_by_one_verifier(world):
    case = make_report(world.unit("D1"), "0912345678").cases.get()
    propose(case, world.person("verifier_d1"))
    confirm_listing(case=case, verifier=world.person("verifier_province"))
    listed = Indicator.objects.get()
    case.status = CaseStatus.OPEN
    case.save()
    with pytest.raises(WorkflowError, match="xác nhận"):
        decide_indicators(
            case=case,
            verifier=world.person("verifier_d1"),
            status="cleared",
            reason="x",
            indicators=[listed],
        )
    proposal = propose_delisting(
        case=case, verifier=world.person("verifier_d1"), public_reason="Đã thu hồi số."
    )
    with pytest.raises(WorkflowError):
        confirm_proposal(proposal=proposal, verifier=world.person("verifier_d1"))
    confirm_proposal(proposal=proposal, verifier=world.person("verifier_province"))
    listed.refresh_from_db()
    assert listed.status == "cleared"
    assert list(ListChange.objects.values_list("action", flat=True)) == ["added", "removed"]


def test_assignment_only_to_verifiers_of_the_case_unit(world):
    case = make_report(world.unit("D1-C2"), "0912345678").cases.get()
    with pytest.raises(WorkflowError):
        assign_case(
            case=case, verifier=world.person("verifier_d1"), assignee=world.person("verifier_d2")
        )
    assign_case(
        case=case, verifier=world.person("verifier_d1"), assignee=world.person("verifier_d1")
    )
    case.refresh_from_db()
    assert case.assigned_to == world.person("verifier_d1")
    assert Indicator.objects.get().status == "under_review"
    event = AuditEvent.objects.get(action="assigned")
    assert event.after == {"assigned_to": "verifier_d1"}


def test_merge_moves_reports_and_indicators(world):
    a = make_report(world.unit("D1-C1"), "0912345678", money=100).cases.get()
    b_report = make_report(world.unit("D1-C2"), "VCB 0071000986547", money=50)
    b = b_report.cases.get()
    with pytest.raises(WorkflowError):
        merge_cases(target=a, source=a, verifier=world.person("verifier_d1"), reason="x")
    merge_cases(target=a, source=b, verifier=world.person("verifier_d1"), reason="Cùng một nhóm.")
    a.refresh_from_db()
    b.refresh_from_db()
    assert b.status == CaseStatus.MERGED and b.merged_into == a
    assert a.report_count == 2 and a.money_lost == 150 and a.indicators.count() == 2
    assert list(b_report.cases.all()) == [a]
    # A new report about the merged case's number joins the surviving case.
    later = make_report(world.unit("D1"), "Vietcombank 0071000986547")
    assert list(later.cases.all()) == [a]
    assert AuditEvent.objects.filter(action="merged").count() == 2


def test_split_moves_an_indicator_with_its_reports(world):
    both = make_report(world.unit("D1"), "0912345678", "http://lua.com/a")
    only_url = make_report(world.unit("D1"), "http://lua.com/a", money=10)
    case = both.cases.get()
    url = Indicator.objects.get(value="http://lua.com/a")
    new = split_case(
        case=case,
        verifier=world.person("verifier_d1"),
        reason="Hai vụ khác nhau.",
        indicators=[url],
    )
    case.refresh_from_db()
    assert list(new.indicators.all()) == [url]
    assert set(new.reports.all()) == {both, only_url}
    # The first report still names the phone that stays; the second leaves the old case.
    assert list(case.reports.all()) == [both]
    assert new.money_lost == 10 and case.money_lost == 0
    with pytest.raises(WorkflowError, match="toàn bộ"):
        split_case(case=new, verifier=world.person("verifier_d1"), reason="x", indicators=[url])


def test_split_a_wrongly_grouped_report(world):
    a = make_report(world.unit("D1"), description="vụ một")
    case = a.cases.get()
    b = make_report(world.unit("D1"), description="vụ hai")
    case.reports.add(b)
    new = split_case(case=case, verifier=world.person("verifier_d1"), reason="Nhầm.", reports=[b])
    assert list(new.reports.all()) == [b] and list(case.reports.all()) == [a]


def test_new_report_reopens_a_cleared_case(world):
    report = make_report(world.unit("D1"), "0912345678")
    case = report.cases.get()
    decide_indicators(case=case, verifier=world.person("verifier_d1"), status="cleared", reason="x")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    make_report(world.unit("D1"), "0912345678")
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert AuditEvent.objects.filter(case=case, action="case_reopened", actor=None).exists()
    assert Case.objects.count() == 1
