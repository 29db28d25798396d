"""Schemathesis against the API's own OpenAPI document (issue 11, point 10).

Every operation of `canhgiac.api.api` gets generated requests, valid and invalid, sent in process
through the WSGI application into the test database, once without a key (a citizen) and once
with a partner's X-Api-Key. The answers must never be a server error and must match the
document: a documented status code, a documented content type and a body that the documented
schema accepts. The run is bounded (MAX_EXAMPLES per operation) and derandomised, so that a
failure comes back on the next run.
"""

from __future__ import annotations

import copy

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from canhgiac.api import api
from canhgiac.wsgi import application

MAX_EXAMPLES = 25

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# Generous enough that fuzzing measures the endpoints, not the limiter (429 has its own tests).
RATE_SETTINGS = (
    "REPORTS_API_RATE_PER_IP",
    "REPORTS_TRACK_RATE_PER_IP",
    "LOOKUP_API_RATE_PER_IP",
    "LOOKUP_BATCH_RATE_PER_IP",
    "LOOKUP_HASH_RATE_PER_IP",
    "LOOKUP_HASH_LIST_RATE_PER_IP",
    "DETECTION_RATE_PER_MINUTE",
)

# A text holding NUL: PostgreSQL refuses it in a text column, SQLite stores it. Random strings
# seldom carry one, so every free-text field and parameter gets it as a documented example,
# which schemathesis's coverage phase always sends.
EDGE_TEXT = "a\x00b"


def _free_text(schema: dict) -> bool:
    constrained = {"enum", "format", "pattern", "const"} & set(schema)
    fits = schema.get("minLength", 0) <= len(EDGE_TEXT) <= schema.get("maxLength", 10**9)
    return schema.get("type") == "string" and not constrained and fits


def _with_edge_examples(document: dict) -> dict:
    """The document with EDGE_TEXT as an example of every unconstrained string property and
    parameter; nothing that decides what is valid or what is answered changes."""
    document = copy.deepcopy(document)
    for component in document.get("components", {}).get("schemas", {}).values():
        for prop in component.get("properties", {}).values():
            # A plain string, or the string of an optional one (anyOf string, null).
            for option in [prop, *prop.get("anyOf", [])]:
                if _free_text(option):
                    option["examples"] = [EDGE_TEXT]
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                # Schemathesis reads a parameter's own example (a path's too), not its schema's.
                if _free_text(parameter.get("schema", {})):
                    parameter["example"] = EDGE_TEXT
    return document


schema = schemathesis.openapi.from_dict(_with_edge_examples(api.get_openapi_schema()))
schema.app = application


@pytest.fixture
def fuzz_world(world, settings):
    """The shared world, a small list (so that some checks answer "listed"), high limits, and a
    clean process state (matcher, reserved tokens) before and after."""
    from indicators.matcher import reset_matcher
    from lookup import limits
    from lookup.tests.helpers import build_list

    for name in RATE_SETTINGS:
        setattr(settings, name, 1_000_000)
    reset_matcher()
    limits.reset()
    build_list()
    yield world
    reset_matcher()
    limits.reset()


@pytest.fixture(params=["anonymous", "partner"])
def caller(request, fuzz_world) -> dict[str, str]:
    """The headers of the caller: none (per-address limits), or a partner's key."""
    from orgs.models import PartnerKey

    if request.param == "anonymous":
        return {}
    unit = fuzz_world.unit("P")
    _key, raw = PartnerKey.issue(name="Đối tác thử", unit=unit, rate_per_minute=1_000_000)
    return {"X-Api-Key": raw}


@pytest.fixture
def in_test_transaction():
    """A WSGI server closes the database connection after each request (Django's signals);
    here it must stay open inside the test's transaction, as with Django's test client."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_answers_conform_to_its_openapi_document(case, caller, in_test_transaction):
    case.call_and_validate(headers=caller, checks=CHECKS)
