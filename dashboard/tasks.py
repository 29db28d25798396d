from django_tasks import task

from . import rollup


@task()
def roll_up_recent_task() -> int:
    """Rebuild the dashboard's roll-ups of the last days (see rollup.roll_up_recent)."""
    return rollup.roll_up_recent()
