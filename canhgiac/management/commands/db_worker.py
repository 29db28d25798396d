"""`manage.py db_worker`: django-tasks-db's worker, plus a heartbeat so that the tasks of a worker
that died are taken up again (canhgiac/workers.py). The `canhgiac` app is listed before
`django_tasks_db` in INSTALLED_APPS so that this command replaces theirs under the same name:
bin/serve, the README and every machine keep running `manage.py db_worker`."""

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as TasksDbWorkerCommand

from canhgiac.workers import Heartbeat, beat, forget


class Command(TasksDbWorkerCommand):
    help = (
        "Chạy tiến trình tác vụ nền; tác vụ của tiến trình đã chết được chạy lại sau "
        "TASK_WORKER_TIMEOUT giây."
    )

    # The other options are django-tasks-db's own, passed on as they came.
    def handle(self, *args: Any, worker_id: str, **options: Any) -> None:
        # The first beat is written before the worker claims anything, so every claim made by
        # this process has a heartbeat row to be judged by.
        beat(worker_id=worker_id)
        heartbeat = Heartbeat(worker_id=worker_id)
        heartbeat.start()
        try:
            super().handle(*args, worker_id=worker_id, **options)
        finally:
            heartbeat.stop()
            forget(worker_id=worker_id)
