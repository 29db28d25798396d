"""The JSON API for bots and partner apps."""

import base64

import pytest

from orgs.models import PartnerKey
from reports.models import Evidence, Report
from reports.tests.factories import png_bytes

pytestmark = pytest.mark.django_db

URL = "/api/reports/"


def body(**extra):
    data = {
        "channel": "zalo",
        "scam_type": "job_task",
        "message_text": "Viec nhe luong cao, lien he Zalo 0912345678, chuyen coc vao STK 0071000986547 Vietcombank",
        "unit_code": "D2-C1",
    }
    data.update(extra)
    return data


@pytest.fixture
def partner(world):
    key, raw = PartnerKey.issue(name="Zalo bot", unit=world.unit("P"), rate_per_minute=3)
    return key, raw


def test_api_submission_with_a_partner_key(client, world, partner, immediate_tasks):
    key, raw = partner
    response = client.post(URL, body(), content_type="application/json", HTTP_X_API_KEY=raw)
    assert response.status_code == 201, response.content
    data = response.json()
    report = Report.objects.get(tracking_code=data["tracking_code"])
    assert report.partner_key == key and report.source == "api"
    assert report.unit == world.unit("D2-C1")
    assert set(report.indicators.values_list("kind", flat=True)) == {"phone", "bank_account"}
    assert data["status"] == "received"


def test_retried_submission_with_the_same_idempotency_key_is_stored_once(client, world, partner):
    _key, raw = partner
    headers = {"HTTP_X_API_KEY": raw, "HTTP_IDEMPOTENCY_KEY": "zalo-msg-8812"}
    first = client.post(URL, body(), content_type="application/json", **headers)
    second = client.post(URL, body(), content_type="application/json", **headers)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["tracking_code"] == second.json()["tracking_code"]
    assert Report.objects.count() == 1


def test_idempotency_key_in_the_body_without_partner_key(client, world):
    first = client.post(URL, body(idempotency_key="k1"), content_type="application/json")
    second = client.post(URL, body(idempotency_key="k1"), content_type="application/json")
    other = client.post(URL, body(idempotency_key="k2"), content_type="application/json")
    assert first.json()["tracking_code"] == second.json()["tracking_code"]
    assert other.json()["tracking_code"] != first.json()["tracking_code"]
    assert Report.objects.count() == 2


def test_idempotency_race_stores_one_report(world):
    """Two requests that both passed the first look-up: the unique constraint decides."""
    from unittest import mock

    from reports.models import Report as R
    from reports.submission import ReportInput, submit_report

    data = ReportInput(channel="sms", scam_type="other", unit=world.unit("D1"), description="x")
    first, created = submit_report(
        data=data, files=[], source="api", idempotency_scope="ip:a", idempotency_key="same"
    )
    real_filter = R.objects.filter
    calls = {"n": 0}

    def blind_first_lookup(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            return R.objects.none()
        return real_filter(*args, **kwargs)

    with mock.patch.object(R.objects, "filter", side_effect=blind_first_lookup):
        again, created_again = submit_report(
            data=data, files=[], source="api", idempotency_scope="ip:a", idempotency_key="same"
        )
    assert created and not created_again and again.pk == first.pk
    assert R.objects.count() == 1


def test_unknown_api_key_is_refused(client, world):
    response = client.post(URL, body(), content_type="application/json", HTTP_X_API_KEY="cg_nope")
    assert response.status_code == 401
    assert "Khoá API không hợp lệ" in response.json()["detail"]


def test_per_key_rate_limit(client, world, partner, still_clock):
    _key, raw = partner  # 3 a minute
    codes = [
        client.post(URL, body(), content_type="application/json", HTTP_X_API_KEY=raw).status_code
        for _ in range(4)
    ]
    assert codes == [201, 201, 201, 429]
    assert Report.objects.count() == 3


def test_per_address_rate_limit_without_key(client, world, settings, still_clock):
    settings.REPORTS_API_RATE_PER_IP = 2
    codes = [
        client.post(URL, body(), content_type="application/json").status_code for _ in range(3)
    ]
    assert codes == [201, 201, 429]
    other = client.post(URL, body(), content_type="application/json", REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 201


def test_api_honeypot_stores_nothing(client, world):
    response = client.post(URL, body(website="x"), content_type="application/json")
    assert response.status_code == 201 and len(response.json()["tracking_code"]) == 12
    assert not Report.objects.exists()


def test_api_evidence_is_checked_and_reencoded(client, world, media_files):
    good = base64.b64encode(png_bytes()).decode()
    fake = base64.b64encode(b"not an image at all").decode()
    bad = client.post(
        URL,
        body(evidence=[{"data_base64": good}, {"data_base64": fake, "filename": "a.jpg"}]),
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert any("a.jpg" in e and "không phải ảnh" in e for e in bad.json()["errors"])
    assert not Report.objects.exists() and media_files() == []
    ok = client.post(URL, body(evidence=[{"data_base64": good}]), content_type="application/json")
    assert ok.status_code == 201
    assert Evidence.objects.get().content_type == "image/png"


def test_api_errors_are_vietnamese(client, world):
    response = client.post(
        URL,
        body(indicators=["khong hop le", {"value": "0912345678", "kind": "phone"}], unit_code="X"),
        content_type="application/json",
    )
    assert response.status_code == 400
    errors = " ".join(response.json()["errors"])
    assert "khong hop le" in errors and "Không nhận ra" in errors


def test_api_schema_limits_lengths(client, world):
    response = client.post(URL, body(description="x" * 4001), content_type="application/json")
    assert response.status_code == 422
    assert not Report.objects.exists()


def test_status_endpoint_shows_status_and_nothing_personal(client, world):
    created = client.post(
        URL,
        body(contact_name="Lê Bí Mật", contact_phone="0987654321"),
        content_type="application/json",
    ).json()
    response = client.get(f"{URL}status/{created['tracking_code'].lower()}")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "received" and data["kind"] == "report"
    assert (
        "Bí Mật" not in response.content.decode() and "987654321" not in response.content.decode()
    )
    assert client.get(f"{URL}status/ABCDEFGHJKMN").status_code == 404


def test_openapi_documents_the_limits(client, world):
    schema = client.get("/api/openapi.json").json()
    report_in = schema["components"]["schemas"]["ReportIn"]["properties"]
    assert report_in["description"]["maxLength"] == 4000
