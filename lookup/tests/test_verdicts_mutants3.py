"""Verdicts through a caller's own index, and the scorer's word where the list says nothing
(issue 15, point 7). Found by the mutation run of bench/mutation.py: the `index` that
check_many and check_text were given could be dropped (the process-wide one used instead), the
allowlist of that index could be left out of the look-alike scorer, a flagged value with no
brand could lose its reasons in the batch answer, and a listed value whose row is not in the
database could break the page. Each test names the mutants it kills."""

import pytest

from indicators.allowlist import shipped_allowlist
from indicators.matcher import IndexRow, MatcherIndex
from lookup.verdicts import add_details, check_many, check_text, check_value

pytestmark = pytest.mark.django_db

# Listed only in the index the caller builds: the process-wide matcher (the database) has
# nothing, so a check that falls back to get_matcher() answers "not_listed".
OWN = "rieng-lua.vn"
OWN_PK = 987_654  # no Indicator row has it


@pytest.fixture
def own_index() -> MatcherIndex:
    return MatcherIndex([IndexRow(OWN_PK, "domain", OWN, "phishing")])


def test_a_batch_checks_against_the_index_it_is_given(own_index):
    # Kills check_many's `index = None` (~537) and `index=None` / index dropped in its
    # check_value call (~545).
    [check] = check_many([OWN, ("0987654321", "phone")], index=own_index)[:1]
    assert (check.status, check.verdict, check.matched_pk, check.category) == (
        "listed", "listed", OWN_PK, "phishing",
    )  # fmt: skip
    assert check_many([OWN])[0].status == "not_listed"  # the database's list knows nothing


def test_a_single_value_on_the_page_is_checked_against_the_given_index(own_index):
    # Kills check_text's `index = None` (~621) and `index=None` / index dropped in its
    # check_value call (~623); and add_details' `and` -> `or` (~574): the listed value's row is
    # not in the database, so it gets no details, and the page does not fail (KeyError).
    result = check_text(OWN, index=own_index)
    assert result.single is not None and result.error == ""
    assert (result.single.status, result.single.matched_value, result.single.details) == (
        "listed", OWN, None,
    )  # fmt: skip
    assert result.any_listed
    assert result.single.message() == f"{OWN} có trong danh sách cảnh báo."


def test_every_value_of_a_message_is_checked_against_the_given_index(own_index):
    # Kills check_text's `index=None` / index dropped in its check_many call (~633).
    result = check_text(f"Vao ngay {OWN} hoac goi 0987 654 321 de nhan qua", index=own_index)
    assert result.is_message
    assert [(c.value, c.status) for c in result.found] == [
        (OWN, "listed"),
        ("+84987654321", "not_listed"),
    ]
    assert all(c.details is None for c in result.found)


def test_details_skip_a_listed_check_whose_row_is_gone(own_index):
    # Kills add_details' `and` -> `or` (~574) directly: a listing removed from the database
    # after the index was built leaves a listed check without details, not a KeyError.
    unlisted = check_value("0987 654 321", index=own_index)
    listed = check_value(OWN, index=own_index)
    checks = [unlisted, listed]
    add_details(checks)
    assert [c.details for c in checks] == [None, None]


# A bank's new address that the brand data does not know yet: the scorer alone flags it
# ("contains Vietcombank but is not vietcombank.com.vn"); verifiers put it on the allowlist.
NEW_BANK_DOMAIN = "vcb-digibank.com.vn"


@pytest.fixture
def allowing_index() -> MatcherIndex:
    allowlist = shipped_allowlist().with_names([(NEW_BANK_DOMAIN, True)])
    # Not empty: an index of no rows is falsy (len 0), and `index or get_matcher()` would
    # take the process-wide one instead.
    return MatcherIndex([IndexRow(OWN_PK, "domain", OWN, "phishing")], allowlist=allowlist)


def test_the_scorer_is_not_told_of_the_allowlist_unless_given_one():
    # The premise of the two tests below: without the allowlist the scorer flags the name.
    check = check_value(NEW_BANK_DOMAIN)
    assert (check.status, check.verdict, check.brand_name) == (
        "not_listed", "suspicious", "Vietcombank",
    )  # fmt: skip


def test_an_address_at_an_allowlisted_domain_is_not_called_a_fake(allowing_index):
    # Kills _lookalike's `allowlist=None` / allowlist dropped (~495) and check_value's
    # `known = not check.listed or kind in (...)` (~487): for an email the matcher has not said
    # whether the allowlist covers the host, so the scorer must ask the index's allowlist.
    check = check_value(f"hotro@{NEW_BANK_DOMAIN}", index=allowing_index)
    assert check.lookalike is not None and check.lookalike.official
    assert (check.status, check.verdict, check.reasons, check.brand_name) == (
        "not_listed", "unknown", [], None,
    )  # fmt: skip
    assert check.message() == (
        f"Chưa có thông tin về hotro@{NEW_BANK_DOMAIN} trong danh sách cảnh báo."
    )


def test_an_allowlisted_domain_shows_no_fake_brand_reasons_in_the_batch(allowing_index):
    # Kills _lookalike's `allowlist=None` / allowlist dropped (~495) for a domain: the scorer,
    # told the host is covered, answers from the index's allowlist (official, no findings).
    data = check_value(NEW_BANK_DOMAIN, index=allowing_index).as_json()
    assert (data["status"], data["verdict"], data["reasons"], data["brand"]) == (
        "allowlisted", "official", [], None,
    )  # fmt: skip


def test_a_flagged_link_with_no_brand_keeps_its_reasons_in_the_batch():
    # Kills as_json's early return on `found.flagged` negated (~302): a link to a bare IP is
    # flagged though it names no brand; the batch answer must say why.
    check = check_value("http://1.2.3.4/login")
    data = check.as_json()
    assert (data["status"], data["verdict"], data["brand"]) == ("not_listed", "suspicious", None)
    assert data["reasons"] == [
        "Đường link dùng địa chỉ IP thay cho tên miền: trang của tổ chức đàng hoàng không làm vậy."
    ]
    assert data["display_value"] == "http://1.2.3.4/login"


def test_a_listed_ipv6_address_is_listed_when_checked():
    # Kills check_value's `check_host(value)` without `kind=kind` (~477): as a domain, the
    # address would be looked up as "2001:db8::1/", not as the listed "[2001:db8::1]/".
    from indicators.services import list_indicator

    list_indicator(kind="ip", value="2001:DB8:0::1", category="phishing")
    check = check_value("2001:db8::1")
    assert (check.kind, check.value, check.status, check.match, check.matched_value) == (
        "ip", "2001:db8::1", "listed", "exact", "2001:db8::1",
    )  # fmt: skip
    assert check.message() == "2001:db8::1 có trong danh sách cảnh báo."


def test_an_empty_index_that_is_given_is_the_one_used():
    # An empty MatcherIndex has len() 0: `index or get_matcher()` took it for "none given" and
    # answered from the database's list instead of the (empty) list the caller chose.
    from indicators.services import list_indicator

    list_indicator(kind="domain", value=OWN, category="phishing")
    empty = MatcherIndex([])
    assert check_value(OWN).status == "listed"  # the database's list has it
    assert check_value(OWN, index=empty).status == "not_listed"
    assert check_many([OWN], index=empty)[0].status == "not_listed"
    single = check_text(OWN, index=empty).single
    assert single is not None and single.status == "not_listed"
