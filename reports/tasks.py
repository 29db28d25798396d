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
