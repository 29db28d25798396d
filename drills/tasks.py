from django_tasks import task

from . import sending


@task()
def send_due_drill_mail() -> int:
    """Send approved campaigns' drill mail that is due (registered to run every minute)."""
    return sending.send_due()
