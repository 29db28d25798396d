"""gunicorn's master loads the views and the list index before it forks (canhgiac/gunicorn_conf.py):
the workers share those pages, and each still answers the list as the database has it."""

import gc
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import DatabaseError

from canhgiac import gunicorn_conf
from canhgiac.tests.test_run import free_port
from indicators import matcher
from indicators.kinds import Kind
from indicators.services import list_indicator

ROOT = Path(__file__).resolve().parents[2]


class _Log:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def info(self, msg: str, *args: object) -> None:
        self.lines.append(("info", msg % args))

    def exception(self, msg: str, *args: object) -> None:
        self.lines.append(("exception", msg % args))


class _Arbiter:
    def __init__(self) -> None:
        self.log = _Log()


@pytest.fixture
def closed(monkeypatch):
    """Records connections.close_all() instead of closing pytest-django's connection."""
    calls: list[int] = []
    monkeypatch.setattr("django.db.connections.close_all", lambda: calls.append(1))
    yield calls
    gc.unfreeze()
    matcher.reset_matcher()


@pytest.mark.django_db
def test_the_master_loads_the_index_and_closes_its_connections_before_the_fork(closed):
    list_indicator(kind=Kind.DOMAIN, value="nap-truoc.vn")
    matcher.reset_matcher()
    arbiter = _Arbiter()
    gunicorn_conf.when_ready(arbiter)
    index = matcher._holder.index
    assert index is not None and index.check_host("nap-truoc.vn").listed
    assert closed and gc.get_freeze_count() > 0
    assert [kind for kind, _line in arbiter.log.lines] == ["info"]


@pytest.mark.django_db
def test_a_master_that_cannot_load_the_index_still_starts_its_workers(closed, monkeypatch):
    def broken() -> None:
        raise DatabaseError("no such table: indicators_indicator")

    monkeypatch.setattr(gunicorn_conf, "_load_index", broken)
    arbiter = _Arbiter()
    gunicorn_conf.when_ready(arbiter)  # logs, does not raise
    assert [kind for kind, _line in arbiter.log.lines] == ["exception"]
    assert closed  # and forks with no connection of its own


class _Worker:
    def __init__(self) -> None:
        self.beats = 0

    def notify(self) -> None:
        self.beats += 1


@pytest.mark.django_db
def test_a_worker_collects_garbage_less_often_after_its_start(closed):
    """A batch of 1,000 verdicts allocates about 100,000 objects: with Python's thresholds
    (700, 10, 10) the collector ran about a hundred times per batch (bench/lookup.py)."""
    before = gc.get_threshold()
    try:
        gunicorn_conf.post_worker_init(_Worker())
        assert gc.get_threshold() == gunicorn_conf.GC_THRESHOLDS
        assert gc.get_threshold()[0] > 10 * 700
        assert gc.isenabled()  # cycles are still collected
    finally:
        gc.set_threshold(*before)


# --- the real server ------------------------------------------------------------------------------


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, timeout=600)


def _list(env: dict[str, str], domain: str) -> None:
    code = (
        "from indicators.services import list_indicator; "
        f"list_indicator(kind='domain', value={domain!r})"
    )
    _manage(env, "shell", "-c", code)


def _listed(port: int, domain: str) -> bool:
    url = f"http://127.0.0.1:{port}/api/lookup/check?q={domain}"
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (loopback)
        return b'"status":"listed"' in response.read()


def _workers(master: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == master:
                found.append(int(entry.name))
    return found


def _until(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.mark.real_service
def test_workers_share_the_masters_snapshot_and_a_later_worker_reads_the_changes(tmp_path):
    snapshots = tmp_path / "index"
    env = {**os.environ, "CANHGIAC_VAR_DIR": str(tmp_path), "CANHGIAC_HTTPS": "0"}
    env.pop("DATABASE_URL", None)
    env |= {"CANHGIAC_LOG_LEVEL": "WARNING", "CANHGIAC_INDEX_SNAPSHOT_DIR": str(snapshots)}
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "createcachetable")
    _list(env, "truoc-khi-chay.vn")
    # A snapshot written by another process (as by the server that ran before a restart).
    _manage(env, "shell", "-c", "from indicators.matcher import get_matcher; get_matcher()")
    written = list(snapshots.glob("index-*.snap"))
    port = free_port()
    command = [
        str(ROOT / ".venv/bin/gunicorn"), "canhgiac.wsgi:application",
        "-c", "python:canhgiac.gunicorn_conf", "--bind", f"127.0.0.1:{port}", "--workers", "2",
        "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    paused: list[int] = []
    try:
        _until(lambda: len(_workers(server.pid)) == 2 and _answers(port))
        # The master mapped the snapshot; the workers inherited its map and built nothing.
        assert len(written) == 1 and list(snapshots.glob("index-*.snap")) == written
        for pid in [server.pid, *_workers(server.pid)]:
            assert str(snapshots) in Path(f"/proc/{pid}/maps").read_text(), pid
        assert _listed(port, "truoc-khi-chay.vn")

        _list(env, "sau-khi-chay.vn")
        _until(lambda: _listed(port, "sau-khi-chay.vn"), 30)
        # A worker forked now, from the master's index of before that listing: the only one
        # taking connections while the other is paused, it answers the listing all the same.
        old = _workers(server.pid)
        os.kill(old[0], signal.SIGKILL)
        paused = old[1:]
        for pid in paused:
            os.kill(pid, signal.SIGSTOP)
        _until(lambda: len(set(_workers(server.pid)) - set(old)) == 1)
        assert _listed(port, "sau-khi-chay.vn")
        assert _listed(port, "truoc-khi-chay.vn")
    finally:
        for pid in paused:
            os.kill(pid, signal.SIGCONT)
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _answers(port: int) -> bool:
    try:
        return _listed(port, "truoc-khi-chay.vn")
    except OSError:
        return False


def test_the_threads_of_a_worker_are_a_setting():
    code = "from canhgiac import gunicorn_conf as c; print(c.threads)"
    env = {**os.environ, "CANHGIAC_WEB_THREADS": "1"}
    shown = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert shown.stdout.strip() == "1"
    env.pop("CANHGIAC_WEB_THREADS")
    default = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert default.stdout.strip() == "4"


@pytest.mark.parametrize("value", ["0", "bốn", "-1", "1000"])
def test_a_bad_number_of_threads_is_refused_in_vietnamese(value):
    code = "from canhgiac import gunicorn_conf"
    env = {**os.environ, "CANHGIAC_WEB_THREADS": value}
    shown = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert shown.returncode != 0
    assert "CANHGIAC_WEB_THREADS phải là một số nguyên từ 1 đến 64" in shown.stderr
    assert value in shown.stderr
