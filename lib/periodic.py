"""Periodic work: django-tasks has no scheduler, so apps register their recurring tasks here and
`manage.py run_periodic` (started by bin/serve) enqueues each one when it is due.

A claim in the shared cache (an atomic `add` with the interval as its lifetime) makes each task
enqueued once per interval even when several machines run the scheduler."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Periodic:
    task_path: str  # dotted path of a django_tasks Task
    every: timedelta


_REGISTRY: dict[str, Periodic] = {}


def register_periodic(*, task_path: str, every: timedelta) -> None:
    _REGISTRY[task_path] = Periodic(task_path, every)


def registered() -> list[Periodic]:
    return sorted(_REGISTRY.values(), key=lambda p: p.task_path)


def enqueue_due() -> list[str]:
    """Enqueue every registered task whose interval has passed; return their paths."""
    enqueued = []
    for periodic in registered():
        claim = f"periodic:{periodic.task_path}"
        if cache.add(claim, 1, timeout=int(periodic.every.total_seconds())):
            import_string(periodic.task_path).enqueue()
            enqueued.append(periodic.task_path)
    return enqueued
