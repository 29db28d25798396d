"""The public check page /kiem-tra-tin-nhan/ and the API POST /api/detection/analyse."""

import json

import pytest

from indicators.matcher import reset_matcher
from lib.ratelimit import fixed_clock

pytestmark = pytest.mark.django_db

SCAM = (
    "Vietcombank: tai khoan cua quy khach se bi khoa. Xac thuc ngay tai "
    "https://vietcombank-xacthuc.com truoc 17h hom nay."
)


@pytest.fixture(autouse=True)
def clean_matcher():
    reset_matcher()
    yield
    reset_matcher()


def test_page_shows_the_form_with_labels(client):
    response = client.get("/kiem-tra-tin-nhan/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'for="id_text"' in html and 'for="id_sender_type"' in html
    assert "Kiểm tra tin nhắn đáng ngờ" in html


def test_posting_a_message_without_javascript_renders_the_whole_page_with_reasons(client):
    response = client.post("/kiem-tra-tin-nhan/", {"text": SCAM, "sender_type": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and "Rủi ro cao" in html
    assert "vietcombank.com.vn" in html  # the reason names the official site
    assert "Nên làm gì" in html


def test_htmx_post_returns_only_the_result_partial(client):
    response = client.post("/kiem-tra-tin-nhan/", {"text": SCAM}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'data-testid="analysis"' in html


@pytest.mark.parametrize(
    ("text", "error"),
    [("", "Hãy dán nội dung tin nhắn"), ("x" * 5001, "Tin nhắn quá dài")],
)
def test_bad_input_gets_a_vietnamese_error(client, text, error):
    response = client.post("/kiem-tra-tin-nhan/", {"text": text})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    partial = client.post("/kiem-tra-tin-nhan/", {"text": text}, HTTP_HX_REQUEST="true")
    assert error in partial.content.decode()


def test_page_is_rate_limited(client, settings):
    settings.DETECTION_RATE_PER_MINUTE = 2
    with fixed_clock():  # the three requests in one window, whatever the time
        for _ in range(2):
            assert client.post("/kiem-tra-tin-nhan/", {"text": "xin chao"}).status_code == 200
        response = client.post("/kiem-tra-tin-nhan/", {"text": "xin chao"})
    assert response.status_code == 429
    assert "quá nhiều lần" in response.content.decode()


def post_api(client, payload):
    return client.post(
        "/api/detection/analyse", data=json.dumps(payload), content_type="application/json"
    )


def test_api_returns_risk_reasons_advice_indicators_and_classifier(client):
    response = post_api(client, {"text": SCAM, "sender_type": "personal_number"})
    assert response.status_code == 200
    data = response.json()
    assert data["risk"] == "high"
    assert data["reasons"] and data["advice"]
    assert {"probability", "top_phrases"} <= set(data["classifier"])
    web = [i for i in data["indicators"] if i["kind"] in ("url", "domain")]
    assert web and web[0]["lookalike"]["brand"] == "Vietcombank"


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"text": ""}, 400),
        ({"text": "x" * 5001}, 400),
        ({"text": "xin chao", "sender_type": "satellite"}, 400),
        ({}, 400),
    ],
)
def test_api_rejects_bad_input(client, payload, status):
    response = post_api(client, payload)
    assert response.status_code == status
    detail = response.json()["detail"]
    assert "tin nhắn" in detail.lower() or "sender_type chỉ nhận" in detail
