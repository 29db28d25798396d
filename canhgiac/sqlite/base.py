"""Django's SQLite backend, with writers that take turns on a lock file instead of polling.

SQLite lets one writer at a time hold the database. Another writer waits in SQLite's busy
handler, which sleeps 1, 2, 5, 10, … up to 100 ms between tries: with a dozen gunicorn threads
writing short transactions (a drill's tracking events, reports, rate-limit counts), writers
slept far longer than anyone held the lock. bench/drills.py answered 604 events/s with the web
workers' CPU at half their share, p99 400 ms.

Here every write transaction (BEGIN IMMEDIATE, which `atomic` opens) and every write outside
one (an INSERT, UPDATE, DELETE or REPLACE in autocommit) first takes an exclusive flock on
"<database>.write-lock", one open file per connection (so the threads of one process take
turns as processes do). The kernel wakes the next waiter as soon as the holder lets go, and the
lock is released at COMMIT, ROLLBACK or when the connection closes (or its process dies).
SQLite's own locking still decides what is correct; the lock file only orders the writers.
An in-memory database (the tests') has nothing to share and takes no lock.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.backends.sqlite3 import base

_WRITE = re.compile(r"\s*(?:INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


class WriteLock:
    """An exclusive flock on a file, held by one connection at a time; re-entrant calls of the
    same holder do nothing (a savepoint inside a transaction)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd: int | None = None
        self.held = False

    def acquire(self) -> None:
        if self.held:
            return
        if self.fd is None:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)  # waits in the kernel, without the GIL
        self.held = True

    def release(self) -> None:
        if self.held and self.fd is not None:
            self.held = False
            fcntl.flock(self.fd, fcntl.LOCK_UN)

    def close(self) -> None:
        self.release()
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class LockingConnection(base.Database.Connection):  # type: ignore[misc,name-defined]
    """sqlite3's connection, carrying the write lock its cursors take for autocommit writes."""

    write_lock: WriteLock | None = None


class CursorWrapper(base.SQLiteCursorWrapper):
    @contextmanager
    def _turn(self, query: str) -> Iterator[None]:
        """A write in autocommit is a transaction of its own: it takes the lock for its run."""
        lock: WriteLock | None = getattr(self.connection, "write_lock", None)
        if lock is None or lock.held or self.connection.in_transaction or not _WRITE.match(query):
            yield
            return
        lock.acquire()
        try:
            yield
        finally:
            lock.release()

    def execute(self, query: str, params: Any = None) -> Any:
        with self._turn(query):
            return super().execute(query, params)

    def executemany(self, query: str, param_list: Any) -> Any:
        with self._turn(query):
            return super().executemany(query, param_list)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        lock = None
        if not self.is_in_memory_db():
            lock = WriteLock(f"{conn_params['database']}.write-lock")
        conn = super().get_new_connection({**conn_params, "factory": LockingConnection})
        conn.write_lock = lock
        return conn

    def create_cursor(self, name: str | None = None) -> Any:
        return self.connection.cursor(factory=CursorWrapper)

    def _lock(self) -> WriteLock | None:
        return getattr(self.connection, "write_lock", None) if self.connection else None

    def _start_transaction_under_autocommit(self) -> None:
        lock = self._lock()
        if lock is not None:
            lock.acquire()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # not in django-stubs
        except BaseException:
            if lock is not None:
                lock.release()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]  # not in django-stubs
        finally:
            self._release()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]  # not in django-stubs
        finally:
            self._release()

    def _release(self) -> None:
        lock = self._lock()
        if lock is not None and not (self.connection and self.connection.in_transaction):
            lock.release()

    def _close(self) -> None:
        lock = self._lock()
        try:
            super()._close()  # type: ignore[misc]  # not in django-stubs
        finally:
            if lock is not None:
                lock.close()
