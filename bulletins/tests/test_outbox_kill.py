"""Point 5: a worker killed with SIGKILL in the middle of a delivery loses nothing and sends
nothing twice. A fresh site (SQLite in a temporary folder, or a PostgreSQL database of its own
when DATABASE_URL is set) publishes one warning to 1,000 subscribers, Zalo and Facebook; real
`manage.py deliver_bulletins` processes deliver it through a real SMTP sink and the fake
servers. The first worker dies while Facebook holds back its answer to a post it has stored;
the second dies when the sink receives mail number 400, before the sink accepts it. After the
restart every recipient has exactly one mail and each channel exactly one post."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

from bulletins.testing.fake_facebook import FakeFacebook
from bulletins.testing.fake_zalo import FakeZalo

from .outbox_support import Sink

ROOT = Path(__file__).resolve().parents[2]
RECIPIENTS = 1000
KILL_AT = 400
LEASE = 3  # seconds: how soon a dead worker's rows are taken again

pytestmark = pytest.mark.real_service


class KillSite:
    """A fresh database and the worker processes on it, driven from outside."""

    def __init__(self, var: Path, *, sink: Sink, zalo: FakeZalo, facebook: FakeFacebook):
        self.env = {
            **os.environ,
            "CANHGIAC_VAR_DIR": str(var),
            "CANHGIAC_HTTPS": "0",
            "CANHGIAC_SITE_URL": "https://canhgiac.example.vn",
            "DJANGO_SETTINGS_MODULE": "bulletins.tests.kill_settings",
            "TEST_ZALO_BASE": zalo.base_url,
            "TEST_FACEBOOK_BASE": facebook.base_url,
            "TEST_SMTP_PORT": str(sink.port),
            "TEST_OUTBOX_LEASE": str(LEASE),
        }
        self.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.pg_url = self._fresh_postgres() if os.environ.get("DATABASE_URL") else None
        if self.pg_url:
            self.env["DATABASE_URL"] = self.pg_url
        self.worker: subprocess.Popen | None = None

    def _admin_url(self) -> str:
        return urlunparse(urlparse(os.environ["DATABASE_URL"])._replace(path="/postgres"))

    def _fresh_postgres(self) -> str:
        import psycopg

        url = urlparse(os.environ["DATABASE_URL"])
        name = f"{url.path.lstrip('/')}_outbox_kill"
        with psycopg.connect(self._admin_url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return urlunparse(url._replace(path=f"/{name}"))

    def drop(self) -> None:
        if self.worker and self.worker.poll() is None:
            self.worker.kill()
            self.worker.wait()
        if self.pg_url:
            import psycopg

            name = urlparse(self.pg_url).path.lstrip("/")
            with psycopg.connect(self._admin_url(), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def python(self, code: str, *, timeout: int = 240) -> str:
        program = f"import django; django.setup()\n{code}"
        done = subprocess.run(
            [sys.executable, "-c", program],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def migrate(self) -> None:
        self.python(
            "from django.core.management import call_command\n"
            "call_command('migrate', verbosity=0, skip_checks=True)"
        )

    def start_worker(self) -> subprocess.Popen:
        command = [
            sys.executable,
            "manage.py",
            "deliver_bulletins",
            "--skip-checks",
            "--poll",
            "0.2",
        ]
        self.worker = subprocess.Popen(command, cwd=ROOT, env=self.env)
        return self.worker

    def finish(self) -> None:
        """A last worker that delivers what is due and leaves (`--once`)."""
        command = [sys.executable, "manage.py", "deliver_bulletins", "--skip-checks", "--once"]
        done = subprocess.run(command, cwd=ROOT, env=self.env, timeout=300, capture_output=True)
        assert done.returncode == 0, done.stderr[-3000:]

    def counts(self) -> dict:
        out = self.python(
            "import json\n"
            "from django.db.models import Count\n"
            "from bulletins.models import EmailDelivery, OutboxItem\n"
            "deliveries = dict(EmailDelivery.objects.values_list('status').annotate(Count('pk')))\n"
            "items = {i.channel: [i.status, i.remote_id, i.attempts] for i in OutboxItem.objects.all()}\n"
            "print(json.dumps({'deliveries': deliveries, 'items': items}))"
        )
        return json.loads(out.strip().splitlines()[-1])


def wait_for(condition, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_a_killed_worker_loses_nothing_and_sends_nothing_twice(tmp_path):
    sink = Sink()
    zalo, facebook = FakeZalo(), FakeFacebook()
    killed: list[int] = []
    site: KillSite | None = None

    def kill_at_mail(n: int) -> str | None:
        # Before the sink accepts mail number KILL_AT: the worker never sees its 250.
        if n == KILL_AT and site is not None and site.worker is not None:
            site.worker.send_signal(signal.SIGKILL)
            killed.append(n)
            return "451 4.3.0 the worker was killed"
        return None

    sink.before_accept = kill_at_mail
    controller = sink.start()
    zalo.start()
    facebook.start()
    site = KillSite(tmp_path, sink=sink, zalo=zalo, facebook=facebook)
    try:
        site.migrate()
        seed = {
            "recipients": RECIPIENTS,
            "zalo": {
                "app_id": zalo.app_id,
                "secret_key": zalo.secret_key,
                "access_token": zalo.access_token,
                "refresh_token": zalo.refresh_token,
                "access_expires_at": time.time() + 86400,
                "mode": "broadcast",
            },
            "facebook": {"page_id": facebook.page_id, "page_token": facebook.token},
        }
        site.python(
            "import json, os\n"
            "from bulletins.tests.outbox_support import seed_kill_site\n"
            f"seed_kill_site(**json.loads({json.dumps(json.dumps(seed))}))"
        )

        # 1. Facebook stores the post but answers late; the worker dies waiting for it.
        facebook.delay_next("feed", 20)
        first = site.start_worker()
        wait_for(lambda: len(facebook.posts) == 1, seconds=120, what="the Facebook post")
        first.send_signal(signal.SIGKILL)
        first.wait()
        time.sleep(LEASE + 0.5)

        # 2. A new worker finds the post already there, posts to Zalo, mails until number 400.
        second = site.start_worker()
        wait_for(lambda: bool(killed), seconds=240, what=f"mail number {KILL_AT}")
        second.wait()
        assert second.returncode == -signal.SIGKILL
        assert len(set(sink.addresses())) == KILL_AT - 1  # the 400th was never accepted
        time.sleep(LEASE + 0.5)

        # 3. After the restart: everyone once, each channel once.
        site.finish()
        addresses = sink.addresses()
        assert len(addresses) == RECIPIENTS
        assert len(set(addresses)) == RECIPIENTS
        assert len(facebook.posts) == 1
        assert len(zalo.articles) == 1 and len(zalo.broadcasts) == 1
        state = site.counts()
        assert state["deliveries"] == {"sent": RECIPIENTS}
        assert {k: v[0] for k, v in state["items"].items()} == {
            "email": "sent",
            "zalo": "sent",
            "facebook": "sent",
        }
        assert state["items"]["facebook"][2] == 2  # a second attempt, which found the post
        assert state["items"]["facebook"][1] == facebook.posts[0]["id"]
    finally:
        site.drop()
        controller.stop()
        zalo.stop()
        facebook.stop()
