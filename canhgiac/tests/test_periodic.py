from typing import cast

import pytest
from django.core.cache import cache
from django.core.management import call_command

from lib.periodic import enqueue_due, registered

pytestmark = pytest.mark.django_db


@pytest.fixture
def dummy_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend
    from django_tasks.backends.dummy import DummyBackend

    backend = cast(DummyBackend, default_task_backend)  # TASKS names it just above
    backend.clear()
    return backend


def test_recurring_work_of_every_app_is_registered():
    paths = {p.task_path for p in registered()}
    assert {
        "reports.tasks.purge_personal_data_task",
        "reports.tasks.refresh_priorities_task",
        "training.tasks.send_deadline_reminders",
    } <= paths


def test_each_task_is_enqueued_once_per_interval(dummy_tasks):
    cache.clear()
    first = enqueue_due()
    assert set(first) == {p.task_path for p in registered()}
    assert len(dummy_tasks.results) == len(first)
    assert enqueue_due() == []  # still within every interval
    assert len(dummy_tasks.results) == len(first)
    cache.delete("periodic:reports.tasks.refresh_priorities_task")  # the hour has passed
    assert enqueue_due() == ["reports.tasks.refresh_priorities_task"]


def test_run_periodic_once_reports_what_it_enqueued(dummy_tasks, capsys):
    cache.clear()
    call_command("run_periodic", "--once")
    out = capsys.readouterr().out
    assert "Đã đưa vào hàng đợi: training.tasks.send_deadline_reminders" in out
