"""What `make run` does, step by step, on a fresh data folder: migrate, demo data twice (no
duplicates), then bin/serve answers and stops both processes cleanly on Ctrl-C."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fresh_site(tmp_path_factory):
    var = tmp_path_factory.mktemp("var")
    env = {**os.environ, "CANHGIAC_VAR_DIR": str(var), "CANHGIAC_HTTPS": "0"}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        ).stdout

    manage("migrate", "--noinput", "-v0")
    manage("createcachetable")
    return env, manage


def test_demo_data_loads_once_and_prints_sign_in_once(fresh_site):
    env, manage = fresh_site
    first = manage("load_demo")
    assert "Đơn vị: thêm 202" in first
    assert "xacminh.ph01" in first and "quantri" in first
    second = manage("load_demo")
    assert "thêm 0" in second and "giữ nguyên 202" in second
    assert "xacminh.ph01 " not in second  # passwords are shown only the first time
    counts = manage(
        "shell",
        "-c",
        "from orgs.models import Unit, User; from collections import Counter;"
        "print(sorted(Counter(Unit.objects.values_list('kind', flat=True)).items()),"
        " User.objects.count())",
    )
    assert counts.strip().splitlines()[-1] == (
        "[('agency', 49), ('commune', 99), ('department', 14), ('organisation', 8), "
        "('province', 1), ('special_zone', 1), ('ward', 30)] 7"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_runs_web_and_worker_and_stops_both_on_ctrl_c(fresh_site):
    env, _ = fresh_site
    port = free_port()
    proc = subprocess.Popen(
        ["bin/serve"],
        cwd=ROOT,
        env={**env, "CANHGIAC_BIND": f"127.0.0.1:{port}", "CANHGIAC_DEBUG": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        body = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = r.read()
            except OSError:
                time.sleep(0.3)
        assert body == b'{"status": "ok", "database": "ok"}'
        children = subprocess.run(
            ["pgrep", "-g", str(proc.pid), "-f", "db_worker|gunicorn"],
            capture_output=True,
            text=True,
        ).stdout.split()
        assert len(children) >= 2, "expected gunicorn and the task worker"
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        output = proc.communicate(timeout=30)[0].decode()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert "Đã dừng." in output
    left = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True)
    assert left.stdout.strip() == "", "a process was left running"
