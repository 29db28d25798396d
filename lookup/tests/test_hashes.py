import base64
import hashlib
import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from indicators.matcher import get_matcher, reset_matcher
from indicators.models import Indicator
from indicators.services import delist_indicator, list_indicator
from indicators.urlcanon import full_hash, url_expressions
from lookup import hashes
from lookup.client import PrivateClient, urllib_transport

from .helpers import LISTED_DOMAIN, LISTED_URL, build_list

API = "/api/lookup"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def prefixes_of(url: str) -> list[str]:
    return [b64(full_hash(e)[:4]) for e in url_expressions(url)]


def search(client, prefixes: list[str]):
    return client.post(
        f"{API}/hashes:search", {"hash_prefixes": prefixes}, content_type="application/json"
    )


@pytest.mark.django_db
def test_search_returns_the_full_hashes_that_share_a_prefix_with_their_category(client):
    build_list()
    url = f"https://login.{LISTED_DOMAIN}/a/b?c=d"
    response = search(client, prefixes_of(url))
    data = response.json()
    assert response.status_code == 200 and data["cache_duration"] == "300s"
    returned = {base64.b64decode(h["full_hash"]): h for h in data["full_hashes"]}
    expected = full_hash(f"{LISTED_DOMAIN}/")
    assert returned[expected]["category"] == "phishing"
    assert returned[expected]["kind"] == "domain"


@pytest.mark.django_db
def test_search_never_answers_a_domain_listing_of_an_allowlisted_name(client):
    build_list()  # chinhphu.vn is listed, and allowlisted
    data = search(client, prefixes_of("https://chinhphu.vn/")).json()
    assert data["full_hashes"] == []
    # ... while a URL listing on a shared platform is answered.
    data = search(client, prefixes_of(LISTED_URL + "/")).json()
    assert [h["kind"] for h in data["full_hashes"]] == ["url"]


@pytest.mark.django_db
def test_search_checks_its_input(client):
    assert search(client, ["không-phải-base64"]).status_code == 400
    assert search(client, [b64(b"abc")]).status_code == 400  # 3 bytes
    too_many = search(client, [b64(i.to_bytes(4, "big")) for i in range(1001)])
    assert too_many.status_code == 422


@pytest.mark.django_db
def test_hash_list_holds_every_prefix_and_its_checksum(client):
    build_list()
    data = client.get(f"{API}/hash-list").json()
    raw = base64.b64decode(data["prefixes"])
    assert data["reset"] is True and data["count"] == len(raw) // 4
    assert raw == get_matcher().hash_prefixes()
    assert data["sha256"] == hashlib.sha256(raw).hexdigest()
    assert full_hash(f"{LISTED_DOMAIN}/")[:4] in {raw[i : i + 4] for i in range(0, len(raw), 4)}


@pytest.mark.django_db
def test_hash_list_since_a_version_gives_additions_and_removals(client):
    build_list()
    start = client.get(f"{API}/hash-list").json()
    held = {base64.b64decode(start["prefixes"])[i : i + 4] for i in range(0, start["count"] * 4, 4)}
    list_indicator(kind="url", value="http://moi-lua-dao.com/nhan-qua")
    delist_indicator(kind="domain", value=LISTED_DOMAIN)
    soon = list_indicator(kind="domain", value="sap-het-han.com")
    Indicator.objects.filter(pk=soon.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    reset_matcher()
    diff = client.get(f"{API}/hash-list", {"since": start["list_version"]}).json()
    assert diff["reset"] is False and diff["since"] == start["list_version"]
    additions = base64.b64decode(diff["additions"])
    removals = base64.b64decode(diff["removals"])
    assert full_hash("moi-lua-dao.com/nhan-qua")[:4] in additions
    assert full_hash(f"{LISTED_DOMAIN}/")[:4] in removals
    assert full_hash("sap-het-han.com/")[:4] in removals  # expired: no ListChange, still removed
    updated = (held - {removals[i : i + 4] for i in range(0, len(removals), 4)}) | {
        additions[i : i + 4] for i in range(0, len(additions), 4)
    }
    assert hashlib.sha256(b"".join(sorted(updated))).hexdigest() == diff["sha256"]


@pytest.mark.django_db
def test_hash_list_refuses_a_version_from_the_future(client):
    build_list()
    version = client.get(f"{API}/hash-list").json()["list_version"]
    response = client.get(f"{API}/hash-list", {"since": version + 5})
    assert response.status_code == 400 and "mới hơn" in response.json()["detail"]


@pytest.mark.django_db
def test_a_large_diff_falls_back_to_the_whole_list(client, monkeypatch):
    build_list()
    monkeypatch.setattr(hashes, "MAX_DIFF_CHANGES", 2)
    data = client.get(f"{API}/hash-list", {"since": 0}).json()
    assert data["reset"] is True and data["prefixes"]


# --- the reference client against a real server ------------------------------------------------


class Recording:
    """The default urllib transport, keeping every request it sends."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, bytes | None]] = []
        self.inner = urllib_transport()

    def __call__(self, method, url, body, headers):
        self.sent.append((method, url, body))
        return self.inner(method, url, body, headers)


@pytest.mark.django_db(transaction=True)
def test_round_trip_finds_a_listed_url_and_the_server_never_sees_it(live_server):
    build_list()
    url = f"https://secure.{LISTED_DOMAIN}/dang-nhap/xac-thuc?ma=123456"
    recording = Recording()
    result = PrivateClient(live_server.url, transport=recording).check_url(url)
    assert result.listed and result.asked_server
    assert [(m.expression, m.category) for m in result.matches] == [
        (f"{LISTED_DOMAIN}/", "phishing")
    ]
    [(method, target, body)] = recording.sent
    assert method == "POST" and target.endswith("/api/lookup/hashes:search")
    assert url not in target and body is not None
    sent = json.loads(body)
    assert set(sent) == {"hash_prefixes"}
    text = body.decode()
    assert LISTED_DOMAIN not in text and "dang-nhap" not in text and "123456" not in text
    for expression in url_expressions(url):
        digest = full_hash(expression)
        assert b64(digest) not in text and digest.hex() not in text  # no full hash at all
        assert b64(digest[:4]) in sent["hash_prefixes"]
    assert all(len(base64.b64decode(p)) == 4 for p in sent["hash_prefixes"])


@pytest.mark.django_db(transaction=True)
def test_round_trip_for_a_url_not_listed_and_a_listed_profile(live_server):
    build_list()
    list_indicator(kind="social_profile", value="https://www.facebook.com/vcb.ho.tro.khach.hang")
    client = PrivateClient(live_server.url)
    assert not client.check_url("https://binh-thuong.vn/trang").listed
    profile = client.check_url("https://m.facebook.com/vcb.ho.tro.khach.hang?ref=share")
    assert profile.listed and profile.matches[0].kind == "social_profile"


@pytest.mark.django_db(transaction=True)
def test_a_synced_client_asks_only_about_prefixes_in_its_copy(live_server):
    build_list()
    recording = Recording()
    client = PrivateClient(live_server.url, transport=recording)
    local = client.sync()
    assert local.version >= 1 and full_hash(f"{LISTED_DOMAIN}/")[:4] in local.prefixes
    recording.sent.clear()
    assert not client.check_url("https://binh-thuong.vn/trang").listed
    assert recording.sent == []  # nothing left the machine
    list_indicator(kind="domain", value="moi-lua-dao.com")
    client.sync()
    assert recording.sent[-1][1].endswith(f"?since={local.version}")  # a diff, not the list
    assert client.check_url("http://www.moi-lua-dao.com/").listed


@pytest.mark.django_db(transaction=True)
def test_check_url_command_private_round_trip(live_server):
    build_list()
    out = io.StringIO()
    url = f"http://{LISTED_DOMAIN}/dang-nhap"
    call_command("check-url", "--private", "--server", live_server.url, url, stdout=out)
    text = out.getvalue()
    assert "tiền tố băm 4 byte" in text and "listed:" in text and "phishing" in text
    out = io.StringIO()
    call_command("check-url", "--private", "--server", live_server.url, "https://a.vn/", stdout=out)
    assert "not_listed" in out.getvalue()


@pytest.mark.django_db
def test_check_url_command_in_process():
    build_list()
    out = io.StringIO()
    call_command("check-url", f"https://{LISTED_DOMAIN}/", stdout=out)
    assert out.getvalue().startswith("listed:")
