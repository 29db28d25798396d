"""Verdicts at their edges (issue 15, point 7): every field of the batch API's answer for a
listed, an unknown and an unreadable value; which kind a value is read as; timestamps read by
plain SQL; what counts as a message. Found by the mutation run of bench/mutation.py."""

from datetime import UTC, datetime

import pytest

from indicators.kinds import Kind
from lookup.verdicts import (
    MAX_VALUE_CHARS,
    _aware,
    check_many,
    check_value,
    classify,
    looks_like_message,
)

from .helpers import LISTED_DOMAIN, build_list

pytestmark = pytest.mark.django_db

NOTHING_EXTRA: dict[str, object] = {
    "reasons": [],
    "brand": None,
    "brand_official": None,
    "mixed_scripts": [],
    "phone": None,
}


@pytest.fixture
def listed():
    return build_list()


def test_a_listed_domain_answers_every_field(listed):
    assert check_value(LISTED_DOMAIN).as_json() == {
        **NOTHING_EXTRA,
        "kind": "domain",
        "value": LISTED_DOMAIN,
        "status": "listed",
        "verdict": "listed",
        "display_value": LISTED_DOMAIN,
        "listed": True,
        "allowlisted": False,
        "match": "exact",
        "category": "phishing",
        "matched_kind": "domain",
        "matched_value": LISTED_DOMAIN,
        "error": None,
    }


def test_an_unknown_address_is_not_listed_and_unknown_never_safe(listed):
    url = "https://mot-trang-binh-thuong.vn/"
    assert check_value(url).as_json() == {
        **NOTHING_EXTRA,
        "kind": "url",
        "value": url,
        "status": "not_listed",
        "verdict": "unknown",
        "display_value": url,
        "listed": False,
        "allowlisted": False,
        "match": None,
        "category": None,
        "matched_kind": None,
        "matched_value": None,
        "error": None,
    }


def test_a_listed_phone_says_which_network_it_belongs_to(listed):
    data = check_value("+84 912 345 678").as_json()
    assert (data["kind"], data["value"], data["status"], data["category"]) == (
        "phone", "+84912345678", "listed", "impersonation",
    )  # fmt: skip
    assert data["phone"] is not None
    assert (data["phone"]["kind"], data["phone"]["network"]) == ("mobile", "VinaPhone")
    assert data["display_value"] == "+84912345678" and data["reasons"] == []


def test_an_unreadable_value_is_invalid_with_the_reason(listed):
    data = check_value("khong phai gi ca").as_json()
    assert {k: data[k] for k in ("kind", "value", "status", "verdict", "listed")} == {
        "kind": None, "value": None, "status": "invalid", "verdict": "invalid", "listed": False,
    }  # fmt: skip
    assert data["error"] is not None and data["error"].startswith("Không nhận ra đây là")


def test_values_are_read_in_order_with_their_kind_when_given(listed):
    checks = check_many([LISTED_DOMAIN, ("0912345678", "phone"), "ai.do@gmail.com"])
    assert [(c.kind, c.value, c.status) for c in checks] == [
        ("domain", LISTED_DOMAIN, "listed"),
        ("phone", "+84912345678", "listed"),
        ("email", "ai.do@gmail.com", "not_listed"),
    ]


def test_a_web_address_is_a_url_unless_its_host_is_a_social_network():
    assert classify("https://a.vn/x") == (Kind.URL, "https://a.vn/x")
    assert classify("https://facebook.com/abc") == (Kind.SOCIAL_PROFILE, "facebook.com/abc")
    assert classify("0912345678", "phone") == (Kind.PHONE, "+84912345678")
    with pytest.raises(ValueError):
        classify("khong phai gi ca")


def test_timestamps_from_plain_sql_come_back_aware_in_utc():
    naive = datetime(2026, 1, 2, 3, 4, 5)
    assert _aware(naive) == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert _aware("2026-01-02 03:04:05") == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    aware = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert _aware(aware) is aware
    assert _aware(None) is None


def test_five_words_or_a_second_line_make_a_message():
    assert looks_like_message("mot hai ba bon nam")
    assert not looks_like_message("mot hai ba bon")
    assert looks_like_message("mot\nhai")
    assert not looks_like_message("  0912345678\n  ")


def test_a_value_past_the_length_limit_is_refused_and_kept_short(listed):
    long = "https://a.vn/" + "x" * (MAX_VALUE_CHARS - 13 + 1)
    refused = check_value(long)
    assert (refused.status, refused.raw) == ("invalid", long[:100])
    assert refused.error == f"Giá trị quá dài (tối đa {MAX_VALUE_CHARS} ký tự)."
    at_limit = check_value(long[:MAX_VALUE_CHARS])
    assert (at_limit.status, at_limit.kind, at_limit.raw) == ("not_listed", "url", long[:-1])


def test_the_value_as_written_is_kept_and_the_kind_given_is_used(listed):
    unreadable = check_value("khong phai gi ca")
    assert unreadable.raw == "khong phai gi ca" and unreadable.error
    assert check_value(" +84 912 345 678 ").raw == " +84 912 345 678 "
    as_phone = check_value("0912345678", "phone")
    assert (as_phone.kind, as_phone.status, as_phone.raw) == ("phone", "listed", "0912345678")
    with_kind = check_value(LISTED_DOMAIN, "domain")
    assert (with_kind.kind, with_kind.match) == ("domain", "exact")
