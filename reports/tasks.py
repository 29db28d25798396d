"""Background work of the reports app (run by `manage.py db_worker`; schedule daily with cron or
a timer: `manage.py shell -c "from reports.tasks import purge_personal_data_task as t; t.enqueue()"`)."""

from django_tasks import task

from . import services


@task()
def purge_personal_data_task() -> dict:
    """Blank personal fields of closed reports and decided appeals past REPORTS_RETENTION_DAYS."""
    result = services.purge_personal_data()
    return {"reports": result.reports, "appeals": result.appeals, "files": result.files}


@task()
def refresh_priorities_task() -> int:
    """Re-score open cases: recency is part of the priority."""
    return services.refresh_priorities()


@task()
def score_report_cases_task(report_id: int) -> int:
    """Rate the cases of a new report with the detection app (orders the verifiers' queue)."""
    report = services.Report.objects.filter(pk=report_id).first()
    return len(services.score_cases_of_report(report=report)) if report else 0
