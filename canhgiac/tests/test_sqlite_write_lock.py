"""The SQLite backend's write lock (canhgiac/sqlite/base.py): every write transaction and every
write in autocommit holds an flock on "<database>.write-lock" while it runs and lets go at
COMMIT, ROLLBACK, on an error and when its process dies; writers of several processes take
turns and none is lost. On a database file of its own, in processes of their own (the suite's
database is in memory, where there is nothing to share and no lock)."""

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRELUDE = """
import fcntl, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "canhgiac.settings"
import django
django.setup()
from django.db import connection, transaction
from django.conf import settings
assert settings.DATABASES["default"]["ENGINE"] == "canhgiac.sqlite"
LOCK = settings.DATABASES["default"]["NAME"] + ".write-lock"
with connection.cursor() as c:
    c.execute("CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY, n INTEGER)")
    c.execute("INSERT OR IGNORE INTO counter (id, n) VALUES (1, 0)")

def free():
    fd = os.open(LOCK, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True
"""


def _start(var: Path, body: str) -> subprocess.Popen[str]:
    env = {**os.environ, "CANHGIAC_VAR_DIR": str(var), "CANHGIAC_HTTPS": "0"}
    env.pop("DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-c", PRELUDE + body],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run(var: Path, body: str) -> str:
    process = _start(var, body)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err[-3000:]
    return out


HOLD = """
import time
with transaction.atomic():
    with connection.cursor() as c:
        c.execute("UPDATE counter SET n = %s", [N])
    print("holding", flush=True)
    time.sleep(SECONDS)
"""


def _hold(var: Path, *, n: int, seconds: float) -> subprocess.Popen[str]:
    """A process that sets the counter to n in a transaction and keeps it open `seconds`."""
    holder = _start(var, f"N, SECONDS = {n}, {seconds}\n" + HOLD)
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "holding"
    return holder


@pytest.fixture
def var(tmp_path):
    return tmp_path


def test_a_transaction_holds_the_lock_until_it_ends_however_it_ends(var):
    out = _run(
        var,
        """
print("idle", free())
with transaction.atomic():
    with connection.cursor() as c:
        c.execute("UPDATE counter SET n = n + 1")
    print("in", free())
    with transaction.atomic():  # a savepoint: still the same holder
        print("nested", free())
    print("after-nested", free())
print("committed", free())
try:
    with transaction.atomic():
        with connection.cursor() as c:
            c.execute("UPDATE counter SET n = n + 100")
        raise ValueError
except ValueError:
    pass
print("rolled-back", free())
with connection.cursor() as c:
    c.execute("UPDATE counter SET n = n + 1")  # autocommit
    print("autocommit", free())
    c.execute("SELECT n FROM counter")
    print("n", c.fetchone()[0])
with transaction.atomic():
    connection.close()
print("closed", free())
""",
    )
    lines = dict(line.split() for line in out.splitlines())
    assert lines == {
        "idle": "True",
        "in": "False",
        "nested": "False",
        "after-nested": "False",
        "committed": "True",
        "rolled-back": "True",
        "autocommit": "True",
        "n": "2",
        "closed": "True",
    }


def test_a_writer_waits_for_the_holder_and_goes_on_when_it_commits(var):
    _run(var, "")
    holder = _hold(var, n=10, seconds=1.5)
    started = time.monotonic()
    out = _run(
        var,
        """
with transaction.atomic():
    with connection.cursor() as c:
        c.execute("UPDATE counter SET n = n + 1")
        c.execute("SELECT n FROM counter")
        print(c.fetchone()[0])
""",
    )
    waited = time.monotonic() - started
    holder.communicate(timeout=60)
    assert out.strip() == "11"  # after the holder's write, not lost, not failed
    assert waited > 1.0


def test_a_holder_that_dies_lets_the_others_write(var):
    _run(var, "")
    holder = _hold(var, n=5, seconds=60)
    lock = var / "canhgiac.sqlite3.write-lock"
    fd = os.open(lock, os.O_RDWR)
    try:
        with pytest.raises(BlockingIOError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the kernel let it go
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
        holder.communicate(timeout=30)
    out = _run(var, "print(free())")
    assert out.strip() == "True"


def test_writers_of_several_processes_and_threads_take_turns_and_none_is_lost(var):
    _run(var, "")
    body = """
import threading
from django.db import connections
def work():
    for _ in range(150):
        with transaction.atomic():
            with connection.cursor() as c:
                c.execute("SELECT n FROM counter WHERE id = 1")
                n = c.fetchone()[0]
                c.execute("UPDATE counter SET n = %s WHERE id = 1", [n + 1])
        with connection.cursor() as c:
            c.execute("INSERT INTO counter (n) VALUES (0)")
    connections.close_all()
threads = [threading.Thread(target=work) for _ in range(3)]
for t in threads: t.start()
for t in threads: t.join()
"""
    writers = [_start(var, body) for _ in range(3)]
    for writer in writers:
        _out, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err[-3000:]
    out = _run(
        var,
        """
with connection.cursor() as c:
    c.execute("SELECT n FROM counter WHERE id = 1")
    print(c.fetchone()[0])
    c.execute("SELECT count(*) FROM counter")
    print(c.fetchone()[0])
""",
    )
    assert out.split() == [str(3 * 3 * 150), str(1 + 3 * 3 * 150)]
