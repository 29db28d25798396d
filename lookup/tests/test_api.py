import pytest

from orgs.models import PartnerKey
from reports.tests.factories import make_report

from .helpers import LISTED_DOMAIN, build_list

pytestmark = pytest.mark.django_db

API = "/api/lookup"


@pytest.fixture
def listed():
    return build_list()


def test_single_check_by_get_gives_the_verdict_and_the_details(client, world, listed):
    make_report(world.unit("D1-C1"), LISTED_DOMAIN)
    response = client.get(f"{API}/check", {"q": f"http://www.{LISTED_DOMAIN}/x"})
    data = response.json()
    assert response.status_code == 200
    assert data["status"] == "listed" and data["match"] == "subdomain"
    assert data["category"] == "phishing" and data["risk"] == "high"
    assert data["public_reason"].startswith("Giả mạo trang đăng nhập")
    assert data["report_count"] == 1 and data["listed_since"]
    assert data["list_version"] >= 1
    assert LISTED_DOMAIN in data["message"]


def test_single_check_by_post_with_a_kind(client, listed):
    response = client.post(
        f"{API}/check", {"value": "0912.345.678", "kind": "phone"}, content_type="application/json"
    )
    data = response.json()
    assert response.status_code == 200
    assert (data["status"], data["kind"], data["value"]) == ("listed", "phone", "+84912345678")


def test_not_listed_and_allowlisted_answers(client, listed):
    unknown = client.get(f"{API}/check", {"q": "binh-thuong.vn"}).json()
    assert unknown["status"] == "not_listed" and "Chưa có thông tin" in unknown["message"]
    assert unknown["report_count"] is None and unknown["public_reason"] is None
    official = client.get(f"{API}/check", {"q": "gov.vn"}).json()
    assert official["status"] == "allowlisted" and official["allowlisted"] is True


def test_invalid_single_value_is_a_vietnamese_400(client, listed):
    response = client.get(f"{API}/check", {"q": "0071000986547"})
    assert response.status_code == 400 and "tên ngân hàng" in response.json()["detail"]
    response = client.get(f"{API}/check", {"q": "http://x.com", "kind": "nonsense"})
    assert response.status_code == 422


def test_batch_answers_in_order_with_the_same_verdicts(client, listed):
    values = [
        f"https://{LISTED_DOMAIN}/dang-nhap",
        "https://binh-thuong.vn/",
        {"value": "0912345678", "kind": "phone"},
        "khong phai gi ca ???",
        "https://www.facebook.com/",
    ]
    response = client.post(
        f"{API}/check-batch", {"values": values}, content_type="application/json"
    )
    data = response.json()
    assert response.status_code == 200
    assert [v["status"] for v in data["verdicts"]] == [
        "listed",
        "not_listed",
        "listed",
        "invalid",
        "allowlisted",
    ]
    assert data["verdicts"][3]["error"]
    single = client.get(f"{API}/check", {"q": values[0]}).json()
    for field in ("kind", "value", "status", "match", "category", "matched_value"):
        assert single[field] == data["verdicts"][0][field]


def test_a_batch_of_1000_is_fine_and_1001_is_refused_in_vietnamese(client, partner, listed):
    values = [f"https://trang-{i}.vn/" for i in range(1000)]
    headers = {"X-Api-Key": partner}
    ok = client.post(
        f"{API}/check-batch", {"values": values}, content_type="application/json", headers=headers
    )
    assert ok.status_code == 200 and len(ok.json()["verdicts"]) == 1000
    too_many = client.post(
        f"{API}/check-batch",
        {"values": values + ["https://one-more.vn/"]},
        content_type="application/json",
        headers=headers,
    )
    assert too_many.status_code == 422
    body = too_many.json()
    assert body["detail"] == "Dữ liệu gửi lên không hợp lệ."
    assert "nhiều quá 1000 phần tử" in body["errors"][0]["message"]


def test_keyless_use_is_limited_per_address(client, settings, listed, still_clock):
    settings.LOOKUP_API_RATE_PER_IP = 3
    codes = [client.get(f"{API}/check", {"q": "binh-thuong.vn"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_a_partner_key_has_its_own_limit_and_a_bad_key_is_refused(
    client, settings, world, listed, still_clock
):
    settings.LOOKUP_API_RATE_PER_IP = 1
    _key, raw = PartnerKey.issue(name="Đối tác", unit=world.unit("P"), rate_per_minute=5)
    codes = [
        client.get(f"{API}/check", {"q": "a.vn"}, headers={"X-Api-Key": raw}).status_code
        for _ in range(6)
    ]
    assert codes == [200] * 5 + [429]
    bad = client.get(f"{API}/check", {"q": "a.vn"}, headers={"X-Api-Key": "cg_sai"})
    assert bad.status_code == 401 and "Khoá API" in bad.json()["detail"]


def test_openapi_documents_the_lookup_endpoints(client):
    assert client.get("/api/docs").status_code == 200
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("check", "check-batch", "hashes:search", "hash-list"):
        assert f"{API}/{path}" in paths


LOOKALIKES = [
    "vietcombank-xacthuc.com/login",
    "vietcombank.com.vn.secure-login.xyz",
    "vietcomb\u0430nk.com.vn",  # Cyrillic "а"
]


def test_single_check_says_a_lookalike_is_suspicious_with_reasons_and_brand(client, listed):
    from lookup.api import CheckOut

    for raw in LOOKALIKES:
        data = client.get(f"{API}/check", {"q": raw}).json()
        assert data["status"] == "not_listed" and data["verdict"] == "suspicious"
        assert data["brand"] == "Vietcombank" and data["brand_official"] == "vietcombank.com.vn"
        assert data["reasons"] and "giả mạo Vietcombank" in data["message"]
        CheckOut.model_validate(data)  # the answer is what the OpenAPI document says
    idn = client.post(
        f"{API}/check", {"value": LOOKALIKES[2]}, content_type="application/json"
    ).json()
    assert idn["value"] == "xn--vietcombnk-6qi.com.vn" and idn["display_value"] == LOOKALIKES[2]
    assert idn["mixed_scripts"] == ["LATIN", "CYRILLIC"]


def test_single_check_of_a_hotline_and_of_an_official_site(client, listed):
    hotline = client.get(f"{API}/check", {"q": "1900545413"}).json()
    assert hotline["verdict"] == "official" and hotline["brand"] == "Vietcombank"
    assert hotline["phone"]["kind"] == "service" and hotline["phone"]["hotline_of"] == "Vietcombank"
    official = client.get(f"{API}/check", {"q": "vietcombank.com.vn"}).json()
    assert (official["status"], official["verdict"]) == ("allowlisted", "official")
    unknown = client.get(f"{API}/check", {"q": "binh-thuong.vn"}).json()
    assert unknown["verdict"] == "unknown" and unknown["reasons"] == []


def test_batch_answers_the_four_verdicts(client, listed):
    from lookup.api import BatchOut

    values = [*LOOKALIKES, LISTED_DOMAIN, "gov.vn", "binh-thuong.vn", "???", "1900 545413"]
    data = client.post(
        f"{API}/check-batch", {"values": values}, content_type="application/json"
    ).json()
    assert [v["verdict"] for v in data["verdicts"]] == [
        *["suspicious"] * 3,
        "listed",
        "official",
        "unknown",
        "invalid",
        "official",
    ]
    assert all(v["brand"] == "Vietcombank" and v["reasons"] for v in data["verdicts"][:3])
    BatchOut.model_validate(data)


def test_openapi_documents_the_verdict_reasons_and_brand(client):
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    fields = ("verdict", "reasons", "brand", "brand_official", "display_value", "mixed_scripts")
    for name in ("VerdictOut", "CheckOut"):
        properties = schemas[name]["properties"]
        for field in (*fields, "phone"):
            assert field in properties, (name, field)
    verdict = schemas["VerdictOut"]["properties"]["verdict"]
    assert set(verdict["enum"]) == {"listed", "suspicious", "official", "unknown", "invalid"}
    assert "hotline_of" in schemas["PhoneOut"]["properties"]
