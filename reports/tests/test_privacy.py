"""Reporter contact and evidence only for verifiers of the report's unit; retention purge."""

import os
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orgs.testing import sign_in_verified
from reports.evidence import clean_file
from reports.models import AuditEvent, Evidence, Report
from reports.services import purge_personal_data
from reports.tasks import purge_personal_data_task
from reports.tests.factories import make_report, png_bytes
from reports.workflow import decide_indicators

pytestmark = pytest.mark.django_db


@pytest.fixture
def d2_report(world):
    return make_report(
        world.unit("D2-C1"),
        "0912345678",
        contact_phone="0987654321",
        files=[clean_file(png_bytes(), "a.png")],
    )


def test_district_verifier_cannot_see_another_districts_reporter_contact(client, world, d2_report):
    case = d2_report.cases.get()
    sign_in_verified(client, world.person("verifier_d1"))
    assert client.get(reverse("reports:case", args=[case.pk])).status_code == 404
    queue = client.get(reverse("reports:queue")).content.decode()
    assert f"#{case.pk}<" not in queue
    evidence = Evidence.objects.get()
    assert client.get(reverse("reports:evidence", args=[evidence.pk])).status_code == 403


def test_province_and_own_district_verifiers_see_the_contact(client, world, d2_report):
    case = d2_report.cases.get()
    for name in ("verifier_province", "verifier_d2"):
        sign_in_verified(client, world.person(name))
        page = client.get(reverse("reports:case", args=[case.pk])).content.decode()
        assert "+84987654321" in page and "Nguyễn Văn Bí Mật" in page
        evidence = Evidence.objects.get()
        response = client.get(reverse("reports:evidence", args=[evidence.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert "sandbox" in response["Content-Security-Policy"]


def test_shared_case_hides_contact_of_reports_from_other_districts(client, world, d2_report):
    d1_report = make_report(world.unit("D1-C1"), "0912345678", contact_phone="0977000111")
    case = d1_report.cases.get()
    assert case.unit == world.unit("P")  # spans two districts
    sign_in_verified(client, world.person("verifier_d1"))
    page = client.get(reverse("reports:case", args=[case.pk])).content.decode()
    assert "+84977000111" in page  # their own district's reporter
    assert "+84987654321" not in page and "Nguyễn Văn Bí Mật" in page.replace(
        "+84977000111", ""
    )  # the name shown is their own reporter's
    assert page.count('data-testid="personal"') == 1
    assert "việc xác minh do cấp trên phụ trách" in page  # a province case: they only read it
    response = client.post(reverse("reports:case-action", args=[case.pk, "note"]), {"text": "x"})
    assert response.status_code == 403


def test_tracking_page_shows_only_the_status(client, world, d2_report):
    response = client.get(reverse("reports:track-code", args=[d2_report.tracking_code]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Đã tiếp nhận" in body
    for secret in ("987654321", "Bí Mật", "0912345678", "+84912345678", d2_report.description):
        assert secret not in body
    assert client.get(reverse("reports:track-code", args=["AAAAAAAAAAAA"])).status_code == 404
    lookup = client.get(reverse("reports:track"), {"code": d2_report.tracking_code.lower()})
    assert lookup.status_code == 302


def test_purge_blanks_personal_fields_of_closed_old_reports(
    world, settings, immediate_tasks, django_capture_on_commit_callbacks
):
    settings.REPORTS_RETENTION_DAYS = 30
    old = make_report(
        world.unit("D1"),
        "0912345678",
        contact_phone="0987654321",
        files=[clean_file(png_bytes(), "a.png")],
    )
    open_old = make_report(world.unit("D1"), "0977123456", contact_phone="0987654322")
    recent = make_report(world.unit("D1"), "0966123456", contact_phone="0987654323")
    long_ago = timezone.now() - timedelta(days=31)
    Report.objects.filter(pk__in=[old.pk, open_old.pk]).update(created_at=long_ago)
    case = old.cases.get()
    decide_indicators(case=case, verifier=world.person("verifier_d1"), status="cleared", reason="x")
    stored = Evidence.objects.get().file.path
    with django_capture_on_commit_callbacks(execute=True):
        purge_personal_data_task.enqueue()
    old.refresh_from_db()
    open_old.refresh_from_db()
    recent.refresh_from_db()
    assert (
        old.purged_at and old.contact_phone == "" and old.contact_name == "" and not old.description
    )
    assert old.indicators.count() == 1  # the scam's record stays
    assert not Evidence.objects.exists()
    assert not os.path.exists(stored)
    assert open_old.contact_phone == "+84987654322"  # its case is still open
    assert recent.contact_phone == "+84987654323"
    assert AuditEvent.objects.filter(action="purged", actor=None).exists()
    assert purge_personal_data().reports == 0  # nothing left to purge


def test_staff_queue_filters_by_unit_type_and_status(client, world):
    a = make_report(world.unit("D1-C1"), "0912345678", scam_type="romance").cases.get()
    b = make_report(world.unit("D2-C1"), "0977123456", scam_type="loan_app").cases.get()
    sign_in_verified(client, world.person("verifier_province"))
    url = reverse("reports:queue")

    def shown(**params):
        page = client.get(url, params).content.decode()
        return {c.pk for c in (a, b) if f'href="/staff/reports/cases/{c.pk}/"' in page}

    assert shown() == {a.pk, b.pk}
    assert shown(unit="D1") == {a.pk}
    assert shown(type="loan_app") == {b.pk}
    assert shown(status="closed") == set()


def test_public_upload_evidence_is_never_served_publicly(client, world, d2_report):
    evidence = Evidence.objects.get()
    response = client.get(reverse("reports:evidence", args=[evidence.pk]))
    assert response.status_code == 302 and "/staff/login/" in response["Location"]


def test_tracking_lookup_with_an_empty_code_asks_again(client, world):
    response = client.get(reverse("reports:track"), {"code": "--"})
    assert response.status_code == 200
    assert "Mã theo dõi gồm chữ cái và chữ số." in response.content.decode()
