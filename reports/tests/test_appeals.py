"""Appeals: the owner of a listed value asks for delisting; verifiers answer before a deadline."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from indicators.models import Indicator
from indicators.services import list_indicator
from orgs.testing import sign_in_verified
from reports.models import Appeal, AppealStatus, Evidence
from reports.tests.factories import make_report, png_bytes
from reports.workflow import confirm_listing, propose_listing

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed_case(world):
    report = make_report(world.unit("D1-C1"), "http://shop-that.vn/")
    case = report.cases.get()
    propose_listing(
        case=case,
        verifier=world.person("verifier_d1"),
        category="scam",
        risk="medium",
        public_reason="Bán hàng không giao.",
        levels={case.indicators.get().pk: "url"},  # these tests appeal against a URL listing
    )
    confirm_listing(case=case, verifier=world.person("verifier_province"))
    return case


def appeal_data(**extra):
    data = {
        "kind": "url",
        "value": "http://shop-that.vn/",
        "owner_name": "Công ty TNHH Shop Thật",
        "owner_contact": "lienhe@shop-that.vn",
        "explanation": "Chúng tôi là chủ trang, có giấy phép kinh doanh đính kèm.",
        "website": "",
    }
    data.update(extra)
    return data


def test_owner_files_an_appeal_and_gets_a_tracking_code(client, world, listed_case):
    upload = SimpleUploadedFile("giay-phep.png", png_bytes(), "image/png")
    response = client.post(reverse("reports:appeal-form"), {**appeal_data(), "evidence": [upload]})
    assert response.status_code == 200, response.content.decode()
    appeal = Appeal.objects.get()
    assert appeal.tracking_code in response.content.decode()
    assert appeal.indicator.value == "http://shop-that.vn/"
    assert appeal.unit == world.unit("D1-C1")  # the unit of the case that listed it
    assert timezone.now() + timedelta(days=6) < appeal.deadline < timezone.now() + timedelta(days=8)
    assert Evidence.objects.get().appeal == appeal


def test_appeal_for_a_value_that_is_not_listed_is_refused(client, world):
    response = client.post(reverse("reports:appeal-form"), appeal_data(value="http://khac.vn/"))
    assert response.status_code == 400
    assert "không nằm trong danh sách cảnh báo" in response.content.decode()
    assert not Appeal.objects.exists()


def test_appeal_covers_a_url_under_a_listed_domain(client, world):
    list_indicator(kind="domain", value="lua-dao.vn", category="scam")
    response = client.post(
        reverse("reports:appeal-form"), appeal_data(value="https://www.lua-dao.vn/trang")
    )
    assert response.status_code == 200
    appeal = Appeal.objects.get()
    assert appeal.indicator.kind == "domain" and appeal.unit == world.unit("P")


def test_verifiers_see_appeals_of_their_scope_with_the_deadline(client, world, listed_case):
    client.post(reverse("reports:appeal-form"), appeal_data())
    appeal = Appeal.objects.get()
    sign_in_verified(client, world.person("verifier_d2"))
    assert appeal.tracking_code not in client.get(reverse("reports:appeals")).content.decode()
    assert client.get(reverse("reports:appeal", args=[appeal.pk])).status_code == 404
    sign_in_verified(client, world.person("verifier_d1"))
    page = client.get(reverse("reports:appeals")).content.decode()
    assert appeal.tracking_code in page
    assert timezone.localtime(appeal.deadline).strftime("%d/%m/%Y") in page
    Appeal.objects.filter(pk=appeal.pk).update(deadline=timezone.now() - timedelta(hours=1))
    assert "quá hạn" in client.get(reverse("reports:appeals")).content.decode()


def test_upheld_appeal_needs_two_verifiers_and_shows_on_the_tracking_page(
    client, world, listed_case
):
    client.post(reverse("reports:appeal-form"), appeal_data())
    appeal = Appeal.objects.get()
    url = lambda action: reverse("reports:appeal-action", args=[appeal.pk, action])  # noqa: E731
    sign_in_verified(client, world.person("verifier_d1"))
    client.post(url("delist"), {"reason": "Chủ trang đã chứng minh, gỡ cảnh báo."})
    proposal = appeal.proposals.get()
    client.post(url("confirm"), {"proposal": proposal.pk})  # same person: refused
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.RECEIVED
    assert Indicator.objects.get().status == "listed"
    sign_in_verified(client, world.person("verifier_province"))
    client.post(url("confirm"), {"proposal": proposal.pk})
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.DELISTED
    assert Indicator.objects.get().status == "cleared"
    page = client.get(reverse("reports:track-code", args=[appeal.tracking_code])).content.decode()
    assert "đã gỡ khỏi danh sách cảnh báo" in page
    assert "Chủ trang đã chứng minh" in page
    assert "lienhe@shop-that.vn" not in page


def test_rejected_appeal_keeps_the_listing(client, world, listed_case):
    client.post(reverse("reports:appeal-form"), appeal_data())
    appeal = Appeal.objects.get()
    sign_in_verified(client, world.person("verifier_d1"))
    client.post(
        reverse("reports:appeal-action", args=[appeal.pk, "reject"]),
        {"reason": "Nhiều người bị lừa đã chuyển tiền."},
    )
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REJECTED and appeal.decided_by is not None
    assert appeal.decided_by.username == "verifier_d1"
    assert Indicator.objects.get().status == "listed"
    response = client.get("/api/reports/status/" + appeal.tracking_code)
    assert response.json()["kind"] == "appeal" and response.json()["status"] == "rejected"
    assert "Nhiều người bị lừa" in response.json()["decision"]
