"""lib/queue.py: the claim and the backoff the three workers share."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection

from lib import queue
from orgs.models import Unit


@pytest.mark.parametrize(
    ("attempts", "low", "high"),
    [(0, 5, 10), (1, 5, 10), (2, 10, 20), (4, 40, 80), (10, 50, 100)],
)
def test_backoff_doubles_up_to_the_cap_with_jitter(attempts: int, low: float, high: float) -> None:
    waits = {queue.backoff(attempts=attempts, base=10, cap=100) for _ in range(50)}
    assert all(timedelta(seconds=low) <= w <= timedelta(seconds=high) for w in waits)
    assert len(waits) > 1  # spread out, not all at once


def test_locked_skips_locked_rows_where_the_database_can() -> None:
    query = queue.locked(Unit.objects.all()).query
    if connection.features.has_select_for_update_skip_locked:  # PostgreSQL
        assert query.select_for_update and query.select_for_update_skip_locked
        assert query.select_for_update_of == ("self",)
    else:  # SQLite: the caller's IMMEDIATE transaction holds the only write lock
        assert not query.select_for_update
