from django_tasks import task

from . import services


@task()
def send_deadline_reminders(within_days: int = 3) -> int:
    """Mail the people whose assignment is due soon and not finished (once each)."""
    return services.send_deadline_reminders(within_days=within_days)
