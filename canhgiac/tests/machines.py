"""Two app servers on one PostgreSQL and one Redis, for test_many_machines.py.

A machine is test_task_recovery's Site (its `manage` commands and its task worker) with a var
folder of its own, plus gunicorn with one worker process. What every machine shares, and what
the README's section on many machines tells an operator to set on each: DATABASE_URL,
REDIS_URL and CANHGIAC_SECRET_KEY (sessions and the rate limiter's keyed names of addresses
are signed with it). What each has of its own: CANHGIAC_VAR_DIR and CANHGIAC_INDEX_SNAPSHOT_DIR.

`prepare` and `enqueue_waiting` run inside the cluster (`manage.py shell`, with a machine's
environment): the test process's own Django talks to pytest-django's database, not this one.
"""

from __future__ import annotations

import json
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

from canhgiac.tests.test_run import free_port
from canhgiac.tests.test_task_recovery import ROOT, Site

GUNICORN = ROOT / ".venv/bin/gunicorn"
LISTED_PHONE = "0933 111 222"  # proposed for listing by `prepare`, confirmed by the test
PROXY = "127.0.0.1"  # the test stands for the proxy in front: its X-Forwarded-For is believed


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: Message

    def json(self) -> Any:
        return json.loads(self.body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the caller sees the 302 itself


_opener = urllib.request.build_opener(_NoRedirect)


def call(
    url: str,
    *,
    client: str | None = None,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 20,
) -> Answer:
    """One HTTP request; `client` is the visitor's address, sent as the proxy would send it."""
    sent = dict(headers or {})
    if client:
        sent["X-Forwarded-For"] = client
    request = urllib.request.Request(url, data=data, headers=sent)
    try:
        with _opener.open(request, timeout=timeout) as response:
            return Answer(response.status, response.read(), response.headers)
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read(), error.headers)


def tail(path: Path, chars: int = 3000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else "(no log)"


class Machine(Site):
    """One app server: gunicorn and a task worker, with a var folder of its own, on the
    database that `database` made and the Redis in its environment."""

    def __init__(self, name: str, database: Site, var: Path) -> None:
        # Not Site.__init__, which makes a database: the machines share `database`'s.
        var.mkdir(parents=True)
        self.name = name
        self.var = var
        self.pg_url = database.pg_url
        self.env = {
            **database.env,
            "CANHGIAC_VAR_DIR": str(var),
            "CANHGIAC_INDEX_SNAPSHOT_DIR": str(var / "index"),
        }
        self.workers: list[subprocess.Popen[bytes]] = []
        self.web: subprocess.Popen[bytes] | None = None
        self.base = ""

    @property
    def worker_id(self) -> str:
        return f"machine-{self.name}"

    def start(self) -> None:
        """gunicorn and the task worker; `wait_until_up` waits for the web server."""
        self.start_web()
        self.start_worker(self.worker_id)

    def start_web(self) -> None:
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        command = [
            str(GUNICORN), "canhgiac.wsgi:application", "-c", "python:canhgiac.gunicorn_conf",
            "--bind", f"127.0.0.1:{port}", "--workers", "1", "--log-level", "warning",
        ]  # fmt: skip
        with (self.var / "web.log").open("ab") as log:
            self.web = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a signal to the test's group never reaches it
            )

    def wait_until_up(self, seconds: float = 120) -> None:
        assert self.web is not None
        deadline = time.monotonic() + seconds
        while True:
            with suppress(OSError):
                if call(f"{self.base}/healthz", timeout=5).status == 200:
                    return
            if self.web.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"gunicorn {self.name} did not start:\n{self.log()}")
            time.sleep(0.1)

    def log(self) -> str:
        return tail(self.var / "web.log")

    def web_running(self) -> bool:
        return self.web is not None and self.web.poll() is None


class Cluster:
    """The database, the Redis and machines A and B."""

    def __init__(self, root: Path, redis_url: str) -> None:
        self.root = root
        self.redis_url = redis_url
        (root / "database").mkdir()
        self.database = Site(root / "database")
        self.database.env |= {
            "REDIS_URL": redis_url,
            "CANHGIAC_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_SETTINGS_MODULE": "canhgiac.tests.machine_settings",
            "CANHGIAC_TRUSTED_PROXIES": PROXY,
            "CANHGIAC_DEBUG": "0",
            "CANHGIAC_LOG_LEVEL": "WARNING",
        }
        self.a = Machine("a", self.database, root / "a")
        self.b = Machine("b", self.database, root / "b")
        self.prepared: dict[str, Any] = {}

    @property
    def machines(self) -> tuple[Machine, Machine]:
        return self.a, self.b

    def set_up(self) -> None:
        import redis

        redis.Redis.from_url(self.redis_url).flushdb()  # the tests' own Redis (conftest)
        # --skip-checks: the system checks import every view (scikit-learn too), seconds of
        # CPU that the servers' own start-up runs anyway.
        self.database.manage("migrate", "--noinput", "-v0", "--skip-checks")
        for machine in self.machines:
            machine.start()
        # While the servers build their index: the people, a case and a proposal.
        self.prepared = json.loads(
            self.run("from canhgiac.tests.machines import prepare; prepare()")
        )
        for machine in self.machines:
            machine.wait_until_up()

    def run(self, code: str) -> str:
        """Python in the cluster (machine A's environment); its last line of output."""
        return self.a.manage("shell", "-c", code).strip().splitlines()[-1]

    def ensure_running(self, machine: Machine) -> None:
        """Start a web server again that a test stopped (tests may run in any order)."""
        if not machine.web_running():
            machine.start_web()
            machine.wait_until_up()

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        import psycopg

        assert self.database.pg_url
        with psycopg.connect(self.database.pg_url) as conn:
            return conn.execute(sql, params).fetchall()

    def tear_down(self) -> None:
        """Every process is told to stop at once. The web servers get their graceful stop; a
        task worker still busy after a few seconds is killed: it is filing one of the reports
        (the first filing of a process loads the classifier, up to 10 s on a busy machine), and
        the database that needs it is dropped next. PostgreSQL's DROP DATABASE waits a few
        seconds for the killed workers' sessions to end."""
        webs = [m.web for m in self.machines if m.web is not None and m.web.poll() is None]
        workers = [w for m in self.machines for w in m.workers if w.poll() is None]
        for proc in (*webs, *workers):
            proc.send_signal(signal.SIGTERM)
        for proc, grace in [(web, 30.0) for web in webs] + [(w, 3.0) for w in workers]:
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for machine in self.machines:
            machine.stop_workers()  # all have exited: Site's own bookkeeping
        self.database.drop_postgres()


@contextmanager
def running_cluster(redis_url: str) -> Iterator[Cluster]:
    # A folder of our own, not pytest's: concurrent pytest runs prune each other's basetemp.
    root = Path(tempfile.mkdtemp(prefix="canhgiac-machines-"))
    made = Cluster(root, redis_url)
    try:
        made.set_up()
        yield made
    finally:
        made.tear_down()
        shutil.rmtree(root, ignore_errors=True)


# --- run inside the cluster (manage.py shell) ---------------------------------------------------


def prepare() -> None:
    """The test world; a case with LISTED_PHONE that one verifier proposed to list; and the
    session of a second verifier, signed in with password and TOTP, who confirms the proposal
    through server A's page. Prints them as JSON."""
    from django.conf import settings
    from django.test import Client

    from orgs.testing import build_world, sign_in_verified
    from reports.tests.factories import make_report
    from reports.workflow import propose_listing

    world = build_world()
    case = make_report(world.unit("D1-C1"), LISTED_PHONE).cases.get()
    proposal = propose_listing(
        case=case,
        verifier=world.person("verifier_d1"),
        category="impersonation",
        risk="high",
        public_reason="Gọi điện mạo danh công an, đòi chuyển tiền.",
    )
    browser = Client()
    sign_in_verified(browser, world.person("verifier_province"))
    session = browser.cookies[settings.SESSION_COOKIE_NAME].value
    print(json.dumps({"case": case.pk, "proposal": proposal.pk, "session": session}))


def enqueue_waiting(folders: list[str]) -> None:
    """One worker_tasks.wait_for_release task for each folder; prints their ids as JSON."""
    from canhgiac.tests.worker_tasks import wait_for_release

    print(json.dumps([str(wait_for_release.enqueue(folder).id) for folder in folders]))
