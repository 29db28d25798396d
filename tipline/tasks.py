"""Background work of the tipline (run by `manage.py db_worker`): lib.periodic enqueues
`run_tipline_task` every minute, the fallback of `manage.py run_tipline` (the dedicated loop,
which answers within a fraction of a second)."""

from django_tasks import task

from . import worker


@task()
def run_tipline_task() -> dict[str, int]:
    """Answer what is pending for at most 40 s, queue the outcomes to tell, send what is due."""
    from . import followup

    answered = worker.process_pending(max_seconds=40)
    outcomes = followup.check_outcomes()
    sent = worker.send_due()
    return {"answered": answered, "outcomes": outcomes, "sent": sent}
