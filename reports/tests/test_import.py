"""Bulk import of indicators with a dry run."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from indicators.models import Indicator, ListChange
from lib.shared_data import shared_file
from orgs.testing import sign_in_verified
from reports.importing import import_indicators
from reports.models import AuditEvent
from reports.services import WorkflowError

pytestmark = pytest.mark.django_db


def run(world, data, fmt, *, dry_run, who="verifier_province", **extra):
    return import_indicators(
        data=data,
        fmt=fmt,
        source=extra.pop("source", "Danh sách thử"),
        category=extra.pop("category", "scam"),
        listed_by=world.person(who),
        dry_run=dry_run,
        **extra,
    )


def test_plain_list_dry_run_writes_nothing(world):
    data = "# danh sách\n0912345678\nhttp://lua.com/a\nkhong hop le\n0912 345 678\n"
    result = run(world, data, "list", dry_run=True)
    assert result.counts == {"add": 2, "invalid": 1, "duplicate": 1}
    assert not Indicator.objects.exists() and not AuditEvent.objects.exists()


def test_import_lists_and_records_who_and_the_source(world):
    result = run(world, "0912345678\nhttp://lua.com/a\n", "list", dry_run=False)
    assert result.counts == {"add": 2}
    assert Indicator.objects.filter(status="listed", source="Danh sách thử").count() == 2
    assert ListChange.objects.count() == 2
    events = AuditEvent.objects.filter(action="imported")
    assert events.count() == 2
    assert {e.actor_label for e in events} == {"verifier_province"}
    assert all("Danh sách thử" in e.reason for e in events)
    again = run(world, "0912345678\n", "list", dry_run=True, category="phishing")
    assert again.counts == {"change": 1}
    same = run(world, "0912345678\n", "list", dry_run=True)
    assert same.counts == {"unchanged": 1}


def test_csv_with_and_without_header(world):
    with_header = "value,kind,category\n0912345678,phone,phishing\nabc.vn,domain,\n"
    result = run(world, with_header, "csv", dry_run=False)
    assert result.counts == {"add": 2}
    assert Indicator.objects.get(value="+84912345678").category == "phishing"
    assert Indicator.objects.get(value="abc.vn").category == "scam"
    plain = run(world, "0977123456,phone,bogus\n", "csv", dry_run=True)
    assert plain.rows[0].outcome == "invalid" and "Phân loại" in plain.rows[0].message


def test_json_with_wildcards_and_types(world):
    data = json.dumps(
        [
            {"url": "http://acb-online.co/*", "type": "phishing", "level": "high"},
            {"url": "https://www.facebook.com/nhom-lua/*", "type": "scam", "level": "medium"},
            {"url": "*.lua-dao.xyz", "type": "scam", "level": "high"},
            {"url": "http://tin-tuc.com/*", "type": "bad_sensitive_content", "level": "high"},
            {"url": "http://facebook.com/*", "type": "scam", "level": "high"},
            {"url": "http://14.182.113.62/*", "type": "scam", "level": "high"},
            "0912345678",
        ]
    )
    result = run(world, data, "json", dry_run=True)
    rows = {r.raw: r for r in result.rows}
    assert (rows["http://acb-online.co/*"].kind, rows["http://acb-online.co/*"].value) == (
        "domain",
        "acb-online.co",
    )
    assert rows["http://acb-online.co/*"].category == "phishing"
    fb = rows["https://www.facebook.com/nhom-lua/*"]
    assert (fb.kind, fb.value, fb.risk) == ("url", "https://www.facebook.com/nhom-lua/", "medium")
    assert rows["*.lua-dao.xyz"].value == "lua-dao.xyz"
    assert rows["http://tin-tuc.com/*"].outcome == "out_of_scope"
    assert rows["http://facebook.com/*"].outcome == "allowlisted"
    assert (rows["http://14.182.113.62/*"].kind, rows["http://14.182.113.62/*"].value) == (
        "ip",
        "14.182.113.62",
    )
    assert result.counts["add"] == 5


def test_real_import_needs_a_province_verifier(world):
    with pytest.raises(PermissionDenied):
        run(world, "0912345678\n", "list", dry_run=False, who="verifier_d1")
    assert run(world, "0912345678\n", "list", dry_run=True, who="verifier_d1").counts == {"add": 1}
    with pytest.raises(WorkflowError):
        run(world, "not json", "json", dry_run=True)


@pytest.mark.slow
def test_imports_the_chongluadao_typed_blacklist(world):
    path = shared_file("chongluadao/typed-blacklist-2021.json")
    if path is None:
        pytest.skip("../shared/data/chongluadao/typed-blacklist-2021.json is absent")
    data = path.read_bytes()
    dry = run(world, data, "json", dry_run=True, source="Chống Lừa Đảo 2021")
    entries = json.loads(data)
    assert len(dry.rows) == len(entries)
    assert not Indicator.objects.exists()
    counts = dry.counts
    out_of_scope = sum(1 for e in entries if e["type"] == "bad_sensitive_content")
    assert counts["out_of_scope"] == out_of_scope
    assert counts["add"] > 600 and counts.get("invalid", 0) == 0
    result = run(world, data, "json", dry_run=False, source="Chống Lừa Đảo 2021")
    assert result.counts == counts
    listed = Indicator.objects.filter(status="listed")
    assert listed.count() == counts["add"]
    assert listed.filter(kind="domain", value="acb-online.co", category="phishing").exists()
    assert AuditEvent.objects.filter(action="imported").count() == counts["add"]
    again = run(world, data, "json", dry_run=True, source="Chống Lừa Đảo 2021")
    assert again.counts.get("add", 0) == 0
    assert again.counts["unchanged"] == counts["add"]


def test_import_page_dry_run_and_permission(client, world):
    sign_in_verified(client, world.person("verifier_d1"))
    url = reverse("reports:import")
    form = {
        "text": "0912345678",
        "fmt": "list",
        "source": "Thử",
        "category": "scam",
        "risk": "high",
    }
    page = client.post(url, {**form, "dry_run": "on"})
    assert page.status_code == 200 and "thêm vào danh sách" in page.content.decode()
    refused = client.post(url, form)
    assert refused.status_code == 403 and not Indicator.objects.exists()
    sign_in_verified(client, world.person("verifier_province"))
    done = client.post(url, form)
    assert done.status_code == 200 and Indicator.objects.get().status == "listed"


@pytest.mark.slow
def test_imports_the_chongluadao_url_list_in_one_request(world, django_assert_max_num_queries):
    """34,467 lines from the real list: it used to crash on "acbbank.xyz", and listing one row at
    a time took longer than a worker may answer (35 s here)."""
    path = shared_file("chongluadao/urls.txt")
    if path is None:
        pytest.skip("../shared/data/chongluadao/urls.txt is absent")
    data = path.read_text(encoding="utf-8")
    lines = [line for line in data.splitlines() if line.strip() and not line.startswith("#")]
    with django_assert_max_num_queries(1200):
        result = run(world, data, "list", dry_run=False, source="Chống Lừa Đảo")
    assert len(result.rows) == len(lines)
    added = result.counts["add"]
    assert added >= 34_000
    assert Indicator.objects.filter(status="listed").count() == added
    assert ListChange.objects.count() == added
    assert AuditEvent.objects.filter(action="imported").count() == added
