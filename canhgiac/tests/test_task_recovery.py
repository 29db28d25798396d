"""Tasks of a dead worker are taken up again exactly once; a slow live worker keeps its task.

The first tests call the recovery step directly; the last ones start real `manage.py db_worker`
processes on a fresh database (SQLite in a temporary folder, or a PostgreSQL database of their own
when DATABASE_URL is set), kill one with SIGKILL and watch the task row and the task's own
side effects (lines in files)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from canhgiac.models import WorkerHeartbeat
from canhgiac.tests.worker_tasks import wait_for_release
from canhgiac.workers import WORKER_DIED, beat, requeue_dead_tasks

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 2  # seconds of silence after which a worker counts as dead, in the real-process tests


def running_task(tmp_path, *, worker: str, started_ago=timedelta(0)) -> DBTaskResult:
    result = wait_for_release.enqueue(str(tmp_path))
    row = DBTaskResult.objects.get(pk=result.id)
    row.claim(worker)
    if started_ago:
        row.started_at = timezone.now() - started_ago
        row.save(update_fields=["started_at"])
    return row


def heartbeat(worker: str, *, ago: timedelta) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id=worker, started_at=now - ago, beat_at=now - ago)


@pytest.mark.django_db
def test_task_of_a_silent_worker_goes_back_to_the_queue_once(tmp_path, settings):
    settings.TASK_WORKER_TIMEOUT = 60
    row = running_task(tmp_path, worker="dead")
    heartbeat("dead", ago=timedelta(seconds=61))
    assert requeue_dead_tasks().requeued == [str(row.pk)]
    row.refresh_from_db()
    assert row.status == TaskResultStatus.READY and row.worker_ids == ["dead"]
    assert row.started_at is None
    assert requeue_dead_tasks().requeued == []  # a second recovery finds nothing to do


@pytest.mark.django_db
def test_task_of_a_worker_that_beats_is_left_alone(tmp_path, settings):
    settings.TASK_WORKER_TIMEOUT = 60
    row = running_task(tmp_path, worker="slow", started_ago=timedelta(hours=2))
    heartbeat("slow", ago=timedelta(seconds=50))
    assert requeue_dead_tasks().requeued == []
    beat(worker_id="slow")
    assert requeue_dead_tasks().requeued == []
    row.refresh_from_db()
    assert row.status == TaskResultStatus.RUNNING and row.worker_ids == ["slow"]


@pytest.mark.django_db
def test_task_of_a_worker_without_heartbeats_is_taken_after_the_timeout(tmp_path, settings):
    settings.TASK_WORKER_TIMEOUT = 60
    fresh = running_task(tmp_path, worker="old-release-1", started_ago=timedelta(seconds=5))
    old = running_task(tmp_path, worker="old-release-2", started_ago=timedelta(seconds=90))
    assert requeue_dead_tasks().requeued == [str(old.pk)]
    fresh.refresh_from_db()
    assert fresh.status == TaskResultStatus.RUNNING


@pytest.mark.django_db
def test_a_task_that_killed_every_attempt_is_marked_failed(tmp_path, settings):
    settings.TASK_WORKER_TIMEOUT = 60
    settings.TASK_MAX_ATTEMPTS = 2
    row = running_task(tmp_path, worker="w1")
    DBTaskResult.objects.filter(pk=row.pk).update(status=TaskResultStatus.READY)
    row.refresh_from_db()
    row.claim("w2")
    heartbeat("w2", ago=timedelta(minutes=5))
    recovered = requeue_dead_tasks()
    assert recovered.requeued == [] and recovered.failed == [str(row.pk)]
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == WORKER_DIED and "w1, w2" in row.traceback


# --- real worker processes -------------------------------------------------------------------


class Site:
    """A fresh database and the commands to drive it from outside, as an operator would."""

    def __init__(self, var: Path) -> None:
        self.var = var
        self.env = {
            **os.environ,
            "CANHGIAC_VAR_DIR": str(var),
            "CANHGIAC_HTTPS": "0",
            "CANHGIAC_TASK_WORKER_TIMEOUT": str(TIMEOUT),
        }
        self.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.pg_url = self._fresh_postgres() if os.environ.get("DATABASE_URL") else None
        if self.pg_url:
            self.env["DATABASE_URL"] = self.pg_url
        self.workers: list[subprocess.Popen] = []

    def _fresh_postgres(self) -> str:
        import psycopg

        url = urlparse(os.environ["DATABASE_URL"])
        name = f"{url.path.lstrip('/')}_workers"
        admin = urlunparse(url._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return urlunparse(url._replace(path=f"/{name}"))

    def drop_postgres(self) -> None:
        if not self.pg_url:
            return
        import psycopg

        url = urlparse(self.pg_url)
        with psycopg.connect(urlunparse(url._replace(path="/postgres")), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.path.lstrip("/")}"')

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def enqueue(self, folder: Path) -> str:
        code = (
            "from canhgiac.tests.worker_tasks import wait_for_release as t;"
            f"print(t.enqueue({str(folder)!r}).id)"
        )
        return self.manage("shell", "-c", code).strip().splitlines()[-1]

    def start_worker(self, name: str) -> subprocess.Popen:
        log = (self.var / f"{name}.log").open("w")
        args = ["db_worker", "--no-startup-delay", "--no-reload", "--interval", "0.1"]
        proc = subprocess.Popen(
            [sys.executable, "manage.py", *args, "--worker-id", name],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.workers.append(proc)
        return proc

    def task_row(self, task_id: str) -> tuple[str, list[str]]:
        sql = f"SELECT id, status, worker_ids FROM {DBTaskResult._meta.db_table}"  # noqa: S608
        if self.pg_url:
            import psycopg

            with psycopg.connect(self.pg_url) as conn:
                rows = conn.execute(sql).fetchall()
        else:
            import sqlite3

            with sqlite3.connect(self.var / "canhgiac.sqlite3", timeout=20) as conn:
                rows = conn.execute(sql).fetchall()
        for row_id, status, workers in rows:
            if uuid.UUID(str(row_id)) == uuid.UUID(task_id):
                return status, json.loads(workers) if isinstance(workers, str) else workers
        raise LookupError(task_id)

    def wait_for(self, task_id: str, status: str, seconds: float = 60) -> list[str]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            now_status, workers = self.task_row(task_id)
            if now_status == status:
                return workers
            time.sleep(0.1)
        raise AssertionError(f"task {task_id} still {now_status} with {workers}")

    def stop_workers(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.workers:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.workers.clear()


@pytest.fixture(scope="module")
def site():
    # A folder of our own, not pytest's: concurrent pytest runs prune each other's basetemp.
    var = Path(tempfile.mkdtemp(prefix="canhgiac-workers-"))
    site = Site(var)
    site.manage("migrate", "--noinput", "-v0")
    yield site
    site.stop_workers()
    site.drop_postgres()
    shutil.rmtree(var, ignore_errors=True)


@pytest.fixture
def folder(site):
    yield Path(tempfile.mkdtemp(dir=site.var))
    site.stop_workers()  # each test starts with no worker left from the one before


def lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def started(folder: Path, count: int = 1, seconds: float = 30) -> list[str]:
    """The pids that began the task, once `count` did: the row says RUNNING a moment before the
    task's own code writes its line (a busy machine stretches that moment)."""
    deadline = time.monotonic() + seconds
    while len(lines(folder / "started")) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return lines(folder / "started")


@pytest.mark.real_service
def test_task_of_a_killed_worker_runs_again_once_and_completes(site, folder):
    task_id = site.enqueue(folder)
    doomed = site.start_worker("doomed")
    assert site.wait_for(task_id, "RUNNING") == ["doomed"]
    assert started(folder) == [str(doomed.pid)]
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    (folder / "release").touch()
    # Two workers come up and both look for dead workers' tasks: the task is run by one of them.
    site.start_worker("rescuer-a")
    site.start_worker("rescuer-b")
    workers = site.wait_for(task_id, "SUCCESSFUL", seconds=60)
    assert workers[0] == "doomed" and workers[1] in {"rescuer-a", "rescuer-b"}
    assert len(workers) == 2
    time.sleep(3 * TIMEOUT)  # long enough for another, wrong, recovery to happen
    assert site.task_row(task_id) == ("SUCCESSFUL", workers)
    assert len(lines(folder / "started")) == 2  # the killed run and the new one
    assert len(lines(folder / "done")) == 1


@pytest.mark.real_service
def test_slow_task_of_a_live_worker_is_not_run_twice(site, folder):
    task_id = site.enqueue(folder)
    site.start_worker("slow")
    assert site.wait_for(task_id, "RUNNING") == ["slow"]
    site.start_worker("idle")
    deadline = time.monotonic() + 4 * TIMEOUT  # the task runs well past the timeout
    while time.monotonic() < deadline:
        assert site.task_row(task_id) == ("RUNNING", ["slow"])
        time.sleep(0.2)
    (folder / "release").touch()
    assert site.wait_for(task_id, "SUCCESSFUL") == ["slow"]
    assert len(lines(folder / "started")) == 1 and len(lines(folder / "done")) == 1
