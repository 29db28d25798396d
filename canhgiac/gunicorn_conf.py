"""gunicorn settings used by bin/serve and bench/lookup.py (`-c python:canhgiac.gunicorn_conf`).

Threaded workers keep HTTP connections alive, so a partner's resolver, an app or a proxy in
front sends many requests over one connection instead of paying a new one for each."""

import gc
import os
import threading
import time
from typing import Protocol

# One time zone in every log line, stated in each (%z): Django sets TZ to TIME_ZONE in the
# processes that load it (the workers, whose access log said +0700), but the arbiter never
# loads Django and wrote its own lines in the machine's zone (UTC) next to them. Same value as
# settings.TIME_ZONE (a test keeps them equal).
TIME_ZONE = "Asia/Ho_Chi_Minh"
os.environ["TZ"] = TIME_ZONE
time.tzset()

worker_class = "gthread"
threads = 4
keepalive = 5

# How long a worker may go without a heartbeat before the arbiter kills it and starts another.
# A gthread worker's main thread beats about once a second between requests, whatever its
# request threads do, as long as it gets the GIL: a request in pure Python (the CPU budgets of
# lib/budget.py stop those) never blocks it. What does block it is a request thread stuck in C
# code that keeps the GIL, such as one long regex match; then the whole worker hangs, its other
# requests and /healthz included. 15 s is far above any request we answer (the slowest API
# calls take well under 2 s of CPU) and short enough for the health check of a load balancer
# to see no more than a few failures. CANHGIAC_WEB_TIMEOUT changes it (0 turns it off).
timeout = int(os.environ.get("CANHGIAC_WEB_TIMEOUT") or 15)
# After SIGTERM (a deploy, Ctrl-C), requests in flight get this long to finish.
graceful_timeout = 10


class _Worker(Protocol):
    """What this hook uses of gunicorn's worker (gunicorn ships no type information)."""

    def notify(self) -> None: ...


def post_worker_init(worker: _Worker) -> None:
    """Build the in-memory list index before the worker takes requests, so no visitor waits for
    it (about 10 s for a million listed indicators). No heartbeat is sent while this runs, so a
    thread sends them: a list large enough to take longer than `timeout` must not make the
    arbiter kill every new worker in turn."""
    from indicators.matcher import get_matcher

    built = threading.Event()

    def beat() -> None:
        while not built.wait(1.0):
            worker.notify()

    heart = threading.Thread(target=beat, name="heartbeat-during-index-build", daemon=True)
    heart.start()
    try:
        get_matcher()
        # The look-alike scorer builds its tables on first use (about 0.4 s): not in a visit.
        from detection.lookalike import score_host

        score_host("vietcombank-xacthuc.com")
    finally:
        built.set()
        heart.join()
    # The index and the tables live as long as the worker: the garbage collector need not walk
    # them again on every full collection (it did, often, as the per-host caches grow).
    gc.freeze()
