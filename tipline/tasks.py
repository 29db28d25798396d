"""Background work of the tipline (run by `manage.py db_worker`): lib.periodic enqueues
`run_tipline_task` every minute, the fallback of `manage.py run_tipline` (the dedicated loop,
which answers within a fraction of a second), and `purge_personal_data_task` daily."""

from typing import TypedDict

from django_tasks import task

from . import privacy, worker


class PurgeCounts(TypedDict):
    conversations: int
    events: int
    messages: int


@task()
def run_tipline_task() -> dict[str, int]:
    """Answer what is pending for at most 40 s, queue the outcomes to tell, send what is due."""
    from . import followup

    answered = worker.process_pending(max_seconds=40)
    outcomes = followup.check_outcomes()
    sent = worker.send_due()
    return {"answered": answered, "outcomes": outcomes, "sent": sent}


@task()
def purge_personal_data_task() -> PurgeCounts:
    """Blank the chats' personal data past REPORTS_RETENTION_DAYS (tipline/privacy.py)."""
    result = privacy.purge_personal_data()
    return {
        "conversations": result.conversations,
        "events": result.events,
        "messages": result.messages,
    }
