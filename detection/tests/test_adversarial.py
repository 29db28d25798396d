"""The analysis of a message takes time linear in the message, and the API stops a heavy one.

The same worst cases as indicators/tests/test_adversarial.py, through everything a pasted message
meets: the analysis (extraction, look-alike scores, rules, the classifier), the rules alone, the
look-alike scorer, folding and cleaning.
"""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detection import lookalike
from detection.analysis import analyse_message
from detection.classifier import get_model
from detection.lookalike import score_domain, score_host, score_url
from detection.rules import broken_words, evaluate
from detection.text import MAX_MESSAGE_CHARS, clean, fold
from indicators.matcher import MatcherIndex
from indicators.tests.growth import assert_fast, assert_linear, uncached, worst
from indicators.tests.test_adversarial import UNITS
from indicators.urlcanon import public_suffix

IDS = [name for name, _unit, _prefix in UNITS]
UNITS_MORE = [*UNITS, ("unordered marks", "\u0302\u0323", "e"), ("ệ a-", "ệ a-", "")]
IDS_MORE = [name for name, _unit, _prefix in UNITS_MORE]
EMPTY = MatcherIndex([])
CACHES = (public_suffix, lookalike.segment, lookalike._score_host)


@pytest.fixture
def analyse():
    # The analysis reads which trained model is active from the database: read it once here.
    model = get_model(refresh=True)
    return uncached(lambda text: analyse_message(text, matcher=EMPTY, model=model), *CACHES)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "unit", "prefix"), UNITS_MORE, ids=IDS_MORE)
def test_analysis_is_linear_up_to_the_longest_message(analyse, name, unit, prefix):
    sizes = (MAX_MESSAGE_CHARS // 4, MAX_MESSAGE_CHARS // 2, MAX_MESSAGE_CHARS)
    assert_linear(analyse, lambda n: worst(unit, n, prefix=prefix), sizes=sizes)


def _rules(text: str) -> object:
    return evaluate(fold(text))


@pytest.mark.parametrize(
    "func",
    [uncached(f, *CACHES) for f in (_rules, broken_words, fold, clean, score_domain, score_url)],
    ids=lambda f: f.__name__,
)
@pytest.mark.parametrize(("name", "unit", "prefix"), UNITS_MORE, ids=IDS_MORE)
def test_rules_scorer_and_folding_are_linear(func, name, unit, prefix):
    assert_linear(func, lambda n: worst(unit, n, prefix=prefix))


@pytest.mark.parametrize("unit", ["a.", "xn--a.", "a-.", "vietcombank.", "xn--vitcombank-m7a."])
def test_look_alike_scores_are_linear_in_the_number_of_labels(unit):
    # Canonical hosts are at most 253 characters, but score_host is public.
    assert_linear(uncached(score_host, *CACHES), lambda n: worst(unit, n) + "com")


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(alphabet="a-.:/@%x n0 1[]()ặб", max_size=MAX_MESSAGE_CHARS))
def test_analysis_takes_under_a_second_on_any_message(text):
    model = get_model()
    assert_fast(lambda t: analyse_message(t, matcher=EMPTY, model=model), text)
    assert_fast(_rules, text)


# --- the API's limits -------------------------------------------------------------------------


def post(client, text):
    body = json.dumps({"text": text})
    return client.post("/api/detection/analyse", data=body, content_type="application/json")


@pytest.mark.django_db
def test_a_message_over_its_cpu_budget_is_refused_with_503(client, settings):
    message = "Vietcombank: tài khoản bị khoá, xác thực tại https://vietcombank-xacthuc.com ngay."
    assert post(client, message).status_code == 200
    settings.DETECTION_ANALYSE_CPU_SECONDS = 0
    response = post(client, message)
    assert response.status_code == 503
    assert "quá nặng" in response.json()["detail"]


@pytest.mark.django_db
def test_an_oversized_message_is_refused_before_anything_reads_it(client, settings):
    # Under any budget: the length is checked first, even before sender_type.
    settings.DETECTION_ANALYSE_CPU_SECONDS = 0
    body = json.dumps({"text": "http://xn--" + "a-" * 100_000, "sender_type": "satellite"})
    response = client.post("/api/detection/analyse", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "quá dài" in response.json()["detail"]


@pytest.mark.django_db
def test_a_body_of_unordered_combining_marks_is_cheap_to_refuse(client):
    # NFC of e + (U+0302 U+0323) x 100,000 by unicodedata alone: about 40 s of CPU.
    body = json.dumps({"text": "e" + "\u0302\u0323" * 100_000})
    assert_fast(
        lambda data: client.post(
            "/api/detection/analyse", data=data, content_type="application/json"
        ),
        body,
    )
