"""One text policy and one set of bounds for the report form and its API; idempotency that never
loses a report. Run on SQLite and on PostgreSQL (where NUL in a query used to be a 500)."""

import json

import pytest
from django.urls import reverse

from orgs.models import PartnerKey
from reports.models import Report

pytestmark = pytest.mark.django_db

URL = "/api/reports/"


def body(**extra):
    data = {
        "channel": "zalo",
        "scam_type": "job_task",
        "description": "Họ gọi mời làm cộng tác viên",
        "indicators": ["0912345678"],
        "unit_code": "D2-C1",
    }
    data.update(extra)
    return data


def post(client, data, **headers):
    return client.post(URL, json.dumps(data), content_type="application/json", **headers)


def messages(response) -> str:
    data = response.json()
    parts = [data.get("detail", "")]
    for error in data.get("errors", []):
        parts.append(error["message"] if isinstance(error, dict) else error)
    return " ".join(parts)


@pytest.fixture
def partner(world):
    _key, raw = PartnerKey.issue(name="Zalo bot", unit=world.unit("P"), rate_per_minute=100)
    return raw


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.REPORTS_API_RATE_PER_IP = 1000
    settings.REPORTS_FORM_RATE_PER_IP = 1000


# --- NUL, control characters, surrogates, bidi controls --------------------------------------

TEXT_FIELDS = ["description", "message_text", "contact_name", "contact_phone", "contact_email"]


@pytest.mark.parametrize("field", [*TEXT_FIELDS, "unit_code", "idempotency_key"])
def test_nul_in_any_text_field_is_refused_in_vietnamese(client, world, field):
    response = post(client, body(**{field: "ab\x00cd"}))
    assert response.status_code in (400, 422), response.content
    assert "NUL" in messages(response) and "không được phép" in messages(response)
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    "indicators",
    [["09123\x0045678"], [{"value": "http://lua\x00dao.vn/x", "kind": "url"}]],
)
def test_nul_in_an_indicator_is_refused(client, world, indicators):
    response = post(client, body(indicators=indicators))
    assert response.status_code == 400, response.content
    assert "NUL" in messages(response)
    assert not Report.objects.exists()


def test_nul_in_an_evidence_filename_is_refused(client, world):
    evidence = [{"data_base64": "aGVsbG8=", "filename": "a\x00.png"}]
    response = post(client, body(evidence=evidence))
    assert response.status_code == 422 and "NUL" in messages(response)


def test_a_lone_surrogate_is_refused_not_a_500(client, world):
    raw = json.dumps(body(), ensure_ascii=False).replace('"Họ gọi', '"\\ud800Họ gọi')
    response = client.post(URL, raw, content_type="application/json")
    assert response.status_code == 422
    assert "Unicode không hợp lệ" in messages(response)
    assert not Report.objects.exists()


def test_control_character_in_a_name_is_refused(client, world):
    response = post(client, body(contact_name="Lê\x1bVăn"))
    assert response.status_code == 422
    assert "ký tự điều khiển" in messages(response) and "U+001B" in messages(response)


def test_bidi_override_in_contact_name_is_refused(client, world):
    response = post(client, body(contact_name="Nguyễn \u202eA"))
    assert response.status_code == 422
    assert "đổi chiều chữ" in messages(response)
    assert not Report.objects.exists()


def test_bidi_override_in_an_indicator_is_refused(client, world):
    response = post(client, body(indicators=["http://vietcombank.com.vn\u202e/nv.apk"]))
    assert response.status_code == 400
    assert "đổi chiều chữ" in messages(response)
    assert not Report.objects.exists()


def test_free_text_keeps_line_breaks_and_is_stored_in_nfc(client, world):
    decomposed = "Ho\u0323 go\u0323i\r\nlần hai\tnữa"  # "Họ gọi" written with combining dots
    response = post(client, body(description=decomposed))
    assert response.status_code == 201, response.content
    assert Report.objects.get().description == "Họ gọi\nlần hai\tnữa"


# --- dates, amounts, emails: the bounds of the form ------------------------------------------


@pytest.mark.parametrize("value", ["0001-01-01", "1999-12-31", "2999-01-01"])
def test_loss_date_out_of_bounds_is_refused(client, world, value):
    response = post(client, body(lost_on=value))
    assert response.status_code == 400
    assert "Ngày mất tiền không thể" in messages(response)


@pytest.mark.parametrize("value", [True, 5.5, "5000000", -1, 10**14])
def test_money_lost_must_be_a_plain_integer_within_bounds(client, world, value):
    response = post(client, body(money_lost=value))
    assert response.status_code == 422, (value, response.content)
    assert "money_lost" in messages(response)


def test_money_lost_integer_is_accepted(client, world):
    response = post(client, body(money_lost=5_000_000, lost_on="2024-05-01"))
    assert response.status_code == 201
    assert Report.objects.get().money_lost == 5_000_000


@pytest.mark.parametrize("email", ["scam..er@bidv-hotro.vn", "a@b", "khong-co-a-cong", "a b@c.vn"])
def test_an_unchecked_contact_email_is_refused(client, world, email):
    response = post(client, body(contact_email=email))
    assert response.status_code == 400
    assert "Email liên hệ không hợp lệ" in messages(response)


def test_an_invalid_email_indicator_never_becomes_its_domain(client, world):
    response = post(client, body(indicators=["scam..er@bidv-hotro.vn"]))
    assert response.status_code == 400
    assert "email" in messages(response).lower()
    explicit = post(
        client, body(indicators=[{"value": "scam..er@bidv-hotro.vn", "kind": "domain"}])
    )
    assert explicit.status_code == 400
    assert not Report.objects.exists()


def form_data(world, **extra):
    data = {
        "channel": "zalo",
        "scam_type": "job_task",
        "description": "Họ gọi mời làm cộng tác viên",
        "indicators": "0912345678",
        "unit": world.unit("D2-C1").code,
    }
    data.update(extra)
    return data


SAME_ANSWER = [
    ("lost_on", "0001-01-01", "0001-01-01", "Ngày mất tiền không thể trước"),
    ("lost_on", "2999-01-01", "2999-01-01", "Ngày mất tiền không thể ở tương lai"),
    ("contact_email", "scam..er@bidv-hotro.vn", "scam..er@bidv-hotro.vn", "Email liên hệ không"),
    ("contact_name", "Nguyễn \u202eA", "Nguyễn \u202eA", "đổi chiều chữ"),
    ("description", "ab\x00cd", "ab\x00cd", "NUL"),
    ("indicators", "scam..er@bidv-hotro.vn", ["scam..er@bidv-hotro.vn"], "Phần trước @ của email"),
    ("indicators", "0912\u202e345678", ["0912\u202e345678"], "đổi chiều chữ"),
]


@pytest.mark.parametrize(("field", "form_value", "api_value", "said"), SAME_ANSWER)
def test_the_form_and_the_api_refuse_the_same_input_alike(
    client, world, field, form_value, api_value, said
):
    form = client.post(reverse("reports:form"), form_data(world, **{field: form_value}))
    assert form.status_code == 400
    assert said in form.content.decode()
    api = post(client, body(**{field: api_value}))
    assert api.status_code in (400, 422)
    assert said in messages(api)
    assert not Report.objects.exists()


def test_the_form_refuses_money_that_is_not_digits(client, world):
    form = client.post(reverse("reports:form"), form_data(world, money_lost="true"))
    assert form.status_code == 400 and not Report.objects.exists()


# --- idempotency ------------------------------------------------------------------------------


def test_partner_same_key_other_content_is_409_with_the_first_code(client, world, partner):
    headers = {"HTTP_X_API_KEY": partner, "HTTP_IDEMPOTENCY_KEY": "msg-1"}
    first = post(client, body(), **headers)
    other = post(client, body(description="Một chuyện khác hẳn"), **headers)
    assert first.status_code == 201
    assert other.status_code == 409
    assert other.json()["tracking_code"] == first.json()["tracking_code"]
    assert first.json()["tracking_code"] in other.json()["detail"]
    assert "nội dung khác" in other.json()["detail"]
    assert Report.objects.count() == 1


def test_partner_retry_with_the_same_content_answers_the_same_code(client, world, partner):
    headers = {"HTTP_X_API_KEY": partner, "HTTP_IDEMPOTENCY_KEY": "msg-2"}
    first = post(client, body(), **headers)
    # The same report, keys in another order and the phone number written another way.
    retry = post(
        client, {**dict(reversed(body().items())), "indicators": ["+84 912 345 678"]}, **headers
    )
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["tracking_code"] == first.json()["tracking_code"]
    assert Report.objects.count() == 1


@pytest.mark.parametrize("second_address", ["203.0.113.7", "198.51.100.20"])
def test_two_anonymous_phones_with_the_same_key_both_get_their_report(
    client, world, second_address
):
    # Two phones behind one carrier NAT (the same address), or on two addresses.
    first = post(client, body(idempotency_key="1"), REMOTE_ADDR="203.0.113.7")
    second = post(
        client,
        body(idempotency_key="1", description="Tôi bị lừa chuyển tiền đặt cọc"),
        REMOTE_ADDR=second_address,
    )
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["tracking_code"] != second.json()["tracking_code"]
    assert Report.objects.count() == 2


def test_anonymous_retry_after_a_network_change_is_one_report(client, world):
    # Same key, same content; the phone moved from Wi-Fi to 4G between the tries.
    first = post(client, body(idempotency_key="k-77"), REMOTE_ADDR="192.0.2.1")
    retry = post(client, body(), REMOTE_ADDR="198.51.100.9", HTTP_IDEMPOTENCY_KEY="k-77")
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["tracking_code"] == first.json()["tracking_code"]
    assert Report.objects.count() == 1


def test_the_409_is_documented(client, world):
    schema = client.get("/api/openapi.json").json()
    responses = schema["paths"]["/api/reports/"]["post"]["responses"]
    assert "409" in responses


def test_form_resent_after_editing_is_a_second_report(client, world):
    once = form_data(world, submission_id="sub-1")
    client.post(reverse("reports:form"), once)
    client.post(reverse("reports:form"), once)  # a double click
    assert Report.objects.count() == 1
    edited = {**once, "description": "Họ gọi lần nữa, đòi thêm tiền"}
    response = client.post(reverse("reports:form"), edited)
    assert response.status_code == 200
    assert Report.objects.count() == 2


# --- the other doors: lookup, check page, detection, URLs --------------------------------------


def test_lookup_api_refuses_an_invalid_email_instead_of_checking_its_domain(client, world):
    for response in (
        client.post(
            "/api/lookup/check",
            {"value": "scam..er@bidv-hotro.vn"},
            content_type="application/json",
        ),
        client.get("/api/lookup/check", {"q": "scam..er@bidv-hotro.vn"}),
    ):
        assert response.status_code == 400
        assert "email" in response.json()["detail"]
    batch = client.post(
        "/api/lookup/check-batch",
        {
            "values": [
                "scam..er@bidv-hotro.vn",
                {"value": "scam..er@bidv-hotro.vn", "kind": "domain"},
            ]
        },
        content_type="application/json",
    )
    assert batch.status_code == 200
    assert [v["status"] for v in batch.json()["verdicts"]] == ["invalid", "invalid"]


def test_lookup_api_refuses_nul_and_bidi_per_value(client, world):
    single = client.post(
        "/api/lookup/check", {"value": "ehoaq\x00.com"}, content_type="application/json"
    )
    assert single.status_code == 400 and "NUL" in single.json()["detail"]
    assert client.get("/api/lookup/check?q=ehoaq%00.com").status_code == 400
    batch = client.post(
        "/api/lookup/check-batch",
        {"values": ["ehoaq\x00.com", "ehoaq.com\u202e", "ehoaq.com"]},
        content_type="application/json",
    )
    verdicts = batch.json()["verdicts"]
    assert [v["status"] for v in verdicts] == ["invalid", "invalid", "not_listed"]
    assert "NUL" in verdicts[0]["error"] and "đổi chiều chữ" in verdicts[1]["error"]


def test_check_page_refuses_a_control_character(client, world):
    response = client.post(reverse("lookup:check"), {"q": "Tin nhan\x00 la 0912345678"})
    assert response.status_code == 400
    assert "NUL" in response.content.decode()
    assert "\x00" not in response.content.decode()


def test_detection_api_refuses_nul_in_vietnamese(client, world):
    response = client.post(
        "/api/detection/analyse",
        {"text": "Chuc mung\x00 ban trung thuong"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "NUL" in messages(response)


def test_nul_in_a_status_code_url_is_refused(client, world):
    assert client.get(f"{URL}status/AB%00CD").status_code == 400
    assert client.get("/to-giac/theo-doi/?code=AB%00CD").status_code == 400
    assert client.get("/to-giac/theo-doi/AB%00CD/").status_code == 400
