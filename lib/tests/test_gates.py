"""lib.gates: the decorators every gated view uses, on their own (the views' tests cover the
answers each app gives)."""

import inspect

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from ninja import Status

from lib import gates, ratelimit
from lib.budget import BudgetExceeded, CpuBudget

pytestmark = pytest.mark.django_db


def refused(request, *args, **kwargs):
    return HttpResponse(f"refused {args} {sorted(kwargs)}", status=429)


def test_a_rate_limit_counts_only_the_methods_it_names_and_passes_the_view_arguments(settings):
    settings.GATES_TEST_RATE = 1

    @gates.rate_limited("gates-test", setting="GATES_TEST_RATE", default=5, refuse=refused,
                        methods=("POST",))  # fmt: skip
    def view(request, code):
        return HttpResponse(code)

    factory = RequestFactory()
    with ratelimit.fixed_clock():
        assert [view(factory.get("/"), "a").status_code for _ in range(3)] == [200, 200, 200]
        assert view(factory.post("/"), "a").status_code == 200
        second = view(factory.post("/"), "b")
    assert second.status_code == 429 and second.content == b"refused ('b',) []"


def test_a_window_of_the_fixed_clock_is_new_for_each_test_and_does_not_move():
    with ratelimit.fixed_clock() as first:
        assert ratelimit._now() == first
    with ratelimit.fixed_clock() as second:
        assert second - first >= 3600 and second % 60 == 30
    assert ratelimit._now() != second  # the wall clock again


def test_a_honeypot_answers_a_filled_field_from_a_form_or_a_payload():
    @gates.honeypot("website", answer=lambda request, *a, **k: HttpResponse("looks fine"))
    def view(request, payload=None):
        return HttpResponse("stored")

    factory = RequestFactory()
    assert view(factory.post("/", {"website": "x"})).content == b"looks fine"
    assert view(factory.post("/", {"website": ""})).content == b"stored"
    assert view(factory.get("/", {"website": "x"})).content == b"stored"  # POST only

    class Payload:
        website = "spam"

    assert view(factory.post("/"), payload=Payload()).content == b"looks fine"


def test_a_cpu_budget_is_handed_to_the_view_and_hidden_from_its_signature(settings):
    settings.GATES_TEST_CPU = 0.5
    seen = []

    @gates.cpu_budget(setting="GATES_TEST_CPU", default=2.0, refuse=refused)
    def view(request, budget: CpuBudget, value: str) -> HttpResponse:
        seen.append(budget.seconds)
        if value == "heavy":
            raise BudgetExceeded("too much")
        return HttpResponse(value)

    assert list(inspect.signature(view).parameters) == ["request", "value"]
    request = RequestFactory().post("/")
    assert view(request, value="light").content == b"light"
    heavy = view(request, value="heavy")
    assert heavy.status_code == 429 and heavy.content == b"refused () ['value']"
    assert seen == [0.5, 0.5]


def test_the_api_refusal_is_a_status_with_the_detail():
    answer = gates.api_refusal(429, "Gửi quá nhiều yêu cầu.")(RequestFactory().get("/"), q="x")
    assert isinstance(answer, Status)
    assert answer.status_code == 429 and answer.value == {"detail": "Gửi quá nhiều yêu cầu."}
