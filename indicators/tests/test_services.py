"""Listing and delisting through the services, the list version, and the shared matcher."""

from datetime import timedelta

import pytest
from django.utils import timezone

from indicators.kinds import Kind
from indicators.matcher import current_version, get_matcher
from indicators.models import Category, Indicator, ListChange, Status
from indicators.services import (
    allow_name,
    bulk_list_indicators,
    delist_indicator,
    disallow_name,
    list_indicator,
    record_indicator,
)

pytestmark = pytest.mark.django_db


def test_listing_stores_the_canonical_value_and_appends_a_change():
    indicator = list_indicator(kind=Kind.DOMAIN, value="EHOAQ. com", category=Category.PHISHING)
    assert (indicator.value, indicator.status) == ("ehoaq.com", Status.LISTED)
    assert indicator.listed_at is not None
    assert list(ListChange.objects.values_list("indicator_id", "action")) == [
        (indicator.pk, ListChange.Action.ADDED)
    ]


def test_the_matcher_sees_a_listing_and_a_delisting():
    indicator = list_indicator(kind=Kind.DOMAIN, value="ehoaq.com", category=Category.PHISHING)
    verdict = get_matcher(refresh=True).check_url("https://login.ehoaq.com/x")
    assert verdict.listed
    assert (verdict.matched_pk, verdict.category) == (indicator.pk, "phishing")
    assert verdict.reason == (
        "Tên miền ehoaq.com nằm trong danh sách cảnh báo; địa chỉ này thuộc tên miền con của nó."
    )

    delist_indicator(kind=Kind.DOMAIN, value="ehoaq.com")
    assert not get_matcher(refresh=True).check_url("https://login.ehoaq.com/x").listed
    assert Indicator.objects.get(pk=indicator.pk).status == Status.CLEARED
    assert list(ListChange.objects.values_list("action", flat=True)) == ["added", "removed"]


def test_the_version_moves_only_when_the_list_changes():
    before = current_version()
    list_indicator(kind=Kind.PHONE, value="0867256447")
    after_listing = current_version()
    assert after_listing != before
    list_indicator(kind=Kind.PHONE, value="+84 86 725 6447")  # the same listing again
    assert current_version() == after_listing
    list_indicator(kind=Kind.PHONE, value="0867256447", category=Category.IMPERSONATION)
    assert current_version() != after_listing
    assert ListChange.objects.count() == 2


def test_the_shared_matcher_checks_the_version_at_most_once_a_second(django_assert_num_queries):
    first = get_matcher()
    with django_assert_num_queries(0):
        assert get_matcher() is first
    with django_assert_num_queries(1):
        assert get_matcher(refresh=True) is first  # nothing changed: same index


def test_expired_listings_are_not_matched():
    past = timezone.now() - timedelta(days=1)
    soon = timezone.now() + timedelta(days=1)
    list_indicator(kind=Kind.DOMAIN, value="old-scam.vn", expires_at=past)
    list_indicator(kind=Kind.DOMAIN, value="new-scam.vn", expires_at=soon)
    matcher = get_matcher(refresh=True)
    assert not matcher.check_url("http://old-scam.vn/").listed
    assert matcher.check_url("http://new-scam.vn/").listed
    assert matcher.next_expiry == soon


def test_recorded_indicators_are_not_listed():
    indicator = record_indicator(kind=Kind.URL, value="ehoaq.com/a", source="báo cáo")
    assert indicator.status == Status.NEW
    assert not get_matcher(refresh=True).check_url("http://ehoaq.com/a").listed
    assert ListChange.objects.count() == 0


def test_delisting_requires_a_closing_status_and_ignores_unknown_values():
    with pytest.raises(ValueError, match="trạng thái"):
        delist_indicator(kind=Kind.DOMAIN, value="ehoaq.com", status=Status.LISTED)
    assert delist_indicator(kind=Kind.DOMAIN, value="never-seen.vn") is None


def test_invalid_values_are_refused_with_a_vietnamese_message():
    with pytest.raises(ValueError, match="ngân hàng"):
        list_indicator(kind=Kind.BANK_ACCOUNT, value="0071000986547")
    assert not Indicator.objects.exists()


def test_allowed_names_override_domain_listings():
    list_indicator(kind=Kind.DOMAIN, value="cong-ty-that.vn")
    list_indicator(kind=Kind.URL, value="cong-ty-that.vn/trang-gia")
    allow_name(name="Cong-Ty-That.vn", note="Trang chính thức của một doanh nghiệp")
    matcher = get_matcher(refresh=True)
    assert not matcher.check_url("https://cong-ty-that.vn/").listed
    assert matcher.check_url("https://cong-ty-that.vn/").allowlisted
    assert matcher.check_url("https://cong-ty-that.vn/trang-gia/1").listed  # URL level still
    assert disallow_name(name="cong-ty-that.vn")
    assert get_matcher(refresh=True).check_url("https://cong-ty-that.vn/").listed


def test_bulk_listing_reports_invalid_values_and_versions_each_listing():
    list_indicator(kind=Kind.DOMAIN, value="a-scam.vn")
    result = bulk_list_indicators(
        items=[
            (Kind.DOMAIN, "a-scam.vn"),
            (Kind.DOMAIN, "B-Scam.vn"),
            (Kind.DOMAIN, "b-scam.vn."),
            (Kind.URL, "c-scam.vn/login"),
            (Kind.DOMAIN, "not a domain"),
        ],
        category=Category.SCAM,
        source="thử nghiệm",
    )
    assert (result.listed, result.already_listed, len(result.invalid)) == (2, 1, 1)
    assert ListChange.objects.count() == 3
    matcher = get_matcher(refresh=True)
    assert matcher.check_url("http://www.b-scam.vn/").listed
    assert matcher.check_url("http://c-scam.vn/login?x").listed


@pytest.mark.django_db
def test_start_indicator_review_moves_a_new_indicator_once_and_changes_no_list():
    from indicators.models import ListChange, Status
    from indicators.services import record_indicator, start_indicator_review

    indicator = record_indicator(kind="phone", value="0912345678")
    assert start_indicator_review(indicator=indicator) is True
    assert indicator.status == Status.UNDER_REVIEW
    assert start_indicator_review(indicator=indicator) is False  # already under review
    indicator.refresh_from_db()
    assert indicator.status == Status.UNDER_REVIEW
    assert not ListChange.objects.exists()


def test_list_indicators_lists_many_values_in_a_few_queries(django_assert_max_num_queries):
    from indicators.services import Listing, list_indicators

    listings = [Listing(Kind.DOMAIN, f"lua-dao-{n}.vn", Category.SCAM) for n in range(2000)]
    with django_assert_max_num_queries(40):
        listed = list_indicators(listings, source="thử nghiệm", public_reason="Lừa đảo.")
    assert len(listed) == 2000 and ListChange.objects.count() == 2000
    one = listed[("domain", "lua-dao-7.vn")]
    assert one.pk and one.status == Status.LISTED and one.listed_at and one.source == "thử nghiệm"
    stored = Indicator.objects.get(pk=one.pk)  # as stored, not as handed back
    assert stored.status == Status.LISTED and stored.source == "thử nghiệm" and stored.listed_at
    assert get_matcher(refresh=True).check_url("http://www.lua-dao-1999.vn/x").listed


def test_list_indicators_versions_only_new_listings_and_changes_the_matcher_sees():
    from indicators.services import Listing, list_indicators

    list_indicator(kind=Kind.DOMAIN, value="da-co.vn", category=Category.SCAM)
    cleared = list_indicator(kind=Kind.DOMAIN, value="da-go.vn")
    delist_indicator(kind=Kind.DOMAIN, value="da-go.vn")
    first_listed_at = Indicator.objects.get(value="da-co.vn").listed_at
    before = ListChange.objects.count()
    listed = list_indicators(
        [
            Listing(Kind.DOMAIN, "da-co.vn", Category.SCAM, risk="high"),  # risk only: no version
            Listing(Kind.DOMAIN, "da-go.vn", Category.PHISHING),  # listed again
            Listing(Kind.DOMAIN, "moi.vn", Category.SCAM),  # new
        ]
    )
    assert ListChange.objects.count() == before + 2
    assert listed[("domain", "da-co.vn")].risk == "high"
    assert Indicator.objects.get(value="da-co.vn").risk == "high"  # stored, not only returned
    assert Indicator.objects.get(value="da-co.vn").listed_at == first_listed_at
    assert Indicator.objects.get(pk=cleared.pk).status == Status.LISTED
    list_indicators([Listing(Kind.DOMAIN, "moi.vn", Category.PHISHING)])  # a category change
    assert ListChange.objects.count() == before + 3
