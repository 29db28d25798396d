"""Listing level: a URL is listed on its own, or with the whole domain of its host.

A URL that names a site's home ("http://host/") defaults to the domain, so that the DNS feeds,
which carry domains only, block the site; allowlisted names and shared platforms stay URL-only.
"""

import re

import pytest
from django.urls import reverse

from indicators.matcher import get_matcher, reset_matcher
from indicators.models import Indicator, ListChange, Status
from indicators.services import allow_name, list_indicator
from orgs.testing import sign_in_verified
from reports.models import Appeal, AuditAction, AuditEvent, CaseIndicator, ProposalStatus
from reports.services import WorkflowError
from reports.tests.factories import make_report
from reports.workflow import (
    Level,
    confirm_listing,
    confirm_proposal,
    file_appeal,
    level_choices,
    propose_delisting,
    propose_listing,
)

pytestmark = pytest.mark.django_db

REASON = "Trang giả mạo ngân hàng để lấy mật khẩu và mã OTP."


@pytest.fixture(autouse=True)
def _fresh_matcher():
    reset_matcher()
    yield
    reset_matcher()


def case_with(world, *values):
    return make_report(world.unit("D1-C1"), *values).cases.get()


def propose(case, verifier, **extra):
    args = {"category": "phishing", "risk": "high", "public_reason": REASON, **extra}
    return propose_listing(case=case, verifier=verifier, **args)


def url_indicator(value):
    return Indicator.objects.get(kind="url", value=value)


def choice_for(value):
    (choice,) = level_choices([url_indicator(value)])
    return choice


@pytest.mark.parametrize(
    ("url", "domain", "default"),
    [
        ("http://secure-login.xyz/", "secure-login.xyz", Level.DOMAIN),
        ("https://vcb.secure-login.xyz", "vcb.secure-login.xyz", Level.DOMAIN),  # the exact host
        ("http://secure-login.xyz/dang-nhap", "secure-login.xyz", Level.URL),
        ("http://secure-login.xyz/?ma=1", "secure-login.xyz", Level.URL),
        ("http://lua-dao.web.app/", "lua-dao.web.app", Level.DOMAIN),  # a customer's own site
        ("http://sites.google.com/", None, Level.URL),  # allowlisted
        ("https://vietcombank.com.vn/", None, Level.URL),  # allowlisted: the bank's own site
        ("https://www.facebook.com/", None, Level.URL),  # a social platform
        ("http://web.app/", None, Level.URL),  # a free-hosting platform itself
        ("http://bit.ly/", None, Level.URL),  # a shortener
        ("http://203.0.113.9/", None, Level.URL),  # an address: no domain to list
    ],
)
def test_default_level_per_url(world, url, domain, default):
    case_with(world, url)
    choice = choice_for(Indicator.objects.get(kind="url").value)
    assert (choice.domain, choice.default) == (domain, default)


def test_a_name_verifiers_allowlisted_is_url_only(world):
    case_with(world, "http://cong-ty-that.vn/")
    assert choice_for("http://cong-ty-that.vn/").default == Level.DOMAIN
    allow_name(name="cong-ty-that.vn", note="Doanh nghiệp thật, bị tố giác nhầm.")
    choice = choice_for("http://cong-ty-that.vn/")
    assert (choice.domain, choice.default) == (None, Level.URL)


def test_a_home_url_is_listed_with_its_domain_under_four_eyes(world):
    case = case_with(world, "http://vcb.secure-login.xyz/", "0912345678")
    proposal = propose(case, world.person("verifier_d1"))
    domain = Indicator.objects.get(kind="domain", value="vcb.secure-login.xyz")
    assert set(proposal.indicators.values_list("value", flat=True)) == {
        "http://vcb.secure-login.xyz/",
        "+84912345678",
        "vcb.secure-login.xyz",
    }
    assert domain.status == Status.NEW and not ListChange.objects.exists()
    proposed = AuditEvent.objects.get(action=AuditAction.PROPOSED)
    url = url_indicator("http://vcb.secure-login.xyz/")
    assert proposed.after["levels"] == {str(url.pk): "domain"}
    assert proposed.after["domains"] == {
        str(url.pk): {"id": domain.pk, "value": "vcb.secure-login.xyz"}
    }

    with pytest.raises(WorkflowError, match="bốn mắt"):
        confirm_listing(case=case, verifier=world.person("verifier_d1"))
    confirm_listing(case=case, verifier=world.person("verifier_province"))
    domain.refresh_from_db()
    url.refresh_from_db()
    assert domain.status == url.status == Status.LISTED
    assert domain.category == "phishing" and domain.public_reason == REASON
    assert CaseIndicator.objects.get(indicator=domain).case == case  # joins the case
    confirmed = AuditEvent.objects.filter(action=AuditAction.CONFIRMED)
    assert confirmed.get(indicator=url).after["level"] == "domain"
    assert confirmed.get(indicator=domain).after["status"] == Status.LISTED
    # The domain covers every page and every name under the host.
    matcher = get_matcher(refresh=True)
    assert matcher.check("url", "http://vcb.secure-login.xyz/dang-nhap").listed
    assert matcher.check("domain", "a.vcb.secure-login.xyz").listed
    assert not matcher.check("domain", "secure-login.xyz").listed


def test_the_level_asked_for_is_the_level_confirmed(world):
    case = case_with(world, "http://gia-mao.com/", "http://lua-dao.com/trang/nhan-qua")
    home = url_indicator("http://gia-mao.com/")
    page = url_indicator("http://lua-dao.com/trang/nhan-qua")
    propose(case, world.person("verifier_d1"), levels={home.pk: "url", page.pk: "domain"})
    confirm_listing(case=case, verifier=world.person("verifier_province"))
    listed = set(Indicator.objects.listed().values_list("kind", "value"))
    assert listed == {
        ("url", "http://gia-mao.com/"),
        ("url", "http://lua-dao.com/trang/nhan-qua"),
        ("domain", "lua-dao.com"),
    }


def test_domain_level_for_an_allowlisted_host_is_refused(world):
    case = case_with(world, "https://sites.google.com/")
    url = url_indicator("https://sites.google.com/")
    with pytest.raises(WorkflowError, match="chỉ đưa được đường dẫn này"):
        propose(case, world.person("verifier_d1"), levels={url.pk: "domain"})
    assert not case.proposals.exists()
    assert not Indicator.objects.filter(kind="domain").exists()
    propose(case, world.person("verifier_d1"))  # the default: the URL alone
    confirm_listing(case=case, verifier=world.person("verifier_province"))
    assert list(Indicator.objects.listed().values_list("value", flat=True)) == [
        "https://sites.google.com/"
    ]


def test_existing_url_listings_keep_their_level(world):
    # Listed before listing levels existed: the URL alone, and a URL listed from a case.
    old = list_indicator(kind="url", value="http://da-liet-ke.vn/", category="scam")
    case = case_with(world, "http://cu-trong-ho-so.vn/")
    propose(case, world.person("verifier_d1"), levels={case.indicators.get().pk: "url"})
    confirm_listing(case=case, verifier=world.person("verifier_province"))
    listed_before = set(Indicator.objects.listed().values_list("kind", "value"))
    versions_before = ListChange.objects.count()
    # A later report joins the case; its new indicator is proposed and confirmed.
    make_report(world.unit("D1-C1"), "http://cu-trong-ho-so.vn/", "0912345678")
    case.refresh_from_db()
    assert case.status == "open"  # the new indicator reopened it
    propose(case, world.person("verifier_d1"))
    confirm_listing(case=case, verifier=world.person("verifier_province"))
    listed_after = set(Indicator.objects.listed().values_list("kind", "value"))
    assert listed_after == listed_before | {("phone", "+84912345678")}
    assert ListChange.objects.count() == versions_before + 1
    assert not Indicator.objects.filter(kind="domain").exists()
    old.refresh_from_db()
    assert old.status == Status.LISTED


def test_an_upheld_appeal_takes_the_url_and_its_domain_off_together(world):
    case = case_with(world, "http://shop-that.vn/")
    propose(case, world.person("verifier_d1"))
    confirm_listing(case=case, verifier=world.person("verifier_province"))
    appeal = file_appeal(
        kind="url",
        value="http://shop-that.vn/",
        owner_name="Công ty TNHH Shop Thật",
        owner_contact="lienhe@shop-that.vn",
        explanation="Chúng tôi là chủ trang.",
        files=[],
    )
    assert appeal.unit == world.unit("D1-C1")  # the domain joined the case that listed it
    proposal = propose_delisting(
        verifier=world.person("verifier_d1"), public_reason="Đã xác minh chủ trang.", appeal=appeal
    )
    assert set(proposal.indicators.values_list("value", flat=True)) == {
        "http://shop-that.vn/",
        "shop-that.vn",
    }
    confirm_proposal(proposal=proposal, verifier=world.person("verifier_province"))
    assert not Indicator.objects.listed().exists()
    assert not get_matcher(refresh=True).check("url", "http://shop-that.vn/").listed
    assert Appeal.objects.get().status == "delisted"


# --- the case page ----------------------------------------------------------------------------


def act(client, case, action, data):
    return client.post(reverse("reports:case-action", args=[case.pk, action]), data, follow=True)


def test_the_case_page_offers_the_level_in_vietnamese_with_the_default_chosen(client, world):
    case = case_with(world, "http://secure-login.xyz/", "http://sites.google.com/", "0912345678")
    home = url_indicator("http://secure-login.xyz/")
    sign_in_verified(client, world.person("verifier_d1"))
    page = client.get(reverse("reports:case", args=[case.pk])).content.decode()
    radios = re.findall(rf'<input type="radio" name="level-{home.pk}" value="(\w+)"[^>]*>', page)
    assert radios and sorted(radios) == ["domain", "url"]
    checked = re.search(rf'name="level-{home.pk}" value="(\w+)"[^>]*checked', page)
    assert checked and checked[1] == "domain"
    assert "Cả tên miền secure-login.xyz" in page and "Chỉ đường dẫn này" in page
    assert f'name="level-{url_indicator("http://sites.google.com/").pk}"' not in page
    assert "chỉ đưa được chính đường dẫn vào danh sách" in page


def test_through_the_pages_the_second_verifier_sees_and_confirms_the_level(client, world):
    case = case_with(world, "http://secure-login.xyz/", "http://gia-mao.com/")
    home = url_indicator("http://secure-login.xyz/")
    other = url_indicator("http://gia-mao.com/")
    form = {"category": "phishing", "risk": "high", "public_reason": REASON, "expires_at": ""}
    sign_in_verified(client, world.person("verifier_d1"))
    # One left at its default (domain), the other narrowed to the URL alone.
    page = act(client, case, "propose", {**form, f"level-{other.pk}": "url"}).content.decode()
    assert "Cần một xác minh viên khác xác nhận" in page
    proposal = case.proposals.get()
    sign_in_verified(client, world.person("verifier_province"))
    page = client.get(reverse("reports:case", args=[case.pk])).content.decode()
    shown = re.findall(
        r'<span class="value">([^<]+)</span> — <span data-testid="level">([^<]+)<', page
    )
    assert ("http://secure-login.xyz/", "Cả tên miền") in shown
    assert ("http://gia-mao.com/", "Chỉ đường dẫn này") in shown
    assert any(value == "secure-login.xyz" and "tên miền con" in note for value, note in shown)
    page = act(client, case, "confirm", {"proposal": proposal.pk}).content.decode()
    assert "Đã xác nhận" in page
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CONFIRMED
    assert set(Indicator.objects.listed().values_list("kind", "value")) == {
        ("url", home.value),
        ("url", other.value),
        ("domain", "secure-login.xyz"),
    }


def test_a_bad_level_from_the_page_is_refused(client, world):
    case = case_with(world, "http://secure-login.xyz/")
    url = Indicator.objects.get(kind="url")
    form = {"category": "scam", "risk": "high", "public_reason": REASON, "expires_at": ""}
    sign_in_verified(client, world.person("verifier_d1"))
    act(client, case, "propose", {**form, f"level-{url.pk}": "ca-the-gioi"})
    assert not case.proposals.exists()
    assert not Indicator.objects.filter(kind="domain").exists()


def test_a_shared_platform_url_gets_no_level_field_and_is_listed_alone(client, world):
    case = case_with(world, "https://www.facebook.com/")
    url = Indicator.objects.get(kind="url")
    form = {"category": "scam", "risk": "high", "public_reason": REASON, "expires_at": ""}
    sign_in_verified(client, world.person("verifier_d1"))
    act(client, case, "propose", {**form, f"level-{url.pk}": "domain"})  # no such field
    assert set(case.proposals.get().indicators.all()) == {url}
    assert not Indicator.objects.filter(kind="domain").exists()
