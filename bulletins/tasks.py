"""Background work of the bulletins app (run by `manage.py db_worker`). Publishing enqueues
`deliver_bulletins_task` after its commit and lib.periodic enqueues it every minute (scheduled
bulletins, backoffs); `manage.py deliver_bulletins` is the dedicated, faster worker."""

from django_tasks import task

from . import outbox


@task()
def deliver_bulletins_task() -> dict[str, int]:
    """Deliver what is due for at most 50 s (the next minute's run takes over)."""
    progress = outbox.deliver_pending(max_seconds=50)
    return {
        "emails_sent": progress.emails_sent,
        "emails_failed": progress.emails_failed,
        "posts_sent": progress.posts_sent,
    }


@task()
def purge_stale_subscribers_task() -> int:
    """Delete the addresses never confirmed and those unsubscribed long enough ago (daily:
    they are personal data with no use left)."""
    from . import subscriptions

    return subscriptions.purge_stale()
