"""gunicorn's threaded worker, taking new connections only while it has a thread free.

gunicorn's gthread worker accepts every connection it can (up to worker_connections, 1,000)
and queues their requests for its threads; the connections then stay with it as long as they
are kept alive. When clients open their connections at once (a proxy's pool of kept-alive
upstream connections, a partner's resolver, a burst of drill clicks), one worker takes them
all, the first to wake, and serves them on its own threads while the other workers sit idle:
bench/drills.py saw one process at 100% CPU and three at 0%, 690 events/s.

Here a worker stops listening while each of its threads has a request (queued or running) and
listens again when one is free, so a connection arriving at a busy worker is taken by an idle
one; when every worker is busy, new connections wait in the kernel's queue for the first thread
to come free, as they do with the sync worker. Requests on connections a worker already holds
are served as before.

Written for gunicorn 27's ThreadWorker (pyproject.toml pins that series): enqueue_req and
finish_request run on the worker's main thread, so the count needs no lock."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from gunicorn.workers.gthread import ThreadWorker


class BalancedThreadWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn ships no types
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.in_flight = 0  # requests handed to the thread pool and not finished

    def _has_free_thread(self) -> bool:
        return bool(self.in_flight < self.cfg.threads)

    def set_accept_enabled(self, enabled: bool) -> None:
        super().set_accept_enabled(enabled and self._has_free_thread())

    def _listen_if_free(self) -> None:
        self.set_accept_enabled(self.alive and self.nr_conns < self.worker_connections)

    def enqueue_req(self, conn: Any) -> None:
        self.in_flight += 1
        super().enqueue_req(conn)
        self._listen_if_free()

    def finish_request(self, conn: Any, fs: Future[Any]) -> None:
        self.in_flight -= 1
        super().finish_request(conn, fs)  # may hand the connection on again (read-ahead)
        self._listen_if_free()
