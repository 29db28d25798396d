"""The verification workflow as the audit page, the exports and the public list read it (issue
15, point 7): the keys and actors of the audit events, the fields a decision leaves on the
indicator and the proposal, the edges of the rules (a reason of exactly the maximum length, an
expiry at exactly now, "www." in front of a shared host) and appeals against listings made
outside a case. Found by the mutation run of bench/mutation.py (its third pass)."""

from datetime import timedelta

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.utils import timezone

from indicators.models import Indicator, Status
from indicators.normalise import to_kind
from indicators.services import list_indicator
from orgs.models import Role, RoleAssignment, User
from reports.evidence import CleanFile
from reports.models import (
    Appeal,
    AppealStatus,
    AuditAction,
    AuditEvent,
    CaseStatus,
    ListingProposal,
    ProposalStatus,
)
from reports.services import WorkflowError
from reports.tests.factories import make_report, png_bytes
from reports.tests.test_workflow_mutants2 import REASON, appeal_for, listed_case, propose
from reports.workflow import (
    MAX_PUBLIC_REASON,
    Level,
    confirm_listing,
    confirm_proposal,
    current_allowlist,
    file_appeal,
    listed_indicator_for,
    listing_domain,
    propose_delisting,
    propose_listing,
    reject_appeal,
    reject_proposal,
)

pytestmark = pytest.mark.django_db


def url_case(world, *values):
    return make_report(world.unit("D1-C1"), *values).cases.get()


# --- what a listing proposal records ---------------------------------------------------------


def test_a_listing_proposal_records_its_terms_and_who_proposed_it(world):
    case = url_case(world, "0912345678")
    phone = case.indicators.get()
    verifier = world.person("verifier_d1")
    expires = timezone.now() + timedelta(days=30)
    proposal = propose(case, verifier, expires_at=expires)
    started = AuditEvent.objects.get(action=AuditAction.REVIEW_STARTED)
    assert (started.actor, started.indicator) == (verifier, phone)
    proposed = AuditEvent.objects.get(action=AuditAction.PROPOSED)
    assert (proposed.actor, proposed.case, proposed.reason) == (verifier, case, REASON)
    assert proposed.after == {
        "proposal": proposal.pk,
        "action": "list",
        "indicators": [phone.pk],
        "levels": {},
        "domains": {},
        "category": "phishing",
        "risk": "high",
        "expires_at": expires.isoformat(),
    }


def test_the_confirmation_records_the_listing_before_and_after(world):
    case = url_case(world, "0912345678")
    phone = case.indicators.get()
    expires = timezone.now() + timedelta(days=30)
    proposal = propose(case, world.person("verifier_d1"), expires_at=expires)
    confirmer = world.person("verifier_province")
    confirm_listing(case=case, verifier=confirmer)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == (ProposalStatus.CONFIRMED, confirmer)
    assert proposal.decided_at is not None
    event = AuditEvent.objects.get(action=AuditAction.CONFIRMED)
    assert (event.actor, event.indicator, event.reason) == (confirmer, phone, REASON)
    assert event.before == {
        "status": "under_review", "category": "scam", "risk": "medium", "expires_at": None,
    }  # fmt: skip
    assert event.after == {
        "status": "listed", "category": "phishing", "risk": "high",
        "expires_at": expires.isoformat(), "proposal": proposal.pk,
    }  # fmt: skip
    phone.refresh_from_db()
    assert (phone.source, phone.public_reason) == (f"Xác minh hồ sơ tố giác #{case.pk}", REASON)


def test_a_domain_level_proposal_records_the_domain_for_the_case(world):
    case = url_case(world, "http://secure-login.xyz/")
    propose(case, world.person("verifier_d1"))
    domain = Indicator.objects.get(kind="domain", value="secure-login.xyz")
    assert domain.source == f"Hồ sơ tố giác #{case.pk}"


# --- the public reason and the expiry at their edges -----------------------------------------


def test_a_public_reason_of_exactly_the_maximum_length_is_accepted(world):
    case = url_case(world, "0912345678")
    reason = "a" * MAX_PUBLIC_REASON
    proposal = propose_listing(
        case=case, verifier=world.person("verifier_d1"), category="phishing", risk="high",
        public_reason=reason,
    )  # fmt: skip
    assert proposal.public_reason == reason
    with pytest.raises(WorkflowError):
        propose_delisting(
            case=case, verifier=world.person("verifier_d1"), public_reason=reason + "a"
        )


@pytest.mark.parametrize("empty", ["", None])
def test_an_empty_public_reason_is_refused(world, empty):
    case = url_case(world, "0912345678")
    with pytest.raises(WorkflowError):
        propose_listing(
            case=case, verifier=world.person("verifier_d1"), category="phishing", risk="high",
            public_reason=empty,
        )  # fmt: skip
    assert not ListingProposal.objects.exists()


def test_an_expiry_at_exactly_now_is_refused(world, monkeypatch):
    case = url_case(world, "0912345678")
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)  # the clock, stopped at the expiry
    with pytest.raises(WorkflowError):
        propose(case, world.person("verifier_d1"), expires_at=now)
    assert not ListingProposal.objects.exists()


# --- shared hosts ----------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["http://www.bom.so/", "http://www.carrd.co/"])
def test_a_shared_host_with_www_in_front_is_listed_at_url_level_only(world, url):
    assert listing_domain(url, current_allowlist()) is None
    case = url_case(world, url)
    indicator = case.indicators.get()
    with pytest.raises(WorkflowError):
        propose(case, world.person("verifier_d1"), levels={indicator.pk: Level.DOMAIN})
    assert not Indicator.objects.filter(kind="domain").exists()


def test_a_www_name_of_an_ordinary_site_is_listed_as_it_is_named(world):
    assert listing_domain("http://www.secure-login.xyz/", current_allowlist()) == (
        "www.secure-login.xyz"
    )


# --- delisting -------------------------------------------------------------------------------


def test_delisting_a_case_takes_only_its_listed_indicators(world):
    case = url_case(world, "0912345678", "http://lua.com/a")
    phone = Indicator.objects.get(value="+84912345678")
    propose(case, world.person("verifier_d1"), indicators=[phone])
    confirm_listing(case=case, verifier=world.person("verifier_province"))
    proposal = propose_delisting(
        case=case, verifier=world.person("verifier_d1"), public_reason="Số đã đổi chủ."
    )
    assert list(proposal.indicators.all()) == [phone]


def test_a_confirmed_url_delisting_records_no_level_and_closes_the_case_by_the_confirmer(world):
    case = url_case(world, "http://lua.com/a")
    url = case.indicators.get()
    propose(case, world.person("verifier_d1"))
    confirm_listing(case=case, verifier=world.person("verifier_province"))
    proposal = propose_delisting(
        case=case, verifier=world.person("verifier_d1"), public_reason="Trang đã bị gỡ."
    )
    confirmer = world.person("verifier_province")
    confirm_proposal(proposal=proposal, verifier=confirmer)
    url.refresh_from_db()
    assert (url.status, url.public_reason) == (Status.CLEARED, "Trang đã bị gỡ.")
    event = AuditEvent.objects.filter(action=AuditAction.CONFIRMED).latest("pk")
    assert (event.actor, event.reason, event.appeal) == (confirmer, "Trang đã bị gỡ.", None)
    assert event.after == {
        "status": "cleared", "category": "phishing", "risk": "high", "expires_at": None,
        "proposal": proposal.pk,
    }  # fmt: skip
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    closed = AuditEvent.objects.filter(action=AuditAction.CASE_CLOSED, case=case).latest("pk")
    assert closed.actor == confirmer


def test_confirm_listing_takes_the_pending_listing_not_a_delisting_or_a_decided_one(world):
    proposer, confirmer = world.person("verifier_d1"), world.person("verifier_province")
    case = url_case(world, "0912345678", "http://lua.com/a", "http://lua.com/b")
    phone = Indicator.objects.get(value="+84912345678")
    a = Indicator.objects.get(value="http://lua.com/a")
    b = Indicator.objects.get(value="http://lua.com/b")
    propose(case, proposer, indicators=[phone])
    confirm_listing(case=case, verifier=confirmer)
    wanted = propose(case, proposer, indicators=[a])
    turned_down = propose(case, proposer, indicators=[b])
    reject_proposal(proposal=turned_down, verifier=confirmer, reason="Chưa đủ căn cứ.")
    delisting = propose_delisting(
        case=case, verifier=proposer, public_reason="Đổi chủ.", indicators=[phone]
    )
    assert list(case.proposals.all())[:2] == [delisting, turned_down]  # newest first
    assert confirm_listing(case=case, verifier=confirmer) == wanted
    a.refresh_from_db()
    phone.refresh_from_db()
    delisting.refresh_from_db()
    assert (a.status, phone.status, delisting.status) == (
        Status.LISTED, Status.LISTED, ProposalStatus.PENDING,
    )  # fmt: skip


# --- appeals ---------------------------------------------------------------------------------


def second_province_verifier(world):
    """Another verifier of the province, made as the test world makes its people."""
    user = User.objects.create(username="verifier_province_2", home_unit=world.unit("P"))
    RoleAssignment.objects.create(user=user, unit=world.unit("P"), role=Role.VERIFIER)
    return user


def test_an_appeal_against_a_listing_outside_any_case_is_decided_by_the_province(world):
    list_indicator(kind="url", value="http://nhap-khau.xyz/dang-nhap", category="phishing")
    appeal = file_appeal(
        kind="url", value="http://nhap-khau.xyz/dang-nhap", owner_name="Chủ trang",
        owner_contact="chu@nhap-khau.xyz", explanation="Trang của tôi.", files=[],
    )  # fmt: skip
    assert appeal.unit == world.unit("P")
    proposer, confirmer = world.person("verifier_province"), second_province_verifier(world)
    proposal = propose_delisting(verifier=proposer, public_reason="Đúng chủ.", appeal=appeal)
    assert (proposal.case, list(proposal.indicators.all())) == (None, [appeal.indicator])
    confirm_proposal(proposal=proposal, verifier=confirmer)
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decided_by) == (AppealStatus.DELISTED, confirmer)
    event = AuditEvent.objects.get(action=AuditAction.CONFIRMED)
    assert (event.actor, event.appeal, event.case) == (confirmer, appeal, None)


def test_a_proposal_of_an_appeal_outside_any_case_can_be_turned_down(world):
    list_indicator(kind="phone", value="0912345678", category="scam")
    appeal = appeal_for("0912345678")
    verifier = world.person("verifier_province")
    proposal = propose_delisting(verifier=verifier, public_reason="Có thể đúng.", appeal=appeal)
    reject_proposal(proposal=proposal, verifier=verifier, reason="Chưa đủ căn cứ.")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED


def test_a_rejected_appeal_proposal_is_recorded_on_the_appeal(world):
    listed_case(world)
    appeal = appeal_for("0912345678")
    verifier = world.person("verifier_d1")
    pending = propose_delisting(verifier=verifier, public_reason="Có thể đúng.", appeal=appeal)
    reject_appeal(appeal=appeal, verifier=verifier, reason="Có bằng chứng lừa đảo.")
    event = AuditEvent.objects.get(action=AuditAction.PROPOSAL_REJECTED)
    assert (event.appeal, event.before["proposal"]) == (appeal, pending.pk)


def test_upholding_a_url_appeal_takes_off_the_domain_listed_with_it_later(world):
    proposer, confirmer = world.person("verifier_d1"), world.person("verifier_province")
    case = url_case(world, "http://shop-that.vn/dang-nhap", "http://khac-lua.vn/")
    url = Indicator.objects.get(value="http://shop-that.vn/dang-nhap")
    other = Indicator.objects.get(value="http://khac-lua.vn/")
    propose(case, proposer, levels={url.pk: Level.URL})  # the other one at domain level
    confirm_listing(case=case, verifier=confirmer)
    appeal = file_appeal(
        kind="url", value="http://shop-that.vn/dang-nhap", owner_name="Shop Thật",
        owner_contact="lienhe@shop-that.vn", explanation="Trang của chúng tôi.", files=[],
    )  # fmt: skip
    assert appeal.indicator == url
    # Then the whole domain is listed from the same case, the appeal still open.
    propose(case, proposer, indicators=[url], levels={url.pk: Level.DOMAIN})
    confirm_listing(case=case, verifier=confirmer)
    listed = set(case.indicators.filter(status=Status.LISTED).values_list("value", flat=True))
    assert listed == {url.value, "shop-that.vn", other.value, "khac-lua.vn"}
    proposal = propose_delisting(verifier=proposer, public_reason="Đúng chủ.", appeal=appeal)
    assert set(proposal.indicators.values_list("value", flat=True)) == {url.value, "shop-that.vn"}


def test_upholding_a_domain_appeal_takes_off_the_urls_of_that_domain_only(world):
    proposer, confirmer = world.person("verifier_d1"), world.person("verifier_province")
    case = url_case(world, "http://shop-that.vn/", "http://khac-lua.vn/a")
    other = Indicator.objects.get(value="http://khac-lua.vn/a")
    propose(case, proposer)
    confirm_listing(case=case, verifier=confirmer)
    appeal = file_appeal(
        kind="domain", value="shop-that.vn", owner_name="Shop Thật",
        owner_contact="lienhe@shop-that.vn", explanation="Trang của chúng tôi.", files=[],
    )  # fmt: skip
    assert appeal.indicator.value == "shop-that.vn"
    proposal = propose_delisting(verifier=proposer, public_reason="Đúng chủ.", appeal=appeal)
    values = set(proposal.indicators.values_list("value", flat=True))
    assert values == {"shop-that.vn", "http://shop-that.vn/"}
    assert other.value not in values


def test_an_appeal_keeps_the_value_as_typed_cut_at_2048_characters(world):
    listed_case(world)
    typed = "0912345678" + " " * 3000
    appeal = appeal_for(typed)
    appeal.refresh_from_db()
    assert appeal.value == typed[:2048]


def test_an_appeal_that_fails_to_save_leaves_no_file_behind(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    listed_case(world)
    good = CleanFile(content=png_bytes(), content_type="image/png", extension="png")
    bad = CleanFile(content=png_bytes(), content_type="image/png", extension="x" * 300)
    with pytest.raises(SuspiciousFileOperation):
        file_appeal(
            kind="phone", value="0912345678", owner_name="Chủ số", owner_contact="chu@so.vn",
            explanation="Số của tôi.", files=[good, bad],
        )  # fmt: skip
    assert not Appeal.objects.exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_value_that_cannot_be_checked_is_refused_with_the_reason(world):
    with pytest.raises(ValueError) as direct:
        to_kind("bogus")
    with pytest.raises(WorkflowError) as refused:
        listed_indicator_for("bogus", "x")  # the reason, not a blank or "None"
    assert str(refused.value) == str(direct.value) and str(direct.value) not in ("", "None")


# --- decisions write only their own fields ---------------------------------------------------


def test_rejecting_an_appeal_keeps_what_changed_meanwhile_on_it(world):
    listed_case(world)
    appeal = appeal_for("0912345678")
    Appeal.objects.filter(pk=appeal.pk).update(owner_contact="moi@so.vn")  # the owner's update
    reject_appeal(appeal=appeal, verifier=world.person("verifier_d1"), reason="Có bằng chứng.")
    appeal = Appeal.objects.get(pk=appeal.pk)
    assert (appeal.status, appeal.owner_contact) == (AppealStatus.REJECTED, "moi@so.vn")
