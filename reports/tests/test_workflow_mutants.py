"""The verification workflow at its edges (issue 15, point 7): what a rejection records (who,
on which case, from which state to which, why) and what rejecting an appeal does to the
proposals it opened. Found by the mutation run of bench/mutation.py."""

import pytest

from reports.models import AuditAction, AuditEvent, ProposalStatus
from reports.services import WorkflowError
from reports.tests.factories import make_report
from reports.workflow import merge_cases, propose_listing, reject_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(world):
    case = make_report(world.unit("D1-C1"), "http://vcb-gia.com/login").cases.get()
    proposal = propose_listing(
        case=case,
        verifier=world.person("verifier_d1"),
        category="phishing",
        risk="high",
        public_reason="Trang giả mạo Vietcombank để lấy mật khẩu.",
    )
    return case, proposal


def test_a_rejection_records_who_decided_on_which_case_and_why(world, pending):
    case, proposal = pending
    verifier = world.person("verifier_province")
    rejected = reject_proposal(proposal=proposal, verifier=verifier, reason="  Chưa đủ căn cứ.  ")
    assert (rejected.status, rejected.decided_by) == (ProposalStatus.REJECTED, verifier)
    assert rejected.decided_at is not None
    event = AuditEvent.objects.get(action=AuditAction.PROPOSAL_REJECTED)
    assert (event.actor, event.case, event.appeal, event.reason) == (
        verifier, case, None, "Chưa đủ căn cứ.",
    )  # fmt: skip
    assert event.before == {"proposal": proposal.pk, "status": ProposalStatus.PENDING}
    assert event.after == {"proposal": proposal.pk, "status": ProposalStatus.REJECTED}


def test_a_rejection_needs_a_reason_and_a_verifier_of_the_unit(world, pending):
    _case, proposal = pending
    with pytest.raises(WorkflowError):
        reject_proposal(proposal=proposal, verifier=world.person("verifier_province"), reason=" ")
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        reject_proposal(proposal=proposal, verifier=world.person("verifier_d2"), reason="Không.")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING
    assert not AuditEvent.objects.filter(action=AuditAction.PROPOSAL_REJECTED).exists()


def test_a_decided_proposal_cannot_be_rejected_again(world, pending):
    _case, proposal = pending
    verifier = world.person("verifier_province")
    reject_proposal(proposal=proposal, verifier=verifier, reason="Chưa đủ căn cứ.")
    with pytest.raises(WorkflowError):
        reject_proposal(proposal=proposal, verifier=verifier, reason="Lần nữa.")
    assert AuditEvent.objects.filter(action=AuditAction.PROPOSAL_REJECTED).count() == 1


def test_a_case_cannot_be_merged_into_itself(world, pending):
    case, _proposal = pending
    with pytest.raises(WorkflowError):
        merge_cases(target=case, source=case, verifier=world.person("verifier_d1"), reason="x")
