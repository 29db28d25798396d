import csv
import gzip
import io
import json
from datetime import timedelta

import pytest
import stix2
from django.http import StreamingHttpResponse
from django.utils import timezone
from stix2validator import ValidationOptions, validate_string

from indicators.models import Indicator, ListChange
from indicators.services import delist_indicator, list_indicator
from lookup import feeds, formats
from orgs.models import PartnerKey
from reports.tests.factories import make_report

from .helpers import (
    ALLOWED_UNDER_LISTED,
    ALLOWLISTED_LISTED,
    LISTED_DOMAIN,
    LISTED_URL,
    build_list,
)

pytestmark = pytest.mark.django_db

DOMAIN_FEEDS = ["rpz.zone", "hosts.txt", "abp.txt", "dnsmasq.conf", "unbound.conf"]


@pytest.fixture
def listed(world):
    listing = build_list()
    # A reporter with contact details: none of it may reach a feed.
    make_report(world.unit("D1-C1"), LISTED_DOMAIN, contact_phone="0987654321")
    return listing


def get(client, key, name, **params):
    headers = {"X-Api-Key": key} if key else {}
    extra = params.pop("headers", {})
    return client.get(f"/feeds/{name}", params, headers={**headers, **extra})


def body(response) -> str:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Encoding") == "gzip":
        data = gzip.decompress(data)
    return data.decode("utf-8")


def version() -> int:
    return ListChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# --- access -----------------------------------------------------------------------------------


def test_feeds_need_a_partner_key(client, listed, partner):
    assert get(client, None, "rpz.zone").status_code == 401
    assert get(client, "cg_nonsense", "rpz.zone").status_code == 403
    key, raw = PartnerKey.issue(name="Cũ", unit=_unit(), rate_per_minute=10)
    key.revoked_at = timezone.now()
    key.save()
    assert get(client, raw, "rpz.zone").status_code == 403
    assert client.get("/feeds/rpz.zone", {"key": partner}).status_code == 200
    assert get(client, partner, "nothing.txt").status_code == 404


def _unit():
    from orgs.models import Unit

    return Unit.objects.get(code="P")


def test_a_partner_over_its_limit_gets_429(client, listed, still_clock):
    _key, raw = PartnerKey.issue(name="Ít", unit=_unit(), rate_per_minute=2)
    codes = [get(client, raw, "hosts.txt").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


# --- domain blocklists ------------------------------------------------------------------------


def test_rpz_zone_blocks_listed_domains_and_their_subdomains(client, listed, partner):
    response = get(client, partner, "rpz.zone")
    assert isinstance(response, StreamingHttpResponse)
    text = body(response)
    lines = text.splitlines()
    assert f"@ SOA localhost. hostmaster.localhost. {version()} 3600 600 604800 300" in lines
    assert "@ NS localhost." in lines
    assert f"{LISTED_DOMAIN} CNAME ." in lines and f"*.{LISTED_DOMAIN} CNAME ." in lines
    assert f"{ALLOWED_UNDER_LISTED} CNAME rpz-passthru." in lines
    assert response["X-List-Version"] == str(version())


@pytest.mark.parametrize("name", DOMAIN_FEEDS)
def test_domain_feeds_carry_no_allowlisted_name_no_url_and_no_personal_data(
    client, listed, partner, name
):
    text = body(get(client, partner, name))
    assert LISTED_DOMAIN in text
    assert ALLOWLISTED_LISTED not in text  # listed, but allowlisted
    assert "sites.google.com" not in text and "google" not in text  # a URL listing
    assert "84912345678" not in text and "0071000986547" not in text  # other kinds
    assert "0987654321" not in text and "Bí Mật" not in text


def test_each_blocklist_syntax(client, listed, partner):
    assert f"0.0.0.0 {LISTED_DOMAIN}" in body(get(client, partner, "hosts.txt")).splitlines()
    abp = body(get(client, partner, "abp.txt")).splitlines()
    assert abp[0] == "[Adblock Plus 2.0]"
    assert f"||{LISTED_DOMAIN}^" in abp and f"@@||{ALLOWED_UNDER_LISTED}^" in abp
    dnsmasq = body(get(client, partner, "dnsmasq.conf")).splitlines()
    assert f"address=/{LISTED_DOMAIN}/" in dnsmasq
    assert f"server=/{ALLOWED_UNDER_LISTED}/#" in dnsmasq
    unbound = body(get(client, partner, "unbound.conf")).splitlines()
    assert "server:" in unbound
    assert f'  local-zone: "{LISTED_DOMAIN}." always_nxdomain' in unbound
    assert f'  local-zone: "{ALLOWED_UNDER_LISTED}." transparent' in unbound


def test_a_public_suffix_and_a_customer_of_a_hosting_platform(client, listed, partner):
    list_indicator(kind="domain", value="github.io")  # a public suffix: would block everyone
    list_indicator(kind="domain", value="lua-dao.web.app")  # web.app protects itself only
    text = body(get(client, partner, "rpz.zone"))
    assert "github.io" not in text
    assert "lua-dao.web.app CNAME ." in text


def test_expired_listings_leave_the_feeds_and_change_the_etag(client, listed, partner):
    first = get(client, partner, "hosts.txt")
    Indicator.objects.filter(pk=listed.domain.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    feeds.reset()
    second = get(client, partner, "hosts.txt", headers={"If-None-Match": first["ETag"]})
    assert second.status_code == 200 and LISTED_DOMAIN not in body(second)


# --- ETag, gzip -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(feeds.FEEDS))
def test_etag_gives_304_until_the_list_changes(client, listed, partner, name):
    first = get(client, partner, name)
    tag = first["ETag"]
    assert first.status_code == 200 and tag.startswith('W/"')
    assert first["Cache-Control"] == "private, no-cache"
    again = get(client, partner, name, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again["ETag"] == tag and again.content == b""
    list_indicator(kind="domain", value="moi-lua-dao.com")
    changed = get(client, partner, name, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed["ETag"] != tag


def test_304_reads_no_rows(client, listed, partner, django_assert_max_num_queries):
    tag = get(client, partner, "rpz.zone")["ETag"]
    with django_assert_max_num_queries(4):  # key, rate limit, version, (expiry marker cached)
        assert get(client, partner, "rpz.zone", headers={"If-None-Match": tag}).status_code == 304


def test_allowlist_changes_change_the_etag(client, listed, partner):
    from indicators.services import allow_name

    tag = get(client, partner, "rpz.zone")["ETag"]
    allow_name(name=LISTED_DOMAIN)
    response = get(client, partner, "rpz.zone", headers={"If-None-Match": tag})
    assert response.status_code == 200 and f"{LISTED_DOMAIN} CNAME" not in body(response)


@pytest.mark.parametrize("name", sorted(feeds.FEEDS))
def test_gzip_on_request(client, listed, partner, name):
    plain = get(client, partner, name)
    packed = get(client, partner, name, headers={"Accept-Encoding": "br, gzip;q=0.8"})
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    assert packed["ETag"] == plain["ETag"]
    assert body(packed) == body(plain)
    refused = get(client, partner, name, headers={"Accept-Encoding": "gzip;q=0"})
    assert not refused.has_header("Content-Encoding")


def test_head_answers_headers_only(client, listed, partner):
    response = client.head("/feeds/indicators.csv", headers={"X-Api-Key": partner})
    assert response.status_code == 200 and response["X-List-Version"] == str(version())
    assert response.content == b""


# --- every kind -------------------------------------------------------------------------------


def test_csv_holds_every_listed_indicator_and_nothing_personal(client, listed, partner):
    text = body(get(client, partner, "indicators.csv"))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == formats.CSV_FIELDS
    values = {(r["kind"], r["value"]) for r in rows}
    assert ("domain", LISTED_DOMAIN) in values and ("phone", "+84912345678") in values
    assert ("url", LISTED_URL) in values and ("bank_account", "VCB:0071000986547") in values
    domain = next(r for r in rows if r["value"] == LISTED_DOMAIN)
    assert domain["category"] == "phishing" and domain["risk"] == "high"
    assert domain["listed_at"].endswith("Z")
    assert "0987654321" not in text and "Bí Mật" not in text


def test_json_feed(client, listed, partner):
    data = json.loads(body(get(client, partner, "indicators.json")))
    assert data["version"] == version() and data["since"] is None
    assert data["publisher"] == "Tỉnh Thử Nghiệm"
    item = next(i for i in data["indicators"] if i["value"] == LISTED_DOMAIN)
    assert set(item) == {
        "kind",
        "value",
        "category",
        "risk",
        "public_reason",
        "listed_at",
        "expires_at",
    }


def test_increments_carry_additions_and_removals(client, listed, partner):
    start = version()
    list_indicator(kind="url", value="http://moi-lua-dao.com/qua")
    delist_indicator(kind="phone", value="0912345678")
    data = json.loads(body(get(client, partner, "indicators.json", since=start)))
    assert data["since"] == start and data["version"] == version()
    actions = {(i["value"], i["action"]) for i in data["indicators"]}
    assert actions == {("http://moi-lua-dao.com/qua", "added"), ("+84912345678", "removed")}
    rows = list(
        csv.DictReader(io.StringIO(body(get(client, partner, "indicators.csv", since=start))))
    )
    assert {(r["action"], r["value"]) for r in rows} == {
        ("added", "http://moi-lua-dao.com/qua"),
        ("removed", "+84912345678"),
    }


def test_text_blocklist_increments_carry_additions_only(client, listed, partner):
    start = version()
    list_indicator(kind="domain", value="moi-lua-dao.com")
    delist_indicator(kind="domain", value=LISTED_DOMAIN)
    text = body(get(client, partner, "rpz.zone", since=start))
    assert "moi-lua-dao.com CNAME ." in text and f"{LISTED_DOMAIN} CNAME" not in text
    assert "additions only" in text
    assert f"{LISTED_DOMAIN}" not in body(get(client, partner, "rpz.zone"))


def test_since_must_be_a_known_version(client, listed, partner):
    assert get(client, partner, "rpz.zone", since="abc").status_code == 400
    assert get(client, partner, "rpz.zone", since="-1").status_code == 400
    future = get(client, partner, "rpz.zone", since=version() + 1)
    assert future.status_code == 400 and "mới hơn" in future.content.decode()
    assert get(client, partner, "rpz.zone", since=version()).status_code == 200


@pytest.mark.parametrize("since", ["²", "١", "٣", "１", "0x1", " 1", "1 ", "+1", "1" * 19])
def test_since_takes_ascii_digits_only(client, listed, partner, since):
    # "²" passed str.isdigit() and then failed int() (a 500); "١" was read as version 1.
    response = get(client, partner, "indicators.csv", since=since)
    assert response.status_code == 400
    assert "since phải là số phiên bản" in response.content.decode()


def test_since_of_ascii_digits_still_gives_an_increment(client, listed, partner):
    start = version()
    list_indicator(kind="domain", value="moi-lua-dao.com")
    response = get(client, partner, "indicators.csv", since=f"{start:03d}")
    assert response.status_code == 200
    assert "moi-lua-dao.com" in body(response) and LISTED_DOMAIN not in body(response)


# --- STIX and MISP ----------------------------------------------------------------------------


def test_stix_bundle_is_valid_for_the_validator_and_the_library(client, listed, partner):
    list_indicator(kind="ip", value="203.0.113.7")
    list_indicator(kind="url", value="http://lua.com/it's-a-trap\\x")  # quotes to escape
    text = body(get(client, partner, "stix.json"))
    results = validate_string(text, ValidationOptions(version="2.1"))
    assert results.is_valid, [str(e) for e in results.errors]
    bundle = stix2.parse(text, allow_custom=False)
    indicators = [o for o in bundle.objects if o.type == "indicator"]
    patterns = {o.pattern for o in indicators}
    assert f"[domain-name:value = '{LISTED_DOMAIN}']" in patterns
    assert "[ipv4-addr:value = '203.0.113.7']" in patterns
    assert "[email-addr:value = 'hotro.vcb@gmail.com']" in patterns
    assert f"[url:value = '{LISTED_URL}']" in patterns
    identity = next(o for o in bundle.objects if o.type == "identity")
    assert identity.name == "Tỉnh Thử Nghiệm"
    assert all(o.created_by_ref == identity.id for o in indicators)
    assert not any("phone" in o.pattern or "bank" in o.pattern for o in indicators)


def test_stix_increment_revokes_what_was_delisted(client, listed, partner):
    start = version()
    full = json.loads(body(get(client, partner, "stix.json")))
    delist_indicator(kind="domain", value=LISTED_DOMAIN)
    text = body(get(client, partner, "stix.json", since=start))
    assert validate_string(text, ValidationOptions(version="2.1")).is_valid
    [revoked] = [o for o in json.loads(text)["objects"] if o["type"] == "indicator"]
    original = next(
        o for o in full["objects"] if o.get("pattern") == f"[domain-name:value = '{LISTED_DOMAIN}']"
    )
    assert revoked["id"] == original["id"] and revoked["revoked"] is True
    assert revoked["modified"] >= original["modified"]


def test_misp_event(client, listed, partner):
    event = json.loads(body(get(client, partner, "misp.json")))["Event"]
    assert event["Orgc"]["name"] == "Tỉnh Thử Nghiệm" and event["threat_level_id"] == "2"
    by_value = {a["value"]: a for a in event["Attribute"]}
    assert by_value[LISTED_DOMAIN]["type"] == "domain"
    assert by_value[LISTED_DOMAIN]["category"] == "Network activity"
    assert by_value[LISTED_DOMAIN]["to_ids"] is True
    assert by_value["+84912345678"]["type"] == "phone-number"
    assert by_value["VCB:0071000986547"]["type"] == "bank-account-nr"
    assert by_value["hotro.vcb@gmail.com"]["type"] == "email-src"
    start = version()
    delist_indicator(kind="domain", value=LISTED_DOMAIN)
    increment = json.loads(body(get(client, partner, "misp.json", since=start)))["Event"]
    [gone] = increment["Attribute"]
    assert gone["deleted"] is True and gone["uuid"] == by_value[LISTED_DOMAIN]["uuid"]
