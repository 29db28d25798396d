"""gunicorn settings used by bin/serve and bench/lookup.py (`-c python:canhgiac.gunicorn_conf`).

Threaded workers keep HTTP connections alive, so a partner's resolver, an app or a proxy in
front sends many requests over one connection instead of paying a new one for each.

The master loads the application, every view and the list index before it forks the workers
(preload_app, when_ready): the workers share those pages with it instead of each importing and
building its own, about 90 MB per worker at a million listed, and a new worker (a crash, a
SIGTTIN) answers a fraction of a second after the fork instead of seconds later. The price:
SIGHUP starts new workers from the code the master loaded; a new version needs a restart
(`systemctl restart`, as the README's upgrade steps say)."""

import gc
import os
import threading
import time
from typing import Protocol

# One time zone in every log line, stated in each (%z): Django sets TZ to TIME_ZONE in the
# processes that load it, but the arbiter wrote its first lines before it loads Django, in the
# machine's zone (UTC), next to the workers' +0700. Same value as settings.TIME_ZONE (a test
# keeps them equal).
TIME_ZONE = "Asia/Ho_Chi_Minh"
os.environ["TZ"] = TIME_ZONE
time.tzset()

# gunicorn's threaded worker, but one that takes new connections only while it has a thread
# free, so that connections arriving together are shared by the workers instead of all kept by
# the first to wake (canhgiac/gunicorn_worker.py).
worker_class = "canhgiac.gunicorn_worker.BalancedThreadWorker"
# Threads per worker process (CANHGIAC_WEB_THREADS). Four serve slow clients and keep-alive
# well; but threads of one process share the GIL, and a thread that holds the database's write
# lock can wait milliseconds for it while another runs Python: where writes come by the
# thousand (a drill campaign's clicks on SQLite), more processes of one thread each serve
# more (bench/drills.py: 4 x 1 about 1,050 events/s, 3 x 4 about 600).
_THREADS = os.environ.get("CANHGIAC_WEB_THREADS") or "4"
if not _THREADS.isdigit() or not 1 <= int(_THREADS) <= 64:
    raise SystemExit(
        f"CANHGIAC_WEB_THREADS phải là một số nguyên từ 1 đến 64 (số luồng mỗi tiến trình web), "
        f"không phải “{_THREADS[:40]}”."
    )
threads = int(_THREADS)
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


preload_app = True


class _Worker(Protocol):
    """What this hook uses of gunicorn's worker (gunicorn ships no type information)."""

    def notify(self) -> None: ...


class _Log(Protocol):
    def info(self, msg: str, *args: object) -> None: ...

    def exception(self, msg: str, *args: object) -> None: ...


class _Arbiter(Protocol):
    """What these hooks use of gunicorn's arbiter."""

    @property
    def log(self) -> _Log: ...


def when_ready(server: _Arbiter) -> None:
    """In the master, after it loaded the application and before the first fork: what every
    worker would otherwise do on its own. The URL conf imports every view (ninja, numpy, openpyxl,
    phonenumbers: 1.7 s of imports); the index is mapped from the newest snapshot (its Bloom
    filter rebuilt once here when another interpreter wrote it, about a second at a million
    listed) or built, once for all the workers; the look-alike scorer builds its tables. A
    failure here only leaves that work to each worker (post_worker_init), as before."""
    started = time.monotonic()
    try:
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018 (imports the URL conf and every view)
        _load_index()
        server.log.info(
            "Đã nạp trước ứng dụng và chỉ mục trong %.1f giây.", time.monotonic() - started
        )
    except Exception:  # noqa: BLE001 (the workers try again, and fail loudly if it persists)
        server.log.exception("Không nạp trước được ứng dụng; mỗi tiến trình sẽ tự nạp.")
    finally:
        _before_fork()


def pre_fork(server: _Arbiter, worker: object) -> None:
    """Before every fork (the first ones, and after a crash or a SIGTTIN)."""
    _before_fork()


def _before_fork() -> None:
    # A connection opened by the master would be shared by every worker's requests: the master
    # opens none after this (each worker opens its own).
    from django.db import connections

    connections.close_all()
    # What the master holds lives as long as the workers: the garbage collector does not walk
    # it, and so does not write to its pages, which stay shared with every worker.
    gc.freeze()


def _load_index() -> None:
    from detection.lookalike import score_host
    from indicators.matcher import get_matcher

    get_matcher()
    # The look-alike scorer builds its tables on first use (about 0.4 s): not in a visit.
    score_host("vietcombank-xacthuc.com")


def post_worker_init(worker: _Worker) -> None:
    """Bring the list index the worker inherited from the master up to date (the changes since
    the master loaded it, read from the database) before the worker takes requests; without
    one (the master failed to load it), build it, so no visitor waits for it (about 10 s for a
    million listed indicators). No heartbeat is sent while this runs, so a thread sends them: a
    list large enough to take longer than `timeout` must not make the arbiter kill every new
    worker in turn."""
    from indicators.matcher import get_matcher

    built = threading.Event()

    def beat() -> None:
        while not built.wait(1.0):
            worker.notify()

    heart = threading.Thread(target=beat, name="heartbeat-during-index-build", daemon=True)
    heart.start()
    try:
        # A worker forked a second or more after the master loaded the index reads the
        # changes since here, before its first request.
        get_matcher()
        from detection.lookalike import score_host

        score_host("vietcombank-xacthuc.com")
    finally:
        built.set()
        heart.join()
    # The index and the tables live as long as the worker: the garbage collector need not walk
    # them again on every full collection (it did, often, as the per-host caches grow).
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


# Collections of the youngest generation after this many more container objects allocated
# than freed (Python's default: 700), of the older ones after this many collections of the one
# below (10, 10). A batch of 1,000 verdicts allocates about a hundred thousand short-lived
# objects, nearly none in cycles: with the defaults the collector ran every few verdicts and,
# as the per-host caches grew, walked all of them in full collections (a sixth of a batch's
# CPU in bench/lookup.py; pauses of over 100 ms in process). With these: a few collections per
# batch, each under 5 ms in process. Garbage in cycles still goes, a little later.
GC_THRESHOLDS = (10_000, 50, 100)
