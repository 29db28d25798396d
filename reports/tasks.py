"""Background work of the reports app (run by `manage.py db_worker`; schedule daily with cron or
a timer: `manage.py shell -c "from reports.tasks import purge_personal_data_task as t; t.enqueue()"`).

Thin: each takes ids and calls services. services never imports this module; what enqueues a
task here imports it (reports.submission, and file_unfiled_reports below)."""

from datetime import timedelta
from typing import TypedDict

from django.utils import timezone
from django_tasks import task

from . import drafts, services
from .models import Report


@task()
def file_report_task(report_id: int) -> bool:
    """File a submitted report into cases, then let the detection app rate those cases. Enqueued
    in the report's own transaction (services.submit_report). Run twice, the second run does
    nothing: True only for the run that filed it."""
    report = services.file_report(report_id=report_id)
    if report is None:
        return False
    if report.message_text:
        # After the filing has committed: the classifier's CPU time holds no write lock.
        services.score_cases_of_report(report=report)
    return True


def file_unfiled_reports(*, older_than: timedelta = timedelta(minutes=10)) -> int:
    """Enqueue the filing again for reports still unfiled after `older_than` (their task failed
    or was lost): a safety net for a periodic job. Filing twice does nothing, so a report whose
    task is only late is safe too."""
    cutoff = timezone.now() - older_than
    ids = list(
        Report.objects.filter(filed_at__isnull=True, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )[:1000]
    )
    for pk in ids:
        file_report_task.enqueue(pk)
    return len(ids)


@task()
def file_unfiled_reports_task() -> int:
    """The safety net: enqueue the filing again for reports left unfiled (a failed task)."""
    return file_unfiled_reports()


class PurgeCounts(TypedDict):
    reports: int
    appeals: int
    files: int


@task()
def purge_personal_data_task() -> PurgeCounts:
    """Blank personal fields of closed reports and decided appeals past REPORTS_RETENTION_DAYS."""
    result = services.purge_personal_data()
    return {"reports": result.reports, "appeals": result.appeals, "files": result.files}


@task()
def refresh_priorities_task() -> int:
    """Re-score open cases: recency is part of the priority."""
    return services.refresh_priorities()


@task()
def score_report_cases_task(report_id: int) -> int:
    """Rate the cases of a report with the detection app (orders the verifiers' queue). Kept for
    tasks queued before filing moved to file_report_task, which now scores too."""
    report = Report.objects.filter(pk=report_id).first()
    return len(services.score_cases_of_report(report=report)) if report else 0


@task()
def forget_old_drafts_task() -> int:
    """Delete evidence kept for refused forms once their draft has expired (drafts.py)."""
    return drafts.forget_old_drafts()
