"""NUL and control characters in training's URLs and forms: a 400 or a 404, never a 500 (a NUL
in a PostgreSQL query fails), and a Vietnamese message."""

import pytest
from django.test import RequestFactory

from orgs.models import Unit
from training.forms import AssignmentForm, clean_certificate_code
from training.public_views import certificate_verify

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/certificates/AB%00CD/", "/certificates/AB%1BCD/"])
def test_control_character_in_certificate_url_is_a_400_page(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "ký tự điều khiển" in response.content.decode()
    assert response["Content-Type"].startswith("text/html")


def test_nul_in_the_certificate_api_url_is_a_json_400(client):
    response = client.get("/api/training/certificates/AB%00CD")
    assert response.status_code == 400
    assert "ký tự điều khiển" in response.json()["detail"]


def test_nul_in_a_query_string_is_refused(client):
    response = client.get("/certificates/ABCDEFGHJKMN/?x=a%00b")
    assert response.status_code == 400


def test_line_breaks_in_a_query_value_pass_the_guard(client, db):
    # The check page's ?q= may carry a pasted message of several lines.
    response = client.get("/certificates/ABCDEFGHJKMN/?q=dong%201%0Adong%202")
    assert response.status_code == 404


def test_the_certificate_view_itself_never_queries_with_a_nul(db):
    # Behind the guard too: a code that cannot be one is "not found", before any query.
    response = certificate_verify(RequestFactory().get("/"), "AB\x00CD")
    assert response.status_code == 404


def test_certificate_code_cleaning():
    assert clean_certificate_code("abcd-efgh jkmn") == "ABCDEFGHJKMN"
    assert clean_certificate_code("ABCDEFGHJKM\x00") == ""
    assert clean_certificate_code("ABCD") == ""


def test_assignment_form_refuses_nul_in_vietnamese(world):
    form = AssignmentForm(
        data={
            "title": "Khoá\x00học",
            "unit": world.unit("D1").code,
            "deadline": "2999-01-01T08:00",
        },
        units=Unit.objects.all(),
    )
    assert not form.is_valid()
    assert "ký tự NUL" in form.errors["title"][0]
