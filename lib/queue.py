"""What the workers that drain a table share (bulletins' outbox, the drills' mail, the
tipline): claiming rows without waiting for another worker's, and when a failed row is tried
again."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TypeVar

from django.db import connection
from django.db.models import Model, QuerySet

_M = TypeVar("_M", bound=Model)


def locked(queryset: QuerySet[_M]) -> QuerySet[_M]:
    """`queryset` FOR UPDATE SKIP LOCKED (of its own table only) where the database has it
    (PostgreSQL): each worker takes rows no other holds. SQLite has no row locks: the caller's
    IMMEDIATE transaction already holds the only write lock."""
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset


def backoff(*, attempts: int, base: float, cap: float) -> timedelta:
    """Exponential backoff with jitter: base·2^(n-1) capped at `cap`, then a random half to
    whole of it, so that many rows failing together (a server down) do not come back together."""
    delay = min(cap, base * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=delay * random.uniform(0.5, 1.0))  # noqa: S311 (jitter, not a secret)
