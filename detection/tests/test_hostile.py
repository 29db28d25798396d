"""Bad and hostile input: never a 500, always a clear Vietnamese answer; a tampered model is
refused and the one in use stays."""

import json
import logging

import pytest

from detection import classifier
from detection.analysis import analyse_message
from detection.models import DetectorModel
from indicators.matcher import reset_matcher

pytestmark = pytest.mark.django_db

ONE_MB = "Vietcombank thong bao tai khoan bi khoa, bam https://vcb-xacthuc.top ngay. " * 13_500
EMOJI = "😀🎉🔥💰🙏" * 40
BINARY = bytes(range(256)).decode("latin-1")  # every byte value, NUL and controls included


@pytest.fixture(autouse=True)
def clean_state():
    reset_matcher()
    classifier.reset_model()
    yield
    reset_matcher()
    classifier.reset_model()


@pytest.mark.parametrize("text", ["", "   \n\t ", EMOJI, BINARY, ONE_MB, "\ufffd" * 50, "\x00" * 9])
def test_analysis_function_answers_any_text(text):
    analysis = analyse_message(text)
    assert analysis.risk in ("low", "medium", "high")
    assert analysis.advice  # always something to tell the person


def test_analysis_of_emoji_only_or_empty_text_is_low_with_advice():
    for text in ("", EMOJI):
        analysis = analyse_message(text)
        assert analysis.risk == "low"
        assert "OTP" in analysis.advice[-1]


def test_a_one_megabyte_message_is_judged_on_its_first_characters_only():
    analysis = analyse_message(ONE_MB)
    assert len(analysis.text) == 5000
    assert analysis.risk == "high"


def post_page(client, body: bytes, **extra):
    return client.generic(
        "POST",
        "/kiem-tra-tin-nhan/",
        body,
        content_type="application/x-www-form-urlencoded",
        **extra,
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"text=", "Hãy dán nội dung tin nhắn"),
        (b"text=abc%00def", "NUL"),
        (b"text=" + b"a" * 1_000_000, "Tin nhắn quá dài"),
    ],
)
def test_check_page_refuses_bad_text_in_vietnamese(client, body, message):
    for extra in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = post_page(client, body, **extra)
        assert response.status_code in (200, 400)  # htmx partials answer 200
        html = response.content.decode()
        assert message in html
        assert "Null characters" not in html


def test_check_page_answers_invalid_utf8_and_emoji(client):
    for body in (b"text=%FF%FE%C3%28%E2%82", ("text=" + EMOJI).encode()):
        response = post_page(client, body)
        assert response.status_code == 200
        assert "Rủi ro thấp" in response.content.decode()


def post_api(client, body: bytes):
    return client.post("/api/detection/analyse", data=body, content_type="application/json")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (json.dumps({"text": ""}).encode(), 400),
        (json.dumps({"text": "abc\u0000def"}).encode(), 422),
        (json.dumps({"text": "a" * 1_000_000}).encode(), 400),
        (b'{"text": "\xff\xfe\xc3\x28"}', 400),  # not UTF-8
        (b"\x00\x01\x02binary", 400),  # not JSON
        (json.dumps({"text": "\ud800"}).encode(), 422),  # a lone surrogate
    ],
)
def test_api_refuses_bad_text_in_vietnamese(client, body, status):
    response = post_api(client, body)
    assert response.status_code == status
    detail = json.dumps(response.json(), ensure_ascii=False)
    assert any(ch in detail for ch in "ảạắằẳẵặâấầẩẫậđêếềểễệôốồổỗộơớờởỡợưứừửữựýỳỷỹỵ"), detail


def test_api_answers_emoji_only_text(client):
    response = post_api(client, json.dumps({"text": EMOJI}).encode())
    assert response.status_code == 200
    assert response.json()["risk"] == "low"


def test_a_tampered_model_is_refused_and_the_previous_one_stays_in_use(caplog):
    good = classifier.fit(classifier.split(classifier.load_seed())[0][::2])
    blob, signature = classifier.dump(good)
    first = DetectorModel.objects.create(blob=blob, signature=signature, active=True)
    in_use = classifier.get_model(refresh=True)
    probe = "Vay tiền nhanh không cần thế chấp, giải ngân trong 5 phút."
    expected = good.explain(probe).probability
    assert in_use.explain(probe).probability == pytest.approx(expected)
    # Someone with database access swaps in another model, without our secret key.
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    DetectorModel.objects.filter(pk=first.pk).update(active=False)
    DetectorModel.objects.create(blob=tampered, signature=signature, active=True)
    with caplog.at_level(logging.WARNING, logger="detection.classifier"):
        again = classifier.get_model(refresh=True)
    assert again is in_use
    assert "cannot be loaded" in caplog.text
    assert again.explain(probe).probability == pytest.approx(expected)
