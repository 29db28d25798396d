"""Refreshing a case's figures from an older copy of the row keeps what verifiers changed
meanwhile (the filing task and a verifier work on the same case at the same time)."""

from __future__ import annotations

from reports.models import Case, CaseStatus
from reports.services import assign_case, close_case, compute_priority, refresh_case
from reports.tests.factories import make_report


def test_refresh_from_a_stale_copy_keeps_the_assignee_and_the_status(world):
    unit = world.unit("D1-C1")
    case = make_report(unit, "0912345678", money=100).cases.get()
    stale = Case.objects.get(pk=case.pk)  # what a filing task loaded before the verifier acted
    verifier = world.person("verifier_d1")
    assign_case(case=case, verifier=verifier, assignee=verifier)
    close_case(case=Case.objects.get(pk=case.pk), verifier=verifier, reason="Đã xử lý xong.")
    # A second report arrives; the task refreshes the case from its older copy.
    second = make_report(unit, "0987654321", money=50, filed=False)
    stale.reports.add(second)
    refresh_case(stale)
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.assigned_to == verifier
    assert fresh.status == CaseStatus.CLOSED
    assert fresh.closed_at is not None
    assert (fresh.report_count, fresh.money_lost) == (2, 150)
    # The priority is that of the closed case, not of the open one the task had loaded.
    assert fresh.priority == compute_priority(fresh)
