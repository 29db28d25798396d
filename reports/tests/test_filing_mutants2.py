"""Filing and submitting at their failure edges (issue 15, point 7): which unfiled report a run
files, a report joining a case that already holds its indicator, and the evidence files of a
submission that fails after they were written. Found by the mutation run of bench/mutation.py."""

from types import SimpleNamespace

import pytest
from django.db import IntegrityError

from reports.evidence import CleanFile
from reports.models import Case, Report
from reports.services import file_report
from reports.submission import submit_report

from .factories import make_report
from .test_submission_mutants import data_for

pytestmark = pytest.mark.django_db

PNG = CleanFile(content=b"png bytes", content_type="image/png", extension="png")


def test_filing_the_older_of_two_unfiled_reports_files_that_one(world):
    older = make_report(world.unit("D1-C1"), "0912345678", filed=False)
    newer = make_report(world.unit("D2-C1"), "http://lua-dao.com/x", filed=False)
    filed = file_report(report_id=older.pk)
    assert filed is not None and filed.pk == older.pk
    assert list(older.indicators.values_list("value", flat=True)) == ["+84912345678"]
    assert Report.objects.get(pk=newer.pk).filed_at is None
    assert not newer.indicators.exists() and not newer.cases.exists()


def test_a_report_naming_an_indicator_of_a_case_joins_that_case(world):
    first = make_report(world.unit("D1-C1"), "0912345678", filed=False)
    file_report(report_id=first.pk)
    (case,) = first.cases.all()
    second = make_report(world.unit("D1-C2"), "0912345678", "http://lua-dao.com/x", filed=False)
    file_report(report_id=second.pk)
    assert Case.objects.count() == 1
    stored = Case.objects.get(pk=case.pk)
    assert set(stored.reports.values_list("pk", flat=True)) == {first.pk, second.pk}
    assert set(stored.indicators.values_list("value", flat=True)) == {
        "+84912345678",
        "http://lua-dao.com/x",
    }
    assert list(Report.objects.get(pk=second.pk).cases.all()) == [stored]


@pytest.mark.parametrize("failure", [RuntimeError("hỏng"), IntegrityError("trùng")])
def test_a_submission_that_fails_after_saving_its_files_removes_them_and_says_why(
    world, media_files, monkeypatch, failure
):
    """The files are written inside the report's transaction; when that transaction fails,
    the files go too and the caller sees the failure itself (an IntegrityError with no earlier
    report of the same key is no lost race: it is raised as it is)."""
    import reports.submission

    def refuse(*args, **kwargs):
        assert media_files(), "the evidence file is written before the task is queued"
        raise failure

    monkeypatch.setattr(reports.submission, "file_report_task", SimpleNamespace(enqueue=refuse))
    with pytest.raises(type(failure)):
        submit_report(data=data_for(world), files=[PNG, PNG], source="form")
    assert media_files() == []
    assert not Report.objects.exists()
