"""Tasks of a dead worker are taken up again, once.

django-tasks-db marks a task RUNNING when a worker claims it and appends the worker's id to
`worker_ids`; nothing ever looks at a RUNNING row again, so a task whose worker was killed
(SIGKILL, out of memory, power cut) would stay RUNNING for ever.

Each worker process keeps a `WorkerHeartbeat` row fresh from a background thread, every
`TASK_WORKER_TIMEOUT / 6` seconds, with the database's clock (machines' clocks may differ).
The same thread looks for RUNNING tasks whose last worker has not beaten for
`TASK_WORKER_TIMEOUT` seconds and puts them back to READY with one guarded UPDATE
(`WHERE id = … AND status = RUNNING AND started_at = <the claim we saw>`): two workers that
recover at the same moment change the row once, and a task already claimed again (new
`started_at`) is left alone. A slow task of a live worker is never taken: its thread keeps
beating while the task runs. A task that has already killed `TASK_MAX_ATTEMPTS` workers is
marked FAILED instead, so one poisonous task cannot kill every worker in turn."""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeAlias

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import DateTimeField, ExpressionWrapper
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Now
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import WorkerHeartbeat

log = logging.getLogger(__name__)

WORKER_DIED = "canhgiac.workers.WorkerDied"


def worker_timeout() -> timedelta:
    return timedelta(seconds=settings.TASK_WORKER_TIMEOUT)


def beat_interval() -> float:
    return max(settings.TASK_WORKER_TIMEOUT / 6, 0.2)


def _db_now_minus(delta: timedelta) -> ExpressionWrapper[CombinedExpression]:
    return ExpressionWrapper(Now() - delta, output_field=DateTimeField())


def beat(*, worker_id: str) -> None:
    """Say that this worker process is alive (creates its row on the first beat)."""
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(beat_at=Now())
    if not updated:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={"beat_at": Now()},
            create_defaults={
                "beat_at": Now(),
                "started_at": Now(),
                "host": socket.gethostname()[:255],
                "pid": os.getpid(),
            },
        )


def forget(*, worker_id: str) -> None:
    """A worker that stops cleanly has finished its task: its row is no longer needed."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


@dataclass(frozen=True)
class Recovered:
    requeued: list[str]
    failed: list[str]


# Any task: its arguments and result do not matter here.
_Task: TypeAlias = "DBTaskResult[..., object]"


def _is_dead(task: _Task, *, alive: set[str], known: set[str], cutoff: datetime) -> bool:
    worker = task.worker_ids[-1] if task.worker_ids else None
    if worker in alive:
        return False
    if worker in known:
        return True
    # No row at all: claimed by a worker without heartbeats (the release before this one).
    # Give it the same timeout, counted from the claim.
    return task.started_at is None or task.started_at < cutoff


def requeue_dead_tasks() -> Recovered:
    """Put RUNNING tasks of workers silent for longer than the timeout back in the queue."""
    timeout = worker_timeout()
    stale = _db_now_minus(timeout)
    running = list(
        DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only(
            "id", "worker_ids", "started_at"
        )
    )
    if not running:
        return Recovered([], [])
    last_ids = {t.worker_ids[-1] for t in running if t.worker_ids}
    rows = WorkerHeartbeat.objects.filter(worker_id__in=last_ids)
    known = set(rows.values_list("worker_id", flat=True))
    alive = set(rows.filter(beat_at__gte=stale).values_list("worker_id", flat=True))
    cutoff = timezone.now() - timeout
    requeued, failed = [], []
    for task in running:
        if not _is_dead(task, alive=alive, known=known, cutoff=cutoff):
            continue
        claim = DBTaskResult.objects.filter(
            pk=task.pk, status=TaskResultStatus.RUNNING, started_at=task.started_at
        )
        if len(task.worker_ids) >= settings.TASK_MAX_ATTEMPTS:
            if claim.update(**_died_fields(task)):
                log.error("task %s killed %s; marked failed", task.pk, task.worker_ids)
                failed.append(str(task.pk))
        elif claim.update(status=TaskResultStatus.READY, started_at=None):
            log.warning("task %s: worker %s is silent; back in the queue", task.pk, task.worker_ids)
            requeued.append(str(task.pk))
    return Recovered(requeued, failed)


def _died_fields(task: _Task) -> dict[str, object]:
    return {
        "status": TaskResultStatus.FAILED,
        "finished_at": timezone.now(),
        "return_value": None,
        "exception_class_path": WORKER_DIED,
        "traceback": (
            f"{WORKER_DIED}: the workers {', '.join(task.worker_ids)} stopped while running "
            f"this task ({settings.TASK_MAX_ATTEMPTS} attempts)."
        ),
    }


def prune_heartbeats(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Rows of workers dead for a day are of no use to anyone (their tasks were taken up)."""
    return WorkerHeartbeat.objects.filter(beat_at__lt=_db_now_minus(older_than)).delete()[0]


class Heartbeat(threading.Thread):
    """Beats for one worker process and, between beats, recovers dead workers' tasks."""

    def __init__(self, *, worker_id: str) -> None:
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.stopping = threading.Event()

    def run(self) -> None:
        healthy = False
        try:
            while not self.stopping.wait(beat_interval()):
                healthy = self._tick(recover=healthy)
        finally:
            connection.close()  # this thread's own connection

    def _tick(self, *, recover: bool) -> bool:
        # Recover only after two beats in a row have reached the database: after an outage,
        # every other live worker gets one interval to beat again before anyone judges it.
        try:
            beat(worker_id=self.worker_id)
            if recover:
                requeue_dead_tasks()
                prune_heartbeats()
            return True
        except DatabaseError:
            log.exception("worker %s: heartbeat failed", self.worker_id)
            connection.close()
            return False

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=30)
