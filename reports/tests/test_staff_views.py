"""The verifiers' pages drive the workflow end to end."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import Indicator
from orgs.testing import sign_in_verified
from reports.models import Case, CaseNote, CaseStatus
from reports.services import add_note, assign_case
from reports.tests.factories import make_report
from reports.workflow import propose_listing

pytestmark = pytest.mark.django_db


def act(client, case, action, data=None):
    return client.post(
        reverse("reports:case-action", args=[case.pk, action]), data or {}, follow=True
    )


def test_staff_pages_need_the_verify_permission(client, world):
    assert client.get(reverse("reports:queue")).status_code == 302  # to the sign-in page
    sign_in_verified(client, world.person("manager_d1"))
    assert client.get(reverse("reports:queue")).status_code == 403
    assert client.get(reverse("reports:appeals")).status_code == 403
    assert client.get(reverse("reports:import")).status_code == 403


def test_queue_lists_figures_of_each_case(client, world):
    make_report(world.unit("D1-C1"), "0912345678", money=5_000_000)
    make_report(world.unit("D1-C2"), "0912345678", money=1_000_000)
    sign_in_verified(client, world.person("verifier_d1"))
    page = client.get(reverse("reports:queue")).content.decode()
    assert "+84912345678" in page and "6.000.000" in page
    assert 'data-label="Số tố giác">2</td>' in page  # two reports in the case


def test_propose_then_confirm_through_the_pages(client, world):
    case = make_report(world.unit("D1-C1"), "http://gia-mao.com/x").cases.get()
    proposal_form = {
        "category": "phishing",
        "risk": "high",
        "public_reason": "Trang giả mạo ngân hàng.",
        "expires_at": "",
    }
    sign_in_verified(client, world.person("verifier_d1"))
    page = act(client, case, "propose", proposal_form).content.decode()
    assert "Cần một xác minh viên khác xác nhận" in page
    proposal = case.proposals.get()
    page = act(client, case, "confirm", {"proposal": proposal.pk}).content.decode()
    assert "bốn mắt" in page
    assert Indicator.objects.get().status == "under_review"
    sign_in_verified(client, world.person("verifier_province"))
    page = act(client, case, "confirm", {"proposal": proposal.pk}).content.decode()
    assert "Đã xác nhận" in page
    assert Indicator.objects.get().status == "listed"
    assert "Xác nhận đề xuất" in page  # the audit trail on the page


def test_assign_note_merge_and_split_through_the_pages(client, world):
    a = make_report(world.unit("D1-C1"), "0912345678").cases.get()
    b = make_report(world.unit("D1-C2"), "0977123456", "http://lua.com/b").cases.get()
    sign_in_verified(client, world.person("verifier_d1"))
    act(client, a, "assign", {"assignee": "verifier_d1"})
    a.refresh_from_db()
    assert a.assigned_to.username == "verifier_d1"
    page = act(client, a, "assign", {"assignee": "verifier_d2"}).content.decode()
    assert "Người được giao phải là xác minh viên" in page
    act(client, a, "note", {"text": "Đã gọi cho nạn nhân."})
    assert CaseNote.objects.get().text == "Đã gọi cho nạn nhân."
    page = act(client, b, "merge", {"target": str(a.pk), "reason": "Cùng một nhóm."})
    assert page.redirect_chain[-1][0] == reverse("reports:case", args=[a.pk])
    b.refresh_from_db()
    assert b.status == CaseStatus.MERGED and a.indicators.count() == 3
    url = Indicator.objects.get(value="http://lua.com/b")
    page = act(client, a, "split", {"indicator": [url.pk], "reason": "Khác vụ."}).content.decode()
    assert "Đã tách thành hồ sơ" in page
    new = Case.objects.exclude(pk__in=[a.pk, b.pk]).get()
    assert list(new.indicators.all()) == [url]
    # A merged case's page forwards to the case it went into.
    response = client.get(reverse("reports:case", args=[b.pk]))
    assert response.status_code == 302 and response["Location"].endswith(f"/cases/{a.pk}/")


def test_decide_and_close_through_the_pages(client, world):
    case = make_report(world.unit("D2"), "0912345678").cases.get()
    sign_in_verified(client, world.person("verifier_d2"))
    page = act(client, case, "decide", {"status": "cleared", "reason": ""}).content.decode()
    assert "Hãy ghi lý do" in page
    act(client, case, "decide", {"status": "cleared", "reason": "Số của shipper thật."})
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    act(client, case, "reopen", {"reason": "Có thêm thông tin."})
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert client.post(reverse("reports:case-action", args=[case.pk, "nope"])).status_code == 404


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _grow(world, case, verifier, n: int) -> None:
    """n more reports in the case and in cases of their own, a note and a proposal."""
    for i in range(n):
        unit = world.unit("D1-C2" if i % 2 else "D1-C1")
        make_report(unit, "0912345678", f"http://gia-mao-{i}.com/x", contact_phone="0987654321")
        make_report(unit, f"http://rieng-{n}-{i}.com/")
    add_note(case=case, author=verifier, text="Đã gọi cho người tố giác.")
    propose_listing(
        case=case, verifier=verifier, category="phishing", risk="high", public_reason="Giả mạo."
    )


def test_queue_and_case_pages_do_not_query_per_row(client, world):
    verifier = world.person("verifier_d1")
    case = make_report(world.unit("D1-C1"), "0912345678", contact_phone="0987654321").cases.get()
    assign_case(case=case, verifier=verifier, assignee=verifier)
    _grow(world, case, verifier, 1)
    sign_in_verified(client, verifier)
    queue, detail = reverse("reports:queue"), reverse("reports:case", args=[case.pk])
    few = (_queries(client, queue), _queries(client, detail))
    _grow(world, case, verifier, 4)
    assert Case.objects.count() >= 6 and case.reports.count() >= 6
    assert (_queries(client, queue), _queries(client, detail)) == few
