"""Filing reports into cases at its edges (issue 15, point 7): which case a report joins, the
unit a case belongs to, when a closed case opens again, and a filing run twice. Found by the
mutation run of bench/mutation.py: each test names the rule a changed line would break."""

import pytest

from indicators.models import Indicator, Status
from reports.models import AuditAction, AuditEvent, Case, CaseStatus, Report
from reports.services import REPORT_SOURCE, _common_unit, file_report

from .factories import make_report

pytestmark = pytest.mark.django_db


def test_filing_links_the_indicators_marks_the_report_and_happens_once(world):
    report = make_report(world.unit("D1-C1"), "0912345678", "http://lua-dao.com/x", filed=False)
    assert Report.objects.get(pk=report.pk).filed_at is None
    filed = file_report(report_id=report.pk)
    assert filed is not None and filed.pk == report.pk and filed.filed_at is not None
    stored = Report.objects.get(pk=report.pk)
    assert stored.filed_at == filed.filed_at
    assert set(stored.indicators.values_list("value", flat=True)) == {
        "+84912345678",
        "http://lua-dao.com/x",
    }
    indicator = Indicator.objects.get(value="+84912345678")
    assert indicator.source == REPORT_SOURCE
    assert file_report(report_id=report.pk) is None  # a second run
    assert file_report(report_id=report.pk + 1000) is None  # gone
    assert stored.cases.count() == 1


def test_filing_one_report_leaves_the_other_unfiled_reports_alone(world):
    waiting = make_report(world.unit("D1-C1"), "0912345678", filed=False)
    mine = make_report(world.unit("D2-C1"), "http://lua-dao.com/x", filed=False)
    file_report(report_id=mine.pk)
    assert list(mine.indicators.values_list("value", flat=True)) == ["http://lua-dao.com/x"]
    assert Report.objects.get(pk=waiting.pk).filed_at is None
    assert not waiting.indicators.exists() and not waiting.cases.exists()


@pytest.mark.parametrize(
    ("codes", "common"),
    [
        (["D1-C1"], "D1-C1"),
        (["D1-C1", "D1-C2"], "D1"),
        (["D1", "D1-C2"], "D1"),
        (["D1-C1", "D2-C1"], "P"),
        (["D2-C1", "D1-C1", "D1-C2"], "P"),
    ],
)
def test_the_unit_of_a_case_is_the_lowest_one_covering_its_reports(world, codes, common):
    assert _common_unit(world.unit(c) for c in codes) == world.unit(common)


def test_no_units_have_no_common_unit():
    assert _common_unit([]) is None


def test_a_report_naming_indicators_of_two_cases_joins_both_and_brings_its_new_one(world):
    first = make_report(world.unit("D1-C1"), "0912345678").cases.get()
    second = make_report(world.unit("D1-C1"), "0977123456").cases.get()
    assert first != second
    both = make_report(world.unit("D1-C1"), "0977123456", "0912345678", "0988000111")
    assert set(both.cases.all()) == {first, second}
    # The loose (new) indicator joins the case of the first indicator that had one.
    new = Indicator.objects.get(value="+84988000111")
    assert list(Case.objects.filter(indicators=new)) == [second]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.report_count, second.report_count) == (2, 2)


def test_reports_without_indicators_each_get_a_case_of_their_own(world):
    one = make_report(world.unit("D2"), description="Bị gọi điện giả công an").cases.get()
    two = make_report(world.unit("D2"), description="Bị gọi điện giả công an").cases.get()
    assert one != two and one.unit == world.unit("D2")


def close(case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)


def test_a_new_report_reopens_a_closed_case_unless_all_its_indicators_are_listed(world):
    case = make_report(world.unit("D1"), "0912345678", "0977123456").cases.get()
    Indicator.objects.filter(value="+84912345678").update(status=Status.LISTED)
    close(case)
    make_report(world.unit("D1"), "0912345678")
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN  # one indicator was not listed yet
    reopened = AuditEvent.objects.get(action=AuditAction.CASE_REOPENED, case=case)
    assert (reopened.actor, reopened.reason) == (None, "Có tố giác mới.")

    Indicator.objects.filter(value="+84977123456").update(status=Status.LISTED)
    close(case)
    make_report(world.unit("D1"), "0977123456")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED  # everything listed: nothing new to decide
    assert case.report_count == 3


def test_a_new_report_in_a_closed_case_is_counted_in_its_figures(world):
    case = make_report(world.unit("D1-C1"), "0912345678", money=100).cases.get()
    close(case)
    make_report(world.unit("D2-C1"), "0912345678", money=50)
    case.refresh_from_db()
    assert (case.report_count, case.money_lost, case.unit) == (2, 150, world.unit("P"))
